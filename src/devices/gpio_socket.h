/* SPDX-License-Identifier: MIT */
/*
 * The host side of a GPIO controller (backend = socket:PATH): a unix
 * stream socket on which several clients talk at once, in a tiny text
 * protocol of newline-terminated lines (docs/gpio-protocol.md, dmd-gpio(1)):
 *
 *   get             -> LINE LEVEL DIR,LINE LEVEL DIR,...   every line
 *   get LINE        -> LINE LEVEL DIR          LEVEL 0|1, DIR in|out
 *   set LINE 0|1    -> ok                      the host drives an input
 *   watch           -> ok, then `change LINE LEVEL DIR` at every change
 *   help            -> ok COMMANDS
 *   anything else   -> error TEXT
 *
 * One reply line per request, in order.  The device owns the lines and
 * says when one changes; this file owns the sockets and the words.
 *
 * Nothing a client does can block dmd: each client's unread output is
 * bounded (GPIO_SOCKET_OUTBUF) and a client that lets it fill up is
 * disconnected with a log line; request lines are bounded too
 * (GPIO_SOCKET_LINE_MAX) and a longer one is answered with an error.
 */
#ifndef DMD_GPIO_SOCKET_H
#define DMD_GPIO_SOCKET_H

#include <stdbool.h>

struct ev_loop;
struct gpio_socket;

#define GPIO_SOCKET_MAX_LINES 64    /* lines a controller may expose */
#define GPIO_SOCKET_MAX_CLIENTS 16  /* connected at once */
#define GPIO_SOCKET_LINE_MAX 128    /* a request line, newline included */
#define GPIO_SOCKET_OUTBUF 8192     /* bytes a client may leave unread */

/* The device side: what the protocol reads and drives. */
struct gpio_socket_lines {
    void *opaque;
    unsigned count; /* lines 0 .. count - 1; 1 .. GPIO_SOCKET_MAX_LINES */
    /* A line's level now, and whether the guest drives it (an output). */
    void (*get)(void *opaque, unsigned line, bool *level, bool *output);
    /* A client drives `line` to `level`.  May call gpio_socket_changed(). */
    void (*set)(void *opaque, unsigned line, bool level);
};

/*
 * Listen on `path` (created 0660; a stale socket there is replaced,
 * anything else is refused).  `owner` names the device in log lines.
 * Returns 0 or a negative errno; failures are logged with the path.
 */
int gpio_socket_open(struct gpio_socket **out, struct ev_loop *loop, const char *path,
                     const char *owner, const struct gpio_socket_lines *lines);

/* A line's level or direction changed: tell every watching client.  A
 * NULL socket (no host side) is accepted and ignored. */
void gpio_socket_changed(struct gpio_socket *sock, unsigned line, bool level, bool output);

/* Disconnect every client, stop listening and remove the socket file if
 * it is still the one we created. */
void gpio_socket_close(struct gpio_socket *sock);

#endif
