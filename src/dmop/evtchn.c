/* SPDX-License-Identifier: MIT */
/*
 * Event channels: one per vCPU slot plus one for the buffered ring.
 *
 * xenevtchn_pending() may block if called when nothing is pending, so the
 * loop calls it exactly once per readable event on the fd (see
 * xenevtchn.h).  The kernel masks a port when it delivers it; it must be
 * unmasked before the slot is looked at, or a notification arriving in
 * between would be lost.
 */
#include "dmop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xenevtchn.h>

#include "../log.h"

static void describe(char *buf, size_t len, int vcpu)
{
    if (vcpu < 0)
        snprintf(buf, len, "bufioreq port");
    else
        snprintf(buf, len, "vCPU %d", vcpu);
}

int dmop_evtchn_fd(struct dmop *x)
{
    return xenevtchn_fd(x->xce);
}

int dmop_bind_port(struct dmop *x, evtchn_port_t remote, int vcpu, evtchn_port_t *local)
{
    xenevtchn_port_or_error_t rc = xenevtchn_bind_interdomain(x->xce, x->domid, remote);
    char what[32];

    if (rc < 0) {
        int err = errno;
        describe(what, sizeof(what), vcpu);
        log_err("xenevtchn_bind_interdomain(domain %u, server %u, %s, remote port %u): %s",
                x->domid, x->server, what, remote, strerror(err));
        return -err;
    }
    *local = (evtchn_port_t)rc;
    return 0;
}

void dmop_unbind_port(struct dmop *x, evtchn_port_t local, int vcpu)
{
    char what[32];

    if (xenevtchn_unbind(x->xce, local) < 0) {
        describe(what, sizeof(what), vcpu);
        log_warn("xenevtchn_unbind(domain %u, %s, local port %u): %s", x->domid, what, local,
                 strerror(errno));
    }
}

int dmop_pending(struct dmop *x, evtchn_port_t *port)
{
    static struct log_ratelimit rl;
    xenevtchn_port_or_error_t rc = xenevtchn_pending(x->xce);

    if (rc < 0) {
        int err = errno;
        log_limited(&rl, LOG_ERR, NULL, "xenevtchn_pending(domain %u): %s", x->domid,
                    strerror(err));
        return -err;
    }
    *port = (evtchn_port_t)rc;
    return 0;
}

int dmop_unmask(struct dmop *x, evtchn_port_t port)
{
    static struct log_ratelimit rl;

    if (xenevtchn_unmask(x->xce, port) < 0) {
        int err = errno;
        log_limited(&rl, LOG_ERR, NULL, "xenevtchn_unmask(domain %u, local port %u): %s",
                    x->domid, port, strerror(err));
        return -err;
    }
    return 0;
}

int dmop_notify(struct dmop *x, evtchn_port_t port, int vcpu)
{
    static struct log_ratelimit rl;

    if (xenevtchn_notify(x->xce, port) < 0) {
        int err = errno;
        struct log_fields f = { .device = NULL, .vcpu = vcpu };
        log_limited(&rl, LOG_ERR, &f, "xenevtchn_notify(domain %u, local port %u): %s",
                    x->domid, port, strerror(err));
        return -err;
    }
    return 0;
}
