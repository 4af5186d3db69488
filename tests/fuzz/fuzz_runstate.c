/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the device state file a crashed dmd leaves behind
 * (runstate.c) and every device's restore() (docs/restart.md).  Nothing
 * read back after a crash is trusted: the file may be damaged, truncated
 * or written by another build.
 *
 * Each input is used twice.
 *
 * 1. As a whole state file, header included: RUN/3.state holds exactly
 *    the input's bytes and runstate_open() takes it for domain 3, a fixed
 *    fingerprint and no instance, then again for one instance.  An
 *    independent reading of the layout (runstate.c) says what must
 *    happen: an empty file is replaced by a fresh one; a file it cannot
 *    use (magic, layout, half size, domain, instance count, fingerprint,
 *    size, a `current` word above 2 or a current half longer than a
 *    snapshot may be) is kept byte for byte as 3.state.bad and replaced
 *    by a fresh one with no snapshot; any other is taken as it is, and
 *    then runstate_snapshot() and runstate_answer() give exactly what its
 *    halves say.  Setting it aside, reopening what is left (a file dmd
 *    wrote must be taken) and removing it follow.
 *
 * 2. As the snapshots of real devices, built by the device manager from a
 *    real config (below), with Xen played by fake_dmop.c:
 *
 *      u8   bit 0: the x86 config (clear) or the Arm one (set); bit 1: a
 *           host client is on the socket UART's line at the restart
 *           (com1 or uart0: the service manager's descriptor store hands
 *           it over, fake_journal.h), with host input waiting
 *      u32  the host clock at the restart, in ms after CLOCK_START
 *      (bit 1 only) u8 n, then n % 33 bytes: the input waiting
 *      per instance, in config order:
 *      u16  bits 0-13 the snapshot's length (at most RUNSTATE_SNAPSHOT_MAX
 *           is kept), bits 14-15 how it is stored:
 *             0  in half 0, which is current
 *             1  in half 1, which is current (half 0 holds the same bytes
 *                inverted, with an answer no request has)
 *             2  as 0, and the instance's chardev wire words follow first
 *                (tx, rx: u64 each)
 *             3  no snapshot: the length is ignored, nothing follows
 *      ...  the snapshot's bytes (fewer if the input ends)
 *      the rest: the records that drive the devices (below)
 *
 *    The file gets a valid header through runstate_open() and the halves
 *    through runstate_save_buffer()/runstate_save_commit(), so the bytes
 *    reach the devices' parsers.  Then, as main.c does after a crash, the
 *    devices are created with that file and devices_restore() runs.
 *
 *    - It refused (-EINVAL): not one interrupt DMOP was issued, the file
 *      was set aside (RUN/DOMID.state.bad) and has no snapshots any more,
 *      and every device saves exactly what a device created from reset
 *      with the same wire words saves.
 *    - It found nothing (0): only when no instance had a snapshot.
 *    - It restored (1): every instance had a snapshot, and the frame
 *      header of each (name, type, state_version) is exactly the one the
 *      device writes.  Then the records run (each guest access is saved
 *      as ioreq_loop.c saves it, with its answer: runstate_answer() then
 *      gives that answer, or no device changed), the host clients hang up, the RTCs are looked at
 *      once more (so their last look is now), the devices are saved
 *      (devices_save_all()) and the file is copied as a crash would leave
 *      it.  The devices are destroyed, the copy put back, fresh devices
 *      created and restored from it at the same host time: that must
 *      succeed, and each saves exactly what the first ones saved (a
 *      restored device saves what it took).
 *
 *    Throughout, fake_dmop.c's rules hold (routing and Xen's ranges
 *    agree, an interrupt DMOP only when a level changes: a restore may
 *    tell Xen a level again, nothing mapped or raised after teardown), and
 *    on x86 the PCI functions' INTx status agrees with what Xen got and an
 *    MSI is pending only while enabled (check_msi()).  Registers with
 *    fixed values are checked on every read (fuzz_registers.h), the GPIO
 *    socket's replies (fuzz_gpio_host.h) and every guest line sent to the
 *    journal (fake_journal.c).
 *
 * A record is an op byte, bits 0-3 what (below), bit 4 read (1) or write,
 * bits 5-6 the size (1, 2, 4, 8), then:
 *
 *   0-10  a guest access: one byte places it in the target's window (see
 *         the tables), then a write's value (`size` bytes)
 *   11    the UART socket's host end: one byte, bits 0-1 connect, send
 *         (bits 2-5 % 9 bytes of the input), read, hang up
 *   12    a GPIO socket client: one byte, bits 0-2 % 5 connect, request
 *         (three bytes follow: which, line, level), raw bytes (bits 3-5
 *         bytes of the input), read, hang up; bits 6-7 % 3 the client
 *   13    the host clock: one byte, bit 7 set: 2 ms pass and the loop runs
 *         meanwhile; else a u32 follows, bits 0-1 its unit (ns, us, ms, s),
 *         bit 2 backwards
 *   14    save every device (devices_save_all())
 *   15    TIMEOFFSET: a u32 follows, taken as signed seconds
 *
 * At most MAX_RECORDS records run.  dmd's loop runs once (without waiting)
 * after each.
 *
 * Mutation (LLVMFuzzerCustomMutator() below): half the time libFuzzer
 * mutates the input as bytes (the whole file, the headers, the lengths);
 * otherwise one instance's snapshot or the records are mutated on their
 * own and the lengths written again to fit, so an insertion or deletion
 * inside a snapshot leaves the rest of the input where it was.
 *
 * Seeds (make_seeds.py): with DMD_FUZZ_SEED_OUT=PATH in the environment,
 * the first record 14 of an input also writes PATH: an input of this
 * format holding the snapshots just saved (mode 2, with the wire words),
 * the clock of that moment and the records after this one.  So the seeds
 * are real snapshots of devices the records drove.  With
 * DMD_FUZZ_EXPECT_RESTORE set, an input whose snapshots are refused is a
 * failure (make_seeds.py checks each seed so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "devices/chardev.h"
#include "devices/device.h"
#include "devices/rtc_clock.h"
#include "dmop/dmop.h"
#include "fake_dmop.h"
#include "fake_journal.h"
#include "fuzz_bytes.h"
#include "fuzz_check.h"
#include "fuzz_clock.h"
#include "fuzz_files.h"
#include "fuzz_gpio_host.h"
#include "fuzz_memfile.h"
#include "fuzz_registers.h"
#include "fuzz_restart.h"
#include "iospace.h"
#include "log.h"
#include "runstate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define DOMID 1u
#define MAX_INSTANCES 16
#define MAX_RECORDS 200
#define GPIO_LINES 6 /* the socket pl061's ngpio, in both configs */

/* The 2 ms waits of an input that take real time (fuzz_clock.h). */
#define WAITS_PER_INPUT 2

/* ---- the configs -------------------------------------------------------------- */

/*
 * Every device type and attach point the restore paths care about.  x86:
 * 16550s at a port with a socket backend, at MMIO with reg_shift 2, behind
 * PCI with INTx and with MSI (and a journal backend, which holds half a
 * line), the mc146818 with its extended bank and a state_dir, a pl031, a
 * pl061 with a socket backend and one behind PCI with MSI (a memory BAR).
 * Arm, which has no ports and no PCI: level and edge SPIs, the mc146818 at
 * MMIO without the extended bank, a pl061 without an interrupt.  Each
 * format takes the state_dir, the UART's socket and the GPIO socket.
 */
static const char x86_config_format[] =
    "[dmd]\n"
    "arch = x86\n"
    "state_dir = %s\n"
    "[com1]\n"
    "type = ns16550\n"
    "port = 0x3f8\n"
    "irq = isa:4\n"
    "backend = socket:%s\n"
    "[mmio0]\n"
    "type = ns16550\n"
    "mmio = 0x09000000\n"
    "reg_shift = 2\n"
    "irq = isa:5\n"
    "[pci_intx]\n"
    "type = ns16550\n"
    "pci = 00:05.0\n"
    "irq = intx\n"
    "[pci_msi]\n"
    "type = ns16550\n"
    "pci = 00:06.0\n"
    "irq = msi\n"
    "backend = journal\n"
    "[cmos]\n"
    "type = mc146818\n"
    "port = 0x70\n"
    "extended = yes\n"
    "irq = isa:8\n"
    "[rtc]\n"
    "type = pl031\n"
    "mmio = 0x09010000\n"
    "irq = isa:9\n"
    "[gpio]\n"
    "type = pl061\n"
    "mmio = 0x09011000\n"
    "irq = isa:10\n"
    "ngpio = 6\n"
    "input_levels = 0x05\n"
    "backend = socket:%s\n"
    "[gpio_pci]\n"
    "type = pl061\n"
    "pci = 00:07.0\n"
    "irq = msi\n"
    "ngpio = 4\n"
    "pci_vendor = 0x1234\n"
    "pci_device = 0x11e9\n";

static const char arm_config_format[] =
    "[dmd]\n"
    "arch = arm\n"
    "state_dir = %s\n"
    "[uart0]\n"
    "type = ns16550\n"
    "mmio = 0x09000000\n"
    "reg_shift = 2\n"
    "irq = spi:44\n"
    "backend = socket:%s\n"
    "[uart1]\n"
    "type = ns16550\n"
    "mmio = 0x09001000\n"
    "irq = spi:40:edge\n"
    "backend = journal\n"
    "[rtc0]\n"
    "type = pl031\n"
    "mmio = 0x09010000\n"
    "irq = spi:45:edge\n"
    "[gpio0]\n"
    "type = pl061\n"
    "mmio = 0x09011000\n"
    "irq = spi:46\n"
    "ngpio = 6\n"
    "input_levels = 0x05\n"
    "backend = socket:%s\n"
    "[cmos]\n"
    "type = mc146818\n"
    "mmio = 0x09012000\n"
    "irq = spi:47\n"
    "[gpio1]\n"
    "type = pl061\n"
    "mmio = 0x09013000\n"
    "ngpio = 3\n";

/* How a target's byte becomes an offset in its window. */
enum place {
    PLACE_LINEAR, /* offset byte % span */
    PLACE_AMBA,   /* below 0x80 the registers, above the last 128 bytes (IDs) */
    PLACE_PL061,  /* below 0x40 GPIODATA with that mask, below 0x80 the
                   * registers from 0x400, above the ID words */
};

struct target {
    uint8_t type; /* IOREQ_TYPE_PIO, _COPY or _PCI_CONFIG */
    uint64_t base;
    uint64_t span;
    enum place place;
};

#define PCI_SBDF(dev) ((uint64_t)((dev) << 3) << 32)
#define X86_BARS 0xc000u /* where the seeds put the UARTs' I/O BAR0s */
#define X86_MEM_BAR 0xe0000000u /* and gpio_pci's memory BAR0 */

static const struct target x86_targets[] = {
    { IOREQ_TYPE_PIO, 0x3f8, 8, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, 0x09000000, 32, PLACE_LINEAR },
    { IOREQ_TYPE_PCI_CONFIG, PCI_SBDF(5), 256, PLACE_LINEAR },
    { IOREQ_TYPE_PCI_CONFIG, PCI_SBDF(6), 256, PLACE_LINEAR },
    { IOREQ_TYPE_PIO, X86_BARS, 256, PLACE_LINEAR },
    { IOREQ_TYPE_PIO, 0x70, 4, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, 0x09010000, 0x1000, PLACE_AMBA },
    { IOREQ_TYPE_COPY, 0x09011000, 0x1000, PLACE_PL061 },
    { IOREQ_TYPE_PCI_CONFIG, PCI_SBDF(7), 256, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, X86_MEM_BAR, 0x1000, PLACE_PL061 },
};

static const struct target arm_targets[] = {
    { IOREQ_TYPE_COPY, 0x09000000, 32, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, 0x09001000, 8, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, 0x09010000, 0x1000, PLACE_AMBA },
    { IOREQ_TYPE_COPY, 0x09011000, 0x1000, PLACE_PL061 },
    { IOREQ_TYPE_COPY, 0x09012000, 4, PLACE_LINEAR },
    { IOREQ_TYPE_COPY, 0x09013000, 0x1000, PLACE_PL061 },
};

struct setup {
    const char *name;
    const char *uart; /* the UART with a socket backend */
    bool arm; /* arm_config_format, else x86_config_format */
    const struct target *targets;
    size_t ntargets;
    struct fuzz_fixed_regs fixed;
    uint8_t cmos_type; /* how the RTCs are looked at before the last save */
    uint64_t cmos, pl031;
    bool pci; /* check the PCI functions' interrupts */
    struct dmd_config cfg;
    uint64_t fingerprint;
};

static struct setup setups[2] = {
    {
        .name = "x86",
        .uart = "com1",
        .targets = x86_targets,
        .ntargets = sizeof(x86_targets) / sizeof(x86_targets[0]),
        .fixed = { .cmos = 0x70, .pl031 = 0x09010000, .pl061 = 0x09011000,
                   .gpio_lines = GPIO_LINES },
        .cmos_type = IOREQ_TYPE_PIO,
        .cmos = 0x70,
        .pl031 = 0x09010000,
        .pci = true,
    },
    {
        .name = "arm",
        .uart = "uart0",
        .arm = true,
        .targets = arm_targets,
        .ntargets = sizeof(arm_targets) / sizeof(arm_targets[0]),
        /* no PIO: the CMOS index check never applies */
        .fixed = { .cmos = 0x10000, .pl031 = 0x09010000, .pl061 = 0x09011000,
                   .gpio_lines = GPIO_LINES },
        .cmos_type = IOREQ_TYPE_COPY,
        .cmos = 0x09012000,
        .pl031 = 0x09010000,
    },
};

/* ---- the world ------------------------------------------------------------------ */

struct snaps {
    size_t n;
    size_t len[MAX_INSTANCES];
    uint8_t *bytes[MAX_INSTANCES];
};

static struct {
    struct ev_loop *loop;
    struct dmop xen; /* never looked at: fake_dmop.c stands for Xen */
    char dir[48], run_dir[64], raw_dir[64], state_dir[64];
    char uart_path[80], gpio_path[80], state_path[96], raw_path[96];
    int host_fd; /* our end of the UART's socket, or -1 */
    const char *seed_out; /* DMD_FUZZ_SEED_OUT */
    bool seed_written;
    bool expect_restore;  /* DMD_FUZZ_EXPECT_RESTORE: the input holds real snapshots */
    /* this input's */
    struct setup *s;
    struct iospace *space;
    struct devices *devs;
    struct runstate *rs;
} world;

static uint8_t *xmalloc(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);

    FUZZ_CHECK(p != NULL, "out of memory");
    return p;
}

static void snaps_free(struct snaps *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->bytes[i]);
    s->n = 0;
}

/* Every instance's current snapshot in the file (len 0 and NULL bytes
 * for one without). */
static void snaps_take(struct snaps *s, const struct runstate *rs, size_t n)
{
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const uint8_t *p = runstate_snapshot(rs, i, &len);

        FUZZ_CHECK(p != NULL, "instance %zu has no snapshot after devices_save_all()", i);
        s->len[i] = len;
        s->bytes[i] = xmalloc(len);
        memcpy(s->bytes[i], p, len);
    }
}

static void snaps_compare(const struct snaps *want, const struct snaps *got, const char *what)
{
    const struct dmd_config *cfg = &world.s->cfg;

    for (size_t i = 0; i < want->n; i++) {
        size_t at = 0;

        while (at < want->len[i] && at < got->len[i] && want->bytes[i][at] == got->bytes[i][at])
            at++;
        FUZZ_CHECK(want->len[i] == got->len[i] && at == want->len[i],
                   "[%s] (%s config) saves %zu bytes %s, not the %zu it should; the first "
                   "difference is at byte %zu",
                   cfg->devs[i].name, world.s->name, got->len[i], what, want->len[i], at);
    }
}

/* ---- files ---------------------------------------------------------------------- */

static bool file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static void bad_path(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.bad", path);
}

/* ---- 1: the whole input as a state file ----------------------------------------- */

/*
 * The layout, read independently of runstate.c (its static asserts pin
 * the sizes): a header of magic, layout, instance count, half size,
 * domid, fingerprint and taken[128]; per instance `current`, a pad, the
 * wire words and reserved bytes (64 in all), then two halves of len,
 * vcpu + 1, seq, data, count, a pad and the snapshot.
 */
#define L_MAGIC "DMDSTATE"
#define L_LAYOUT 1u
#define L_HEADER (32u + 8u * RUNSTATE_VCPUS)
#define L_HALF 16384u
#define L_HALF_HEAD 32u
#define L_INST (64u + 2u * L_HALF)
#define RAW_DOMID 3u
#define RAW_FINGERPRINT UINT64_C(0x0123456789abcdef)

_Static_assert(RUNSTATE_SNAPSHOT_MAX == L_HALF - L_HALF_HEAD, "a half is 16 KiB");

static uint64_t le(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Little-endian hosts only: the file is in native order. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the layout is read little-endian");

static const uint8_t *inst_at(const uint8_t *file, size_t i)
{
    return file + L_HEADER + i * L_INST;
}

static uint32_t inst_current(const uint8_t *file, size_t i)
{
    return (uint32_t)le(inst_at(file, i), 4);
}

static const uint8_t *half_at(const uint8_t *file, size_t i, unsigned h)
{
    return inst_at(file, i) + 64 + h * L_HALF;
}

/* Would runstate_open() take this file as it is? */
static bool raw_usable(const uint8_t *f, size_t size, size_t ninst)
{
    if (size < L_HEADER || memcmp(f, L_MAGIC, 8) != 0 || le(f + 8, 4) != L_LAYOUT ||
        le(f + 16, 4) != L_HALF || le(f + 20, 4) != RAW_DOMID || le(f + 12, 4) != ninst ||
        le(f + 24, 8) != RAW_FINGERPRINT || size != L_HEADER + ninst * L_INST)
        return false;
    for (size_t i = 0; i < ninst; i++) {
        uint32_t cur = inst_current(f, i);

        if (cur > 2 || (cur > 0 && le(half_at(f, i, cur - 1), 4) > RUNSTATE_SNAPSHOT_MAX))
            return false;
    }
    return true;
}

/* What runstate_snapshot() and runstate_answer() must say of file f. */
static void raw_check_content(struct runstate *rs, const uint8_t *f, size_t ninst)
{
    bool any = false;

    for (size_t i = 0; i < ninst; i++) {
        uint32_t cur = inst_current(f, i);
        size_t len = 0;
        const uint8_t *p = runstate_snapshot(rs, i, &len);

        any |= cur != 0;
        if (cur == 0) {
            FUZZ_CHECK(p == NULL, "instance %zu: a snapshot, current is 0", i);
            continue;
        }
        FUZZ_CHECK(p != NULL && len == le(half_at(f, i, cur - 1), 4) &&
                       memcmp(p, half_at(f, i, cur - 1) + L_HALF_HEAD, len) == 0,
                   "instance %zu: runstate_snapshot() is not half %u", i, cur - 1);
    }
    FUZZ_CHECK(runstate_snapshot(rs, ninst, &(size_t){ 0 }) == NULL,
               "a snapshot for an instance beyond the file's");
    FUZZ_CHECK(runstate_has_snapshots(rs) == any, "has_snapshots %d, the file says %d",
               runstate_has_snapshots(rs), any);
    for (unsigned v = 0; v <= RUNSTATE_VCPUS; v++) {
        uint64_t seq = v < RUNSTATE_VCPUS ? le(f + 32 + 8 * v, 8) : 0, data = 0;
        uint32_t count = 0;
        bool want = false, got = runstate_answer(rs, v, &data, &count);

        for (size_t i = 0; i < ninst && !want && v < RUNSTATE_VCPUS && seq != 0; i++) {
            uint32_t cur = inst_current(f, i);
            const uint8_t *h = cur != 0 ? half_at(f, i, cur - 1) : NULL;

            if (h != NULL && le(h + 4, 4) == v + 1 && le(h + 8, 8) == seq) {
                want = true;
                FUZZ_CHECK(got && data == le(h + 16, 8) && count == le(h + 24, 4),
                           "vCPU %u: the answer of instance %zu is not the one given", v, i);
            }
        }
        FUZZ_CHECK(got == want, "vCPU %u: runstate_answer() %d, the file says %d", v, got, want);
    }
}

static void raw_check(const uint8_t *data, size_t size, size_t ninst)
{
    char bad[112];
    struct runstate *rs = NULL;
    size_t len = 0;
    uint8_t *now, *kept;
    bool usable = size > 0 && raw_usable(data, size, ninst);
    int rc;

    bad_path(bad, sizeof(bad), world.raw_path);
    unlink(bad);
    fuzz_write_file(world.raw_path, data, size);
    rc = runstate_open(&rs, world.raw_dir, RAW_DOMID, RAW_FINGERPRINT, ninst);
    FUZZ_CHECK(rc == 0, "runstate_open: %d", rc);
    kept = fuzz_read_file(bad, &len);
    if (usable || size == 0) {
        FUZZ_CHECK(kept == NULL, "a %s file of %zu bytes set aside",
                   usable ? "usable" : "empty", size);
    } else {
        FUZZ_CHECK(kept != NULL && len == size && memcmp(kept, data, size) == 0,
                   "an unusable file of %zu bytes not kept as it was (%zu bytes kept)", size,
                   kept != NULL ? len : 0);
    }
    free(kept);
    now = fuzz_read_file(world.raw_path, &len);
    FUZZ_CHECK(now != NULL, "no state file after runstate_open()");
    if (usable)
        FUZZ_CHECK(len == size && memcmp(now, data, size) == 0, "a usable file was changed");
    else
        FUZZ_CHECK(raw_usable(now, len, ninst) && !runstate_has_snapshots(rs),
                   "the fresh file is not one runstate_open() takes, or has snapshots");
    raw_check_content(rs, now, ninst);
    free(now);

    runstate_set_aside(rs, "fuzz");
    FUZZ_CHECK(!runstate_has_snapshots(rs), "snapshots after runstate_set_aside()");
    for (size_t i = 0; i < ninst; i++)
        FUZZ_CHECK(runstate_snapshot(rs, i, &len) == NULL, "instance %zu: a snapshot after "
                   "runstate_set_aside()", i);
    FUZZ_CHECK(file_exists(bad), "runstate_set_aside() kept nothing");
    runstate_close(rs);

    /* What dmd left must be taken by the next one. */
    unlink(bad);
    FUZZ_CHECK(runstate_open(&rs, world.raw_dir, RAW_DOMID, RAW_FINGERPRINT, ninst) == 0,
               "runstate_open of a file dmd wrote");
    FUZZ_CHECK(!file_exists(bad) && !runstate_has_snapshots(rs),
               "a file dmd wrote was set aside, or has snapshots");
    runstate_remove(rs);
    FUZZ_CHECK(!file_exists(world.raw_path), "runstate_remove() left the file");
}

/* ---- 2: the snapshots of real devices ------------------------------------------- */

enum { MODE_HALF0, MODE_HALF1, MODE_WIRE, MODE_NONE };

struct part {
    unsigned mode;
    uint64_t tx, rx; /* the wire words (0 unless MODE_WIRE) */
    const uint8_t *bytes;
    size_t len;
};

static const uint8_t *take_bytes(struct fuzz_bytes *in, size_t want, size_t *got)
{
    const uint8_t *p = in->p;

    *got = want < in->n ? want : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

static void read_parts(struct fuzz_bytes *in, struct part *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t w = fuzz_u16(in);
        struct part *p = &parts[i];
        size_t len = w & 0x3fffu;

        *p = (struct part){ .mode = w >> 14 };
        if (p->mode == MODE_NONE)
            continue;
        if (p->mode == MODE_WIRE) {
            p->tx = fuzz_u64(in);
            p->rx = fuzz_u64(in);
        }
        if (len > RUNSTATE_SNAPSHOT_MAX)
            len = RUNSTATE_SNAPSHOT_MAX;
        p->bytes = take_bytes(in, len, &p->len);
    }
}

static void set_wire(struct runstate *rs, size_t i, uint64_t tx, uint64_t rx)
{
    struct chardev_wire *w = runstate_wire(rs, i);

    atomic_store(&w->tx, tx);
    atomic_store(&w->rx, rx);
}

/* A fresh state file holding the parts, closed (as a crash leaves it). */
static void write_state_file(const struct part *parts, size_t n)
{
    struct runstate_answer junk = { .vcpu = 0, .seq = 0 };
    struct runstate *rs;
    char bad[112];
    size_t len;

    bad_path(bad, sizeof(bad), world.state_path);
    unlink(world.state_path);
    unlink(bad);
    FUZZ_CHECK(runstate_open(&rs, world.run_dir, DOMID, world.s->fingerprint, n) == 0,
               "runstate_open of a fresh file");
    for (size_t i = 0; i < n; i++) {
        const struct part *p = &parts[i];
        uint8_t *buf;

        set_wire(rs, i, p->tx, p->rx);
        if (p->mode == MODE_NONE)
            continue;
        if (p->mode == MODE_HALF1) {
            buf = runstate_save_buffer(rs, i);
            for (size_t k = 0; k < p->len; k++)
                buf[k] = (uint8_t)~p->bytes[k];
            runstate_save_commit(rs, i, p->len, &junk);
        }
        buf = runstate_save_buffer(rs, i);
        memcpy(buf, p->bytes, p->len);
        runstate_save_commit(rs, i, p->len, NULL); /* not when it equals half 0 */
        buf = (uint8_t *)runstate_snapshot(rs, i, &len);
        FUZZ_CHECK(buf != NULL && len == p->len && memcmp(buf, p->bytes, len) == 0,
                   "instance %zu: the snapshot written is not current", i);
    }
    runstate_close(rs);
}

static void open_state_file(void)
{
    int rc = runstate_open(&world.rs, world.run_dir, DOMID, world.s->fingerprint,
                           world.s->cfg.ndevs);

    FUZZ_CHECK(rc == 0, "runstate_open: %d", rc);
}

/* ---- guest accesses ------------------------------------------------------------------ */

static int no_ram(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    (void)gpa;
    (void)buf;
    (void)len;
    FUZZ_CHECK(false, "guest RAM used by a request without data_is_ptr");
    return -EFAULT;
}

static int no_ram_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    return no_ram(ctx, gpa, (void *)buf, len);
}

static void no_done(void *ctx)
{
    (void)ctx;
    FUZZ_CHECK(false, "done() for a request without data_is_ptr");
}

static const struct guest_mem_ops no_ram_ops = {
    .read = no_ram, .write = no_ram_write, .done = no_done,
};

/* One synchronous request from vCPU 0, taken, carried out and saved as
 * ioreq_loop.c does: the devices it reached are saved with its answer,
 * which a restart must then find. */
static uint64_t guest_access(uint8_t type, uint64_t addr, unsigned size, bool read,
                             uint64_t value)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = type, .size = size, .count = 1,
                    .dir = read ? IOREQ_READ : IOREQ_WRITE, .addr = addr,
                    .data = read ? 0 : value };
    struct runstate_answer ans = { .vcpu = 0 };
    const uint8_t *before[MAX_INSTANCES];
    size_t n = world.s->cfg.ndevs, len;
    void *const *owners;
    uint64_t data;
    uint32_t count;

    for (size_t i = 0; i < n; i++)
        before[i] = runstate_snapshot(world.rs, i, &len);
    ans.seq = runstate_take(world.rs, 0);
    iospace_dispatch(world.space, &req, 0, &no_ram_ops, NULL);
    if (iospace_touched(world.space, &owners) != 0) {
        ans.data = req.data;
        ans.count = req.count;
        devices_save_touched(world.devs, world.space, &ans);
    }
    /* A restart answers the request from the file, or carries it out
     * again: then no device may have changed. */
    if (runstate_answer(world.rs, 0, &data, &count)) {
        FUZZ_CHECK(data == req.data && count == req.count,
                   "the answer found for a request is not the one it got");
    } else {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(runstate_snapshot(world.rs, i, &len) == before[i],
                       "[%s] saved a change without the answer of the request that made it",
                       world.s->cfg.devs[i].name);
    }
    if (read)
        fuzz_check_fixed_read(&world.s->fixed, &req, req.data);
    fake_dmop_check_routing(world.space);
    return req.data;
}

static uint64_t place(const struct target *t, uint8_t b)
{
    switch (t->place) {
    case PLACE_AMBA:
        return t->base + (b < 0x80 ? b : t->span - 0x80 + (b & 0x7fu));
    case PLACE_PL061:
        if (b < 0x40)
            return t->base + ((uint64_t)b << 2);
        if (b < 0x80)
            return t->base + 0x400 + (b - 0x40u);
        return t->base + 0xfe0 + (b & 0x1fu);
    case PLACE_LINEAR:
        break;
    }
    return t->base + b % t->span;
}

/* ---- interrupts as the guest and Xen see them (x86) -------------------------------- */

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CMD_MASTER 0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u
#define PCI_STATUS_INTERRUPT 0x08u
#define MSI_CONTROL 0x42
#define MSI_PENDING 0x54

/* The harness's own look: not saved (no device changes by it). */
static uint32_t config_read(unsigned dev, unsigned reg, unsigned size)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = IOREQ_TYPE_PCI_CONFIG,
                    .dir = IOREQ_READ, .size = size, .count = 1,
                    .addr = PCI_SBDF(dev) | reg };

    iospace_dispatch(world.space, &req, 0, &no_ram_ops, NULL);
    return (uint32_t)req.data;
}

static void check_intx(unsigned dev)
{
    uint32_t command = config_read(dev, PCI_COMMAND, 2);
    bool status = config_read(dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT;
    bool xen = fake_dmop_intx_level(0, (uint8_t)dev, 0);

    FUZZ_CHECK(xen == (status && !(command & PCI_CMD_INTX_DISABLE)),
               "INTx of %02x.0: Xen sees %d, status %d, command %#x", dev, xen, status,
               command);
}

/* A message is pending only while MSI is enabled with bus mastering
 * (disabling drops it).  That the vector is masked too holds after every
 * register access (fuzz_iospace.c checks it), but not after restoring a
 * snapshot whose line holds a message and whose image has the vector
 * unmasked, which dmd never writes: pci.c then keeps the message held
 * rather than send an interrupt, until the guest's next configuration
 * write (pci.c: restore_line(); test_pci.c: test_restore_never_sends_msi). */
static void check_msi(unsigned dev)
{
    uint32_t command, control;

    if (!(config_read(dev, MSI_PENDING, 4) & 1))
        return;
    command = config_read(dev, PCI_COMMAND, 2);
    control = config_read(dev, MSI_CONTROL, 2);
    FUZZ_CHECK((control & 1) && (command & PCI_CMD_MASTER),
               "MSI of %02x.0 pending with control %#x, command %#x", dev, control, command);
}

static void check_interrupts(void)
{
    if (!world.s->pci)
        return;
    check_intx(5);
    check_msi(6);
    check_msi(7);
}

/* ---- the host ends of the sockets --------------------------------------------------- */

static void host_hangup(void)
{
    if (world.host_fd >= 0)
        close(world.host_fd);
    world.host_fd = -1;
}

static void host_connect(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    host_hangup();
    world.host_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(world.host_fd >= 0, "socket: %m");
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", world.uart_path);
    if (connect(world.host_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        host_hangup();
}

static void uart_host(struct fuzz_bytes *in)
{
    uint8_t sub = fuzz_u8(in), buf[256];
    size_t len;
    const uint8_t *bytes;

    switch (sub & 3) {
    case 0:
        host_connect();
        break;
    case 1:
        bytes = take_bytes(in, ((sub >> 2) & 15u) % 9, &len);
        if (world.host_fd >= 0)
            send(world.host_fd, bytes, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        break;
    case 2:
        while (world.host_fd >= 0 && recv(world.host_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
            continue;
        break;
    default:
        host_hangup();
        break;
    }
}

static void gpio_host(struct fuzz_bytes *in)
{
    uint8_t sub = fuzz_u8(in), which, line, level;
    unsigned client = (sub >> 6) % FUZZ_GPIO_CLIENTS;
    const uint8_t *bytes;
    size_t len;

    switch ((sub & 7u) % 5) {
    case 0:
        fuzz_gpio_connect(client);
        break;
    case 1:
        which = fuzz_u8(in);
        line = fuzz_u8(in);
        level = fuzz_u8(in);
        fuzz_gpio_send_request(client, which, line, level);
        break;
    case 2:
        bytes = take_bytes(in, (sub >> 3) & 7u, &len);
        fuzz_gpio_send_raw(client, bytes, len);
        break;
    case 3:
        fuzz_gpio_read(client);
        break;
    default:
        fuzz_gpio_hangup(client);
        break;
    }
}

/* ---- driving the devices -------------------------------------------------------------- */

enum { OP_UART_HOST = 11, OP_GPIO_HOST, OP_CLOCK, OP_SAVE, OP_TIMEOFFSET };

/* An input of this target's format that restores the devices as they are
 * now, then runs `rest` (see the top of the file). */
static void write_seed(const uint8_t *rest, size_t rest_len)
{
    size_t n = world.s->cfg.ndevs, len;
    int64_t ms = (fuzz_clock_now() - FUZZ_CLOCK_START_NS) / 1000000;
    FILE *f = fopen(world.seed_out, "we");

    FUZZ_CHECK(f != NULL, "fopen %s: %m", world.seed_out);
    if (ms < 0)
        ms = 0;
    fputc(world.s->arm, f);
    for (unsigned b = 0; b < 4; b++)
        fputc((int)((uint64_t)ms >> (8 * b)) & 0xff, f);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *snap = runstate_snapshot(world.rs, i, &len);
        struct chardev_wire *w = runstate_wire(world.rs, i);
        uint64_t wire[2] = { atomic_load(&w->tx), atomic_load(&w->rx) };
        uint16_t head = (uint16_t)(MODE_WIRE << 14 | len);

        FUZZ_CHECK(snap != NULL && len < 0x4000, "instance %zu: no snapshot to write", i);
        fputc(head & 0xff, f);
        fputc(head >> 8, f);
        for (unsigned k = 0; k < 2; k++)
            for (unsigned b = 0; b < 8; b++)
                fputc((int)(wire[k] >> (8 * b)) & 0xff, f);
        fwrite(snap, 1, len, f);
    }
    fwrite(rest, 1, rest_len, f);
    FUZZ_CHECK(fclose(f) == 0, "write %s: %m", world.seed_out);
    world.seed_written = true;
}

static void run_record(struct fuzz_bytes *in)
{
    uint8_t op = fuzz_u8(in), sub;
    unsigned what = op & 15u, size = 1u << ((op >> 5) & 3u);
    bool read = (op >> 4) & 1u;

    if (what < OP_UART_HOST) {
        const struct target *t = &world.s->targets[what % world.s->ntargets];
        uint64_t addr = place(t, fuzz_u8(in));
        uint64_t value = read ? 0 : fuzz_bytes_le(in, size);

        guest_access(t->type, addr, size, read, value);
        return;
    }
    switch (what) {
    case OP_UART_HOST:
        uart_host(in);
        break;
    case OP_GPIO_HOST:
        gpio_host(in);
        break;
    case OP_CLOCK:
        sub = fuzz_u8(in);
        if (sub & 0x80)
            fuzz_clock_wait();
        else
            fuzz_clock_step(sub, fuzz_u32(in));
        break;
    case OP_SAVE:
        devices_save_all(world.devs);
        if (world.seed_out != NULL && !world.seed_written)
            write_seed(in->p, in->n);
        break;
    default:
        devices_timeoffset(world.devs, (int32_t)fuzz_u32(in));
        break;
    }
}

/* The host side goes away, the loop notices, and each RTC is looked at
 * (its last look is then now, as it is for a restart at this time: one
 * that looks first at a later time finds the events in between, which
 * is not what this compares).  The CMOS index is left at register D,
 * whose read changes nothing. */
static void quiesce(void)
{
    const struct setup *s = world.s;

    host_hangup();
    fuzz_gpio_hangup_all();
    for (int i = 0; i < 3; i++)
        ev_run(world.loop, EVRUN_NOWAIT);
    guest_access(s->cmos_type, s->cmos, 1, false, 0x0d);
    guest_access(s->cmos_type, s->cmos + 1, 1, true, 0);
    guest_access(IOREQ_TYPE_COPY, s->pl031, 4, true, 0);
    ev_run(world.loop, EVRUN_NOWAIT);
    check_interrupts();
}

/* ---- creating and restoring ------------------------------------------------------------ */

static void create_devices(void)
{
    int rc;

    fake_dmop_reset(0);
    world.space = iospace_new();
    FUZZ_CHECK(world.space != NULL, "out of memory");
    rc = devices_create(&world.devs, &world.s->cfg, world.loop, &world.xen, world.space,
                        world.rs);
    FUZZ_CHECK(rc == 0, "the %s devices cannot be created: %d", world.s->name, rc);
    fake_dmop_check_routing(world.space);
}

static int restore_devices(unsigned *irq_calls)
{
    unsigned before = fake_dmop_irq_calls();
    int rc;

    fake_dmop_restoring(true);
    rc = devices_restore(world.devs);
    fake_dmop_restoring(false);
    *irq_calls = fake_dmop_irq_calls() - before;
    fake_dmop_check_routing(world.space);
    return rc;
}

static void destroy_devices(void)
{
    devices_destroy(world.devs);
    world.devs = NULL;
    fake_dmop_check_idle(world.space);
    iospace_free(world.space);
    world.space = NULL;
}

/* Refused: the devices are as a fresh start with the same wire words
 * leaves them. */
static void check_at_reset(const struct part *parts, int64_t clock_ns)
{
    size_t n = world.s->cfg.ndevs;
    struct snaps got, want;

    devices_save_all(world.devs);
    snaps_take(&got, world.rs, n);
    destroy_devices();
    runstate_close(world.rs);

    fuzz_state_dir_clear(world.state_dir);
    fuzz_clock_set(clock_ns);
    unlink(world.state_path);
    open_state_file();
    for (size_t i = 0; i < n; i++)
        set_wire(world.rs, i, parts[i].tx, parts[i].rx);
    create_devices();
    devices_save_all(world.devs);
    snaps_take(&want, world.rs, n);
    snaps_compare(&want, &got, "after a refused restore (as at reset)");
    snaps_free(&got);
    snaps_free(&want);
    destroy_devices();
    runstate_remove(world.rs);
    world.rs = NULL;
}

/* The host end of the socket UART's line, connected before dmd starts:
 * its client is in the descriptor store, as a crashed dmd leaves it, and
 * the host has sent some input meanwhile. */
static void hand_over_client(struct fuzz_bytes *in)
{
    char name[64];
    size_t len;
    const uint8_t *bytes = take_bytes(in, fuzz_u8(in) % 33u, &len);
    int sv[2];

    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0,
               "socketpair: %m");
    if (len > 0)
        FUZZ_CHECK(send(sv[0], bytes, len, MSG_NOSIGNAL) == (ssize_t)len, "send: %m");
    snprintf(name, sizeof(name), "%s.client", world.s->uart);
    fake_fdstore_put(name, sv[1]);
    host_hangup();
    world.host_fd = sv[0];
}

/* Name, type and state_version as the device writes them. */
static size_t frame_header_len(const uint8_t *snap, size_t len)
{
    size_t name = len > 0 ? 1u + snap[0] : 0;
    size_t type = len > name ? 1u + snap[name] : 0;

    return name + type + 4 <= len ? name + type + 4 : len;
}

static void check_frame_headers(const struct part *parts, const struct snaps *now)
{
    for (size_t i = 0; i < now->n; i++) {
        size_t hl = frame_header_len(now->bytes[i], now->len[i]);

        FUZZ_CHECK(parts[i].len >= hl && memcmp(parts[i].bytes, now->bytes[i], hl) == 0,
                   "[%s]: a snapshot taken with a frame header other than the device's",
                   world.s->cfg.devs[i].name);
    }
}

/* The crash and the restart: the file as the devices left it, fresh
 * devices restored from it, the same snapshots saved. */
static void check_restart(void)
{
    size_t n = world.s->cfg.ndevs, len;
    struct snaps first, second;
    unsigned irq_calls;
    uint8_t *file;
    int rc;

    devices_save_all(world.devs);
    snaps_take(&first, world.rs, n);
    file = fuzz_read_file(world.state_path, &len);
    FUZZ_CHECK(file != NULL, "the state file is gone");
    destroy_devices();
    runstate_close(world.rs);
    /* Destroying wrote what a crash would not have (a journal line, the
     * wire words): the file is put back as it was. */
    fuzz_write_file(world.state_path, file, len);
    free(file);

    open_state_file();
    create_devices();
    rc = restore_devices(&irq_calls);
    FUZZ_CHECK(rc == 1, "the devices' own snapshots are not restored: %d", rc);
    check_interrupts();
    devices_save_all(world.devs);
    snaps_take(&second, world.rs, n);
    snaps_compare(&first, &second, "after restoring what it saved");
    snaps_free(&first);
    snaps_free(&second);
    destroy_devices();
    runstate_remove(world.rs);
    world.rs = NULL;
}

static void devices_check(struct fuzz_bytes *in)
{
    struct part parts[MAX_INSTANCES];
    uint8_t flags = fuzz_u8(in);
    int64_t clock_ns = FUZZ_CLOCK_START_NS + (int64_t)fuzz_u32(in) * 1000000;
    size_t n, with = 0, records = 0;
    unsigned irq_calls;
    struct snaps now;
    char bad[112];
    int rc;

    world.s = &setups[flags & 1];
    n = world.s->cfg.ndevs;
    if (flags & 2)
        hand_over_client(in);
    read_parts(in, parts, n);
    for (size_t i = 0; i < n; i++)
        with += parts[i].mode != MODE_NONE;

    write_state_file(parts, n);
    fuzz_state_dir_clear(world.state_dir);
    fuzz_clock_reset(clock_ns, WAITS_PER_INPUT);
    world.seed_written = false;
    open_state_file();
    create_devices();
    fake_journal_reset();
    rc = restore_devices(&irq_calls);
    bad_path(bad, sizeof(bad), world.state_path);
    FUZZ_CHECK(!world.expect_restore || rc == 1, "real snapshots not restored: %d", rc);
    if (rc < 0) {
        FUZZ_CHECK(rc == -EINVAL, "devices_restore: %d", rc);
        FUZZ_CHECK(irq_calls == 0, "a refused restore issued %u interrupt DMOPs", irq_calls);
        FUZZ_CHECK(file_exists(bad) && !runstate_has_snapshots(world.rs),
                   "a refused state file was not set aside");
        check_at_reset(parts, clock_ns);
        return;
    }
    FUZZ_CHECK(!file_exists(bad), "a state file set aside, yet devices_restore() says %d", rc);
    FUZZ_CHECK(rc == (with > 0 ? 1 : 0), "devices_restore() says %d with %zu of %zu snapshots",
               rc, with, n);
    /* What main.c does next. */
    devices_save_all(world.devs);
    if (rc == 1) {
        snaps_take(&now, world.rs, n);
        check_frame_headers(parts, &now);
        snaps_free(&now);
    }
    check_interrupts();
    while (fuzz_bytes_left(in) > 0 && records++ < MAX_RECORDS) {
        run_record(in);
        ev_run(world.loop, EVRUN_NOWAIT);
        fake_dmop_check_routing(world.space);
        check_interrupts();
    }
    quiesce();
    check_restart();
}

/* ---- structure-aware mutation ------------------------------------------------------------ */

struct segment {
    size_t head;  /* where its u16 is (parts), or SIZE_MAX (the records) */
    size_t at, len;
};

/* The input's parts with their bytes, and the records; false when it
 * does not get as far as the records. */
static bool split_input(const uint8_t *data, size_t size, struct segment *segs, size_t *nsegs)
{
    size_t n = setups[data[0] & 1].cfg.ndevs, pos = 5;

    *nsegs = 0;
    if (data[0] & 2) { /* the host input waiting */
        if (size - pos < 1u + data[pos] % 33u)
            return false;
        pos += 1u + data[pos] % 33u;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len, mode, head = pos;

        if (size - pos < 2)
            return false;
        mode = data[pos + 1] >> 6;
        len = (size_t)(data[pos] | (data[pos + 1] & 0x3f) << 8);
        pos += 2;
        if (mode == MODE_NONE)
            continue;
        if (mode == MODE_WIRE) {
            if (size - pos < 16)
                return false;
            pos += 16;
        }
        if (len > RUNSTATE_SNAPSHOT_MAX)
            len = RUNSTATE_SNAPSHOT_MAX;
        if (len > size - pos)
            return false;
        segs[(*nsegs)++] = (struct segment){ .head = head, .at = pos, .len = len };
        pos += len;
    }
    segs[(*nsegs)++] = (struct segment){ .head = SIZE_MAX, .at = pos, .len = size - pos };
    return true;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    struct segment segs[MAX_INSTANCES + 1];
    size_t nsegs, cap, len, grown;
    const struct segment *pick;
    uint8_t *buf;

    if (size < 5 || size > max_size || seed % 2 == 0 || !split_input(data, size, segs, &nsegs))
        return LLVMFuzzerMutate(data, size, max_size);
    pick = &segs[(seed / 2) % nsegs];
    cap = max_size - (size - pick->len);
    if (pick->head != SIZE_MAX && cap > RUNSTATE_SNAPSHOT_MAX)
        cap = RUNSTATE_SNAPSHOT_MAX;
    if (cap == 0 || cap < pick->len)
        return LLVMFuzzerMutate(data, size, max_size);
    buf = xmalloc(size + cap);
    /* Before the segment, the segment mutated in place, what follows. */
    memcpy(buf, data, pick->at);
    memcpy(buf + pick->at, data + pick->at, pick->len);
    len = LLVMFuzzerMutate(buf + pick->at, pick->len, cap);
    if (len > cap)
        len = cap;
    memcpy(buf + pick->at + len, data + pick->at + pick->len, size - pick->at - pick->len);
    grown = size - pick->len + len;
    if (pick->head != SIZE_MAX) {
        buf[pick->head] = (uint8_t)len;
        buf[pick->head + 1] = (uint8_t)((buf[pick->head + 1] & 0xc0) | (len >> 8));
    }
    memcpy(data, buf, grown);
    free(buf);
    return grown;
}

/* ---- libFuzzer entry points ------------------------------------------------------------- */

static void remove_dir(void)
{
    fuzz_state_dir_clear(world.state_dir);
    fuzz_state_dir_clear(world.run_dir);
    fuzz_state_dir_clear(world.raw_dir);
    rmdir(world.state_dir);
    rmdir(world.run_dir);
    rmdir(world.raw_dir);
    unlink(world.uart_path);
    unlink(world.gpio_path);
    rmdir(world.dir);
}

/* tmpfs if there is one: the state files are fsync()ed. */
static void make_dir(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

    snprintf(world.dir, sizeof(world.dir), "%s/dmd-fuzz-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(world.dir) != NULL, "mkdtemp: %m");
    snprintf(world.uart_path, sizeof(world.uart_path), "%s/uart.sock", world.dir);
    snprintf(world.gpio_path, sizeof(world.gpio_path), "%s/gpio.sock", world.dir);
    snprintf(world.state_dir, sizeof(world.state_dir), "%s/state", world.dir);
    snprintf(world.run_dir, sizeof(world.run_dir), "%s/run", world.dir);
    snprintf(world.raw_dir, sizeof(world.raw_dir), "%s/raw", world.dir);
    snprintf(world.state_path, sizeof(world.state_path), "%s/%u.state", world.run_dir, DOMID);
    snprintf(world.raw_path, sizeof(world.raw_path), "%s/%u.state", world.raw_dir, RAW_DOMID);
    FUZZ_CHECK(mkdir(world.state_dir, 0700) == 0, "mkdir %s: %m", world.state_dir);
    FUZZ_CHECK(mkdir(world.run_dir, 0700) == 0, "mkdir %s: %m", world.run_dir);
    FUZZ_CHECK(mkdir(world.raw_dir, 0700) == 0, "mkdir %s: %m", world.raw_dir);
    atexit(remove_dir);
}

static void load_config(struct setup *s)
{
    struct fuzz_memfile f;
    char text[2048];
    int len = snprintf(text, sizeof(text), s->arm ? arm_config_format : x86_config_format,
                       world.state_dir, world.uart_path, world.gpio_path);

    FUZZ_CHECK(len > 0 && (size_t)len < sizeof(text), "config text too long");
    FUZZ_CHECK(fuzz_memfile_open(&f) == 0, "memfd_create: %m");
    FUZZ_CHECK(fuzz_memfile_set(&f, text, (size_t)len) == 0, "write: %m");
    FUZZ_CHECK(config_load(f.path, &s->cfg) == 0, "the built-in %s config is invalid", s->name);
    FUZZ_CHECK(s->cfg.ndevs <= MAX_INSTANCES, "too many devices");
    close(f.fd);
    s->fingerprint = config_fingerprint(&s->cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* says why, should a config be bad */
    world.host_fd = -1;
    world.seed_out = getenv("DMD_FUZZ_SEED_OUT");
    world.expect_restore = getenv("DMD_FUZZ_EXPECT_RESTORE") != NULL;
    make_dir();
    fuzz_gpio_host_init(world.gpio_path, GPIO_LINES);
    for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]); i++)
        load_config(&setups[i]);
    /* Every message from now on is formatted and counted, not printed. */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    world.loop = ev_loop_new(EVFLAG_AUTO);
    FUZZ_CHECK(world.loop != NULL, "ev_loop_new failed");
    fuzz_clock_init(world.loop);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };

    raw_check(data, size, 0);
    raw_check(data, size, 1);
    devices_check(&in);
    host_hangup();
    fuzz_gpio_hangup_all();
    fake_fdstore_clear();
    return 0;
}
