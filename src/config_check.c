/* SPDX-License-Identifier: MIT */
/*
 * Phase 3 of loading the configuration (see config.c): one pass per rule
 * over all devices, each reporting every problem it finds with its line:
 * windows, overlaps, range counts, architecture, ranges Xen emulates
 * itself on HVM guests, and a file that serves nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "config_internal.h"
#include "devices/device.h"

static uint64_t pci_sbdf(struct pci_addr a)
{
    return (uint64_t)a.bus << 8 | (uint64_t)a.dev << 3 | a.fn;
}

static void format_window(const struct dev_config *dc, const struct dev_state *st,
                          char *buf, size_t len)
{
    if (dc->attach.kind == ATTACH_PCI)
        snprintf(buf, len, "%02x:%02x.%x", dc->attach.pci.bus, dc->attach.pci.dev,
                 dc->attach.pci.fn);
    else
        snprintf(buf, len, "0x%" PRIx64 "-0x%" PRIx64, st->first, st->last);
}

/* Empty windows, windows that wrap, port windows past 0xffff. */
static void check_windows(struct loader *ld)
{
    for (size_t i = 0; i < ld->cfg.ndevs; i++) {
        const struct dev_config *dc = &ld->cfg.devs[i];
        struct dev_state *st = &ld->state[i];
        const char *key = config_attach_keys[dc->attach.kind];
        uint64_t last = dc->attach.base + dc->size - 1;

        if (!st->usable)
            continue;
        if (dc->size == 0) {
            config_error(ld, dc->attach.line,
                      "[%s] `%s`: device type %s has an empty register window with these "
                      "settings", dc->name, key, dc->type->name);
        } else if (dc->attach.kind == ATTACH_PCI) {
            st->first = st->last = pci_sbdf(dc->attach.pci);
            st->placed = true;
        } else if (last < dc->attach.base) {
            config_error(ld, dc->attach.line,
                      "[%s] `%s` = 0x%" PRIx64 ": the register window of 0x%" PRIx64
                      " bytes wraps past 2^64", dc->name, key, dc->attach.base, dc->size);
        } else if (dc->attach.kind == ATTACH_PORT && last > PORT_LAST) {
            config_error(ld, dc->attach.line,
                      "[%s] `%s` = 0x%" PRIx64 ": the register window of 0x%" PRIx64
                      " ports ends at 0x%" PRIx64 ", past the last I/O port 0xffff",
                      dc->name, key, dc->attach.base, dc->size, last);
        } else {
            st->first = dc->attach.base;
            st->last = last;
            st->placed = true;
        }
    }
}

/* Xen refuses a range that overlaps another of the same server (EEXIST). */
static void check_overlaps(struct loader *ld)
{
    for (size_t i = 0; i < ld->cfg.ndevs; i++) {
        const struct dev_config *a = &ld->cfg.devs[i];
        const struct dev_state *sa = &ld->state[i];

        for (size_t j = 0; sa->placed && j < i; j++) {
            const struct dev_config *b = &ld->cfg.devs[j];
            const struct dev_state *sb = &ld->state[j];
            char wa[48], wb[48];

            if (!sb->placed || a->attach.kind != b->attach.kind || sa->first > sb->last ||
                sb->first > sa->last)
                continue;
            format_window(a, sa, wa, sizeof(wa));
            format_window(b, sb, wb, sizeof(wb));
            config_error(ld, a->attach.line, "[%s] `%s` %s overlaps [%s] `%s` %s (line %d)",
                      a->name, config_attach_keys[a->attach.kind], wa, b->name,
                      config_attach_keys[b->attach.kind], wb, b->attach.line);
        }
    }
}

static void check_range_counts(struct loader *ld)
{
    size_t count[ATTACH_PCI + 1] = { 0 };

    for (size_t i = 0; i < ld->cfg.ndevs; i++) {
        const struct dev_config *dc = &ld->cfg.devs[i];

        if (!ld->state[i].placed || ++count[dc->attach.kind] != CONFIG_MAX_RANGES_PER_TYPE + 1)
            continue;
        config_error(ld, dc->attach.line,
                  "[%s] `%s`: more than %d %s ranges; Xen allows at most %d per ioreq server",
                  dc->name, config_attach_keys[dc->attach.kind], CONFIG_MAX_RANGES_PER_TYPE,
                  config_attach_keys[dc->attach.kind], CONFIG_MAX_RANGES_PER_TYPE);
    }
}

static void check_arm_device(struct loader *ld, const struct dev_config *dc)
{
    if (dc->attach.kind == ATTACH_PORT)
        config_error(ld, dc->attach.line, "[%s] `port`: Arm has no I/O ports (arch = arm); "
                  "use mmio", dc->name);
    else if (dc->attach.kind == ATTACH_PCI)
        config_error(ld, dc->attach.line, "[%s] `pci`: PCI devices are not available on Arm "
                  "(arch = arm); use mmio", dc->name);
    if (dc->irq.kind == IRQ_ISA)
        config_error(ld, dc->irq_line, "[%s] `irq` = isa:%" PRIu32 ": Arm has no ISA interrupts "
                  "(arch = arm); use spi:N", dc->name, dc->irq.num);
    else if (dc->irq.kind == IRQ_INTX || dc->irq.kind == IRQ_MSI)
        config_error(ld, dc->irq_line, "[%s] `irq` = %s needs PCI, which is not available on "
                  "Arm (arch = arm); use spi:N", dc->name,
                  dc->irq.kind == IRQ_INTX ? "intx" : "msi");
}

static void check_x86_device(struct loader *ld, const struct dev_config *dc)
{
    if (dc->irq.kind == IRQ_SPI)
        config_error(ld, dc->irq_line, "[%s] `irq` = spi:%" PRIu32 ": SPIs are Arm GIC "
                  "interrupts (arch = x86); use isa:N, or intx / msi with pci", dc->name,
                  dc->irq.num);
    else if ((dc->irq.kind == IRQ_INTX || dc->irq.kind == IRQ_MSI) &&
             dc->attach.kind != ATTACH_PCI)
        config_error(ld, dc->irq_line, "[%s] `irq` = %s needs the device attached with `pci`",
                  dc->name, dc->irq.kind == IRQ_INTX ? "intx" : "msi");
}

static void check_arch(struct loader *ld)
{
    if (ld->cfg.arch == DMD_ARCH_ARM && ld->cfg.bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC)
        config_error(ld, ld->bufioreq_line, "[dmd] `bufioreq` = atomic: Xen on Arm rejects "
                  "buffered ioreqs; use off (the default on Arm)");
    for (size_t i = 0; i < ld->cfg.ndevs; i++) {
        if (ld->cfg.arch == DMD_ARCH_ARM)
            check_arm_device(ld, &ld->cfg.devs[i]);
        else
            check_x86_device(ld, &ld->cfg.devs[i]);
    }
}

/* What Xen emulates itself for x86 HVM guests (not for PVH guests). */
static const struct xen_range {
    enum attach_kind kind;
    uint64_t first, last;
    const char *what;
} xen_hvm_ranges[] = {
    { ATTACH_PORT, 0x20, 0x21, "the master PIC" },
    { ATTACH_PORT, 0xa0, 0xa1, "the slave PIC" },
    { ATTACH_PORT, 0x40, 0x43, "the PIT" },
    { ATTACH_PORT, 0x61, 0x61, "the PIT gate / PC speaker port" },
    { ATTACH_PORT, 0x70, 0x71, "the RTC" },
    { ATTACH_PORT, 0x4d0, 0x4d1, "the ELCR" },
    { ATTACH_PORT, 0xcf8, 0xcff, "the PCI configuration mechanism" },
    { ATTACH_PORT, 0x1f40, 0x1f4f, "the ACPI PM registers (layout v0)" },
    { ATTACH_PORT, 0x1f80, 0x1f87, "the ACPI GPE0 block (layout v0)" },
    { ATTACH_PORT, 0xb000, 0xb00f, "the ACPI PM registers (layout v1)" },
    { ATTACH_PORT, 0xafe0, 0xafe3, "the ACPI GPE0 block (layout v1)" },
    { ATTACH_MMIO, 0xfec00000, 0xfec00fff, "the IOAPIC" },
    { ATTACH_MMIO, 0xfed00000, 0xfed003ff, "the HPET" },
    { ATTACH_MMIO, 0xfee00000, 0xfeefffff, "the local APIC" },
};

static void warn_xen_emulated(struct loader *ld)
{
    if (ld->cfg.arch != DMD_ARCH_X86)
        return;
    for (size_t i = 0; i < ld->cfg.ndevs; i++) {
        const struct dev_config *dc = &ld->cfg.devs[i];
        const struct dev_state *st = &ld->state[i];

        for (size_t r = 0; r < sizeof(xen_hvm_ranges) / sizeof(xen_hvm_ranges[0]); r++) {
            const struct xen_range *x = &xen_hvm_ranges[r];

            if (!st->placed || dc->attach.kind != x->kind || st->first > x->last ||
                x->first > st->last)
                continue;
            config_warn(ld, dc->attach.line,
                     "[%s] `%s` 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s (0x%" PRIx64
                     "-0x%" PRIx64 "), which Xen emulates itself for HVM guests: on an HVM "
                     "guest dmd never sees those accesses (PVH guests do reach dmd)",
                     dc->name, config_attach_keys[dc->attach.kind], st->first, st->last, x->what,
                     x->first, x->last);
        }
    }
}

/* Valid, but probably not what the operator meant. */
static void warn_no_devices(struct loader *ld)
{
    if (ld->cfg.ndevs > 0 || ld->errors > 0)
        return;
    config_warn(ld, 0, "%s: dmd will serve no devices (it still answers the ioreq server's "
             "requests)", ld->doc.lines == 0 ? "the file is empty" : "no device sections");
}

static void (*const validators[])(struct loader *ld) = {
    check_windows, /* first: the passes below use the windows it accepts */
    check_overlaps,
    check_range_counts,
    check_arch,
    warn_xen_emulated,
    warn_no_devices,
};

void config_validate(struct loader *ld)
{
    for (size_t i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
        validators[i](ld);
}
