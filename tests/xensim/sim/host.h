/* SPDX-License-Identifier: MIT */
/*
 * The host side of dmd's backends: named unix stream connections the
 * script opens (host-connect) to talk to a device as its user would.
 * Whatever arrives is kept (the last 64 KiB) until host-expect finds what
 * it waits for; the bytes up to the end of the match are then consumed.
 */
#ifndef XENSIM_HOST_H
#define XENSIM_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

/* 0, or -errno (the socket may not exist yet: try again). */
int host_connect(const char *name, const char *path);
/* 0, or -errno; the connection must exist. */
int host_send(const char *name, const char *text, size_t len);
/* Has `text` arrived?  If so, consume everything up to its end. */
bool host_match(const char *name, const char *text, size_t len);
/* Bytes received and not consumed yet; *eof when the peer closed. */
const char *host_pending(const char *name, size_t *len, bool *eof);
bool host_is_connected(const char *name);
void host_close(const char *name);
void host_close_all(void);

void host_poll(struct loop *l);

#endif
