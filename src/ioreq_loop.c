/* SPDX-License-Identifier: MIT */
/*
 * The ioreq loop.
 *
 * One readable event on the event-channel fd means one xenevtchn_pending()
 * call (it may block otherwise); the port is unmasked before its slot is
 * looked at so a notification arriving meanwhile raises a new event.  The
 * buffered ring is drained before any synchronous request, so buffered
 * writes issued earlier land before a later synchronous access.  Every slot
 * read as READY is answered, whatever the request holds.
 */
#include "ioreq_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/device.h"
#include "ioreq_abi.h"
#include "ioreq_ring.h"
#include "iospace.h"
#include "log.h"
#include "runstate.h"
#include "sd_proto.h"

/* Consecutive xenevtchn_pending() failures after which the loop gives up
 * (the event-channel device is broken; spinning on it helps no one). */
#define PENDING_FAILURES_MAX 100

static struct log_ratelimit rl_unknown, rl_port, rl_ring, rl_recovered;
/* A guest rewriting its RTC in a loop (TIMEOFFSET) or ballooning
 * (INVALIDATE) sends these as fast as it likes. */
static struct log_ratelimit rl_timeoffset, rl_invalidate;

/* Carry a request out; true when it went to the devices (which the
 * caller then saves). */
static bool handle_request(struct ioreq_loop *l, ioreq_t *req, int vcpu)
{
    struct log_fields f = { .device = NULL, .vcpu = vcpu };

    switch (req->type) {
    case IOREQ_TYPE_PIO:
    case IOREQ_TYPE_COPY:
    case IOREQ_TYPE_PCI_CONFIG:
        iospace_dispatch(l->space, req, vcpu, &dmop_guestmem_ops, &l->mem);
        return true;
    case IOREQ_TYPE_INVALIDATE: {
        /* The guest's p2m lost RAM (ballooning, decrease_reservation): a
         * cached mapping may hold a page Xen is taking back.  Drop them
         * all before answering, which is what Xen waits for. */
        unsigned dropped = dmop_guestmem_invalidate(&l->mem);

        log_limited(&rl_invalidate, LOG_DEBUG, &f, "mapcache invalidate: dropped %u mapping(s)",
                    dropped);
        break;
    }
    case IOREQ_TYPE_TIMEOFFSET:
        log_limited(&rl_timeoffset, LOG_INFO, &f, "guest changed its RTC offset: %lld s",
                    (long long)(int64_t)req->data);
        devices_timeoffset(l->devices, (int64_t)req->data);
        break;
    default:
        l->stats.unknown++;
        log_limited(&rl_unknown, LOG_WARNING, &f,
                    "unknown ioreq type %u (addr %#llx size %u dir %s): completed unhandled",
                    req->type, (unsigned long long)req->addr, req->size,
                    req->dir == IOREQ_READ ? "read" : "write");
        if (req->dir == IOREQ_READ && !req->data_is_ptr)
            req->data = ~0ull;
        break;
    }
    return false;
}

static void on_buffered(void *ctx, ioreq_t *req)
{
    struct ioreq_loop *l = ctx;

    l->stats.buffered++;
    if (handle_request(l, req, -1))
        devices_save_touched(l->devices, l->space, NULL);
}

static void drain_ring(struct ioreq_loop *l)
{
    struct ioreq_ring_result r;

    if (l->pages->buffered == NULL || ioreq_ring_idle(l->pages->buffered))
        return;
    r = ioreq_ring_drain(l->pages->buffered, IOREQ_BUFFER_SLOT_NUM, on_buffered, l);
    if (r.torn > 0)
        log_limited(&rl_ring, LOG_WARNING, NULL,
                    "buffered ring: %u 8-byte request(s) missing their second half, skipped",
                    r.torn);
    if (r.resynced)
        log_limited(&rl_ring, LOG_WARNING, NULL,
                    "buffered ring: pointers more than %u slots apart, ring skipped",
                    IOREQ_BUFFER_SLOT_NUM);
    if (r.more)
        ev_idle_start(l->loop, &l->ring_more);
}

static void answer(struct ioreq_loop *l, ioreq_t *slot, unsigned vcpu, uint64_t data,
                   uint32_t count)
{
    slot->data = data;
    if (count != slot->count)
        slot->count = count; /* what was done; Xen itself reads only data */
    ioreq_state_store(slot, STATE_IORESP_READY);
    dmop_notify(l->xen, l->vcpu_port[vcpu], (int)vcpu);
    l->stats.sync++;
}

/*
 * Take the request in vCPU's slot, carry it out and answer it.  It is
 * counted and marked INPROCESS first, and the devices it reached are saved
 * with its answer before the answer is written: whenever dmd dies, a
 * successor can tell a request not taken, taken and saved, or answered
 * (docs/restart.md).
 */
static void serve_request(struct ioreq_loop *l, unsigned vcpu, ioreq_t *slot)
{
    struct runstate_answer ans = { .vcpu = vcpu };
    ioreq_t req;

    if (l->rs != NULL)
        ans.seq = runstate_take(l->rs, vcpu);
    ioreq_state_store(slot, STATE_IOREQ_INPROCESS);
    /* Work on a copy: the guest cannot change what we act on midway. */
    memcpy(&req, slot, sizeof(req));
    if (handle_request(l, &req, (int)vcpu)) {
        ans.data = req.data;
        ans.count = req.count;
        devices_save_touched(l->devices, l->space, &ans);
    }
    answer(l, slot, vcpu, req.data, req.count);
}

/* Answer vCPU's slot if it holds a READY request; false if it did not. */
static bool serve_slot(struct ioreq_loop *l, unsigned vcpu)
{
    ioreq_t *slot = &l->pages->shared->vcpu_ioreq[vcpu];

    if (ioreq_state_load(slot) != STATE_IOREQ_READY)
        return false;
    serve_request(l, vcpu, slot);
    return true;
}

/*
 * A slot a previous dmd left behind when it died: taken (INPROCESS) and
 * either saved with its answer, which is given now, or not, which means
 * the devices are as before it and it is carried out again; or answered
 * (IORESP_READY) but perhaps never notified.  False for any other state.
 */
static bool resume_slot(struct ioreq_loop *l, unsigned vcpu)
{
    ioreq_t *slot = &l->pages->shared->vcpu_ioreq[vcpu];
    uint8_t state = ioreq_state_load(slot);
    uint64_t data;
    uint32_t count;

    if (state == STATE_IORESP_READY) {
        dmop_notify(l->xen, l->vcpu_port[vcpu], (int)vcpu);
        log_vcpu(LOG_INFO, (int)vcpu, "notified a request the previous dmd had answered");
        return true;
    }
    if (state != STATE_IOREQ_INPROCESS)
        return false;
    if (l->rs != NULL && runstate_answer(l->rs, vcpu, &data, &count)) {
        answer(l, slot, vcpu, data, count);
        log_vcpu(LOG_INFO, (int)vcpu, "answered a request the previous dmd had carried out");
    } else {
        serve_request(l, vcpu, slot);
        log_vcpu(LOG_INFO, (int)vcpu, "carried out again a request the previous dmd had taken");
    }
    return true;
}

static int vcpu_of_port(const struct ioreq_loop *l, evtchn_port_t port)
{
    for (unsigned i = 0; i < l->nr_bound; i++)
        if (l->vcpu_port[i] == port)
            return (int)i;
    return -1;
}

static void on_event(struct ev_loop *loop, ev_io *w, int revents)
{
    static unsigned failures;
    struct ioreq_loop *l = w->data;
    evtchn_port_t port;
    int vcpu;

    (void)revents;
    if (dmop_pending(l->xen, &port) < 0) {
        if (++failures >= PENDING_FAILURES_MAX) {
            log_err("event channel keeps failing; stopping");
            l->exit_code = 4;
            ev_break(loop, EVBREAK_ALL);
        }
        return;
    }
    failures = 0;
    dmop_unmask(l->xen, port);
    drain_ring(l);
    if (l->buf_bound && port == l->buf_port)
        return;
    vcpu = vcpu_of_port(l, port);
    if (vcpu < 0) {
        log_limited(&rl_port, LOG_WARNING, NULL, "event on unexpected local port %u", port);
        return;
    }
    if (!serve_slot(l, (unsigned)vcpu))
        l->stats.spurious++;
}

static void on_ring_more(struct ev_loop *loop, ev_idle *w, int revents)
{
    struct ioreq_loop *l = w->data;

    (void)revents;
    ev_idle_stop(loop, w);
    drain_ring(l);
}

/*
 * Answer every READY slot.  At start-up such a request arrived before its
 * event channel was bound and at shutdown after the loop stopped: both are
 * normal for a busy guest (a lost notification is sweep_lost()'s case).
 */
unsigned ioreq_loop_sweep(struct ioreq_loop *l, enum ioreq_sweep why)
{
    static const char *const what[] = {
        [SWEEP_STARTUP] = "answered a request made before its event channel was bound",
        [SWEEP_SHUTDOWN] = "answered a request still waiting at shutdown",
    };
    unsigned found = 0;

    drain_ring(l);
    for (unsigned i = 0; i < l->nr_bound; i++) {
        if (why == SWEEP_STARTUP && resume_slot(l, i)) {
            found++;
            l->stats.recovered++;
            continue;
        }
        if (!serve_slot(l, i))
            continue;
        found++;
        l->stats.recovered++;
        struct log_fields f = { .device = NULL, .vcpu = (int)i };
        log_limited(&rl_recovered, LOG_INFO, &f, "%s", what[why]);
    }
    return found;
}

/*
 * Xen completes a request whose server is destroyed from its own copy of
 * it: a vCPU that has not yet taken dmd's answer (slot IORESP_READY) would
 * read 0 instead.  So before the server goes, keep answering READY slots
 * and wait, bounded, until every slot is back to NONE.
 */
unsigned ioreq_loop_settle(struct ioreq_loop *l, unsigned timeout_ms)
{
    const struct timespec tick = { .tv_nsec = 1000000 }; /* 1 ms */
    unsigned waiting = 0;

    for (unsigned waited = 0; !l->xen->gone; waited++) {
        ioreq_loop_sweep(l, SWEEP_SHUTDOWN);
        waiting = 0;
        for (unsigned i = 0; i < l->nr_bound; i++)
            if (ioreq_state_load(&l->pages->shared->vcpu_ioreq[i]) != STATE_IOREQ_NONE)
                waiting++;
        if (waiting == 0 || waited >= timeout_ms)
            break;
        nanosleep(&tick, NULL);
    }
    return waiting;
}

/* Is an event already waiting on the fd?  Then it is not lost. */
static bool event_waiting(struct ioreq_loop *l)
{
    struct pollfd p = { .fd = l->evtchn.fd, .events = POLLIN };

    return poll(&p, 1, 0) > 0;
}

/* A slot READY now and at the last tick, with no event waiting, had its
 * notification lost: answer it.  One READY for the first time may just
 * have its event still on the way. */
static void sweep_lost(struct ioreq_loop *l)
{
    bool waiting = event_waiting(l);

    if (!waiting)
        drain_ring(l); /* the buffered port's event may be lost too */
    for (unsigned i = 0; i < l->nr_bound; i++) {
        bool ready = ioreq_state_load(&l->pages->shared->vcpu_ioreq[i]) == STATE_IOREQ_READY;

        if (ready && l->ready_last_tick[i] && !waiting && serve_slot(l, i)) {
            struct log_fields f = { .device = NULL, .vcpu = (int)i };
            l->stats.recovered++;
            log_limited(&rl_recovered, LOG_WARNING, &f,
                        "answered a request whose notification was lost (watchdog sweep)");
            ready = false;
        }
        l->ready_last_tick[i] = ready;
    }
}

/* WATCHDOG=1 once per sweep.  A failure is reported when it starts (or
 * its error changes) and when it ends, not once a second. */
static void pet_watchdog(void)
{
    static int failing;
    int rc = sd_proto_notify("WATCHDOG=1");

    if (rc < 0 && rc != failing)
        log_warn("cannot pet the service manager's watchdog: %s", strerror(-rc));
    else if (rc >= 0 && failing != 0)
        log_notice("the service manager's watchdog is petted again");
    failing = rc < 0 ? rc : 0;
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct ioreq_loop *l = w->data;
    int alive;

    (void)revents;
    alive = dmop_domain_alive(l->xen);
    if (alive == 0) {
        log_notice("domain %u no longer exists; stopping", l->xen->domid);
        /* A dying domain lingers while any of its pages is mapped. */
        dmop_guestmem_invalidate(&l->mem);
        dmop_mark_gone(l->xen);
        l->exit_code = 0;
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    sweep_lost(l);
    pet_watchdog();
}

int ioreq_loop_init(struct ioreq_loop *l, struct ev_loop *loop, struct dmop *xen,
                    struct dmop_ioreq_pages *pages, unsigned nr_vcpus, struct iospace *space,
                    struct devices *devices, unsigned mapcache_pages, struct runstate *rs)
{
    int rc;

    memset(l, 0, sizeof(*l));
    l->loop = loop;
    l->rs = rs;
    l->xen = xen;
    l->pages = pages;
    l->nr_vcpus = nr_vcpus;
    l->space = space;
    l->devices = devices;
    rc = dmop_guestmem_init(&l->mem, xen, mapcache_pages);
    l->vcpu_port = calloc(nr_vcpus, sizeof(*l->vcpu_port));
    l->ready_last_tick = calloc(nr_vcpus, sizeof(*l->ready_last_tick));
    if (rc < 0 || l->vcpu_port == NULL || l->ready_last_tick == NULL) {
        ioreq_loop_fini(l);
        return -ENOMEM;
    }

    ev_io_init(&l->evtchn, on_event, dmop_evtchn_fd(xen), EV_READ);
    ev_timer_init(&l->sweep, on_sweep, IOREQ_LOOP_SWEEP_SECONDS, IOREQ_LOOP_SWEEP_SECONDS);
    ev_idle_init(&l->ring_more, on_ring_more);
    l->evtchn.data = l->sweep.data = l->ring_more.data = l;
    return 0;
}

int ioreq_loop_bind(struct ioreq_loop *l)
{
    int rc;

    /* Xen writes each slot's vp_eport when the server is enabled. */
    for (unsigned i = 0; i < l->nr_vcpus; i++) {
        evtchn_port_t remote = l->pages->shared->vcpu_ioreq[i].vp_eport;
        rc = dmop_bind_port(l->xen, remote, (int)i, &l->vcpu_port[i]);
        if (rc < 0)
            goto fail;
        l->nr_bound++;
    }
    if (l->pages->buffered != NULL) {
        rc = dmop_bind_port(l->xen, l->pages->buf_port, -1, &l->buf_port);
        if (rc < 0)
            goto fail;
        l->buf_bound = true;
    }
    log_info("bound %u vCPU event channel(s)%s", l->nr_bound,
             l->buf_bound ? " and the buffered-ioreq channel" : "");
    return 0;

fail:
    ioreq_loop_unbind(l);
    return rc;
}

void ioreq_loop_unbind(struct ioreq_loop *l)
{
    if (l->buf_bound)
        dmop_unbind_port(l->xen, l->buf_port, -1);
    l->buf_bound = false;
    while (l->nr_bound > 0) {
        l->nr_bound--;
        dmop_unbind_port(l->xen, l->vcpu_port[l->nr_bound], (int)l->nr_bound);
    }
}

int ioreq_loop_run(struct ioreq_loop *l)
{
    ev_io_start(l->loop, &l->evtchn);
    ev_timer_start(l->loop, &l->sweep);
    ev_run(l->loop, 0);
    ev_io_stop(l->loop, &l->evtchn);
    ev_timer_stop(l->loop, &l->sweep);
    ev_idle_stop(l->loop, &l->ring_more);
    return l->exit_code;
}

void ioreq_loop_log_stats(const struct ioreq_loop *l)
{
    const struct mapcache_stats *cs = &l->mem.cache.stats;

    log_info("served %llu synchronous and %llu buffered requests (%llu recovered by sweeps, "
             "%llu unknown type)",
             (unsigned long long)l->stats.sync, (unsigned long long)l->stats.buffered,
             (unsigned long long)l->stats.recovered, (unsigned long long)l->stats.unknown);
    log_info("mapcache: %llu page lookups hit, %llu missed; %llu map calls, %llu mappings "
             "evicted, %llu dropped by invalidation",
             (unsigned long long)cs->hits, (unsigned long long)cs->misses,
             (unsigned long long)cs->maps, (unsigned long long)cs->evictions,
             (unsigned long long)cs->invalidated);
}

void ioreq_loop_fini(struct ioreq_loop *l)
{
    dmop_guestmem_fini(&l->mem);
    free(l->vcpu_port);
    l->vcpu_port = NULL;
    free(l->ready_last_tick);
    l->ready_last_tick = NULL;
}
