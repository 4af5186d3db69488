/* SPDX-License-Identifier: MIT */
/*
 * A recording double of the irq_line_* functions of src/irq.h, for unit
 * tests of devices: it keeps the level a device drives and counts the
 * transitions, which is what the core would turn into DMOPs.
 */
#ifndef DMD_TEST_FAKE_IRQ_H
#define DMD_TEST_FAKE_IRQ_H

#include "irq.h"

/* A fresh line, low, with no transitions recorded. */
struct irq_line *fake_irq_new(void);
void fake_irq_free(struct irq_line *line);

/* Low-to-high and high-to-low transitions since creation or the last reset. */
unsigned fake_irq_rises(const struct irq_line *line);
unsigned fake_irq_falls(const struct irq_line *line);
void fake_irq_reset_counts(struct irq_line *line);

#endif
