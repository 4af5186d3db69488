/* SPDX-License-Identifier: MIT */
#include "events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "calls.h"
#include "ioreq.h"
#include "sim.h"

struct xen_port {
    bool used;
    unsigned server;
    int vcpu;       /* -1: the buffered port */
    uint32_t local; /* the local port bound to it, 0 if unbound */
};

struct local_port {
    struct handle *h; /* NULL: free */
    uint32_t remote;  /* 0 once the Xen side is gone */
    unsigned server;  /* what it was bound to, for messages */
    int vcpu;
    bool pending;
    bool masked;
};

static struct xen_port events_xen[EVENTS_NR_PORTS];
static struct local_port events_local[EVENTS_NR_PORTS];

static struct local_port *events_lookup(struct handle *h, uint32_t local)
{
    if (local < EVENTS_LOCAL_BASE || local - EVENTS_LOCAL_BASE >= EVENTS_NR_PORTS)
        return NULL;
    struct local_port *lp = &events_local[local - EVENTS_LOCAL_BASE];
    return lp->h == h ? lp : NULL;
}


uint32_t events_alloc_xen(unsigned id, int vcpu)
{
    for (uint32_t port = 1; port < EVENTS_NR_PORTS; port++) {
        if (!events_xen[port].used) {
            events_xen[port] = (struct xen_port){ true, id, vcpu, 0 };
            return port;
        }
    }
    return 0;
}

/* The peer of a closed Xen-side port stays bound until dmd unbinds it. */
void events_free_xen(uint32_t port)
{
    struct xen_port *xp = &events_xen[port];
    if (xp->local)
        events_local[xp->local - EVENTS_LOCAL_BASE].remote = 0;
    *xp = (struct xen_port){ 0 };
}

static void events_deliver(uint32_t local)
{
    struct local_port *lp = &events_local[local - EVENTS_LOCAL_BASE];
    if (lp->masked) {
        lp->pending = true;
        return;
    }
    lp->masked = true;
    lp->pending = false;
    ssize_t n = send(lp->h->evfd, &local, sizeof(local), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno != EPIPE && errno != ECONNRESET)
        sim_fail("cannot deliver event on port %u to xenevtchn handle #%u: %s",
                 local, lp->h->serial, strerror(errno));
}

void events_send(uint32_t xen_port)
{
    const struct xen_port *xp = &events_xen[xen_port];
    if (xen_port == 0 || !xp->used || !xp->local) {
        sim_trace("event on unbound Xen port %u lost", xen_port);
        return;
    }
    events_deliver(xp->local);
}

int events_bind(struct handle *h, uint32_t remote)
{
    if (remote == 0 || remote >= EVENTS_NR_PORTS || !events_xen[remote].used ||
        events_xen[remote].local)
        return -EINVAL; /* not an unbound port of this domain */
    for (uint32_t i = 0; i < EVENTS_NR_PORTS; i++) {
        if (!events_local[i].h) {
            events_local[i] = (struct local_port){
                .h = h,
                .remote = remote,
                .server = events_xen[remote].server,
                .vcpu = events_xen[remote].vcpu,
            };
            events_xen[remote].local = EVENTS_LOCAL_BASE + i;
            return (int)(EVENTS_LOCAL_BASE + i);
        }
    }
    return -ENOSPC;
}

int events_unbind(struct handle *h, uint32_t local)
{
    struct local_port *lp = events_lookup(h, local);
    if (!lp)
        return -ENOTCONN; /* the kernel's answer for a port not ours */
    if (lp->remote)
        events_xen[lp->remote].local = 0; /* back to ECS_UNBOUND */
    *lp = (struct local_port){ 0 };
    return 0;
}

int events_notify(struct handle *h, uint32_t local)
{
    struct local_port *lp = events_lookup(h, local);
    if (!lp)
        return -ENOTCONN;
    if (!lp->remote)
        return 0;
    /* The port's notify vCPU wakes; the buffered port's is vCPU 0. */
    int vcpu = events_xen[lp->remote].vcpu;
    ioreq_wake(vcpu < 0 ? 0 : (unsigned)vcpu);
    return 0;
}

/* Like a write to /dev/xen/evtchn: ports that are not ours are ignored. */
int events_unmask(struct handle *h, uint32_t local)
{
    struct local_port *lp = events_lookup(h, local);
    if (!lp)
        return 0;
    lp->masked = false;
    if (lp->pending)
        events_deliver(local);
    return 0;
}

void events_release(struct handle *h, const char *how)
{
    char what[32];
    for (uint32_t i = 0; i < EVENTS_NR_PORTS; i++) {
        const struct local_port *lp = &events_local[i];
        if (lp->h != h)
            continue;
        uint32_t local = EVENTS_LOCAL_BASE + i;
        if (lp->vcpu < 0)
            snprintf(what, sizeof(what), "buffered");
        else
            snprintf(what, sizeof(what), "vCPU %d", lp->vcpu);
        sim_leak("event channel port %u (server %u %s) still bound when xenevtchn "
                 "handle #%u was %s", local, lp->server, what, h->serial, how);
        events_unbind(h, local);
    }
}

void events_close_all(struct handle *h)
{
    for (uint32_t i = 0; i < EVENTS_NR_PORTS; i++)
        if (events_local[i].h == h)
            events_unbind(h, EVENTS_LOCAL_BASE + i);
}
