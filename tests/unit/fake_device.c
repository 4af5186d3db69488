/* SPDX-License-Identifier: MIT */
#include "fake_device.h"

#include <stddef.h>

static unsigned changes;
static struct device *last;

void device_changed(struct device *dev)
{
    changes++;
    last = dev;
}

unsigned fake_device_changes(void)
{
    return changes;
}

struct device *fake_device_last_changed(void)
{
    return last;
}

void fake_device_reset(void)
{
    changes = 0;
    last = NULL;
}
