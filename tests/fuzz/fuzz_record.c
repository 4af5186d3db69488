/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the server record, RUNTIME_DIR/DOMID.server
 * (server_record.c), as a crash, a full disk or an editor may leave it.
 *
 * The input is the record's text.  server_record_parse() reads it, and
 * server_record_load() reads it as a file.  Beyond what the sanitizers
 * catch:
 *
 *  - both agree (a file over 64 KiB is refused by load() alone); a file
 *    load() refuses is set aside whole as PATH.bad, one it takes stays;
 *  - a refusal names a line of the text and a reason;
 *  - a record taken is one a server can have: at most
 *    SERVER_RECORD_RANGES_MAX ranges, a bufioreq mode Xen knows, ranges
 *    that do not run backwards, ports below 0x10000, PCI addresses of 16
 *    bits;
 *  - written with server_record_write() and read back, it gives the same
 *    record, and writing that again gives the same text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "fuzz_check.h"
#include "fuzz_files.h"
#include "log.h"
#include "server_record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DOMID 5u
#define RECORD_MAX_BYTES (64 * 1024) /* server_record.c: load() reads no more */

static struct {
    char dir[48], path[96], bad[112];
    struct server_record parsed, loaded, again;
} world;

static void check_record(const struct server_record *r)
{
    FUZZ_CHECK(r->nranges <= SERVER_RECORD_RANGES_MAX, "%zu ranges", r->nranges);
    FUZZ_CHECK(r->bufioreq == HVM_IOREQSRV_BUFIOREQ_OFF ||
                   r->bufioreq == HVM_IOREQSRV_BUFIOREQ_LEGACY ||
                   r->bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC,
               "bufioreq %d", r->bufioreq);
    for (size_t i = 0; i < r->nranges; i++) {
        const struct record_range *g = &r->ranges[i];

        FUZZ_CHECK(g->start <= g->end, "range %zu runs backwards: %#llx-%#llx", i,
                   (unsigned long long)g->start, (unsigned long long)g->end);
        switch (g->kind) {
        case RECORD_PORT:
            FUZZ_CHECK(g->end <= 0xffff, "port range %zu ends at %#llx", i,
                       (unsigned long long)g->end);
            break;
        case RECORD_PCI:
            FUZZ_CHECK(g->start == g->end && g->start <= 0xffff, "PCI range %zu: %#llx-%#llx",
                       i, (unsigned long long)g->start, (unsigned long long)g->end);
            break;
        case RECORD_MMIO:
            break;
        default:
            FUZZ_CHECK(false, "range %zu of kind %d", i, (int)g->kind);
        }
    }
}

static void check_same(const struct server_record *a, const struct server_record *b,
                       const char *what)
{
    FUZZ_CHECK(a->server == b->server && a->bufioreq == b->bufioreq &&
                   a->nranges == b->nranges,
               "%s: server %u/%u, bufioreq %d/%d, %zu/%zu ranges", what, a->server, b->server,
               a->bufioreq, b->bufioreq, a->nranges, b->nranges);
    for (size_t i = 0; i < a->nranges; i++)
        FUZZ_CHECK(a->ranges[i].kind == b->ranges[i].kind &&
                       a->ranges[i].start == b->ranges[i].start &&
                       a->ranges[i].end == b->ranges[i].end,
                   "%s: range %zu differs", what, i);
}

/* load() of the input as a file agrees with parse(). */
static void check_load(const uint8_t *data, size_t size, int parsed)
{
    int want = size > RECORD_MAX_BYTES ? -EINVAL : parsed;
    int rc;
    size_t len = 0;
    uint8_t *kept;

    unlink(world.bad);
    fuzz_write_file(world.path, data, size);
    rc = server_record_load(world.path, &world.loaded);
    FUZZ_CHECK(rc == want, "server_record_load() %d, parse %d (%zu bytes)", rc, parsed, size);
    if (rc == 0) {
        check_same(&world.parsed, &world.loaded, "load() and parse()");
        FUZZ_CHECK(access(world.path, F_OK) == 0 && access(world.bad, F_OK) != 0,
                   "a record taken was moved");
        return;
    }
    kept = fuzz_read_file(world.bad, &len);
    FUZZ_CHECK(kept != NULL && len == size && memcmp(kept, data, size) == 0,
               "a refused record was not set aside whole");
    FUZZ_CHECK(access(world.path, F_OK) != 0, "a refused record is still in place");
    free(kept);
}

static void check_round_trip(void)
{
    uint8_t *first, *second;
    size_t first_len = 0, second_len = 0;
    const char *why = NULL;
    int line = 0, rc;

    FUZZ_CHECK(server_record_write(world.path, DOMID, &world.parsed) == 0,
               "server_record_write: %m");
    first = fuzz_read_file(world.path, &first_len);
    FUZZ_CHECK(first != NULL, "no record written");
    rc = server_record_load(world.path, &world.loaded);
    FUZZ_CHECK(rc == 0, "a record dmd wrote is refused: %d", rc);
    check_same(&world.parsed, &world.loaded, "written and read back");
    rc = server_record_parse((const char *)first, first_len, &world.again, &line, &why);
    FUZZ_CHECK(rc == 0, "the written text is refused at line %d: %s", line, why);
    check_same(&world.parsed, &world.again, "written and parsed");
    FUZZ_CHECK(server_record_write(world.path, DOMID, &world.loaded) == 0,
               "server_record_write: %m");
    second = fuzz_read_file(world.path, &second_len);
    FUZZ_CHECK(second != NULL && second_len == first_len &&
                   memcmp(first, second, first_len) == 0,
               "writing a record read back gives another text");
    free(first);
    free(second);
    server_record_remove(world.path);
    FUZZ_CHECK(access(world.path, F_OK) != 0, "server_record_remove() left the file");
}

static void remove_dir(void)
{
    unlink(world.path);
    unlink(world.bad);
    rmdir(world.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *path;

    (void)argc;
    (void)argv;
    snprintf(world.dir, sizeof(world.dir), "%s/dmd-fuzz-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(world.dir) != NULL, "mkdtemp: %m");
    path = server_record_path(world.dir, DOMID);
    FUZZ_CHECK(path != NULL && strlen(path) < sizeof(world.path), "record path");
    snprintf(world.path, sizeof(world.path), "%s", path);
    snprintf(world.bad, sizeof(world.bad), "%s.bad", path);
    free(path);
    atexit(remove_dir);
    /* Every message is formatted and counted (fake_journal.c), not printed. */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    int line = -1;
    int rc = server_record_parse((const char *)data, size, &world.parsed, &line, &why);

    if (rc != 0) {
        size_t lines = 1;

        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        FUZZ_CHECK(rc == -EINVAL && why != NULL, "parse: %d", rc);
        FUZZ_CHECK((line > 0 || size == 0) && (size_t)line <= lines,
                   "a refusal at line %d of a text of %zu lines", line, lines);
    } else {
        check_record(&world.parsed);
    }
    check_load(data, size, rc);
    if (rc == 0)
        check_round_trip();
    return 0;
}
