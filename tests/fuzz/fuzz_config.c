/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: config_load() on arbitrary files, with the real device
 * registry, then config_free().
 *
 * The input is the file, byte for byte (an in-memory file, so nothing
 * touches the disk; backends are only parsed, never opened).  Beyond what
 * the sanitizers catch (leaks included), a config that loads must obey
 * every rule config.h and DESIGN.md promise is checked before Xen is
 * called: one attach point each, of a kind the type accepts; windows that
 * neither wrap, pass port 0xffff nor overlap; at most 256 ranges per kind;
 * interrupt lines that exist on the architecture (:edge only on an SPI);
 * PCI identity overrides only behind PCI, within their fields' widths,
 * with vendor and device ids for a type that has none; an absolute
 * state_dir; parameters within their declared ranges.  A config that
 * breaks one would reach Xen or a device.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "config.h"
#include "devices/device.h"
#include "fuzz_check.h"
#include "fuzz_memfile.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_memfile file;

/* ---- what an accepted config guarantees ------------------------------------ */

static bool registered(const struct device_type *type)
{
    for (size_t i = 0; device_types[i] != NULL; i++)
        if (device_types[i] == type)
            return true;
    return false;
}

static void check_param(const struct dev_config *dc, const struct dev_param *p,
                        const struct param_value *v)
{
    size_t nchoices = 0;

    if (!v->set)
        return;
    switch (p->kind) {
    case PARAM_U64:
        FUZZ_CHECK(v->num >= p->min && v->num <= p->max, "[%s] %s = %llu out of range",
                   dc->name, p->key, (unsigned long long)v->num);
        break;
    case PARAM_BOOL:
        FUZZ_CHECK(v->num <= 1, "[%s] %s = %llu", dc->name, p->key,
                   (unsigned long long)v->num);
        break;
    case PARAM_STRING:
        FUZZ_CHECK(v->str != NULL && v->str[0] != '\0', "[%s] %s empty", dc->name, p->key);
        break;
    case PARAM_ENUM:
        while (p->choices != NULL && p->choices[nchoices] != NULL)
            nchoices++;
        FUZZ_CHECK(v->num < nchoices, "[%s] %s = choice %llu of %zu", dc->name, p->key,
                   (unsigned long long)v->num, nchoices);
        break;
    case PARAM_CHARDEV:
        FUZZ_CHECK(v->chr.kind <= CHARDEV_JOURNAL, "[%s] %s kind %d", dc->name, p->key,
                   v->chr.kind);
        FUZZ_CHECK((v->chr.kind == CHARDEV_FILE || v->chr.kind == CHARDEV_SOCKET) ==
                       (v->chr.path != NULL),
                   "[%s] %s: a path exactly for file: and socket:", dc->name, p->key);
        break;
    }
}

static void check_irq(const struct dmd_config *cfg, const struct dev_config *dc)
{
    const struct irq_spec *irq = &dc->irq;

    if (cfg->arch == DMD_ARCH_ARM) {
        FUZZ_CHECK(irq->kind == IRQ_NONE || irq->kind == IRQ_SPI, "[%s] irq kind %d on Arm",
                   dc->name, irq->kind);
    } else {
        FUZZ_CHECK(irq->kind != IRQ_SPI, "[%s] spi on x86", dc->name);
        FUZZ_CHECK((irq->kind != IRQ_INTX && irq->kind != IRQ_MSI) ||
                       dc->attach.kind == ATTACH_PCI,
                   "[%s] intx/msi without pci", dc->name);
    }
    FUZZ_CHECK(!irq->edge || irq->kind == IRQ_SPI, "[%s] :edge on irq kind %d", dc->name,
               irq->kind);
    FUZZ_CHECK(irq->kind != IRQ_ISA || irq->num <= 15, "[%s] isa:%u", dc->name, irq->num);
    FUZZ_CHECK(irq->kind != IRQ_SPI || (irq->num >= 32 && irq->num <= 1019), "[%s] spi:%u",
               dc->name, irq->num);
}

/* pci_vendor = ... and the rest: only behind PCI, within the field's width,
 * and vendor and device named when the type has no ids of its own. */
static void check_pci_id(const struct dev_config *dc)
{
    static const uint32_t max[PCI_ID_FIELDS] = {
        [PCI_ID_VENDOR] = 0xfffe, /* 0xffff reads as "no device" */
        [PCI_ID_DEVICE] = 0xffff, [PCI_ID_CLASS] = 0xffffff, [PCI_ID_REVISION] = 0xff,
        [PCI_ID_SUBSYSTEM_VENDOR] = 0xffff, [PCI_ID_SUBSYSTEM] = 0xffff,
    };
    const struct pci_id_override *o = &dc->pci_id;

    for (int f = 0; f < PCI_ID_FIELDS; f++) {
        FUZZ_CHECK(!o->set[f] || dc->attach.kind == ATTACH_PCI,
                   "[%s] PCI identity field %d without pci", dc->name, f);
        FUZZ_CHECK(!o->set[f] || o->value[f] <= max[f], "[%s] PCI identity field %d = %#x",
                   dc->name, f, o->value[f]);
    }
    if (dc->attach.kind != ATTACH_PCI)
        return;
    FUZZ_CHECK(dc->type->pci != NULL, "[%s] behind PCI, but type %s has no PCI identity",
               dc->name, dc->type->name);
    FUZZ_CHECK(dc->type->pci->vendor != 0 ||
                   (o->set[PCI_ID_VENDOR] && o->set[PCI_ID_DEVICE]),
               "[%s] behind PCI without a vendor and device id", dc->name);
}

/* [first, last] of a device's window; for PCI the SBDF. */
static void window(const struct dev_config *dc, uint64_t *first, uint64_t *last)
{
    if (dc->attach.kind == ATTACH_PCI) {
        *first = *last = (uint64_t)dc->attach.pci.bus << 8 | dc->attach.pci.dev << 3 |
                         dc->attach.pci.fn;
        return;
    }
    *first = dc->attach.base;
    *last = dc->attach.base + (dc->size - 1);
}

static void check_device(const struct dmd_config *cfg, const struct dev_config *dc)
{
    const struct device_type *type = dc->type;
    uint64_t first, last;

    FUZZ_CHECK(dc->name != NULL && strcmp(dc->name, "dmd") != 0, "device name");
    FUZZ_CHECK(type != NULL && registered(type), "[%s] has no registered type", dc->name);
    FUZZ_CHECK(dc->attach.kind == ATTACH_PORT || dc->attach.kind == ATTACH_MMIO ||
                   dc->attach.kind == ATTACH_PCI,
               "[%s] attach kind %d", dc->name, dc->attach.kind);
    FUZZ_CHECK(type->attach & DEVICE_ATTACH(dc->attach.kind), "[%s] attach kind %d refused "
               "by type %s", dc->name, dc->attach.kind, type->name);
    FUZZ_CHECK(cfg->arch == DMD_ARCH_X86 || dc->attach.kind == ATTACH_MMIO,
               "[%s] port or pci on Arm", dc->name);
    FUZZ_CHECK(dc->size > 0 && dc->size == type->window_size(dc), "[%s] window size %llu",
               dc->name, (unsigned long long)dc->size);
    window(dc, &first, &last);
    FUZZ_CHECK(first <= last, "[%s] window wraps", dc->name);
    FUZZ_CHECK(dc->attach.kind != ATTACH_PORT || last <= 0xffff, "[%s] ports past 0xffff",
               dc->name);
    FUZZ_CHECK(dc->attach.kind != ATTACH_PCI || (dc->attach.pci.dev < 32 &&
                                                 dc->attach.pci.fn < 8),
               "[%s] PCI address", dc->name);
    check_irq(cfg, dc);
    check_pci_id(dc);
    for (size_t i = 0; type->params != NULL && type->params[i].key != NULL; i++) {
        FUZZ_CHECK(i < DEV_MAX_PARAMS, "type %s has too many params", type->name);
        check_param(dc, &type->params[i], &dc->params[i]);
    }
}

static void check_pair(const struct dev_config *a, const struct dev_config *b)
{
    uint64_t fa, la, fb, lb;

    FUZZ_CHECK(strcmp(a->name, b->name) != 0, "two devices named [%s]", a->name);
    if (a->attach.kind != b->attach.kind)
        return;
    window(a, &fa, &la);
    window(b, &fb, &lb);
    FUZZ_CHECK(fa > lb || fb > la, "[%s] and [%s] overlap", a->name, b->name);
}

static void check_config(const struct dmd_config *cfg)
{
    size_t per_kind[ATTACH_PCI + 1] = { 0 };

    FUZZ_CHECK(cfg->path != NULL && strcmp(cfg->path, file.path) == 0, "path");
    FUZZ_CHECK(cfg->arch == DMD_ARCH_X86 || cfg->arch == DMD_ARCH_ARM, "arch %d", cfg->arch);
    FUZZ_CHECK(cfg->bufioreq == HVM_IOREQSRV_BUFIOREQ_OFF ||
                   (cfg->bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC && cfg->arch == DMD_ARCH_X86),
               "bufioreq %d on %s", cfg->bufioreq, config_arch_name(cfg->arch));
    FUZZ_CHECK(cfg->state_dir == NULL || cfg->state_dir[0] == '/', "state_dir %s",
               cfg->state_dir);
    FUZZ_CHECK(cfg->ndevs == 0 || cfg->devs != NULL, "devices missing");
    for (size_t i = 0; i < cfg->ndevs; i++) {
        check_device(cfg, &cfg->devs[i]);
        per_kind[cfg->devs[i].attach.kind]++;
        for (size_t j = 0; j < i; j++)
            check_pair(&cfg->devs[i], &cfg->devs[j]);
    }
    for (int k = ATTACH_PORT; k <= ATTACH_PCI; k++)
        FUZZ_CHECK(per_kind[k] <= CONFIG_MAX_RANGES_PER_TYPE, "%zu ranges of kind %d",
                   per_kind[k], k);
}

/* ---- libFuzzer entry points ------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Every message is formatted (that code runs too), then dropped by
     * fake_journal.c: stderr is left to the fuzzer's reports. */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    FUZZ_CHECK(fuzz_memfile_open(&file) == 0, "memfd_create: %m");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dmd_config cfg;

    FUZZ_CHECK(fuzz_memfile_set(&file, data, size) == 0, "write: %m");
    if (config_load(file.path, &cfg) == 0) {
        check_config(&cfg);
        config_free(&cfg);
    }
    return 0;
}
