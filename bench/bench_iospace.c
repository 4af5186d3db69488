/* SPDX-License-Identifier: MIT */
/*
 * How long dmd's request path takes in-process, with no Xen and no event
 * channels: iospace_dispatch() of single port writes and reads to a
 * trivial device, and of rep outsb requests of 4096 bytes (Xen's largest)
 * through a guest-memory stub; then inb to the first and to the last of
 * 1, 16 and 256 regions (CONFIG_MAX_RANGES_PER_TYPE), to show what routing
 * costs as a table fills.  Prints figures; asserts nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iospace.h"
#include "log.h"

static uint8_t scratch;
static uint8_t guest_ram[2 * 4096];

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque, (void)offset, (void)size;
    return scratch;
}

static void dev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)opaque, (void)offset, (void)size;
    scratch = (uint8_t)value;
}

static const struct region_ops dev_ops = { .read = dev_read, .write = dev_write };

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    if (gpa + len > sizeof(guest_ram))
        return -14;
    memcpy(buf, guest_ram + gpa, len);
    return 0;
}

static int mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    if (gpa + len > sizeof(guest_ram))
        return -14;
    memcpy(guest_ram + gpa, buf, len);
    return 0;
}

static const struct guest_mem_ops mem_ops = { .read = mem_read, .write = mem_write };

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(struct iospace *sp, const char *what, ioreq_t proto, unsigned n, unsigned bytes)
{
    double t0 = now_s(), dt;

    for (unsigned i = 0; i < n; i++) {
        ioreq_t req = proto;
        iospace_dispatch(sp, &req, 0, &mem_ops, NULL);
    }
    dt = now_s() - t0;
    printf("%-28s %9.1f ns/request %8.1f Mrequests/s", what, dt * 1e9 / n, n / dt / 1e6);
    if (bytes > 0)
        printf(" %8.1f MB/s", (double)n * bytes / dt / 1e6);
    printf("\n");
}

/* inb to the first and the last of n port regions 0x10 apart. */
static void run_regions(const struct iospace_region *proto, unsigned n)
{
    struct iospace *sp = iospace_new();
    char what[64];

    for (unsigned i = 0; i < n; i++) {
        struct iospace_region r = *proto;
        r.base = 0x1000 + i * 0x10;
        iospace_add(sp, IOSPACE_PORT, &r);
    }
    for (unsigned last = 0; last < 2; last++) {
        uint64_t base = 0x1000 + (last ? n - 1 : 0) * 0x10;
        snprintf(what, sizeof(what), "inb, %u region%s, %s", n, n == 1 ? "" : "s",
                 n == 1 ? "the one" : last ? "last" : "first");
        run(sp, what,
            (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = base + 5, .size = 1, .count = 1,
                       .dir = IOREQ_READ }, 20000000, 0);
        if (n == 1)
            break;
    }
    iospace_free(sp);
}

int main(void)
{
    struct iospace *sp = iospace_new();
    struct iospace_region r = {
        .base = 0x3f8, .size = 8, .ops = &dev_ops, .name = "bench",
        .max_access = 1, .wide = ACCESS_SPLIT,
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    /* 64 other regions so the binary search has something to do. */
    for (uint64_t i = 0; i < 64; i++) {
        struct iospace_region other = r;
        other.base = 0x1000 + i * 0x10;
        iospace_add(sp, IOSPACE_PORT, &other);
    }
    iospace_add(sp, IOSPACE_PORT, &r);

    run(sp, "outb (port write)",
        (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = 0x3ff, .size = 1, .count = 1,
                   .dir = IOREQ_WRITE, .data = 0x55 }, 20000000, 0);
    run(sp, "inb (port read)",
        (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = 0x3ff, .size = 1, .count = 1,
                   .dir = IOREQ_READ }, 20000000, 0);
    run(sp, "inl split into 4 bytes",
        (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = 0x3f8, .size = 4, .count = 1,
                   .dir = IOREQ_READ }, 10000000, 0);
    run(sp, "unclaimed inb",
        (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = 0x80, .size = 1, .count = 1,
                   .dir = IOREQ_READ }, 20000000, 0);
    run(sp, "rep outsb, 4096 bytes",
        (ioreq_t){ .type = IOREQ_TYPE_PIO, .addr = 0x3ff, .size = 1, .count = 4096,
                   .dir = IOREQ_WRITE, .data_is_ptr = 1, .data = 100 }, 20000, 4096);
    iospace_free(sp);

    printf("routing as the table fills (flat is the goal):\n");
    run_regions(&r, 1);
    run_regions(&r, 16);
    run_regions(&r, CONFIG_MAX_RANGES_PER_TYPE);
    return 0;
}
