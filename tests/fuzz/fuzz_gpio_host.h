/* SPDX-License-Identifier: MIT */
/*
 * The host end of a pl061's GPIO socket, played by a fuzz target: a few
 * clients connect, send protocol requests (from a small dictionary, with
 * numbers the input chooses) or raw bytes, read and hang up, in any order.
 *
 * Everything dmd sends is checked against docs/gpio-protocol.md: each
 * line is `ok[ TEXT]`, `error TEXT`, a `get` answer (`LINE LEVEL DIR`
 * entries for one line or all of them, in order, joined by commas) or
 * `change LINE LEVEL DIR`, and only a client that may have sent `watch`
 * gets change lines; no client gets more replies than it sent request
 * lines.  A broken rule aborts (fuzz_check.h).
 */
#ifndef DMD_FUZZ_GPIO_HOST_H
#define DMD_FUZZ_GPIO_HOST_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_GPIO_CLIENTS 3
/* Requests fuzz_gpio_send_request() knows; `which` is taken modulo this. */
#define FUZZ_GPIO_REQUESTS 16

/* The socket's path and the controller's line count (ngpio). */
void fuzz_gpio_host_init(const char *path, unsigned nlines);

/* Each call takes a client number modulo FUZZ_GPIO_CLIENTS.  Connecting a
 * connected client hangs it up first; a refused connection (no device)
 * leaves it unconnected, and the others then do nothing. */
void fuzz_gpio_connect(unsigned client);
/* Request `which`; `line` and `level` fill its numbers (any values: the
 * dictionary also asks for lines that do not exist and levels not 0/1). */
void fuzz_gpio_send_request(unsigned client, unsigned which, uint8_t line, uint8_t level);
void fuzz_gpio_send_raw(unsigned client, const uint8_t *bytes, size_t len);
/* Read what dmd sent and check every complete line. */
void fuzz_gpio_read(unsigned client);
void fuzz_gpio_hangup(unsigned client);
void fuzz_gpio_hangup_all(void);

#endif
