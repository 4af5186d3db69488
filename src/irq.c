/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines: remember each line's level and issue the DMOP behind it
 * only when the level Xen sees changes.  That level is what the device
 * drives, held low while the line is masked (PCI Interrupt Disable).  MSI
 * is edge-like: a message is injected on each rising edge while the
 * function has MSI enabled, or held pending while the vector is masked.
 * An edge-triggered SPI is pulsed on each rising edge: Xen's vGIC latches
 * the edge, and a line left high would hide the next one.
 */
#include "irq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmop/dmop.h"
#include "snapshot.h"

struct irq_line {
    struct dmop *xen;
    struct irq_spec spec;
    const char *owner;
    bool level;   /* driven by the device */
    bool masked;  /* PCI Interrupt Disable */
    bool output;  /* what Xen was last told: level && !masked */
    /* intx */
    uint8_t bus, dev, pin;
    /* msi */
    bool msi_enabled;
    bool msi_masked, msi_pending;
    uint64_t msi_addr;
    uint32_t msi_data;
};

struct irq_line *irq_line_create(struct dmop *xen, const struct irq_spec *spec,
                                 const char *owner)
{
    struct irq_line *line;

    if (spec->kind == IRQ_NONE)
        return NULL;
    line = calloc(1, sizeof(*line));
    if (line == NULL)
        return NULL;
    line->xen = xen;
    line->spec = *spec;
    line->owner = owner;
    return line;
}

void irq_line_set_pci(struct irq_line *line, uint16_t seg, uint8_t bus, uint8_t dev,
                      uint8_t intx_pin)
{
    (void)seg; /* Xen's set_pci_intx_level takes segment 0 only in practice */
    if (line == NULL)
        return;
    line->bus = bus;
    line->dev = dev;
    line->pin = intx_pin;
}

void irq_line_set_msi(struct irq_line *line, bool enabled, uint64_t addr, uint32_t data)
{
    if (line == NULL)
        return;
    line->msi_enabled = enabled;
    if (!enabled)
        line->msi_pending = false; /* pending bits mean nothing without MSI */
    line->msi_addr = addr;
    line->msi_data = data;
}

static void send_msi(struct irq_line *line)
{
    if (!line->msi_enabled)
        return;
    if (line->msi_masked) {
        line->msi_pending = true;
        return;
    }
    dmop_inject_msi(line->xen, line->msi_addr, line->msi_data, line->owner);
}

static void drive_spi(struct irq_line *line, bool level)
{
    if (!line->spec.edge) {
        dmop_set_spi_level(line->xen, line->spec.num, level, line->owner);
    } else if (level) {
        dmop_set_spi_level(line->xen, line->spec.num, true, line->owner);
        dmop_set_spi_level(line->xen, line->spec.num, false, line->owner);
    }
}

static void drive(struct irq_line *line, bool level)
{
    switch (line->spec.kind) {
    case IRQ_ISA:
        dmop_set_isa_irq_level(line->xen, (uint8_t)line->spec.num, level, line->owner);
        break;
    case IRQ_SPI:
        drive_spi(line, level);
        break;
    case IRQ_INTX:
        dmop_set_pci_intx_level(line->xen, line->bus, line->dev, line->pin, level, line->owner);
        break;
    case IRQ_MSI:
        if (level)
            send_msi(line);
        break;
    case IRQ_NONE:
        break;
    }
}

static void update(struct irq_line *line)
{
    bool output = line->level && !line->masked;

    if (output == line->output)
        return;
    line->output = output;
    drive(line, output);
}

void irq_line_set(struct irq_line *line, bool level)
{
    if (line == NULL)
        return;
    line->level = level;
    update(line);
}

void irq_line_mask(struct irq_line *line, bool masked)
{
    if (line == NULL)
        return;
    line->masked = masked;
    update(line);
}

void irq_line_msi_mask(struct irq_line *line, bool masked)
{
    if (line == NULL)
        return;
    line->msi_masked = masked;
    if (!masked && line->msi_pending) {
        line->msi_pending = false;
        send_msi(line);
    }
}

bool irq_line_msi_pending(const struct irq_line *line)
{
    return line != NULL && line->msi_pending;
}

bool irq_line_level(const struct irq_line *line)
{
    return line != NULL && line->level;
}

void irq_line_destroy(struct irq_line *line)
{
    if (line == NULL)
        return;
    irq_line_set(line, false);
    free(line);
}

/*
 * Snapshot layout: level, masked, output, msi_enabled, msi_masked,
 * msi_pending (one byte each), msi_addr (8), msi_data (4).  The spec and
 * the INTx address come from the config; the caller frames the fields.
 */
void irq_line_save(const struct irq_line *line, struct snap_out *out)
{
    if (line == NULL)
        return;
    snap_put_bool(out, line->level);
    snap_put_bool(out, line->masked);
    snap_put_bool(out, line->output);
    snap_put_bool(out, line->msi_enabled);
    snap_put_bool(out, line->msi_masked);
    snap_put_bool(out, line->msi_pending);
    snap_put_u64(out, line->msi_addr);
    snap_put_u32(out, line->msi_data);
}

/*
 * Only states this file and its callers can produce are taken:
 * - output is level && !masked, as update() leaves it for every kind;
 * - masked only on an intx line: it is PCI Interrupt Disable, which pci.c
 *   hands only to INTx (MSI ignores it, ISA and SPI have no command
 *   register);
 * - the MSI fields are all clear unless the line is msi: pci.c gives the
 *   message and the mask bit to an msi line only;
 * - a pending message only while MSI is enabled and the vector masked:
 *   send_msi() holds it back only then, and disabling or unmasking drops
 *   or sends it.
 */
static bool line_state_valid(const struct irq_line *line, const struct irq_line *s)
{
    bool msi = line->spec.kind == IRQ_MSI;

    if (s->output != (s->level && !s->masked))
        return false;
    if (s->masked && line->spec.kind != IRQ_INTX)
        return false;
    if (!msi && (s->msi_enabled || s->msi_masked || s->msi_pending || s->msi_addr != 0 ||
                 s->msi_data != 0))
        return false;
    return !s->msi_pending || (s->msi_enabled && s->msi_masked);
}

/* Tell Xen the restored level of a level-triggered line again: the crash
 * may have come between a DMOP and the save that followed it.  An MSI or
 * an edge SPI's pulse is an interrupt of its own, so those get nothing. */
static void restore_output(struct irq_line *line)
{
    switch (line->spec.kind) {
    case IRQ_ISA:
    case IRQ_INTX:
        drive(line, line->output);
        break;
    case IRQ_SPI:
        if (!line->spec.edge)
            drive(line, line->output);
        break;
    case IRQ_MSI:
    case IRQ_NONE:
        break;
    }
}

int irq_line_restore(struct irq_line *line, struct snap_in *in, bool apply)
{
    struct irq_line s;

    if (line == NULL)
        return 0; /* irq = none: nothing was saved */
    s = *line;
    s.level = snap_get_bool(in);
    s.masked = snap_get_bool(in);
    s.output = snap_get_bool(in);
    s.msi_enabled = snap_get_bool(in);
    s.msi_masked = snap_get_bool(in);
    s.msi_pending = snap_get_bool(in);
    s.msi_addr = snap_get_u64(in);
    s.msi_data = snap_get_u32(in);
    if (in->bad || !line_state_valid(line, &s))
        return -EINVAL;
    if (apply) {
        *line = s;
        restore_output(line);
    }
    return 0;
}
