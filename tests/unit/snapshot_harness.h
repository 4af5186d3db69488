/* SPDX-License-Identifier: MIT */
/*
 * Crash snapshot tests of a device (device.h's save() and restore(),
 * snapshot.h), on a struct device built as device_harness.h builds it with
 * a fake_irq.c line: what every device's snapshot must do, whatever its
 * layout.  A test file keeps what is its device's own: the state it drives
 * the device into, the fields it damages, the registers it compares.
 *
 * "Unchanged" is the device's own snapshot, byte for byte, and its line:
 * down, never raised.  A test that has more to watch (a loop to run, a
 * state file) checks that itself, or hands the helper a callback.
 *
 * The harness_test_* helpers are whole tests on a harness_kit: the file
 * says how it builds its device far from reset and fresh, the harness
 * builds both, runs the test and frees them.
 * Include after <cmocka.h>.
 */
#ifndef DMD_TEST_SNAPSHOT_HARNESS_H
#define DMD_TEST_SNAPSHOT_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device_harness.h"
#include "devices/device.h"
#include "fake_device.h"
#include "fake_irq.h"
#include "snapshot.h"

/* dev's save() into buf, which it must fit; the length. */
static inline size_t harness_save(struct device *dev, uint8_t *buf, size_t len)
{
    struct snap_out out;

    snap_out_init(&out, buf, len);
    dev->type->save(dev, &out);
    assert_false(out.overflow);
    return (size_t)(out.p - buf);
}

/* dev's restore() of buf: the check alone, or (apply) the taking. */
static inline int harness_restore(struct device *dev, const uint8_t *buf, size_t len, bool apply)
{
    struct snap_in in;

    snap_in_init(&in, buf, len);
    return dev->type->restore(dev, &in, apply);
}

/* Little-endian `width` bytes at `at`, as snap_put_uint stores them. */
static inline void harness_patch(uint8_t *buf, size_t at, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        buf[at + i] = (uint8_t)(v >> (8 * i));
}

/* One field of a snapshot, set to `value`. */
struct harness_field {
    size_t at;
    unsigned width;
    uint64_t value;
};

/* A device to restore into, and its own snapshot from before. */
struct harness_fresh {
    struct device *dev;
    size_t len;
    uint8_t snap[DEVICE_STATE_MAX];
};

static inline void harness_fresh(struct harness_fresh *f, struct device *dev)
{
    f->dev = dev;
    f->len = harness_save(dev, f->snap, sizeof(f->snap));
}

static inline void harness_expect_unchanged(const struct harness_fresh *f)
{
    uint8_t now[DEVICE_STATE_MAX];

    assert_int_equal(harness_save(f->dev, now, sizeof(now)), f->len);
    assert_memory_equal(now, f->snap, f->len);
    assert_false(irq_line_level(f->dev->irq));
    assert_int_equal(fake_irq_rises(f->dev->irq), 0);
}

/* The check and the taking both refuse buf, and the device is unchanged. */
static inline void harness_expect_rejected(const struct harness_fresh *f, const uint8_t *buf,
                                           size_t len)
{
    assert_int_equal(harness_restore(f->dev, buf, len, false), -EINVAL);
    assert_int_equal(harness_restore(f->dev, buf, len, true), -EINVAL);
    harness_expect_unchanged(f);
}

/*
 * dev, freshly created, takes buf (n bytes): the check passes without
 * moving the line, the taking passes, and dev's own snapshot is then buf
 * again, field for field (at the same host time nothing was there to
 * catch up).
 */
static inline void harness_expect_round_trip(struct device *dev, const uint8_t *buf, size_t n)
{
    uint8_t again[DEVICE_STATE_MAX];
    bool level = irq_line_level(dev->irq);

    assert_int_equal(harness_restore(dev, buf, n, false), 0);
    assert_int_equal(irq_line_level(dev->irq), level);
    assert_int_equal(harness_restore(dev, buf, n, true), 0);
    assert_int_equal(harness_save(dev, again, sizeof(again)), n);
    assert_memory_equal(again, buf, n);
}

/*
 * The check alone passes buf and leaves dev, freshly created, unchanged;
 * settle(ctx), if given, then lets the device run (its loop, its timers),
 * and it is still unchanged: nothing was set in motion either.
 */
static inline void harness_expect_check_changes_nothing(struct device *dev, const uint8_t *buf,
                                                        size_t n, void (*settle)(void *ctx),
                                                        void *ctx)
{
    struct harness_fresh fresh;

    harness_fresh(&fresh, dev);
    assert_int_equal(harness_restore(dev, buf, n, false), 0);
    harness_expect_unchanged(&fresh);
    if (settle != NULL) {
        settle(ctx);
        harness_expect_unchanged(&fresh);
    }
}

/* buf (n bytes) is taken only whole: every truncated prefix, and buf with
 * a trailing byte, is refused and changes nothing in dev (fresh). */
static inline void harness_expect_exact_length(struct device *dev, const uint8_t *buf, size_t n)
{
    struct harness_fresh fresh;
    uint8_t longer[DEVICE_STATE_MAX + 1];

    harness_fresh(&fresh, dev);
    for (size_t len = 0; len < n; len++)
        harness_expect_rejected(&fresh, buf, len);
    assert_true(n < sizeof(longer));
    memcpy(longer, buf, n);
    longer[n] = 0;
    harness_expect_rejected(&fresh, longer, n + 1);
    assert_int_equal(harness_restore(dev, buf, n, false), 0); /* the whole one passes */
}

/*
 * Each bad field, alone in a copy of buf (n bytes), is refused and changes
 * nothing in dev (fresh); each good one is taken by the check (it is not
 * blanket).  `where` (NULL: `at` itself) finds a field's offset in buf,
 * for layouts with variable parts.
 */
static inline void harness_expect_fields(struct device *dev, const uint8_t *buf, size_t n,
                                         const struct harness_field *bad, size_t nbad,
                                         const struct harness_field *good, size_t ngood,
                                         size_t (*where)(const uint8_t *buf, size_t at))
{
    struct harness_fresh fresh;
    uint8_t copy[DEVICE_STATE_MAX];

    assert_true(n <= sizeof(copy));
    harness_fresh(&fresh, dev);
    for (size_t i = 0; i < nbad; i++) {
        memcpy(copy, buf, n);
        harness_patch(copy, where != NULL ? where(buf, bad[i].at) : bad[i].at, bad[i].width,
                      bad[i].value);
        print_message("bad field at %zu = %#llx\n", bad[i].at, (unsigned long long)bad[i].value);
        harness_expect_rejected(&fresh, copy, n);
    }
    for (size_t i = 0; i < ngood; i++) {
        memcpy(copy, buf, n);
        harness_patch(copy, where != NULL ? where(buf, good[i].at) : good[i].at, good[i].width,
                      good[i].value);
        print_message("good field at %zu = %#llx\n", good[i].at,
                      (unsigned long long)good[i].value);
        assert_int_equal(harness_restore(dev, copy, n, false), 0);
    }
}

/*
 * Every byte of buf (n bytes, taken whole) set to each of values[] in turn
 * (NULL: every value 0-255): the check takes it or refuses it with -EINVAL,
 * never anything else, and takes the byte's own value; what the check
 * takes the taking takes too, and use(ctx) then drives the device as a
 * guest would, where a bad value would show (ASan and UBSan watch).
 */
static inline void harness_damage_each_byte(struct device *dev, const uint8_t *buf, size_t n,
                                            const uint8_t *values, size_t nvalues,
                                            void (*use)(void *ctx), void *ctx)
{
    uint8_t copy[DEVICE_STATE_MAX];

    assert_true(n <= sizeof(copy));
    if (values == NULL)
        nvalues = 256;
    for (size_t i = 0; i < n; i++) {
        for (size_t v = 0; v < nvalues; v++) {
            int rc;

            memcpy(copy, buf, n);
            copy[i] = values != NULL ? values[v] : (uint8_t)v;
            rc = harness_restore(dev, copy, n, false);
            assert_true(rc == 0 || rc == -EINVAL);
            if (copy[i] == buf[i])
                assert_int_equal(rc, 0);
            if (rc != 0)
                continue;
            assert_int_equal(harness_restore(dev, copy, n, true), 0);
            use(ctx);
        }
    }
}

/* dev's type has save() and restore(), its snapshot fits DEVICE_STATE_MAX,
 * and a buffer one byte short says so; the snapshot's length. */
static inline size_t harness_expect_snapshot_size(struct device *dev)
{
    uint8_t buf[DEVICE_STATE_MAX];
    struct snap_out out;
    size_t n;

    assert_non_null(dev->type->save);
    assert_non_null(dev->type->restore);
    n = harness_save(dev, buf, sizeof(buf));
    assert_true(n > 0);
    assert_true(n < DEVICE_STATE_MAX);
    snap_out_init(&out, buf, n - 1);
    dev->type->save(dev, &out);
    assert_true(out.overflow);
    return n;
}

/*
 * A restored device runs its timers without the guest touching it first:
 * with dev's line down, its own timer raises it (the caller has
 * fake_clock.c follow real time) and asks the core for one save of dev
 * (device_changed(), fake_device.c).
 */
static inline void harness_expect_timer_saves(struct device *dev)
{
    assert_false(irq_line_level(dev->irq));
    fake_device_reset();
    assert_true(harness_wait_line(dev));
    assert_int_equal(fake_device_changes(), 1);
    assert_ptr_equal(fake_device_last_changed(), dev);
}

/*
 * The two devices most snapshot tests need, as the test file builds them:
 * make(t, true) drives one far from reset, whose snapshot the tests restore
 * and damage; make(t, false) creates one fresh from the config, to restore
 * into.  t is the file's own test struct, `size` bytes, its struct device
 * at offset `dev`.
 */
struct harness_kit {
    size_t size, dev;
    void (*make)(void *t, bool far_from_reset);
    void (*free)(void *t);
};

struct harness_pair {
    const struct harness_kit *kit;
    void *a, *b;          /* a: far from reset; b: fresh */
    struct device *target; /* b's */
    size_t n;
    uint8_t buf[DEVICE_STATE_MAX]; /* a's snapshot */
};

static inline void harness_pair_make(struct harness_pair *p, const struct harness_kit *kit)
{
    p->kit = kit;
    p->a = calloc(1, kit->size);
    p->b = calloc(1, kit->size);
    assert_non_null(p->a);
    assert_non_null(p->b);
    kit->make(p->a, true);
    p->n = harness_save((struct device *)((char *)p->a + kit->dev), p->buf, sizeof(p->buf));
    kit->make(p->b, false);
    p->target = (struct device *)((char *)p->b + kit->dev);
}

static inline void harness_pair_free(struct harness_pair *p)
{
    p->kit->free(p->a);
    p->kit->free(p->b);
    free(p->a);
    free(p->b);
}

/* Whole tests on a kit's pair: harness_expect_exact_length,
 * harness_expect_fields, harness_damage_each_byte (use gets b). */
static inline void harness_test_exact_length(const struct harness_kit *kit)
{
    struct harness_pair p;

    harness_pair_make(&p, kit);
    harness_expect_exact_length(p.target, p.buf, p.n);
    harness_pair_free(&p);
}

static inline void harness_test_fields(const struct harness_kit *kit,
                                       const struct harness_field *bad, size_t nbad,
                                       const struct harness_field *good, size_t ngood,
                                       size_t (*where)(const uint8_t *buf, size_t at))
{
    struct harness_pair p;

    harness_pair_make(&p, kit);
    harness_expect_fields(p.target, p.buf, p.n, bad, nbad, good, ngood, where);
    harness_pair_free(&p);
}

static inline void harness_test_damaged_bytes(const struct harness_kit *kit,
                                              const uint8_t *values, size_t nvalues,
                                              void (*use)(void *b))
{
    struct harness_pair p;

    harness_pair_make(&p, kit);
    harness_damage_each_byte(p.target, p.buf, p.n, values, nvalues, use, p.b);
    harness_pair_free(&p);
}

#endif
