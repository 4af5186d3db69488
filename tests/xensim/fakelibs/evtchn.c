/* SPDX-License-Identifier: MIT */
/*
 * Fake libxenevtchn.so.1.  The handle's fd is one end of a stream
 * socketpair whose other end the simulator holds: it writes a 4-byte port
 * number for each event, like reading /dev/xen/evtchn, and masks the port
 * until xenevtchn_unmask.  Every call (pending included, so --fail can
 * reach it) is also a request on the control connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "client.h"
#include "toolcore_internal.h"

struct xenevtchn_handle {
    int conn;
    int fd; /* our end of the event socket */
    Xentoolcore__Active_Handle tc_ah;
};

static int evtchn_send(xenevtchn_handle *xce, struct xensim_msg msg)
{
    return client_simple(xce->conn, &msg);
}

static int evtchn_restrict_cb(Xentoolcore__Active_Handle *ah, domid_t domid)
{
    xenevtchn_handle *xce = TOOLCORE_CONTAINER(ah, xenevtchn_handle, tc_ah);
    struct xensim_msg msg = CLIENT_MSG(XENSIM_EV_RESTRICT, domid);
    msg.flags = XENSIM_F_INTERNAL;
    return client_simple(xce->conn, &msg) < 0 ? -1 : 0;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
                                 unsigned int flags)
{
    (void)logger;
    int type = SOCK_STREAM | (flags & XENEVTCHN_NO_CLOEXEC ? 0 : SOCK_CLOEXEC);
    int sv[2];
    xenevtchn_handle *xce = calloc(1, sizeof(*xce));

    if (!xce)
        return NULL;
    if (socketpair(AF_UNIX, type, 0, sv) < 0) {
        free(xce);
        return NULL;
    }
    xce->fd = sv[0];
    xce->conn = client_open(XENSIM_EV_OPEN, sv[1], NULL);
    int saved = errno;
    close(sv[1]);
    if (xce->conn < 0) {
        close(sv[0]);
        free(xce);
        errno = saved;
        return NULL;
    }
    xce->tc_ah.restrict_callback = evtchn_restrict_cb;
    xentoolcore__register_active_handle(&xce->tc_ah);
    return xce;
}

/* Closing unbinds every port the handle still has, as the kernel does. */
int xenevtchn_close(xenevtchn_handle *xce)
{
    if (!xce)
        return 0;
    int rc = evtchn_send(xce, CLIENT_MSG(XENSIM_EV_CLOSE, 0)) < 0 ? -1 : 0;
    int saved = errno;
    xentoolcore__deregister_active_handle(&xce->tc_ah);
    close(xce->fd);
    close(xce->conn);
    free(xce);
    errno = saved;
    return rc;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return xce->fd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    return evtchn_send(xce, CLIENT_MSG(XENSIM_EV_NOTIFY, port)) < 0 ? -1 : 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
                                                     uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    return evtchn_send(xce, CLIENT_MSG(XENSIM_EV_BIND_INTERDOMAIN, domid,
                                       remote_port));
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    return evtchn_send(xce, CLIENT_MSG(XENSIM_EV_UNBIND, port)) < 0 ? -1 : 0;
}

/* Blocks until an event arrives, like a read of /dev/xen/evtchn; a signal
 * before any byte came fails it with EINTR, as the real library's read()
 * does, so a server blocked here can stop on SIGTERM. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    if (evtchn_send(xce, CLIENT_MSG(XENSIM_EV_PENDING, 0)) < 0)
        return -1;
    uint32_t port;
    size_t got = 0;
    while (got < sizeof(port)) {
        ssize_t n = read(xce->fd, (char *)&port + got, sizeof(port) - got);
        if (n < 0 && errno == EINTR && got > 0)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        got += (size_t)n;
    }
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    return evtchn_send(xce, CLIENT_MSG(XENSIM_EV_UNMASK, port)) < 0 ? -1 : 0;
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
    return evtchn_send(xce, CLIENT_MSG(XENSIM_EV_RESTRICT, domid)) < 0 ? -1 : 0;
}
