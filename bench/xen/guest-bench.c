/* SPDX-License-Identifier: MIT */
/*
 * guest-bench: the guest side of the real-Xen benchmark (bench/xen/run).
 * A static Linux program run by the test guests' init.
 *
 *   guest-bench ROUNDS READS REPS TARGET...
 *   TARGET = NAME=inb:PORT[:EXPECT] | NAME=readb:ADDR[:EXPECT]
 *          | NAME=outsb:PORT            (rep outsb of 4096 bytes)
 *
 * For each of ROUNDS rounds, each target in turn (the order rotates from
 * round to round, so no target always follows the same one) is timed with
 * rdtsc, each of READS reads (REPS reps of 4096 bytes for outsb) on its
 * own.  Around each
 * timed loop it prints "PHASE rR.NAME start" and "... end" with 200 ms of
 * idleness on either side, so dom0 (bench/xen/dom0-bench.c, watching this
 * console) can sample each server's CPU time exactly around it.  After the
 * rounds, one idle phase shows each server's background cost.  Results:
 *
 *   BENCH cycles NAME ROUND MEDIAN_CYCLES OPS MEAN_CYCLES
 *
 * plus PLAN/CHECK/DONE lines (reporter "linux") that the value each target
 * read is the one its server must answer: a figure from a server that
 * answered wrongly, or not at all, is no figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 16
#define OUTS_BYTES 4096

enum kind { INB, READB, OUTSB };

struct target {
    const char *name;
    enum kind kind;
    unsigned long addr;
    long expect; /* -1: none */
    volatile uint8_t *mmio;
};

static struct target targets[MAX_TARGETS];
static unsigned ntargets, passed, failed;
static uint8_t *outs_buf;

/* One console line in one write: dom0 reads them as they come. */
static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDOUT_FILENO, line, (size_t)n) < 0)
        exit(1);
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

static inline uint8_t port_inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void port_outsb(uint16_t port, const void *buf, unsigned long n)
{
    __asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static uint8_t read_once(const struct target *t)
{
    return t->kind == INB ? port_inb((uint16_t)t->addr) : *t->mmio;
}

static int parse_target(const char *arg, struct target *t)
{
    char *copy = strdup(arg), *eq = copy ? strchr(copy, '=') : NULL, *kind, *rest, *end;

    if (eq == NULL)
        return -1;
    *eq = '\0';
    t->name = copy;
    kind = eq + 1;
    rest = strchr(kind, ':');
    if (rest == NULL)
        return -1;
    *rest++ = '\0';
    if (strcmp(kind, "inb") == 0)
        t->kind = INB;
    else if (strcmp(kind, "readb") == 0)
        t->kind = READB;
    else if (strcmp(kind, "outsb") == 0)
        t->kind = OUTSB;
    else
        return -1;
    t->addr = strtoul(rest, &end, 0);
    t->expect = -1;
    if (*end == ':')
        t->expect = strtol(end + 1, &end, 0);
    return *end == '\0' ? 0 : -1;
}

static int map_mmio(struct target *t)
{
    static int fd = -1;
    unsigned long page = t->addr & ~0xfffUL;
    void *p;

    if (fd < 0)
        fd = open("/dev/mem", O_RDWR | O_SYNC);
    if (fd < 0)
        return -1;
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
    if (p == MAP_FAILED)
        return -1;
    t->mmio = (volatile uint8_t *)p + (t->addr - page);
    return 0;
}

static void check(const char *name, long got, long want)
{
    const char *verdict = got == want ? "PASS" : "FAIL";

    if (got == want)
        passed++;
    else
        failed++;
    say("CHECK linux %s %s got=%#lx want=%#lx", name, verdict, (unsigned long)got,
        (unsigned long)want);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* One timed loop of ops operations, each timed on its own: the median
 * (an interrupt or a dom0 hiccup moves the mean, hardly the median) and
 * the mean, in cycles per operation. */
static void timed(const struct target *t, unsigned ops, uint64_t *each, uint64_t *median,
                  uint64_t *mean)
{
    uint64_t sum = 0;

    for (unsigned i = 0; i < ops; i++) {
        uint64_t t0 = tsc();

        if (t->kind == OUTSB)
            port_outsb((uint16_t)t->addr, outs_buf, OUTS_BYTES);
        else
            (void)read_once(t);
        each[i] = tsc() - t0;
        sum += each[i];
    }
    qsort(each, ops, sizeof(each[0]), cmp_u64);
    *median = each[ops / 2];
    *mean = sum / ops;
}

int main(int argc, char **argv)
{
    unsigned rounds, reads, reps, nchecks = 0;
    uint64_t *each;

    if (argc < 5) {
        fprintf(stderr, "usage: guest-bench ROUNDS READS REPS NAME=KIND:ADDR[:EXPECT]...\n");
        return 2;
    }
    rounds = (unsigned)strtoul(argv[1], NULL, 0);
    reads = (unsigned)strtoul(argv[2], NULL, 0);
    reps = (unsigned)strtoul(argv[3], NULL, 0);
    for (int i = 4; i < argc && ntargets < MAX_TARGETS; i++) {
        struct target *t = &targets[ntargets++];

        if (parse_target(argv[i], t) < 0) {
            fprintf(stderr, "guest-bench: bad target '%s'\n", argv[i]);
            return 2;
        }
        nchecks += t->expect >= 0;
    }
    if (rounds == 0 || reads == 0 || reps == 0)
        return 2;

    say("PLAN linux %u", nchecks + 1);
    check("iopl", iopl(3) == 0 ? 0 : errno, 0);
    outs_buf = aligned_alloc(4096, OUTS_BYTES);
    if (outs_buf == NULL)
        return 1;
    for (unsigned i = 0; i < OUTS_BYTES; i++)
        outs_buf[i] = (uint8_t)('a' + i % 26);
    for (unsigned i = 0; i < ntargets; i++) {
        struct target *t = &targets[i];
        char what[64];

        if (t->kind == READB && map_mmio(t) < 0) {
            say("# %s: cannot map %#lx: %s", t->name, t->addr, strerror(errno));
            t->kind = INB; /* never read an unmapped pointer */
            t->expect = -2;
        }
        if (t->expect == -2) {
            snprintf(what, sizeof(what), "mapped-%s", t->name);
            check(what, 0, 1);
        } else if (t->expect >= 0) {
            snprintf(what, sizeof(what), "value-%s", t->name);
            check(what, read_once(t), t->expect);
        }
    }

    each = calloc(reads > reps ? reads : reps, sizeof(*each));
    if (each == NULL)
        return 1;
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned k = 0; k < ntargets; k++) {
            const struct target *t = &targets[(k + r) % ntargets];
            unsigned ops = t->kind == OUTSB ? reps : reads;
            uint64_t median, mean;

            if (t->expect == -2)
                continue;
            say("PHASE r%u.%s start", r, t->name);
            pause_ms(200);
            timed(t, ops, each, &median, &mean);
            pause_ms(200);
            say("PHASE r%u.%s end", r, t->name);
            say("BENCH cycles %s %u %llu %u %llu", t->name, r, (unsigned long long)median, ops,
                (unsigned long long)mean);
        }
    }
    say("PHASE idle start");
    pause_ms(3000);
    say("PHASE idle end");
    say("DONE linux passed=%u failed=%u", passed, failed);
    say("BENCH-END");
    return failed == 0 ? 0 : 1;
}
