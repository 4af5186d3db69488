/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the RTCs' state files (statefile.c, and the keys
 * mc146818.c and pl031.c take from them), as a full disk, an editor or a
 * crash may leave them.
 *
 * The input is two files: a 2-byte little-endian length, that many bytes
 * for STATE_DIR/cmos.state (an mc146818 with extended = yes), the rest for
 * STATE_DIR/rtc.state (a pl031).  The devices are then created by the real
 * device manager (Xen is fake_dmop.c), on a fixed host clock.  Beyond what
 * the sanitizers catch:
 *
 *  - the devices are created whatever the files hold;
 *  - each file is either read, and stays as it is, or set aside whole:
 *    NAME.state.bad holds exactly its bytes and NAME.state is gone;
 *  - whatever state was read, a change the guest then makes (a CMOS RAM
 *    byte, the pl031's time) is written at destroy and read back by the
 *    next start, which sees the change and sets nothing aside.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "devices/device.h"
#include "devices/rtc_clock.h"
#include "dmop/dmop.h"
#include "fake_dmop.h"
#include "fuzz_bytes.h"
#include "fuzz_check.h"
#include "fuzz_files.h"
#include "fuzz_memfile.h"
#include "fuzz_restart.h"
#include "iospace.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CMOS 0x70u
#define PL031 0x09010000u
#define PL031_DR 0x00u
#define PL031_LR 0x08u
#define CMOS_RAM_BYTE 0x0eu
#define CLOCK_NS (INT64_C(1709164798) * RTC_NS_PER_SEC) /* 2024-02-28 23:59:58 UTC */

static const char config_format[] =
    "[dmd]\n"
    "arch = x86\n"
    "state_dir = %s\n"
    "[cmos]\n"
    "type = mc146818\n"
    "port = 0x70\n"
    "extended = yes\n"
    "[rtc]\n"
    "type = pl031\n"
    "mmio = 0x09010000\n";

static struct {
    struct dmd_config cfg;
    struct ev_loop *loop;
    struct dmop xen; /* never looked at: fake_dmop.c stands for Xen */
    struct iospace *space;
    char dir[64];
} world;

static int fixed_clock(struct timespec *ts)
{
    ts->tv_sec = (time_t)(CLOCK_NS / RTC_NS_PER_SEC);
    ts->tv_nsec = 0;
    return 0;
}

/* ---- files ------------------------------------------------------------------ */

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", world.dir, name);
}

static void write_file(const char *name, const uint8_t *bytes, size_t len)
{
    char path[128];

    path_of(path, sizeof(path), name);
    fuzz_write_file(path, bytes, len);
}

/* The file's bytes (malloc'd), or NULL if there is none. */
static uint8_t *read_file(const char *name, size_t *len)
{
    char path[128];

    path_of(path, sizeof(path), name);
    return fuzz_read_file(path, len);
}

/* Read and kept as it is, or set aside whole. */
static void check_outcome(const char *name, const uint8_t *bytes, size_t len)
{
    char bad[64];
    size_t kept_len = 0, bad_len = 0;
    uint8_t *kept = read_file(name, &kept_len);
    uint8_t *aside;

    snprintf(bad, sizeof(bad), "%s.bad", name);
    aside = read_file(bad, &bad_len);
    FUZZ_CHECK((kept == NULL) != (aside == NULL), "%s: %s kept, %s set aside", name,
               kept != NULL ? "" : "not", aside != NULL ? "" : "not");
    if (kept != NULL)
        FUZZ_CHECK(kept_len == len && memcmp(kept, bytes, len) == 0, "%s changed by reading",
                   name);
    else
        FUZZ_CHECK(bad_len == len && memcmp(aside, bytes, len) == 0,
                   "%s.bad is not the file that was set aside", name);
    free(kept);
    free(aside);
}

/* ---- the guest ---------------------------------------------------------------- */

static uint64_t guest_access(uint8_t type, uint8_t dir, uint64_t addr, unsigned size,
                             uint64_t value)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = type, .dir = dir, .size = size,
                    .count = 1, .addr = addr, .data = value };

    iospace_dispatch(world.space, &req, 0, NULL, NULL);
    return req.data;
}

static uint8_t cmos_ram(void)
{
    guest_access(IOREQ_TYPE_PIO, IOREQ_WRITE, CMOS, 1, CMOS_RAM_BYTE);
    return (uint8_t)guest_access(IOREQ_TYPE_PIO, IOREQ_READ, CMOS + 1, 1, 0);
}

static uint32_t pl031_dr(void)
{
    return (uint32_t)guest_access(IOREQ_TYPE_COPY, IOREQ_READ, PL031 + PL031_DR, 4, 0);
}

/* ---- a run --------------------------------------------------------------------- */

static struct devices *start(void)
{
    struct devices *devs;

    fake_dmop_reset(0);
    FUZZ_CHECK(devices_create(&devs, &world.cfg, world.loop, &world.xen, world.space, NULL) == 0,
               "the devices were not created");
    return devs;
}

static void stop(struct devices *devs)
{
    devices_destroy(devs);
    fake_dmop_check_idle(world.space);
}

/* The guest changes what was read; the next start must see it. */
static void check_change_survives(struct devices *devs)
{
    uint8_t ram = (uint8_t)~cmos_ram();
    uint32_t dr = pl031_dr() + 1;

    guest_access(IOREQ_TYPE_PIO, IOREQ_WRITE, CMOS + 1, 1, ram);
    guest_access(IOREQ_TYPE_COPY, IOREQ_WRITE, PL031 + PL031_LR, 4, dr);
    stop(devs);
    FUZZ_CHECK(fuzz_state_dir_check(world.dir), "no state written");
    devs = start();
    FUZZ_CHECK(fuzz_state_dir_check(world.dir), "state files gone"); /* none .bad */
    FUZZ_CHECK(cmos_ram() == ram, "CMOS RAM byte %#x not kept", ram);
    FUZZ_CHECK(pl031_dr() == dr, "pl031 DR %u not kept (%u)", dr, pl031_dr());
    stop(devs);
}

/* ---- libFuzzer entry points ------------------------------------------------- */

static void remove_dir(void)
{
    fuzz_state_dir_clear(world.dir);
    rmdir(world.dir);
}

/* tmpfs if there is one: the state files are fsync()ed. */
static void make_dir(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

    snprintf(world.dir, sizeof(world.dir), "%s/dmd-fuzz-state-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(world.dir) != NULL, "mkdtemp: %m");
    atexit(remove_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fuzz_memfile f;
    char text[sizeof(config_format) + sizeof(world.dir)];
    int len;

    (void)argc;
    (void)argv;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* says why, should the config be bad */
    make_dir();
    rtc_clock_gettime = fixed_clock;
    len = snprintf(text, sizeof(text), config_format, world.dir);
    FUZZ_CHECK(len > 0 && (size_t)len < sizeof(text), "config text too long");
    FUZZ_CHECK(fuzz_memfile_open(&f) == 0, "memfd_create: %m");
    FUZZ_CHECK(fuzz_memfile_set(&f, text, (size_t)len) == 0, "write: %m");
    FUZZ_CHECK(config_load(f.path, &world.cfg) == 0, "the built-in config is invalid");
    close(f.fd);
    /* Every message from now on is formatted and dropped (fake_journal.c). */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    world.loop = ev_loop_new(EVFLAG_AUTO);
    world.space = iospace_new();
    FUZZ_CHECK(world.loop != NULL && world.space != NULL, "out of memory");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    size_t cmos_len = fuzz_u16(&in);
    const uint8_t *cmos = in.p, *rtc;
    size_t rtc_len;
    struct devices *devs;

    if (cmos_len > in.n)
        cmos_len = in.n;
    rtc = cmos + cmos_len;
    rtc_len = in.n - cmos_len;
    fuzz_state_dir_clear(world.dir);
    write_file("cmos.state", cmos, cmos_len);
    write_file("rtc.state", rtc, rtc_len);
    devs = start();
    check_outcome("cmos.state", cmos, cmos_len);
    check_outcome("rtc.state", rtc, rtc_len);
    fuzz_state_dir_clear(world.dir); /* what was read is in the devices now */
    check_change_survives(devs);
    return 0;
}
