/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines as devices see them.  A line is what `irq =` names in the
 * config; the core hides which DMOP stands behind it:
 *
 *   isa:N   xendevicemodel_set_isa_irq_level   (x86, N = 0..15)
 *   spi:N   xendevicemodel_set_irq_level       (Arm, N = 32..1019), level-
 *           triggered; spi:N:edge for an SPI the guest's device tree
 *           declares edge-triggered: each rising edge of the device's line
 *           becomes a pulse (1 then 0) so the next one is an edge again
 *   intx    xendevicemodel_set_pci_intx_level  (PCI function, INTA)
 *   msi     xendevicemodel_inject_msi           (PCI function, on each rising edge;
 *           while the vector is masked the message is held pending)
 *
 * The core issues a DMOP only when the level actually changes.
 */
#ifndef DMD_IRQ_H
#define DMD_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct irq_line;
struct dmop;

enum irq_kind { IRQ_NONE, IRQ_ISA, IRQ_SPI, IRQ_INTX, IRQ_MSI };

struct irq_spec {
    enum irq_kind kind;
    uint32_t num; /* ISA or SPI number */
    bool edge;    /* spi:N:edge */
};

/* Drive a line; a NULL line (irq = none) is accepted and ignored. */
void irq_line_set(struct irq_line *line, bool level);

/* Current level as last driven (false for a NULL line). */
bool irq_line_level(const struct irq_line *line);

/*
 * Core side.  `owner` names the device in logs.  A line starts low; the
 * first irq_line_set(line, true) raises it.  For intx the PCI address is
 * given with irq_line_set_pci(); for msi the message address and data too.
 */
struct irq_line *irq_line_create(struct dmop *xen, const struct irq_spec *spec,
                                 const char *owner);
void irq_line_set_pci(struct irq_line *line, uint16_t seg, uint8_t bus,
                      uint8_t dev, uint8_t intx_pin);
void irq_line_set_msi(struct irq_line *line, bool enabled, uint64_t addr,
                      uint32_t data);
/* PCI "Interrupt Disable" (command bit 10): while masked the line is held
 * low towards Xen; irq_line_level() still reports what the device drives
 * (the status register's Interrupt Status bit). */
void irq_line_mask(struct irq_line *line, bool masked);
/* MSI per-vector mask (the capability's Mask Bits): a message the function
 * would send while masked is remembered as pending and sent on unmask. */
void irq_line_msi_mask(struct irq_line *line, bool masked);
bool irq_line_msi_pending(const struct irq_line *line);
/* Lower the line (if raised) and free it. */
void irq_line_destroy(struct irq_line *line);

/*
 * A line's state across a crash of dmd (device.h, snapshot.h): what the
 * device drives, the masks, the MSI message and pending bit, and what Xen
 * was last told.  restore() with apply false only checks (0 or -EINVAL,
 * nothing changes); with apply true it takes the state and tells Xen the
 * level again for a level-triggered line (ISA, INTx, level SPI: a DMOP for
 * a level Xen already has changes nothing, and one the crash cut off is
 * made good), never an MSI or an edge pulse, which would be a second
 * interrupt.  The line's kind and number come from the config, not the
 * snapshot.
 */
struct snap_out;
struct snap_in;
void irq_line_save(const struct irq_line *line, struct snap_out *out);
int irq_line_restore(struct irq_line *line, struct snap_in *in, bool apply);

#endif
