/* SPDX-License-Identifier: MIT */
/*
 * Interrupt DMOPs.  Devices never call these: src/irq.c does, only when a
 * line's level changes.  Failures are rate limited because the guest drives
 * how often a line toggles.
 */
#include "dmop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xendevicemodel.h>

#include "../log.h"

static struct log_ratelimit irq_rl;

static int report(struct dmop *x, const char *owner, const char *call, const char *what)
{
    int err = errno;
    struct log_fields f = { .device = owner, .vcpu = -1 };

    log_limited(&irq_rl, LOG_ERR, &f, "%s(domain %u, %s): %s", call, x->domid, what,
                strerror(err));
    return -err;
}

int dmop_set_isa_irq_level(struct dmop *x, uint8_t irq, bool level, const char *owner)
{
    char what[32];

    if (dmop_hands_off(x))
        return 0;
    if (xendevicemodel_set_isa_irq_level(x->dm, x->domid, irq, level) == 0)
        return 0;
    snprintf(what, sizeof(what), "isa:%u level %d", irq, level);
    return report(x, owner, "xendevicemodel_set_isa_irq_level", what);
}

int dmop_set_pci_intx_level(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t pin, bool level,
                            const char *owner)
{
    char what[48];

    if (dmop_hands_off(x))
        return 0;
    if (xendevicemodel_set_pci_intx_level(x->dm, x->domid, 0, bus, dev, pin, level) == 0)
        return 0;
    snprintf(what, sizeof(what), "%02x:%02x INT%c level %d", bus, dev, 'A' + (pin & 3), level);
    return report(x, owner, "xendevicemodel_set_pci_intx_level", what);
}

int dmop_set_spi_level(struct dmop *x, uint32_t spi, bool level, const char *owner)
{
    char what[32];

    if (dmop_hands_off(x))
        return 0;
    if (xendevicemodel_set_irq_level(x->dm, x->domid, spi, level) == 0)
        return 0;
    snprintf(what, sizeof(what), "spi:%u level %d", spi, level);
    return report(x, owner, "xendevicemodel_set_irq_level", what);
}

int dmop_inject_msi(struct dmop *x, uint64_t addr, uint32_t data, const char *owner)
{
    char what[64];

    if (dmop_hands_off(x))
        return 0;
    if (xendevicemodel_inject_msi(x->dm, x->domid, addr, data) == 0)
        return 0;
    snprintf(what, sizeof(what), "address %#llx data %#x", (unsigned long long)addr, data);
    return report(x, owner, "xendevicemodel_inject_msi", what);
}
