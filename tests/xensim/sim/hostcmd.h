/* SPDX-License-Identifier: MIT */
/*
 * Host commands the script runs (host-run, host-spawn, host-wait): a
 * command line given to /bin/sh -c, as a user would type it next to a
 * running dmd, e.g. a dmd-gpio client.
 *
 * Each command runs in a process group of its own, with stdin from
 * /dev/null and stdout and stderr into one pipe that the simulator's loop
 * drains (the last 64 KiB are kept), so dmd keeps being served while a
 * command runs: a command that makes dmd raise an interrupt needs xensim
 * to answer that DMOP.  The command dies with xensim (PR_SET_PDEATHSIG).
 * Commands are known by a name; host-run uses the empty name.
 */
#ifndef XENSIM_HOSTCMD_H
#define XENSIM_HOSTCMD_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

/* 0, or -errno (EBUSY: a command of that name was not forgotten yet). */
int hostcmd_start(const char *name, const char *command);
/* Has it exited?  Then *status is its wait status (and its output is
 * complete). */
bool hostcmd_exited(const char *name, int *status);
/* Its output so far (stdout and stderr interleaved as written). */
const char *hostcmd_output(const char *name, size_t *len);
/* Kill its process group (if still running), reap it and forget it. */
void hostcmd_forget(const char *name);
/* Is a command of this name known (running, or exited and not forgotten)? */
bool hostcmd_known(const char *name);
/* Forget every command still known (killing those still running), after
 * calling `report` with each one's name. */
void hostcmd_forget_all(void (*report)(const char *name, bool running));

void hostcmd_poll(struct loop *l);

#endif
