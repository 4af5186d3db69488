/* SPDX-License-Identifier: MIT */
/*
 * The program under test (dmd), run the way systemd runs a service: forked
 * with xensim's environment, ready at READY=1, stopped with SIGTERM; and
 * for crash-restart tests killed (kill-dmd, --kill-at), stopped and
 * continued (SIGSTOP, SIGCONT), and started again with the same argv and
 * environment plus the fd store (notify.h).
 *
 * A death the script or a --kill-at asked for ends the program as the
 * kernel ends a process: its library handles close, its event-channel
 * ports go back to ECS_UNBOUND, its mappings go, nothing of it is a leak;
 * what belongs to the domain (servers, ranges, pages, requests in the
 * slots) stays, and no vCPU times out until the next program is ready.
 * Any other death is the program's own: main.c judges it.
 */
#ifndef XENSIM_PROGRAM_H
#define XENSIM_PROGRAM_H

#include <stdbool.h>
#include <sys/types.h>

#include "loop.h"

#define PROGRAM_READY_TIMEOUT_MS 10000u

enum program_state {
    PROGRAM_NONE,     /* none runs: not started yet, or killed as asked and reaped */
    PROGRAM_STARTING, /* running, no READY=1 yet */
    PROGRAM_READY,    /* running, READY=1 came */
    PROGRAM_EXITED,   /* died by itself, or on SIGTERM: see program_status() */
};

struct program_config {
    char **argv;
    const char *libdir;      /* prepended to LD_LIBRARY_PATH */
    const char *ctl_path;    /* XENSIM_SOCKET */
    const char *notify_path; /* NOTIFY_SOCKET */
    const char *runtime_dir; /* RUNTIME_DIRECTORY; NULL or "": xensim's own is passed on */
    bool stats;
};

void program_init(const struct program_config *c);
/* Fork and exec it: the first start (line 0) or start-dmd at `line`.
 * -1 with errno. */
int program_start(unsigned line);

enum program_state program_state(void);
/* STARTING or READY: a process is there. */
bool program_running(void);
/* Running and not stopped (stop-dmd): it can answer requests. */
bool program_answering(void);
pid_t program_pid(void);
/* The wait status of an EXITED program. */
int program_status(void);
/* Did READY=1 come from the current (or last) program? */
bool program_was_ready(void);
/* The start-dmd line of the current (or last) program; 0: the first. */
unsigned program_start_line(void);
/* How the last program was killed ("kill-dmd at line 5",
 * "--kill-at xenevtchn_notify:2"), for messages. */
const char *program_killed_by(void);

void program_poll(struct loop *l);

/* notify.c: READY=1 came. */
void program_ready(void);
/* calls.c: a --kill-at fired in a call of process `pid` (0: unknown): if
 * that is the running program, SIGKILL it now, a death asked for (true). */
bool program_killing(const char *spec, pid_t pid);
/* Is `pid` the program, killed as asked but not reaped yet? */
bool program_dying(pid_t pid);

/* kill-dmd: SIGKILL, reap and release now. */
void program_kill(unsigned line);
/* stop-dmd: SIGSTOP; returns once it is stopped (or dead). */
void program_stop(unsigned line);
/* cont-dmd: SIGCONT. */
void program_cont(unsigned line);
/* The end of the run: SIGTERM, and SIGCONT after it if it is stopped, as
 * systemd sends. */
void program_terminate(void);
/* It did not end in time: SIGKILL (its death is no --kill-at's). */
void program_force_kill(void);

/* --stats, of the first program only: sample it now (the script is over)
 * if it still runs; print the four lines. */
void program_stats_sample(void);
void program_stats_print(void);

void program_fini(void);

#endif
