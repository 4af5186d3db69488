/* SPDX-License-Identifier: MIT */
/*
 * The system call allow-list (seccomp, through libseccomp), installed once
 * start-up is over: from then on dmd can make only the calls its loop
 * needs (event channels, DMOPs and guest mappings through their ioctls and
 * mmap, its backends' unix sockets and files, the journal, timers).  Any
 * other call is not made: dmd writes "dmd: system call N is not on the
 * seccomp allow-list; stopping" on stderr and dies of SIGSYS, like a crash:
 * the service manager restarts it and the new dmd takes over where it
 * stopped (docs/restart.md).  `[dmd] seccomp = no` leaves it out.
 */
#ifndef DMD_SANDBOX_H
#define DMD_SANDBOX_H

/* Install the filter for this process (and set no_new_privs, which it
 * needs).  0, or -1 with the reason logged (dmd does not start). */
int sandbox_install(void);

#endif
