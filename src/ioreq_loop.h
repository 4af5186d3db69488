/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one libev loop serving every vCPU's slot, the buffered
 * ring and the watchdog sweep.  main() owns the stop signals (SIGTERM and
 * SIGINT only break the loop).
 */
#ifndef DMD_IOREQ_LOOP_H
#define DMD_IOREQ_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "dmop/dmop.h"

struct iospace;
struct devices;
struct runstate;

/* Slow timer: answer a request whose event was lost (READY at two ticks in
 * a row: a busy host may deliver an event late, never a second late),
 * check the domain still exists, and pet systemd's watchdog. */
#define IOREQ_LOOP_SWEEP_SECONDS 1.0

struct ioreq_loop_stats {
    uint64_t sync;      /* synchronous requests answered */
    uint64_t buffered;  /* buffered requests handled */
    uint64_t recovered; /* READY slots found by a sweep, not by an event */
    uint64_t spurious;  /* events with nothing READY */
    uint64_t unknown;   /* requests of an unknown type */
};

struct ioreq_loop {
    struct ev_loop *loop;
    struct dmop *xen;
    struct iospace *space;
    struct devices *devices;
    struct dmop_ioreq_pages *pages;
    struct dmop_guestmem mem;
    struct runstate *rs; /* requests are counted and answers saved here */

    unsigned nr_vcpus;
    evtchn_port_t *vcpu_port; /* local port per vCPU */
    bool *ready_last_tick;    /* per vCPU: slot READY at the last watchdog tick */
    unsigned nr_bound;        /* vCPU ports bound so far */
    bool buf_bound;
    evtchn_port_t buf_port;   /* local bufioreq port */

    ev_io evtchn;
    ev_timer sweep;
    ev_idle ring_more; /* the ring had more than one wake-up's worth */

    int exit_code;     /* what main() returns once the loop stopped */
    struct ioreq_loop_stats stats;
};

/* Set up watchers and the mapcache (`mapcache_pages` guest pages, see
 * mapcache.h); `rs` (may be NULL) is the runtime state file.  Nothing runs
 * until ioreq_loop_run().  0 or -ENOMEM. */
int ioreq_loop_init(struct ioreq_loop *l, struct ev_loop *loop, struct dmop *xen,
                    struct dmop_ioreq_pages *pages, unsigned nr_vcpus, struct iospace *space,
                    struct devices *devices, unsigned mapcache_pages, struct runstate *rs);
/* Bind every vCPU's port (written by Xen once the server is enabled) and
 * the buffered port.  Unwinds its own partial work on failure. */
int ioreq_loop_bind(struct ioreq_loop *l);
void ioreq_loop_unbind(struct ioreq_loop *l);
enum ioreq_sweep { SWEEP_STARTUP, SWEEP_SHUTDOWN };
/* Answer every READY slot and drain the ring; returns requests found.  At
 * start-up, also resolve the slots a dead predecessor left INPROCESS or
 * IORESP_READY (docs/restart.md). */
unsigned ioreq_loop_sweep(struct ioreq_loop *l, enum ioreq_sweep why);
/* At shutdown, with the server disabled: answer what still arrives and
 * wait up to timeout_ms until every vCPU has taken its answer.  Returns
 * how many slots are still not idle (0 when all are). */
#define IOREQ_LOOP_SETTLE_MS 1000
unsigned ioreq_loop_settle(struct ioreq_loop *l, unsigned timeout_ms);
/* Run until ev_break (a signal, the domain's death, a broken event
 * channel); returns the exit code the loop chose (0 unless broken). */
int ioreq_loop_run(struct ioreq_loop *l);
/* Info lines with the counters (requests, mapcache), for the end of a run. */
void ioreq_loop_log_stats(const struct ioreq_loop *l);
/* Unmap what the mapcache holds and free what init allocated. */
void ioreq_loop_fini(struct ioreq_loop *l);

#endif
