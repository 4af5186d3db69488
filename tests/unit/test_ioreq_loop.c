/* SPDX-License-Identifier: MIT */
/*
 * The request protocol across a crash (src/ioreq_loop.c, docs/restart.md),
 * on a real shared ioreq page, a real state file and a real iospace, with
 * Xen's event channels and the devices' saving played by doubles below.
 *
 * Each test leaves a slot the way a dmd killed at some instruction would
 * and runs the start-up sweep a restarted dmd runs:
 *  - taken (INPROCESS) and saved with its answer: the saved answer is
 *    given, the device is not asked again;
 *  - taken and not saved: the device is asked again;
 *  - answered (IORESP_READY), perhaps never notified: notified again;
 *  - not taken (READY): served; and while serving, the slot is INPROCESS
 *    and the devices are saved with the answer before the answer is
 *    written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "devices/device.h"
#include "dmop/dmop.h"
#include "ioreq_abi.h"
#include "ioreq_loop.h"
#include "iospace.h"
#include "log.h"
#include "runstate.h"

#define PORT 0x100
#define VCPUS 2

/* ---- the world ----------------------------------------------------------- */

static struct {
    shared_iopage_t *page;
    struct runstate *rs;
    struct iospace *space;
    unsigned reads;          /* device reads */
    uint64_t value;          /* what the device reads next */
    uint8_t state_at_read;   /* the slot's state while the device ran */
    unsigned saves;          /* devices_save_touched() calls */
    struct runstate_answer saved; /* the last answer saved */
    uint8_t state_at_save;   /* the slot's state when it was saved */
    unsigned notifies[VCPUS];
    int vcpu_reading;
} w;

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    w.reads++;
    w.state_at_read = ioreq_state_load(&w.page->vcpu_ioreq[w.vcpu_reading]);
    return w.value;
}

static void dev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)opaque;
    (void)offset;
    (void)size;
    (void)value;
}

static const struct region_ops dev_ops = { .read = dev_read, .write = dev_write };

/* ---- doubles: the devices' saving and Xen's event channels -------------- */

/* What device.c does, minus a device: a snapshot of one byte (the value
 * the device would read next) saved with the answer. */
void devices_save_touched(struct devices *devs, const struct iospace *sp,
                          const struct runstate_answer *answer)
{
    uint8_t *buf = runstate_save_buffer(w.rs, 0);

    (void)devs;
    (void)sp;
    w.saves++;
    if (answer != NULL) {
        w.saved = *answer;
        w.state_at_save = ioreq_state_load(&w.page->vcpu_ioreq[answer->vcpu]);
    }
    buf[0] = (uint8_t)w.value;
    runstate_save_commit(w.rs, 0, 1, answer);
}

void devices_timeoffset(struct devices *devs, int64_t offset_seconds)
{
    (void)devs;
    (void)offset_seconds;
}

#define LOCAL_PORT_BASE 50

int dmop_bind_port(struct dmop *x, evtchn_port_t remote, int vcpu, evtchn_port_t *local)
{
    (void)x;
    (void)remote;
    *local = (evtchn_port_t)(LOCAL_PORT_BASE + vcpu);
    return 0;
}

void dmop_unbind_port(struct dmop *x, evtchn_port_t local, int vcpu)
{
    (void)x;
    (void)local;
    (void)vcpu;
}

int dmop_notify(struct dmop *x, evtchn_port_t port, int vcpu)
{
    (void)x;
    assert_int_equal(port, LOCAL_PORT_BASE + vcpu);
    w.notifies[vcpu]++;
    return 0;
}

int dmop_evtchn_fd(struct dmop *x)
{
    (void)x;
    return -1;
}

int dmop_pending(struct dmop *x, evtchn_port_t *port)
{
    (void)x;
    (void)port;
    return -EAGAIN;
}

int dmop_unmask(struct dmop *x, evtchn_port_t port)
{
    (void)x;
    (void)port;
    return 0;
}

int dmop_domain_alive(struct dmop *x)
{
    (void)x;
    return 1;
}

void dmop_mark_gone(struct dmop *x)
{
    x->gone = true;
}

int dmop_guestmem_init(struct dmop_guestmem *gm, struct dmop *x, unsigned mapcache_pages)
{
    (void)mapcache_pages;
    memset(gm, 0, sizeof(*gm));
    gm->x = x;
    return 0;
}

void dmop_guestmem_fini(struct dmop_guestmem *gm)
{
    (void)gm;
}

unsigned dmop_guestmem_invalidate(struct dmop_guestmem *gm)
{
    (void)gm;
    return 0;
}

const struct guest_mem_ops dmop_guestmem_ops = { 0 };

/* ---- fixture ------------------------------------------------------------ */

struct fx {
    char dir[32];
    struct ev_loop *loop;
    struct dmop xen;
    struct dmop_ioreq_pages pages;
    struct ioreq_loop l;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct iospace_region r = { .base = PORT, .size = 8, .ops = &dev_ops, .name = "dev0",
                                .owner = &w, .max_access = 4, .wide = ACCESS_SPLIT };

    assert_non_null(f);
    memset(&w, 0, sizeof(w));
    strcpy(f->dir, "/tmp/dmd-loop-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(runstate_open(&w.rs, f->dir, 1, 42, 1), 0);
    w.page = calloc(1, 4096);
    assert_non_null(w.page);
    w.space = iospace_new();
    assert_non_null(w.space);
    assert_int_equal(iospace_add(w.space, IOSPACE_PORT, &r), 0);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->pages.shared = w.page;
    assert_int_equal(ioreq_loop_init(&f->l, f->loop, &f->xen, &f->pages, VCPUS, w.space, NULL,
                                     0, w.rs),
                     0);
    assert_int_equal(ioreq_loop_bind(&f->l), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[64];

    ioreq_loop_unbind(&f->l);
    ioreq_loop_fini(&f->l);
    ev_loop_destroy(f->loop);
    iospace_free(w.space);
    runstate_remove(w.rs);
    free(w.page);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A one-byte port read from `vcpu`, left in `state`. */
static ioreq_t *put_read(unsigned vcpu, uint8_t state)
{
    ioreq_t *slot = &w.page->vcpu_ioreq[vcpu];

    memset(slot, 0, sizeof(*slot));
    slot->addr = PORT;
    slot->size = 1;
    slot->count = 1;
    slot->dir = IOREQ_READ;
    slot->type = IOREQ_TYPE_PIO;
    slot->vp_eport = 7;
    ioreq_state_store(slot, state);
    w.vcpu_reading = (int)vcpu;
    return slot;
}

/* ---- tests -------------------------------------------------------------- */

/* Not taken yet: served, and saved with its answer while still INPROCESS,
 * before the answer was written. */
static void test_ready_is_served_and_saved_first(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot = put_read(1, STATE_IOREQ_READY);

    w.value = 0x61;
    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_STARTUP), 1);
    assert_int_equal(w.reads, 1);
    assert_int_equal(w.state_at_read, STATE_IOREQ_INPROCESS);
    assert_int_equal(w.saves, 1);
    assert_int_equal(w.state_at_save, STATE_IOREQ_INPROCESS); /* not answered yet */
    assert_int_equal(w.saved.vcpu, 1);
    assert_int_equal(w.saved.data, 0x61);
    assert_int_equal(w.saved.count, 1);
    assert_int_equal(ioreq_state_load(slot), STATE_IORESP_READY);
    assert_int_equal(slot->data, 0x61);
    assert_int_equal(w.notifies[1], 1);
}

/* Killed between saving and answering: the next dmd gives the saved
 * answer and does not ask the device again (a read of a FIFO would pop a
 * second byte). */
static void test_inprocess_with_saved_answer_is_answered(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot = put_read(0, STATE_IOREQ_READY);

    w.value = 0x61;
    ioreq_loop_sweep(&f->l, SWEEP_STARTUP);
    /* The crash: the slot as it was when the save had been made. */
    slot->data = 0;
    ioreq_state_store(slot, STATE_IOREQ_INPROCESS);
    w.value = 0x62; /* what asking again would give */
    w.reads = 0;
    w.notifies[0] = 0;
    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_STARTUP), 1);
    assert_int_equal(w.reads, 0);
    assert_int_equal(slot->data, 0x61);
    assert_int_equal(ioreq_state_load(slot), STATE_IORESP_READY);
    assert_int_equal(w.notifies[0], 1);
}

/* Killed after taking, before saving: the devices are as before it, so it
 * is carried out again, counted as a new request. */
static void test_inprocess_without_saved_answer_is_done_again(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot = put_read(0, STATE_IOREQ_READY);
    uint64_t first_seq;

    w.value = 0x61;
    ioreq_loop_sweep(&f->l, SWEEP_STARTUP);
    first_seq = w.saved.seq;
    /* The next request was taken (counted, INPROCESS) and then dmd died. */
    slot = put_read(0, STATE_IOREQ_INPROCESS);
    runstate_take(w.rs, 0);
    w.value = 0x62;
    w.reads = 0;
    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_STARTUP), 1);
    assert_int_equal(w.reads, 1);
    assert_int_equal(slot->data, 0x62);
    assert_int_equal(ioreq_state_load(slot), STATE_IORESP_READY);
    assert_true(w.saved.seq > first_seq + 1);
}

/* A saved answer of another vCPU, or of an earlier request, is not this
 * request's. */
static void test_answer_must_match_vcpu_and_request(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot0, *slot1;

    w.value = 0x61;
    put_read(1, STATE_IOREQ_READY);
    ioreq_loop_sweep(&f->l, SWEEP_STARTUP); /* vCPU 1's answer is saved */
    slot0 = put_read(0, STATE_IOREQ_INPROCESS);
    runstate_take(w.rs, 0);
    w.value = 0x70;
    w.reads = 0;
    ioreq_loop_sweep(&f->l, SWEEP_STARTUP);
    assert_int_equal(w.reads, 1);
    assert_int_equal(slot0->data, 0x70);
    /* vCPU 1's next request, taken but not saved: its earlier answer is
     * not given to it. */
    slot1 = put_read(1, STATE_IOREQ_INPROCESS);
    runstate_take(w.rs, 1);
    w.value = 0x71;
    w.reads = 0;
    ioreq_loop_sweep(&f->l, SWEEP_STARTUP);
    assert_int_equal(w.reads, 1);
    assert_int_equal(slot1->data, 0x71);
}

/* Answered, perhaps never notified: notified again, nothing else. */
static void test_answered_is_notified_again(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot = put_read(0, STATE_IORESP_READY);

    slot->data = 0x55;
    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_STARTUP), 1);
    assert_int_equal(w.reads, 0);
    assert_int_equal(w.saves, 0);
    assert_int_equal(slot->data, 0x55);
    assert_int_equal(ioreq_state_load(slot), STATE_IORESP_READY);
    assert_int_equal(w.notifies[0], 1);
}

/* An idle slot is left alone; at shutdown only READY slots are served. */
static void test_idle_and_shutdown(void **state)
{
    struct fx *f = *state;
    ioreq_t *slot = put_read(0, STATE_IOREQ_NONE);

    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_STARTUP), 0);
    assert_int_equal(ioreq_state_load(slot), STATE_IOREQ_NONE);
    assert_int_equal(w.notifies[0], 0);
    put_read(0, STATE_IORESP_READY);
    assert_int_equal(ioreq_loop_sweep(&f->l, SWEEP_SHUTDOWN), 0);
    assert_int_equal(w.notifies[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ready_is_served_and_saved_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inprocess_with_saved_answer_is_answered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inprocess_without_saved_answer_is_done_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_must_match_vcpu_and_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_answered_is_notified_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_and_shutdown, setup, teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
