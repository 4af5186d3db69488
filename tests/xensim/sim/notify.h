/* SPDX-License-Identifier: MIT */
/*
 * The service manager's end of sd_notify(3): the datagram socket named by
 * NOTIFY_SOCKET, and the file descriptor store systemd keeps for a service
 * across its restarts (sd_notify(3), sd_listen_fds(3)).
 *
 * A datagram is newline-separated assignments, with descriptors attached
 * (SCM_RIGHTS, up to NOTIFY_MAX_FDS).  READY=1 goes to program.c.
 * FDSTORE=1 stores the attached descriptors under FDNAME= (one name for
 * all of them; "stored" when there is none or it is invalid), FDPOLL=0
 * exempts them from the POLLHUP/POLLERR check; a descriptor already stored
 * (the same open file) is not stored twice; beyond FDSTORE_MAX the rest are
 * closed with a note.  FDSTOREREMOVE=1 with FDNAME= closes and forgets
 * every stored descriptor of that name.  Descriptors that come without
 * FDSTORE=1 are closed.
 *
 * The store outlives the program: fdstore_pass() hands it to the next one
 * as systemd does, and it is closed at the end of the run.
 */
#ifndef XENSIM_NOTIFY_H
#define XENSIM_NOTIFY_H

#include "loop.h"

#define NOTIFY_MAX_FDS 16 /* per datagram */
#define FDSTORE_MAX 64    /* FileDescriptorStoreMax= */

int notify_init(const char *path);
void notify_poll(struct loop *l);
/* Read every datagram queued now: before a start, the last words of the
 * program that died (an FDSTORE=1 it sent counts). */
void notify_drain(void);
void notify_fini(void);

/* Descriptors held in the store now. */
unsigned fdstore_count(void);
/* Before a start: close the stored descriptors that show POLLHUP or
 * POLLERR (a socket whose peer is gone), as systemd does. */
void fdstore_drop_hung(void);
/*
 * In the child, after fork and before exec: the stored descriptors become
 * 3, 4, ... in the order they were stored, with LISTEN_FDS, LISTEN_FDNAMES
 * (the names joined by ':') and LISTEN_PID (the child's pid) set; with an
 * empty store the three are unset.  -1 with errno on failure.
 */
int fdstore_pass(void);

#endif
