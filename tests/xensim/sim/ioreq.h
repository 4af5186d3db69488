/* SPDX-License-Identifier: MIT */
/*
 * Xen's side of the ioreq protocol for each vCPU (xen/common/ioreq.c):
 * route an access, fill the vCPU's slot of the chosen server, mark it
 * READY with a release store, notify, then wait - without blocking the
 * simulator - until dmd answers IORESP_READY and notifies back.  Also the
 * buffered ring producer and the two broadcasts.
 *
 * A vCPU is busy while any server holds a request of it (Xen's
 * sv->pending).  When the last one is answered the completion callback
 * gets the answer.  A request whose slot state goes backwards, reads NONE,
 * or is not answered within the timeout crashes the domain: the run fails
 * and the script stops.  (Xen itself takes NONE as "emulator died" and
 * gives the guest all-ones; for a test double that is a dmd bug.)
 */
#ifndef XENSIM_IOREQ_H
#define XENSIM_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

typedef void ioreq_done_fn(unsigned vcpu, const ioreq_t *resp);

void ioreq_init(ioreq_done_fn *done, unsigned timeout_ms);

enum ioreq_status {
    IOREQ_PENDING,   /* sent: the callback will report the answer */
    IOREQ_COMPLETED, /* answered now (nobody claims it, or buffered) */
    IOREQ_FAILED,    /* the domain crashed */
    IOREQ_NO_SERVER, /* raw: no enabled server to send it to */
};

/*
 * A synchronous access.  Unclaimed, it completes at once in *p: reads
 * give all-ones (into guest RAM for data_is_ptr), writes are dropped.
 */
enum ioreq_status ioreq_send(unsigned vcpu, ioreq_t *p);
/*
 * A request exactly as written, to the enabled server Xen tries first (the
 * highest id) whatever its ranges: no routing, no checks, no null handler.
 */
enum ioreq_status ioreq_send_raw(unsigned vcpu, ioreq_t *p);
/* A write through the buffered ring, or synchronously when it cannot be. */
enum ioreq_status ioreq_send_buffered(unsigned vcpu, ioreq_t *p);
/* IOREQ_TYPE_INVALIDATE to every enabled server, answered by each. */
enum ioreq_status ioreq_invalidate(unsigned vcpu);
/* IOREQ_TYPE_TIMEOFFSET through the ring of every enabled bufioreq server. */
void ioreq_timeoffset(uint64_t offset);

bool ioreq_busy(unsigned vcpu);

/*
 * lose-notify: the notification of the next synchronous request to dmd is
 * dropped, as notify_via_xen_event_channel can silently fail; each call
 * drops one more.  ioreq_lose_unused() gives the script line of one not
 * used yet, or 0.
 */
void ioreq_lose_next_notify(unsigned line);
unsigned ioreq_lose_unused(void);

/* dmd notified one of the vCPU's ports: look at its slots again. */
void ioreq_wake(unsigned vcpu);

/* Fail requests past their deadline; the earliest deadline (or UINT64_MAX). */
void ioreq_check_timeouts(uint64_t now);
uint64_t ioreq_deadline(void);

/*
 * No program runs (killed, the next one not ready yet): a vCPU waits for
 * its answer as long as it takes, as under Xen while systemd restarts the
 * emulator.  ioreq_resume() (READY=1) gives every waiting vCPU the whole
 * timeout again from now.
 */
void ioreq_pause(void);
void ioreq_resume(uint64_t now);

/* dmd destroys a server: a request still in flight there is a failure. */
void ioreq_server_destroyed(unsigned id);

#endif
