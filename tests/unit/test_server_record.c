/* SPDX-License-Identifier: MIT */
/*
 * server_record.c: the record written and read back on a real file system
 * (every range kind, every bufioreq mode, the largest record), the strict
 * parser (each rejection with its line and a reason), a damaged record set
 * aside as PATH.bad with a log line, and the write being atomic.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "log.h"
#include "server_record.h"

struct fx {
    char dir[64];
    char *path; /* DIR/5.server */
    char bad[160];
    char tmp[160];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    strcpy(f->dir, "/tmp/dmd-record-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->path = server_record_path(f->dir, 5);
    assert_non_null(f->path);
    snprintf(f->bad, sizeof(f->bad), "%s.bad", f->path);
    snprintf(f->tmp, sizeof(f->tmp), "%s.tmp", f->path);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[96];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f->path);
    free(f);
    return 0;
}

/* The records are large (768 ranges): keep them off the stack. */
static struct server_record rec_a, rec_b;

static void put_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static char *slurp(const char *path, size_t *len)
{
    static char buf[128 * 1024];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    assert_true(fd >= 0);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static void assert_records_equal(const struct server_record *a, const struct server_record *b)
{
    assert_int_equal(a->server, b->server);
    assert_int_equal(a->bufioreq, b->bufioreq);
    assert_int_equal(a->nranges, b->nranges);
    for (size_t i = 0; i < a->nranges; i++) {
        assert_int_equal(a->ranges[i].kind, b->ranges[i].kind);
        assert_int_equal(a->ranges[i].start, b->ranges[i].start);
        assert_int_equal(a->ranges[i].end, b->ranges[i].end);
    }
}

static void add(struct server_record *r, enum record_range_kind kind, uint64_t start,
                uint64_t end)
{
    assert_true(r->nranges < SERVER_RECORD_RANGES_MAX);
    r->ranges[r->nranges++] = (struct record_range){ .kind = kind, .start = start, .end = end };
}

static uint64_t sbdf(unsigned bus, unsigned dev, unsigned fn)
{
    return (uint64_t)bus << 8 | dev << 3 | fn;
}

/* Run server_record_load with stderr going to a file; the log is returned. */
static int load_logged(const char *path, struct server_record *rec, char *log, size_t size)
{
    char logpath[] = "/tmp/dmd-record-log-XXXXXX";
    int fd = mkstemp(logpath), saved, rc;
    ssize_t n;

    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    rc = server_record_load(path, rec);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    n = pread(fd, log, size - 1, 0);
    assert_true(n >= 0);
    log[n] = '\0';
    close(fd);
    unlink(logpath);
    return rc;
}

/* ---- round trip --------------------------------------------------------- */

static void test_path(void **state)
{
    char *p = server_record_path("/run/dmd", 42);

    (void)state;
    assert_string_equal(p, "/run/dmd/42.server");
    free(p);
}

static void test_round_trip(void **state)
{
    struct fx *f = *state;
    static const int modes[] = { HVM_IOREQSRV_BUFIOREQ_OFF, HVM_IOREQSRV_BUFIOREQ_LEGACY,
                                 HVM_IOREQSRV_BUFIOREQ_ATOMIC };
    struct stat st;

    memset(&rec_a, 0, sizeof(rec_a));
    rec_a.server = 65535;
    add(&rec_a, RECORD_PORT, 0x3f8, 0x3ff);
    add(&rec_a, RECORD_MMIO, 0xfe000000, 0xfe000fff);
    add(&rec_a, RECORD_PCI, sbdf(0, 5, 0), sbdf(0, 5, 0));
    add(&rec_a, RECORD_PORT, 0, 0xffff);
    add(&rec_a, RECORD_PORT, 0x70, 0x70);
    add(&rec_a, RECORD_MMIO, 0x100000000ull, 0xffffffffffffffffull);
    add(&rec_a, RECORD_MMIO, 0, 0);
    add(&rec_a, RECORD_MMIO, 0xfedcba9876543210ull, 0xfedcba9876543211ull);
    add(&rec_a, RECORD_PCI, sbdf(0xff, 31, 7), sbdf(0xff, 31, 7));
    add(&rec_a, RECORD_PCI, sbdf(0x12, 0x1a, 3), sbdf(0x12, 0x1a, 3));
    for (size_t m = 0; m < 3; m++) {
        rec_a.bufioreq = modes[m];
        rec_a.server = (uint16_t)(rec_a.server + m);
        assert_int_equal(server_record_write(f->path, 5, &rec_a), 0);
        memset(&rec_b, 0xa5, sizeof(rec_b));
        assert_int_equal(server_record_load(f->path, &rec_b), 0);
        assert_records_equal(&rec_b, &rec_a);
    }
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(access(f->tmp, F_OK), -1);
    assert_int_equal(access(f->bad, F_OK), -1);
    /* Readable as documented. */
    assert_non_null(strstr(slurp(f->path, NULL), "\nbufioreq = atomic\nport = 0x3f8-0x3ff\n"
                                                 "mmio = 0xfe000000-0xfe000fff\npci = 00:05.0\n"));
    assert_non_null(strstr(slurp(f->path, NULL), "\npci = ff:1f.7\n"));

    /* No ranges at all. */
    memset(&rec_a, 0, sizeof(rec_a));
    assert_int_equal(server_record_write(f->path, 5, &rec_a), 0);
    assert_int_equal(server_record_load(f->path, &rec_b), 0);
    assert_records_equal(&rec_b, &rec_a);
}

static void test_largest_record(void **state)
{
    struct fx *f = *state;

    memset(&rec_a, 0, sizeof(rec_a));
    rec_a.server = 3;
    rec_a.bufioreq = HVM_IOREQSRV_BUFIOREQ_ATOMIC;
    for (size_t i = 0; i < SERVER_RECORD_RANGES_MAX; i++) {
        if (i % 3 == 0)
            add(&rec_a, RECORD_MMIO, 0xffffffffffff0000ull - i * 0x10000,
                0xffffffffffffffffull - i * 0x10000);
        else if (i % 3 == 1)
            add(&rec_a, RECORD_PORT, i, 0xffff);
        else
            add(&rec_a, RECORD_PCI, i & 0xffff, i & 0xffff);
    }
    assert_int_equal(server_record_write(f->path, 5, &rec_a), 0);
    assert_int_equal(server_record_load(f->path, &rec_b), 0);
    assert_records_equal(&rec_b, &rec_a);
}

static void test_load_missing(void **state)
{
    struct fx *f = *state;

    assert_int_equal(server_record_load(f->path, &rec_b), -ENOENT);
    assert_int_equal(access(f->bad, F_OK), -1);
}

/* ---- the parser ---------------------------------------------------------- */

static int parse(const char *text, int *line, const char **why)
{
    *line = -1;
    *why = NULL;
    return server_record_parse(text, strlen(text), &rec_b, line, why);
}

static void test_parse_accepts(void **state)
{
    static const char text[] = "# dmd: ioreq server of domain 5\n"
                               "\n"
                               "   \t\n"
                               "  # indented comment\n"
                               "server=12\r\n"
                               "\tbufioreq =  legacy \r\n"
                               "port = 0x3f8-0x3ff\n"
                               "port = 1016-1023\n"        /* decimal */
                               "mmio=0XFE000000-0xFE000FFF\n"
                               "pci = 0a:1F.7"; /* no newline at the end */
    int line;
    const char *why;

    (void)state;
    assert_int_equal(parse(text, &line, &why), 0);
    assert_int_equal(rec_b.server, 12);
    assert_int_equal(rec_b.bufioreq, HVM_IOREQSRV_BUFIOREQ_LEGACY);
    assert_int_equal(rec_b.nranges, 4);
    assert_int_equal(rec_b.ranges[0].kind, RECORD_PORT);
    assert_int_equal(rec_b.ranges[0].start, 0x3f8);
    assert_int_equal(rec_b.ranges[0].end, 0x3ff);
    assert_int_equal(rec_b.ranges[1].start, 0x3f8);
    assert_int_equal(rec_b.ranges[1].end, 0x3ff);
    assert_int_equal(rec_b.ranges[2].kind, RECORD_MMIO);
    assert_int_equal(rec_b.ranges[2].start, 0xfe000000);
    assert_int_equal(rec_b.ranges[2].end, 0xfe000fff);
    assert_int_equal(rec_b.ranges[3].kind, RECORD_PCI);
    assert_int_equal(rec_b.ranges[3].start, sbdf(0x0a, 0x1f, 7));
    assert_int_equal(rec_b.ranges[3].end, sbdf(0x0a, 0x1f, 7));

    /* The limits themselves. */
    assert_int_equal(parse("server = 65535\nbufioreq = off\nport = 0xffff-0xffff\n"
                           "mmio = 0xffffffffffffffff-0xffffffffffffffff\npci = ff:1f.7\n",
                           &line, &why),
                     0);
    assert_int_equal(rec_b.server, 65535);
    assert_int_equal(rec_b.bufioreq, HVM_IOREQSRV_BUFIOREQ_OFF);
    assert_int_equal(rec_b.ranges[1].end, 0xffffffffffffffffull);
    assert_int_equal(rec_b.ranges[2].start, 0xffff);
}

struct bad_case {
    const char *text;
    int line;
};

#define HDR "server = 1\nbufioreq = atomic\n"

static void test_parse_rejects(void **state)
{
    static const struct bad_case cases[] = {
        /* keys and values */
        { HDR "colour = blue\n", 3 },
        { HDR "Port = 1-2\n", 3 },
        { HDR "port 1-2\n", 3 },
        { "server = 1\nbufioreq = atomic\nserver = 1\n", 3 },
        { "server = 1\nserver = 2\nbufioreq = atomic\n", 2 },
        { "server = 1\nbufioreq = off\nbufioreq = off\n", 3 },
        { "server = 1\nbufioreq = yes\n", 2 },
        { "server = 1\nbufioreq = \n", 2 },
        { "server = 65536\nbufioreq = off\n", 1 },
        { "server = -1\nbufioreq = off\n", 1 },
        { "server = +1\nbufioreq = off\n", 1 },
        { "server = 1x\nbufioreq = off\n", 1 },
        { "server = \nbufioreq = off\n", 1 },
        { "server = 1 2\nbufioreq = off\n", 1 },
        /* ranges */
        { HDR "port = 0x3ff-0x3f8\n", 3 },
        { HDR "mmio = 0x2000-0x1fff\n", 3 },
        { HDR "port = 0xfff0-0x10000\n", 3 },
        { HDR "port = 0x10000-0x10000\n", 3 },
        { HDR "port = 0x3f8-0x3fg\n", 3 },
        { HDR "port = 0x3f8\n", 3 },
        { HDR "port = 0x3f8-\n", 3 },
        { HDR "port = -0x3f8\n", 3 },
        { HDR "port = 1-2-3\n", 3 },
        { HDR "port = 1 - 2\n", 3 },
        { HDR "port = 0x-0x1\n", 3 },
        { HDR "port = 09-10\n", 3 },
        { HDR "mmio = 1e3-2e3\n", 3 },
        { HDR "mmio = 0x10000000000000000-0x10000000000000001\n", 3 },
        { HDR "mmio = 0-18446744073709551616\n", 3 },
        { HDR "mmio = +1-2\n", 3 },
        /* PCI addresses */
        { HDR "pci = 00:20.0\n", 3 },
        { HDR "pci = 00:05.8\n", 3 },
        { HDR "pci = 00:05\n", 3 },
        { HDR "pci = 00:05.0x\n", 3 },
        { HDR "pci = 00:05.00\n", 3 },
        { HDR "pci = 100:05.0\n", 3 },
        { HDR "pci = 00-05.0\n", 3 },
        { HDR "pci = -1:05.0\n", 3 },
        { HDR "pci = +1:05.0\n", 3 },
        { HDR "pci = 0x:05.0\n", 3 },
        { HDR "pci = 00:-1.0\n", 3 },
        { HDR "pci = 0g:05.0\n", 3 },
        { HDR "pci = \n", 3 },
        { HDR "pci = 0:5.0\n", 3 },
        { HDR "pci = -0:05.0\n", 3 },
        { HDR "pci = +f:+1.7\n", 3 },
        { HDR "pci = 00:05.+\n", 3 },
        { HDR "pci = 0000:00:05.0\n", 3 },
        /* what is missing */
        { "bufioreq = off\n", -2 },
        { "server = 1\n", -2 },
        { "# nothing\n", -2 },
        { "", -2 },
        /* not text */
        { HDR "port = 1-2\n\x01\n", 4 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int line;
        const char *why;

        if (parse(cases[i].text, &line, &why) != -EINVAL)
            fail_msg("accepted: \"%s\"", cases[i].text);
        if (why == NULL || why[0] == '\0')
            fail_msg("no reason for \"%s\"", cases[i].text);
        if (cases[i].line >= 0 && line != cases[i].line)
            fail_msg("\"%s\": line %d, not %d (%s)", cases[i].text, line, cases[i].line, why);
        if (cases[i].line == -2 && line < 0)
            fail_msg("\"%s\": line %d", cases[i].text, line);
    }
}

static void test_parse_specific_reasons(void **state)
{
    int line;
    const char *why;

    (void)state;
    assert_int_equal(parse(HDR "colour = blue\n", &line, &why), -EINVAL);
    assert_string_equal(why, "unknown key");
    assert_int_equal(parse("bufioreq = off\n", &line, &why), -EINVAL);
    assert_non_null(strstr(why, "missing"));
    assert_int_equal(parse("server = 1\n", &line, &why), -EINVAL);
    assert_non_null(strstr(why, "missing"));
}

static void test_parse_too_many_ranges(void **state)
{
    static char text[64 * 1024];
    size_t used = 0;
    int line;
    const char *why;

    (void)state;
    used += (size_t)snprintf(text + used, sizeof(text) - used, HDR);
    for (unsigned i = 0; i < SERVER_RECORD_RANGES_MAX; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "port = %u-%u\n", i, i);
    assert_true(used < sizeof(text) - 64);
    assert_int_equal(parse(text, &line, &why), 0);
    assert_int_equal(rec_b.nranges, SERVER_RECORD_RANGES_MAX);
    snprintf(text + used, sizeof(text) - used, "mmio = 1-2\n");
    assert_int_equal(parse(text, &line, &why), -EINVAL);
    assert_int_equal(line, 2 + SERVER_RECORD_RANGES_MAX + 1);
    assert_non_null(why);
}

static void test_parse_long_line(void **state)
{
    char text[512];
    int line;
    const char *why;

    (void)state;
    /* A comment of 128 bytes is a line of the longest length. */
    memset(text, 0, sizeof(text));
    strcpy(text, HDR "#");
    memset(text + strlen(text), 'c', 127);
    strcat(text, "\nport = 1-2\n");
    assert_int_equal(parse(text, &line, &why), 0);
    assert_int_equal(rec_b.nranges, 1);
    /* One more byte: refused, at its line. */
    memset(text, 0, sizeof(text));
    strcpy(text, HDR "#");
    memset(text + strlen(text), 'c', 128);
    strcat(text, "\nport = 1-2\n");
    assert_int_equal(parse(text, &line, &why), -EINVAL);
    assert_int_equal(line, 3);
    assert_non_null(why);
    /* The same without a newline at the end. */
    memset(text, 0, sizeof(text));
    strcpy(text, HDR "port = 1-2\n#");
    memset(text + strlen(text), 'c', 300);
    assert_int_equal(parse(text, &line, &why), -EINVAL);
    assert_int_equal(line, 4);
}

static void test_parse_nul_byte(void **state)
{
    static const char text[] = "server = 1\nbufio\0req = off\nport = 1-2\n";
    static const char tail[] = "server = 1\nbufioreq = off\nport = 1-2\0";
    int line = -1;
    const char *why = NULL;

    (void)state;
    assert_int_equal(server_record_parse(text, sizeof(text) - 1, &rec_b, &line, &why), -EINVAL);
    assert_int_equal(line, 2);
    assert_non_null(why);
    /* A NUL in the last line, without a newline after it. */
    assert_int_equal(server_record_parse(tail, sizeof(tail) - 1, &rec_b, &line, &why), -EINVAL);
    assert_int_equal(line, 3);
}

/* The parser reads exactly len bytes: no terminating NUL needed. */
static void test_parse_reads_only_len(void **state)
{
    char *text = malloc(30);
    int line;
    const char *why;

    (void)state;
    assert_non_null(text);
    memcpy(text, "server = 7\nbufioreq = legacy\n", 29);
    text[29] = 'x'; /* not a NUL: ASan sees any read past len */
    assert_int_equal(server_record_parse(text, 29, &rec_b, &line, &why), 0);
    assert_int_equal(rec_b.server, 7);
    /* Cut in the middle of a value: the value is what is there. */
    assert_int_equal(server_record_parse(text, 9, &rec_b, &line, &why), -EINVAL);
    free(text);
}

/* ---- the file ----------------------------------------------------------- */

static void test_damaged_file_is_set_aside(void **state)
{
    struct fx *f = *state;
    static const char text[] = HDR "port = 1-2\ncolour = blue\n";
    char log[2048];
    size_t len;

    put_file(f->path, text, sizeof(text) - 1);
    assert_int_equal(load_logged(f->path, &rec_b, log, sizeof(log)), -EINVAL);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_string_equal(slurp(f->bad, &len), text);
    /* The log names the file and the line at fault. */
    assert_non_null(strstr(log, f->path));
    assert_non_null(strstr(log, "line 4"));
    assert_non_null(strstr(log, "unknown key"));

    /* Next time: nothing there. */
    assert_int_equal(server_record_load(f->path, &rec_b), -ENOENT);

    /* A second damaged record replaces the first .bad. */
    put_file(f->path, "garbage", 7);
    assert_int_equal(load_logged(f->path, &rec_b, log, sizeof(log)), -EINVAL);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_string_equal(slurp(f->bad, NULL), "garbage");
}

static void test_oversized_file_is_set_aside(void **state)
{
    struct fx *f = *state;
    static char text[70 * 1024];
    char log[2048];
    size_t used = 0;

    used += (size_t)snprintf(text, sizeof(text), HDR);
    while (used + 20 < sizeof(text))
        used += (size_t)snprintf(text + used, sizeof(text) - used, "# padding padding\n");
    put_file(f->path, text, used);
    assert_int_equal(load_logged(f->path, &rec_b, log, sizeof(log)), -EINVAL);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_int_equal(access(f->bad, F_OK), 0);
    assert_non_null(strstr(log, f->path));
}

/* Something that cannot be read as a file is set aside with the reason. */
static void test_unreadable_record_is_set_aside(void **state)
{
    struct fx *f = *state;
    char log[2048];
    struct stat st;

    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(load_logged(f->path, &rec_b, log, sizeof(log)), -EINVAL);
    assert_int_equal(stat(f->bad, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_non_null(strstr(log, strerror(EISDIR)));

    assert_int_equal(rmdir(f->bad), 0);

    /* A symlink is not followed: it is set aside itself. */
    assert_int_equal(symlink("/etc/passwd", f->path), 0);
    assert_int_equal(load_logged(f->path, &rec_b, log, sizeof(log)), -EINVAL);
    assert_int_equal(lstat(f->path, &st), -1);
    assert_int_equal(lstat(f->bad, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
}

static void test_write_is_atomic(void **state)
{
    struct fx *f = *state;
    struct stat before, after;
    char old[64 * 1024];
    size_t old_len, new_len;
    int fd;

    memset(&rec_a, 0, sizeof(rec_a));
    rec_a.server = 1;
    rec_a.bufioreq = HVM_IOREQSRV_BUFIOREQ_ATOMIC;
    for (unsigned i = 0; i < 200; i++)
        add(&rec_a, RECORD_MMIO, 0x1000ull * i, 0x1000ull * i + 0xfff);
    assert_int_equal(server_record_write(f->path, 5, &rec_a), 0);
    memcpy(old, slurp(f->path, &old_len), sizeof(old));
    assert_int_equal(stat(f->path, &before), 0);
    /* A reader with the old file open keeps seeing it whole. */
    fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);

    /* A stale temporary file from a crash mid-write is no obstacle. */
    put_file(f->tmp, "leftover leftover leftover leftover leftover leftover", 53);
    memset(&rec_b, 0, sizeof(rec_b));
    rec_b.server = 2;
    rec_b.bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
    add(&rec_b, RECORD_PORT, 0x70, 0x71);
    assert_int_equal(server_record_write(f->path, 6, &rec_b), 0);
    assert_int_equal(access(f->tmp, F_OK), -1);
    assert_int_equal(stat(f->path, &after), 0);
    assert_true(after.st_ino != before.st_ino); /* replaced, not rewritten in place */
    slurp(f->path, &new_len);
    assert_true(new_len < old_len);
    assert_string_equal(slurp(f->path, NULL),
                        "# dmd: ioreq server of domain 6 (removed when dmd stops cleanly)\n"
                        "server = 2\nbufioreq = off\nport = 0x70-0x71\n");
    {
        static char seen[64 * 1024];
        ssize_t n = pread(fd, seen, sizeof(seen), 0);

        assert_int_equal(n, (ssize_t)old_len);
        assert_memory_equal(seen, old, old_len);
    }
    close(fd);
    memset(&rec_a, 0, sizeof(rec_a));
    assert_int_equal(server_record_load(f->path, &rec_a), 0);
    assert_records_equal(&rec_a, &rec_b);
}

static void test_write_failure(void **state)
{
    struct fx *f = *state;
    char path[160];

    memset(&rec_a, 0, sizeof(rec_a));
    snprintf(path, sizeof(path), "%s/no/such/dir/5.server", f->dir);
    assert_int_equal(server_record_write(path, 5, &rec_a), -ENOENT);
    /* The target is a directory: the rename fails, nothing is left. */
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(server_record_write(f->path, 5, &rec_a), -EISDIR);
    assert_int_equal(access(f->tmp, F_OK), -1);
    rmdir(f->path);
}

static void test_remove(void **state)
{
    struct fx *f = *state;

    memset(&rec_a, 0, sizeof(rec_a));
    assert_int_equal(server_record_write(f->path, 5, &rec_a), 0);
    server_record_remove(f->path);
    assert_int_equal(access(f->path, F_OK), -1);
    server_record_remove(f->path); /* already gone: fine */
    server_record_remove(NULL);
    assert_int_equal(server_record_load(f->path, &rec_b), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test_setup_teardown(test_round_trip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_largest_record, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_load_missing, fx_setup, fx_teardown),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_specific_reasons),
        cmocka_unit_test(test_parse_too_many_ranges),
        cmocka_unit_test(test_parse_long_line),
        cmocka_unit_test(test_parse_nul_byte),
        cmocka_unit_test(test_parse_reads_only_len),
        cmocka_unit_test_setup_teardown(test_damaged_file_is_set_aside, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_file_is_set_aside, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_record_is_set_aside, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_write_is_atomic, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_remove, fx_setup, fx_teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
