/* SPDX-License-Identifier: MIT */
/*
 * A recording double of device_changed() (src/devices/device.c), for unit
 * tests of devices: it counts the calls, so a test can check that a timer
 * or a host-side event that changes a device's state asks for it to be
 * saved.
 */
#ifndef DMD_TEST_FAKE_DEVICE_H
#define DMD_TEST_FAKE_DEVICE_H

#include "devices/device.h"

/* device_changed() calls since the start or the last reset, for any
 * device, and the device of the last one (NULL if none). */
unsigned fake_device_changes(void);
struct device *fake_device_last_changed(void);
void fake_device_reset(void);

/* device_shutdown_guest() calls since the start or the last
 * fake_device_shutdown_reset(), and the reason of the last (~0u if none). */
unsigned fake_device_shutdowns(void);
unsigned fake_device_shutdown_reason(void);
void fake_device_shutdown_reset(void);

#endif
