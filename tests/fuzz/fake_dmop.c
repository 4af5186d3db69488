/* SPDX-License-Identifier: MIT */
/*
 * The dmop_* calls of devices/device.c and irq.c without Xen behind them
 * (see fake_dmop.h for the rules checked).
 */
#include "fake_dmop.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dmop/dmop.h"
#include "fuzz_check.h"

/* More than the fuzzer's config can ever map at once. */
#define FAKE_MAX_RANGES 32

struct fake_range {
    uint64_t first, last; /* PCI: both the SBDF << 32 */
};

struct fake_space {
    struct fake_range ranges[FAKE_MAX_RANGES];
    size_t n;
};

static struct {
    struct fake_space spaces[IOSPACE_NR];
    unsigned maps, fail_map_at;
    bool isa[16];
    bool spi[1024];
    bool intx[256][32][4];
    unsigned raised; /* lines currently high */
    unsigned irq_calls;
    bool restoring;  /* a level may be set again (fake_dmop_restoring) */
} fake;

void fake_dmop_reset(unsigned fail_map_at)
{
    memset(&fake, 0, sizeof(fake));
    fake.fail_map_at = fail_map_at;
}

/* ---- ranges ---------------------------------------------------------------- */

static int map(enum iospace_kind kind, uint64_t first, uint64_t last)
{
    struct fake_space *s = &fake.spaces[kind];

    FUZZ_CHECK(first <= last, "%s range %#llx-%#llx is backwards", iospace_kind_name(kind),
               (unsigned long long)first, (unsigned long long)last);
    if (++fake.maps == fake.fail_map_at)
        return -ENOSPC;
    for (size_t i = 0; i < s->n; i++)
        FUZZ_CHECK(first > s->ranges[i].last || s->ranges[i].first > last,
                   "%s range %#llx-%#llx mapped over %#llx-%#llx", iospace_kind_name(kind),
                   (unsigned long long)first, (unsigned long long)last,
                   (unsigned long long)s->ranges[i].first,
                   (unsigned long long)s->ranges[i].last);
    FUZZ_CHECK(s->n < FAKE_MAX_RANGES, "more than %d %s ranges mapped", FAKE_MAX_RANGES,
               iospace_kind_name(kind));
    s->ranges[s->n++] = (struct fake_range){ first, last };
    return 0;
}

static int unmap(enum iospace_kind kind, uint64_t first, uint64_t last)
{
    struct fake_space *s = &fake.spaces[kind];

    for (size_t i = 0; i < s->n; i++) {
        if (s->ranges[i].first == first && s->ranges[i].last == last) {
            s->ranges[i] = s->ranges[--s->n];
            return 0;
        }
    }
    FUZZ_CHECK(false, "%s range %#llx-%#llx unmapped but not mapped", iospace_kind_name(kind),
               (unsigned long long)first, (unsigned long long)last);
    return -ENOENT;
}

static uint64_t pci_key(uint8_t bus, uint8_t dev, uint8_t fn)
{
    return ((uint64_t)bus << 8 | (uint64_t)dev << 3 | fn) << 32;
}

int dmop_map_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    (void)x;
    return map(IOSPACE_PORT, start, end);
}

int dmop_unmap_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    (void)x;
    return unmap(IOSPACE_PORT, start, end);
}

int dmop_map_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    (void)x;
    return map(IOSPACE_MMIO, start, end);
}

int dmop_unmap_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    (void)x;
    return unmap(IOSPACE_MMIO, start, end);
}

int dmop_map_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    (void)x;
    return map(IOSPACE_PCI, pci_key(bus, dev, fn), pci_key(bus, dev, fn));
}

int dmop_unmap_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    (void)x;
    return unmap(IOSPACE_PCI, pci_key(bus, dev, fn), pci_key(bus, dev, fn));
}

void fake_dmop_check_routing(const struct iospace *sp)
{
    for (int k = 0; k < IOSPACE_NR; k++) {
        const struct fake_space *s = &fake.spaces[k];

        FUZZ_CHECK(s->n == iospace_count(sp, k), "%zu %s ranges mapped, %zu routed", s->n,
                   iospace_kind_name(k), iospace_count(sp, k));
        for (size_t i = 0; i < s->n; i++) {
            const struct fake_range *f = &s->ranges[i];
            const struct iospace_region *r = iospace_lookup(sp, k, f->first);
            bool same = r != NULL && r->base == f->first &&
                        (k == IOSPACE_PCI || r->base + (r->size - 1) == f->last);

            FUZZ_CHECK(same, "%s range %#llx-%#llx mapped but not routed as such",
                       iospace_kind_name(k), (unsigned long long)f->first,
                       (unsigned long long)f->last);
        }
    }
}

void fake_dmop_check_idle(const struct iospace *sp)
{
    for (int k = 0; k < IOSPACE_NR; k++) {
        FUZZ_CHECK(fake.spaces[k].n == 0, "%zu %s ranges still mapped after teardown",
                   fake.spaces[k].n, iospace_kind_name(k));
        FUZZ_CHECK(iospace_count(sp, k) == 0, "%zu %s regions still routed after teardown",
                   iospace_count(sp, k), iospace_kind_name(k));
    }
    FUZZ_CHECK(fake.raised == 0, "%u interrupt lines still high after teardown", fake.raised);
}

/* ---- interrupts ------------------------------------------------------------ */

static void set_level(bool *line, bool level, const char *what, unsigned num)
{
    fake.irq_calls++;
    if (*line == level && fake.restoring)
        return;
    FUZZ_CHECK(*line != level, "%s %u set to %d twice in a row", what, num, level);
    *line = level;
    if (level)
        fake.raised++;
    else
        fake.raised--;
}

int dmop_set_isa_irq_level(struct dmop *x, uint8_t irq, bool level, const char *owner)
{
    (void)x;
    (void)owner;
    FUZZ_CHECK(irq < 16, "ISA irq %u", irq);
    set_level(&fake.isa[irq], level, "ISA irq", irq);
    return 0;
}

int dmop_set_spi_level(struct dmop *x, uint32_t spi, bool level, const char *owner)
{
    (void)x;
    (void)owner;
    FUZZ_CHECK(spi < 1024, "SPI %u", spi);
    set_level(&fake.spi[spi], level, "SPI", spi);
    return 0;
}

int dmop_set_pci_intx_level(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t pin,
                            bool level, const char *owner)
{
    (void)x;
    (void)owner;
    FUZZ_CHECK(dev < 32 && pin < 4, "INTx %02x:%02x pin %u", bus, dev, pin);
    set_level(&fake.intx[bus][dev][pin], level, "INTx of device", dev);
    return 0;
}

bool fake_dmop_intx_level(uint8_t bus, uint8_t dev, uint8_t pin)
{
    return dev < 32 && pin < 4 && fake.intx[bus][dev][pin];
}

void fake_dmop_restoring(bool on)
{
    fake.restoring = on;
}

unsigned fake_dmop_irq_calls(void)
{
    return fake.irq_calls;
}

int dmop_inject_msi(struct dmop *x, uint64_t addr, uint32_t data, const char *owner)
{
    fake.irq_calls++;
    (void)x;
    (void)addr;
    (void)data;
    (void)owner;
    return 0;
}

/* A pvpanic the fuzzer pokes asks for the guest's shutdown: nothing to
 * check on Xen's side, and the fuzzed world goes on. */
int dmop_shutdown(struct dmop *x, unsigned reason)
{
    (void)x;
    (void)reason;
    return 0;
}
