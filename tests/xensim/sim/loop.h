/* SPDX-License-Identifier: MIT */
/*
 * The simulator's single poll loop.  Each round, the parts that own
 * descriptors add them with a callback and lower the deadline if they have
 * something timed; loop_wait() polls once and runs the callbacks.
 */
#ifndef XENSIM_LOOP_H
#define XENSIM_LOOP_H

#include <poll.h>
#include <stdint.h>

#define LOOP_MAX_FDS 128

typedef void loop_fn(void *arg, short revents);

struct loop {
    struct pollfd fds[LOOP_MAX_FDS];
    loop_fn *fn[LOOP_MAX_FDS];
    void *arg[LOOP_MAX_FDS];
    unsigned n;
    uint64_t deadline; /* sim_now() milliseconds, UINT64_MAX: none */
};

void loop_begin(struct loop *l);
void loop_add(struct loop *l, int fd, short events, loop_fn *fn, void *arg);
void loop_until(struct loop *l, uint64_t when);
void loop_wait(struct loop *l);

#endif
