/* SPDX-License-Identifier: MIT */
/*
 * The fake libraries' side of proto.h: one connection per handle, one
 * request/reply exchange per library call.  Not thread-safe, like the rest
 * of the fakes: one thread may use a handle at a time.
 */
#ifndef XENSIM_CLIENT_H
#define XENSIM_CLIENT_H

#include <stdint.h>

#include "../proto.h"

/*
 * Connect and send the opening request `op` (with `send_fd` attached when
 * >= 0).  Returns the connection, or -1 with errno from the simulator's
 * reply or from the transport.  A descriptor in the reply lands in
 * *recv_fd (-1 if none) when recv_fd is not NULL.
 */
int client_open(uint32_t op, int send_fd, int *recv_fd);

/*
 * One call: `msg` (op, flags, arg) and `len` payload bytes go out, the
 * reply comes back into `msg` and up to `reply_len` bytes of `reply`.
 * Returns msg->ret, or -1 with errno.
 */
int client_call(int conn, struct xensim_msg *msg, const void *payload,
                uint32_t len, void *reply, uint32_t reply_len);

/* A call on a one-shot connection (xentoolcore_restrict_all). */
int client_oneshot(uint32_t op, uint64_t arg0);

/* A request without payload: CLIENT_MSG(XENSIM_DM_NR_VCPUS, domid). */
#define CLIENT_MSG(op_, ...) \
    ((struct xensim_msg){ .op = (op_), .arg = { __VA_ARGS__ } })

/* client_call() without payloads. */
int client_simple(int conn, struct xensim_msg *msg);

#endif
