/* SPDX-License-Identifier: MIT */
/*
 * The listening unix stream socket behind a host-side backend (a UART's
 * `socket:PATH`, a GPIO controller's socket), created the same careful way
 * for each:
 *  - a socket left at PATH by a dmd that crashed is replaced, anything
 *    else there (a file, a directory, a symlink) is refused;
 *  - the socket file is created mode 0660, non-blocking and close-on-exec;
 *  - at exit the file is removed only if it is still the one this dmd
 *    bound: another dmd may have replaced it since.
 */
#ifndef DMD_UNIX_LISTEN_H
#define DMD_UNIX_LISTEN_H

#include <sys/stat.h>

/*
 * Listen on `path` with `backlog`.  Returns the socket or a negative errno;
 * a failure is logged as "WHAT: cannot bind PATH: REASON" for device
 * `owner`.  *bound receives the socket file's identity for
 * unix_listen_remove().
 */
int unix_listen(const char *path, int backlog, const char *owner, const char *what,
                struct stat *bound);

/* Remove `path` if it is still the socket file unix_listen() bound. */
void unix_listen_remove(const char *path, const struct stat *bound);

/* From now on unix_listen_remove() leaves every file where it is: the
 * next dmd listens there again (chardev_leave()). */
void unix_listen_keep(void);

#endif
