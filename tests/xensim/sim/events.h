/* SPDX-License-Identifier: MIT */
/*
 * Event channels between the guest's ioreq servers (Xen-side ports, in the
 * guest domain) and dmd (local ports, bound through xenevtchn handles).
 *
 * A local port has a pending and a mask bit.  Delivering an event writes
 * the port number to the handle's event socket and masks the port; while
 * masked, further events only set pending, and xenevtchn_unmask delivers
 * a pending event again - the /dev/xen/evtchn behaviour.  Events sent to a
 * Xen-side port nobody has bound are lost, as in Xen.  Local and Xen-side
 * numbers come from different ranges so mixing them up shows.
 */
#ifndef XENSIM_EVENTS_H
#define XENSIM_EVENTS_H

#include <stdint.h>

struct handle;

#define EVENTS_NR_PORTS 1040     /* 8 servers x (128 vCPUs + buffered) */
#define EVENTS_LOCAL_BASE 100    /* first local (dom0) port number */

/* An unbound Xen-side port of server `id`: a vCPU's, or (vcpu -1) the
 * buffered one.  0 if none is left. */
uint32_t events_alloc_xen(unsigned id, int vcpu);
void events_free_xen(uint32_t port);

/* Xen notifies the port's peer (notify_via_xen_event_channel). */
void events_send(uint32_t xen_port);

/* The library calls: a local port or 0, else -errno. */
int events_bind(struct handle *h, uint32_t remote);
int events_unbind(struct handle *h, uint32_t local);
int events_notify(struct handle *h, uint32_t local);
int events_unmask(struct handle *h, uint32_t local);

/* The handle is going away: LEAK for each port still bound, then unbind. */
void events_release(struct handle *h, const char *how);
/*
 * Its process died: the kernel closes every port still bound, and each
 * Xen-side peer goes back to ECS_UNBOUND (evtchn_close), free for the next
 * program to bind.  Not a leak.
 */
void events_close_all(struct handle *h);

#endif
