/* SPDX-License-Identifier: MIT */
/*
 * A PCI function around a device (`pci = BB:DD.F` in the config).
 *
 * The function has a type-0 configuration header built from the device
 * type's struct device_pci_id, one BAR (BAR0, I/O or 32-bit memory as the
 * id says) that decodes the device's register window, and an interrupt:
 * INTA (irq = intx, Interrupt Disable honoured) or an MSI capability
 * (irq = msi, one vector).  When the guest programs BAR0 and enables
 * decoding in the command register, the window is claimed at that address
 * through the bar ops; moving the BAR or disabling decode releases it.
 *
 * pci.c is pure register logic: the core (devices/device.c) provides the
 * bar ops (iospace + DMOP range mapping), claims the config space region
 * (IOSPACE_PCI, SBDF << 32, PCI_CONFIG_SIZE bytes) and maps the PCI device
 * to the ioreq server.
 */
#ifndef DMD_PCI_H
#define DMD_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define PCI_CONFIG_SIZE 256u

struct pci_bar_ops {
    /* Claim the device window at base in I/O or memory space: 0 or -errno
     * (e.g. -EEXIST when it would overlap another device). */
    int (*map)(void *ctx, bool io, uint64_t base, uint64_t size);
    void (*unmap)(void *ctx, bool io, uint64_t base, uint64_t size);
};

struct pci_function;

/*
 * `dev` is a created device whose cfg has attach.kind == ATTACH_PCI and
 * whose type has a non-NULL pci id; dev->irq (kind intx or msi, or NULL)
 * is the line the function manages.  Returns NULL on allocation failure.
 */
struct pci_function *pci_function_new(struct device *dev, const struct pci_bar_ops *ops,
                                      void *ctx);
/* Releases the BAR window if it is claimed. */
void pci_function_free(struct pci_function *fn);

/*
 * The function's state across a crash of dmd (device.h, snapshot.h): its
 * configuration space image, where BAR0 is claimed and the MSI message the
 * line was last given.  restore() with apply false only checks (0, or
 * -EINVAL for bits the guest cannot write that differ from this config's
 * header, a claim the BAR and command register do not describe, ...;
 * nothing changes); with apply true it takes the image, claims BAR0 where
 * it was claimed (through the bar ops) and hands the line its MSI message,
 * without sending one.
 */
struct snap_out;
struct snap_in;
void pci_function_save(const struct pci_function *fn, struct snap_out *out);
int pci_function_restore(struct pci_function *fn, struct snap_in *in, bool apply);

/* Config space accesses; opaque is the struct pci_function. */
extern const struct region_ops pci_config_ops;

/* BAR0 size: the window rounded up to a power of two, at least 4 bytes
 * for I/O (the smallest I/O BAR; a 16550's is its 8 registers, as Linux's
 * 8250_pci expects: it makes one port per 8 bytes of BAR) and 4 KiB for
 * memory (one page, so it never shares a page). */
uint64_t pci_bar_size(const struct device *dev);

#endif
