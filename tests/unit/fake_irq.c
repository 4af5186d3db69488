/* SPDX-License-Identifier: MIT */
/*
 * Recording interrupt lines (see fake_irq.h): the irq_line_* functions of
 * src/irq.h without Xen behind them.
 */
#include "fake_irq.h"

#include <stdlib.h>

struct irq_line {
    bool level; /* as driven by the device */
    unsigned rises, falls;
};

struct irq_line *fake_irq_new(void)
{
    return calloc(1, sizeof(struct irq_line));
}

void fake_irq_free(struct irq_line *line)
{
    free(line);
}

unsigned fake_irq_rises(const struct irq_line *line)
{
    return line->rises;
}

unsigned fake_irq_falls(const struct irq_line *line)
{
    return line->falls;
}

void fake_irq_reset_counts(struct irq_line *line)
{
    line->rises = 0;
    line->falls = 0;
}

void irq_line_set(struct irq_line *line, bool level)
{
    if (line == NULL || line->level == level)
        return;
    if (level)
        line->rises++;
    else
        line->falls++;
    line->level = level;
}

bool irq_line_level(const struct irq_line *line)
{
    return line != NULL && line->level;
}

struct irq_line *irq_line_create(struct dmop *xen, const struct irq_spec *spec,
                                 const char *owner)
{
    (void)xen;
    (void)spec;
    (void)owner;
    return fake_irq_new();
}

/* PCI plumbing (set_pci, set_msi, mask) is the core's business, not a
 * device's: accepted and ignored. */
void irq_line_set_pci(struct irq_line *line, uint16_t seg, uint8_t bus, uint8_t dev,
                      uint8_t intx_pin)
{
    (void)line;
    (void)seg;
    (void)bus;
    (void)dev;
    (void)intx_pin;
}

void irq_line_set_msi(struct irq_line *line, bool enabled, uint64_t addr, uint32_t data)
{
    (void)line;
    (void)enabled;
    (void)addr;
    (void)data;
}

void irq_line_mask(struct irq_line *line, bool masked)
{
    (void)line;
    (void)masked;
}

void irq_line_destroy(struct irq_line *line)
{
    fake_irq_free(line);
}
