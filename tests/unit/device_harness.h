/* SPDX-License-Identifier: MIT */
/*
 * Device unit tests build their device the way the core (devices/device.c)
 * does, minus the iospace table and Xen: these two helpers are that part,
 * and one to wait for its line.  Include after <cmocka.h>.
 */
#ifndef DMD_TEST_DEVICE_HARNESS_H
#define DMD_TEST_DEVICE_HARNESS_H

#include <stdbool.h>
#include <string.h>

#include <ev.h>

#include "devices/device.h"
#include "irq.h"

/* Index of `key` in type's params (a test's config fills that slot). */
static inline int harness_param_slot(const struct device_type *type, const char *key)
{
    for (int i = 0; type->params[i].key != NULL; i++)
        if (strcmp(type->params[i].key, key) == 0)
            return i;
    fail_msg("%s has no parameter %s", type->name, key);
    return -1;
}

/* The struct device create() receives for `cfg` (cfg->type set);
 * state_dir may be NULL. */
static inline struct device harness_device(const struct dev_config *cfg, struct ev_loop *loop,
                                           struct irq_line *irq, const char *state_dir)
{
    return (struct device){
        .name = cfg->name,
        .type = cfg->type,
        .cfg = cfg,
        .loop = loop,
        .irq = irq,
        .state_dir = state_dir,
        .max_access = cfg->type->max_access,
        .wide = cfg->type->wide,
    };
}

/* Run dev's loop until its line rises (each ev_run waits for the next
 * event: with fake_clock.c following real time, as long as the device
 * waits), 200 rounds at most; the level. */
static inline bool harness_wait_line(struct device *dev)
{
    for (int i = 0; i < 200 && !irq_line_level(dev->irq); i++)
        ev_run(dev->loop, EVRUN_ONCE);
    return irq_line_level(dev->irq);
}

#endif
