/* SPDX-License-Identifier: MIT */
/*
 * A PCI function's configuration space (PCI Local Bus Spec 3.0, type-0
 * header) around one device: identity registers, the command register,
 * BAR0 decoding the device window, and INTA or an MSI capability.
 *
 * The space is a 256-byte little-endian image plus a per-byte write mask:
 * an access of any size at any offset is applied byte by byte, so
 * unaligned and partial accesses need no special cases, read-only bits
 * stay put, and registers the function does not have read 0 and ignore
 * writes.  After a write the function reacts to what changed: Interrupt
 * Disable, the BAR window and the MSI message.  A device with registers
 * of its own in this space (device_pci_id.config_ops) gets the accesses
 * that reach them; they are not in the image.
 */
#include "pci.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../snapshot.h"

/* Type-0 header registers. */
#define REG_VENDOR        0x00u
#define REG_DEVICE        0x02u
#define REG_COMMAND       0x04u
#define REG_STATUS        0x06u
#define REG_REVISION      0x08u
#define REG_CLASS         0x09u /* prog-if, subclass, class: 3 bytes */
#define REG_BAR0          0x10u
#define REG_SUBSYS_VENDOR 0x2cu
#define REG_SUBSYS        0x2eu
#define REG_CAP_PTR       0x34u
#define REG_INT_LINE      0x3cu
#define REG_INT_PIN       0x3du

#define CMD_IO           0x0001u
#define CMD_MEMORY       0x0002u
#define CMD_MASTER       0x0004u
#define CMD_INTX_DISABLE 0x0400u

#define STATUS_INTERRUPT 0x08u
#define STATUS_CAP_LIST  0x10u

#define BAR_IO_SPACE  0x1u
#define BAR_IO_FLAGS  0x3u /* bit 0: I/O space, bit 1: reserved */
#define BAR_MEM_FLAGS 0xfu /* type, prefetchable: all 0 = 32-bit, non-prefetchable */

#define INTX_PIN_A 1u /* interrupt pin register; Xen numbers INTA as 0 */

/* MSI capability with a 64-bit address and per-vector masking (one vector:
 * only bit 0 of the mask and pending bits exists). */
#define MSI_CAP        0x40u
#define MSI_CAP_ID     0x05u
#define MSI_CONTROL    (MSI_CAP + 0x2u)
#define MSI_ADDR_LO    (MSI_CAP + 0x4u)
#define MSI_ADDR_HI    (MSI_CAP + 0x8u)
#define MSI_DATA       (MSI_CAP + 0xcu)
#define MSI_MASK       (MSI_CAP + 0x10u)
#define MSI_PENDING    (MSI_CAP + 0x14u)
#define MSI_CTL_ENABLE 0x0001u
#define MSI_CTL_MME    0x0070u /* multiple message enable: only 0 is honoured */
#define MSI_CTL_64BIT  0x0080u
#define MSI_CTL_PVM    0x0100u /* per-vector masking capable */
#define MSI_VECTOR0    0x1u

#define IO_SPACE_LAST 0xffffu

struct msi_message {
    bool enabled; /* MSI enable and bus master */
    uint64_t addr;
    uint32_t data;
};

struct pci_function {
    struct device *dev;
    const struct pci_bar_ops *ops;
    void *ctx;
    bool intx, msi; /* which interrupt the function reports */
    bool bar_io;
    uint64_t bar_size;
    bool claimed; /* the window is mapped at claimed_base */
    uint64_t claimed_base;
    struct msi_message msi_sent; /* as last given to irq_line_set_msi() */
    uint8_t image[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE]; /* bits the guest may change */
};

static void put(uint8_t *bytes, unsigned reg, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size; i++)
        bytes[reg + i] = (uint8_t)(value >> (8 * i));
}

static uint32_t get(const uint8_t *bytes, unsigned reg, unsigned size)
{
    uint32_t value = 0;

    for (unsigned i = 0; i < size; i++)
        value |= (uint32_t)bytes[reg + i] << (8 * i);
    return value;
}

uint64_t pci_bar_size(const struct device *dev)
{
    uint64_t size = dev->type->pci->bar_is_io ? 4 : 4096;

    while (size < dev->cfg->size && size <= UINT64_MAX / 2)
        size <<= 1;
    return size;
}

/* The BAR bits that hold the address: sizing reads them back as the mask.
 * A window too big for a 32-bit BAR leaves none, so it is never mapped. */
static uint32_t bar_address_mask(const struct pci_function *fn)
{
    uint32_t mask = (uint32_t)~(fn->bar_size - 1);

    return mask & ~(fn->bar_io ? BAR_IO_FLAGS : BAR_MEM_FLAGS);
}

static uint64_t bar_base(const struct pci_function *fn)
{
    return get(fn->image, REG_BAR0, 4) & bar_address_mask(fn);
}

/* 0 means unassigned; all address bits set is what BAR sizing leaves
 * behind (and, for I/O, lies beyond the 64 KiB port space anyway). */
static bool bar_address_valid(const struct pci_function *fn, uint64_t base)
{
    if (base == 0)
        return false;
    if (fn->bar_io)
        return base + fn->bar_size - 1 <= IO_SPACE_LAST;
    return base != bar_address_mask(fn);
}

static void bar_release(struct pci_function *fn)
{
    fn->ops->unmap(fn->ctx, fn->bar_io, fn->claimed_base, fn->dev->cfg->size);
    fn->claimed = false;
}

static void bar_claim(struct pci_function *fn, uint64_t base)
{
    static struct log_ratelimit rl_map;
    const struct log_fields f = { .device = fn->dev->name, .vcpu = -1 };
    int rc = fn->ops->map(fn->ctx, fn->bar_io, base, fn->dev->cfg->size);

    if (rc == 0) {
        fn->claimed = true;
        fn->claimed_base = base;
        return;
    }
    /* The guest chose the address: tell the operator, let the guest read
     * all-ones there, and try again when it programs the BAR anew. */
    log_limited(&rl_map, LOG_WARNING, &f, "BAR0 at %s 0x%" PRIx64 " not claimed: %s",
                fn->bar_io ? "port" : "address", base, strerror(-rc));
}

/* Make the claimed window match the BAR and the command register. */
static void bar_update(struct pci_function *fn)
{
    uint32_t command = get(fn->image, REG_COMMAND, 2);
    bool decode = (command & (fn->bar_io ? CMD_IO : CMD_MEMORY)) != 0;
    uint64_t base = bar_base(fn);
    bool want = decode && bar_address_valid(fn, base);

    if (fn->claimed && (!want || base != fn->claimed_base))
        bar_release(fn);
    if (want && !fn->claimed)
        bar_claim(fn, base);
}

static struct msi_message msi_current(const struct pci_function *fn)
{
    uint32_t control = get(fn->image, MSI_CONTROL, 2);
    uint32_t command = get(fn->image, REG_COMMAND, 2);

    return (struct msi_message){
        .enabled = (control & MSI_CTL_ENABLE) && (command & CMD_MASTER),
        .addr = (uint64_t)get(fn->image, MSI_ADDR_HI, 4) << 32 | get(fn->image, MSI_ADDR_LO, 4),
        .data = get(fn->image, MSI_DATA, 2),
    };
}

/* Tell the line about the message whenever what it would send changes. */
static void msi_update(struct pci_function *fn)
{
    struct msi_message now = msi_current(fn);

    if (now.enabled == fn->msi_sent.enabled && now.addr == fn->msi_sent.addr &&
        now.data == fn->msi_sent.data)
        return;
    fn->msi_sent = now;
    irq_line_set_msi(fn->dev->irq, now.enabled, now.addr, now.data);
}

static void build_msi(struct pci_function *fn)
{
    uint8_t *img = fn->image, *wm = fn->wmask;

    put(img, REG_STATUS, 2, STATUS_CAP_LIST);
    img[REG_CAP_PTR] = MSI_CAP;
    img[MSI_CAP] = MSI_CAP_ID; /* next pointer 0: the only capability */
    put(img, MSI_CONTROL, 2, MSI_CTL_64BIT | MSI_CTL_PVM);
    put(wm, MSI_CONTROL, 2, MSI_CTL_ENABLE | MSI_CTL_MME);
    put(wm, MSI_ADDR_LO, 4, ~0x3u); /* dword aligned */
    put(wm, MSI_ADDR_HI, 4, ~0u);
    put(wm, MSI_DATA, 2, 0xffffu);
    put(wm, MSI_MASK, 4, MSI_VECTOR0);
}

/* Header fields the config may override, in enum pci_id_field order. */
static const struct {
    unsigned reg, size;
} id_regs[PCI_ID_FIELDS] = {
    [PCI_ID_VENDOR] = { REG_VENDOR, 2 },
    [PCI_ID_DEVICE] = { REG_DEVICE, 2 },
    [PCI_ID_CLASS] = { REG_CLASS, 3 },
    [PCI_ID_REVISION] = { REG_REVISION, 1 },
    [PCI_ID_SUBSYSTEM_VENDOR] = { REG_SUBSYS_VENDOR, 2 },
    [PCI_ID_SUBSYSTEM] = { REG_SUBSYS, 2 },
};

static void build_identity(struct pci_function *fn)
{
    const struct device_pci_id *id = fn->dev->type->pci;
    const struct pci_id_override *o = &fn->dev->cfg->pci_id;
    uint8_t *img = fn->image;

    put(img, REG_VENDOR, 2, id->vendor);
    put(img, REG_DEVICE, 2, id->device);
    put(img, REG_CLASS, 3, id->class_code);
    img[REG_REVISION] = id->revision;
    put(img, REG_SUBSYS_VENDOR, 2, id->subsystem_vendor);
    put(img, REG_SUBSYS, 2, id->subsystem);
    for (unsigned f = 0; f < PCI_ID_FIELDS; f++)
        if (o->set[f])
            put(img, id_regs[f].reg, id_regs[f].size, o->value[f]);
}

static void build_header(struct pci_function *fn)
{
    uint8_t *img = fn->image, *wm = fn->wmask;

    build_identity(fn);
    put(wm, REG_COMMAND, 2, CMD_IO | CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE);
    put(img, REG_BAR0, 4, fn->bar_io ? BAR_IO_SPACE : 0);
    put(wm, REG_BAR0, 4, bar_address_mask(fn));
    wm[REG_INT_LINE] = 0xff; /* scratch for the guest OS */
    if (fn->intx)
        img[REG_INT_PIN] = INTX_PIN_A;
    if (fn->msi)
        build_msi(fn);
}

struct pci_function *pci_function_new(struct device *dev, const struct pci_bar_ops *ops,
                                      void *ctx)
{
    struct pci_function *fn = calloc(1, sizeof(*fn));
    const struct pci_addr *at = &dev->cfg->attach.pci;

    if (fn == NULL)
        return NULL;
    fn->dev = dev;
    fn->ops = ops;
    fn->ctx = ctx;
    fn->intx = dev->irq != NULL && dev->cfg->irq.kind == IRQ_INTX;
    fn->msi = dev->irq != NULL && dev->cfg->irq.kind == IRQ_MSI;
    fn->bar_io = dev->type->pci->bar_is_io;
    fn->bar_size = pci_bar_size(dev);
    build_header(fn);
    if (fn->intx)
        irq_line_set_pci(dev->irq, 0, at->bus, at->dev, 0 /* INTA */);
    return fn;
}

void pci_function_free(struct pci_function *fn)
{
    if (fn == NULL)
        return;
    if (fn->claimed)
        bar_release(fn);
    free(fn);
}

static uint8_t config_byte(const struct pci_function *fn, unsigned reg)
{
    uint8_t value = fn->image[reg];

    if (reg == REG_STATUS && fn->intx && irq_line_level(fn->dev->irq))
        value |= STATUS_INTERRUPT;
    if (reg == MSI_PENDING && fn->msi && irq_line_msi_pending(fn->dev->irq))
        value |= MSI_VECTOR0;
    return value;
}

/* Is config space byte `reg` one of the device's own registers? */
static bool device_reg(const struct pci_function *fn, uint64_t reg)
{
    const struct device_pci_id *id = fn->dev->type->pci;

    return id->config_ops != NULL && reg >= id->config_start &&
           reg - id->config_start < id->config_size;
}

/* The whole access is the device's: one call, as the guest made it. */
static bool device_access(const struct pci_function *fn, uint64_t offset, unsigned size)
{
    return device_reg(fn, offset) && device_reg(fn, offset + size - 1);
}

static uint64_t config_read(void *opaque, uint64_t offset, unsigned size)
{
    const struct pci_function *fn = opaque;
    const struct device_pci_id *id = fn->dev->type->pci;
    uint64_t value = 0;

    if (device_access(fn, offset, size))
        return id->config_ops->read(fn->dev->state, offset - id->config_start, size);
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i, byte;

        if (reg >= PCI_CONFIG_SIZE)
            break;
        if (device_reg(fn, reg))
            byte = id->config_ops->read(fn->dev->state, reg - id->config_start, 1) & 0xff;
        else
            byte = config_byte(fn, (unsigned)reg);
        value |= byte << (8 * i);
    }
    return value;
}

static bool overlaps(uint64_t offset, unsigned size, unsigned reg, unsigned len)
{
    return offset < reg + len && reg < offset + size;
}

static void config_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct pci_function *fn = opaque;
    const struct device_pci_id *id = fn->dev->type->pci;
    uint32_t old_command = get(fn->image, REG_COMMAND, 2);
    uint32_t changed;

    if (device_access(fn, offset, size)) {
        id->config_ops->write(fn->dev->state, offset - id->config_start, size, value);
        return;
    }
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t reg = offset + i;
        uint8_t mask, byte = (uint8_t)(value >> (8 * i));

        if (reg >= PCI_CONFIG_SIZE)
            break;
        if (device_reg(fn, reg)) {
            id->config_ops->write(fn->dev->state, reg - id->config_start, 1, byte);
            continue;
        }
        mask = fn->wmask[reg];
        fn->image[reg] = (uint8_t)((fn->image[reg] & ~mask) | (byte & mask));
    }

    changed = old_command ^ get(fn->image, REG_COMMAND, 2);
    if (fn->intx && (changed & CMD_INTX_DISABLE))
        irq_line_mask(fn->dev->irq, (old_command & CMD_INTX_DISABLE) == 0);
    /* Only writes to these registers (re)try a claim that failed. */
    if (overlaps(offset, size, REG_COMMAND, 2) || overlaps(offset, size, REG_BAR0, 4))
        bar_update(fn);
    if (fn->msi) {
        msi_update(fn);
        irq_line_msi_mask(fn->dev->irq, (fn->image[MSI_MASK] & MSI_VECTOR0) != 0);
    }
}

const struct region_ops pci_config_ops = { .read = config_read, .write = config_write };

/*
 * Snapshot layout: the configuration image (256 bytes), whether BAR0 is
 * claimed (1) and where (8; 0 when not claimed, so an old release leaves
 * no trace), the message last given to the line: enabled (1), address (8),
 * data (4).  The write mask and everything else derives from the config.
 */
void pci_function_save(const struct pci_function *fn, struct snap_out *out)
{
    snap_put_bytes(out, fn->image, PCI_CONFIG_SIZE);
    snap_put_bool(out, fn->claimed);
    snap_put_u64(out, fn->claimed ? fn->claimed_base : 0);
    snap_put_bool(out, fn->msi_sent.enabled);
    snap_put_u64(out, fn->msi_sent.addr);
    snap_put_u32(out, fn->msi_sent.data);
}

/* A snapshot read into a scratch copy of the function, whose image is the
 * saved one and whose wmask is this config's. */
struct pci_snapshot {
    struct pci_function fn;
    uint8_t header[PCI_CONFIG_SIZE]; /* this config's image at reset */
};

static void snapshot_read(const struct pci_function *fn, struct snap_in *in,
                          struct pci_snapshot *s)
{
    s->fn = *fn;
    memset(s->fn.image, 0, sizeof(s->fn.image));
    memset(s->fn.wmask, 0, sizeof(s->fn.wmask));
    build_header(&s->fn);
    memcpy(s->header, s->fn.image, sizeof(s->header));
    snap_get_bytes(in, s->fn.image, PCI_CONFIG_SIZE);
    s->fn.claimed = snap_get_bool(in);
    s->fn.claimed_base = snap_get_u64(in);
    s->fn.msi_sent.enabled = snap_get_bool(in);
    s->fn.msi_sent.addr = snap_get_u64(in);
    s->fn.msi_sent.data = snap_get_u32(in);
}

/* Every bit the guest cannot write is this config's: a header from
 * another identity, BAR type or interrupt is another function. */
static bool image_valid(const struct pci_snapshot *s)
{
    for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg++)
        if ((s->fn.image[reg] ^ s->header[reg]) & ~s->fn.wmask[reg])
            return false;
    return true;
}

/* A claim is only ever where bar_update() would make it for this image; an
 * unclaimed BAR may still be one whose claim failed. */
static bool claim_valid(const struct pci_function *fn)
{
    uint32_t command = get(fn->image, REG_COMMAND, 2);
    bool decode = (command & (fn->bar_io ? CMD_IO : CMD_MEMORY)) != 0;
    uint64_t base = bar_base(fn);

    if (!fn->claimed)
        return fn->claimed_base == 0;
    return decode && bar_address_valid(fn, base) && fn->claimed_base == base;
}

/* msi_update() runs after every write, so the line was given the image's
 * message (all zero for a function without MSI: the capability reads 0). */
static bool msi_valid(const struct pci_function *fn)
{
    struct msi_message now = msi_current(fn);

    return now.enabled == fn->msi_sent.enabled && now.addr == fn->msi_sent.addr &&
           now.data == fn->msi_sent.data;
}

/*
 * The line's own restore ran first and holds its masks and pending
 * message; this hands it the image's view without sending anything.
 * irq_line_set_msi() never sends and irq_line_mask() drives only the INTx
 * level, but unmasking the vector sends a pending message: so the vector
 * is unmasked only when nothing is pending.  In a consistent snapshot the
 * line's mask already equals the image's and the calls change nothing;
 * otherwise a held message stays pending until the guest's next write to
 * the configuration space.
 */
static void restore_line(struct pci_function *fn)
{
    struct irq_line *line = fn->dev->irq;
    bool vector_masked = (fn->image[MSI_MASK] & MSI_VECTOR0) != 0;

    if (fn->intx)
        irq_line_mask(line, (get(fn->image, REG_COMMAND, 2) & CMD_INTX_DISABLE) != 0);
    if (fn->msi) {
        irq_line_set_msi(line, fn->msi_sent.enabled, fn->msi_sent.addr, fn->msi_sent.data);
        if (vector_masked || !irq_line_msi_pending(line))
            irq_line_msi_mask(line, vector_masked);
    }
}

int pci_function_restore(struct pci_function *fn, struct snap_in *in, bool apply)
{
    struct pci_snapshot s;

    snapshot_read(fn, in, &s);
    if (in->bad || !image_valid(&s) || !claim_valid(&s.fn) || !msi_valid(&s.fn))
        return -EINVAL;
    if (!apply)
        return 0;
    if (fn->claimed)
        bar_release(fn); /* not fresh after all: the saved claim replaces it */
    memcpy(fn->image, s.fn.image, sizeof(fn->image));
    fn->msi_sent = s.fn.msi_sent;
    /* The range may already be Xen's (docs/restart.md): claiming it routes
     * it again.  A failure is logged and leaves the BAR unclaimed, as when
     * the guest's own claim fails. */
    if (s.fn.claimed)
        bar_claim(fn, s.fn.claimed_base);
    restore_line(fn);
    return 0;
}
