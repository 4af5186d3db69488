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

static unsigned shutdowns;
static unsigned shutdown_reason = ~0u;

void device_shutdown_guest(struct device *dev, unsigned reason)
{
    (void)dev;
    shutdowns++;
    shutdown_reason = reason;
}

unsigned fake_device_shutdowns(void)
{
    return shutdowns;
}

unsigned fake_device_shutdown_reason(void)
{
    return shutdown_reason;
}

void fake_device_shutdown_reset(void)
{
    shutdowns = 0;
    shutdown_reason = ~0u;
}
