/* SPDX-License-Identifier: MIT */
#include "hw.h"
#include "pci.h"

#define PCI_CONF_ADDRESS 0xcf8
#define PCI_CONF_DATA    0xcfc
#define PCI_CONF_ENABLE  0x80000000u

static void select_reg(struct pci_bdf f, unsigned reg)
{
    outl(PCI_CONF_ADDRESS, PCI_CONF_ENABLE | (uint32_t)f.bus << 16 | (uint32_t)f.dev << 11 |
                               (uint32_t)f.fn << 8 | (reg & 0xfc));
}

uint32_t pci_conf_read(struct pci_bdf f, unsigned reg, unsigned size)
{
    uint16_t port = (uint16_t)(PCI_CONF_DATA + (reg & 3));

    select_reg(f, reg);
    if (size == 4)
        return inl(port);
    return size == 2 ? inw(port) : inb(port);
}

void pci_conf_write(struct pci_bdf f, unsigned reg, unsigned size, uint32_t value)
{
    uint16_t port = (uint16_t)(PCI_CONF_DATA + (reg & 3));

    select_reg(f, reg);
    if (size == 4)
        outl(port, value);
    else if (size == 2)
        outw(port, (uint16_t)value);
    else
        outb(port, (uint8_t)value);
}
