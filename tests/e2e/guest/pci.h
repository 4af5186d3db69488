/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space through configuration mechanism #1: the address
 * goes to port 0xcf8 (a 32-bit write, the only kind Xen latches), the data
 * moves through 0xcfc-0xcff.  Xen turns a data access for a function an
 * IOREQ server claimed into a config space request to that server.
 */
#ifndef E2E_PCI_H
#define E2E_PCI_H

#include <stdint.h>

struct pci_bdf {
    uint8_t bus, dev, fn;
};

/* Registers of a type-0 header, and the command bits the tests use. */
#define PCI_VENDOR_ID      0x00
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE    0x0e
#define PCI_BAR0           0x10
#define PCI_CAPABILITY_PTR 0x34
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_COMMAND_IO     0x0001
#define PCI_COMMAND_MASTER 0x0004
#define PCI_STATUS_CAP_LIST 0x0010

/* size is 1, 2 or 4; reg must be aligned to it. */
uint32_t pci_conf_read(struct pci_bdf f, unsigned reg, unsigned size);
void pci_conf_write(struct pci_bdf f, unsigned reg, unsigned size, uint32_t value);

#endif
