/* SPDX-License-Identifier: MIT */
/*
 * Opening and closing the Xen library handles, and domain-wide queries.
 */
#include "dmop.h"

#include <errno.h>
#include <string.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoolcore.h>

#include "../log.h"

int dmop_open(struct dmop *x, domid_t domid)
{
    memset(x, 0, sizeof(*x));
    x->domid = domid;

    x->dm = xendevicemodel_open(NULL, 0);
    if (x->dm == NULL) {
        log_err("xendevicemodel_open: %s (is the Xen privcmd driver loaded and are we root?)",
                strerror(errno));
        goto fail;
    }
    x->fmem = xenforeignmemory_open(NULL, 0);
    if (x->fmem == NULL) {
        log_err("xenforeignmemory_open: %s", strerror(errno));
        goto fail;
    }
    x->xce = xenevtchn_open(NULL, 0);
    if (x->xce == NULL) {
        log_err("xenevtchn_open: %s (is the xen-evtchn driver loaded?)", strerror(errno));
        goto fail;
    }
    return 0;

fail:;
    int err = errno ? errno : EIO;
    dmop_close(x);
    return -err;
}

void dmop_close(struct dmop *x)
{
    if (x->xce != NULL && xenevtchn_close(x->xce) < 0)
        log_warn("xenevtchn_close: %s", strerror(errno));
    if (x->fmem != NULL && xenforeignmemory_close(x->fmem) < 0)
        log_warn("xenforeignmemory_close: %s", strerror(errno));
    if (x->dm != NULL && xendevicemodel_close(x->dm) < 0)
        log_warn("xendevicemodel_close: %s", strerror(errno));
    x->xce = NULL;
    x->fmem = NULL;
    x->dm = NULL;
}

int dmop_nr_vcpus(struct dmop *x, unsigned *nr)
{
    if (xendevicemodel_nr_vcpus(x->dm, x->domid, nr) < 0) {
        int err = errno;
        log_err("xendevicemodel_nr_vcpus(domain %u): %s%s", x->domid, strerror(err),
                err == ESRCH ? " (no such domain)" : "");
        return -err;
    }
    return 0;
}

/*
 * A destroyed domain does not vanish while dmd still maps its ioreq pages:
 * it lingers as a dying domain that still answers nr_vcpus, waiting for
 * those mappings to go, while dmd waited for it to vanish (seen on real
 * Xen).  Xen has already destroyed its ioreq servers by then, so asking
 * for our server is what tells.
 */
int dmop_domain_alive(struct dmop *x)
{
    unsigned nr;

    if (x->gone)
        return 0;
    if (xendevicemodel_nr_vcpus(x->dm, x->domid, &nr) < 0)
        return errno == ESRCH ? 0 : -errno;
    if (x->have_server &&
        xendevicemodel_get_ioreq_server_info(x->dm, x->domid, x->server, NULL, NULL,
                                             NULL) < 0)
        return errno == ENOENT || errno == ESRCH ? 0 : -errno;
    return 1;
}

void dmop_mark_gone(struct dmop *x)
{
    x->gone = true;
}

/*
 * Restrict every handle to our guest, then check that it took: a DMOP
 * aimed at another domain must now be refused with EPERM by the kernel
 * before it reaches Xen.  Trusting the call alone would leave a daemon
 * that believes it is deprivileged while it is not.
 */
int dmop_restrict(struct dmop *x)
{
    domid_t other = x->domid == 0 ? 1 : 0;
    unsigned nr;
    int rc;

    if (xentoolcore_restrict_all(x->domid) < 0) {
        int err = errno;
        log_err("xentoolcore_restrict_all(domain %u): %s", x->domid, strerror(err));
        return -err;
    }
    rc = xendevicemodel_nr_vcpus(x->dm, other, &nr);
    if (rc == 0 || errno != EPERM) {
        log_err("xentoolcore_restrict_all(domain %u) did not take: a DMOP for domain %u "
                "was not refused with EPERM (%s)",
                x->domid, other, rc == 0 ? "it succeeded" : strerror(errno));
        return -EACCES;
    }
    log_info("Xen handles restricted to domain %u", x->domid);
    return 0;
}

int dmop_shutdown(struct dmop *x, unsigned reason)
{
    if (x->gone)
        return 0;
    if (x->no_shutdown)
        return -EOPNOTSUPP;
    if (xendevicemodel_shutdown(x->dm, x->domid, reason) < 0) {
        int err = errno;
        log_err("xendevicemodel_shutdown(domain %u, reason %u): %s", x->domid, reason,
                strerror(err));
        if (err == EOPNOTSUPP) {
            x->no_shutdown = true;
            log_warn("Xen cannot shut domain %u down from a device model (Arm has no "
                     "XEN_DMOP_remote_shutdown); later requests are not made", x->domid);
        }
        return -err;
    }
    return 0;
}
