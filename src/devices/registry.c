/* SPDX-License-Identifier: MIT */
/*
 * Every device type dmd knows, one line each.  Adding a device is one new
 * file under src/devices/ and one line here (and its file in meson.build).
 */
#include "device.h"

extern const struct device_type uart16550_device;
extern const struct device_type mc146818_device;
extern const struct device_type pl031_device;
extern const struct device_type pl061_device;
extern const struct device_type pl011_device;
extern const struct device_type pvpanic_device;
extern const struct device_type i6300esb_device;

const struct device_type *const device_types[] = {
    &uart16550_device,
    &mc146818_device,
    &pl031_device,
    &pl061_device,
    &pl011_device,
    &pvpanic_device,
    &i6300esb_device,
    NULL,
};
