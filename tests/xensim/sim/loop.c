/* SPDX-License-Identifier: MIT */
#include "loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

void loop_begin(struct loop *l)
{
    l->n = 0;
    l->deadline = UINT64_MAX;
}

void loop_add(struct loop *l, int fd, short events, loop_fn *fn, void *arg)
{
    if (l->n == LOOP_MAX_FDS) {
        fprintf(stderr, "xensim: too many descriptors to poll\n");
        abort(); /* a simulator bug: the tables are sized below this */
    }
    l->fds[l->n] = (struct pollfd){ .fd = fd, .events = events };
    l->fn[l->n] = fn;
    l->arg[l->n] = arg;
    l->n++;
}

void loop_until(struct loop *l, uint64_t when)
{
    if (when < l->deadline)
        l->deadline = when;
}

void loop_wait(struct loop *l)
{
    int timeout = -1;
    if (l->deadline != UINT64_MAX) {
        uint64_t now = sim_now();
        uint64_t wait = l->deadline > now ? l->deadline - now : 0;
        timeout = wait > 1000 ? 1000 : (int)wait;
    }
    int n = poll(l->fds, l->n, timeout);
    if (n < 0 && errno != EINTR) {
        perror("xensim: poll");
        abort();
    }
    for (unsigned i = 0; n > 0 && i < l->n; i++)
        if (l->fds[i].revents)
            l->fn[i](l->arg[i], l->fds[i].revents);
}
