/* SPDX-License-Identifier: MIT */
/*
 * The server record, RUNTIME_DIR/DOMID.server: the ioreq server a dmd
 * created for the domain and every range mapped to it, so that a dmd
 * started after a crash can take that server over (docs/restart.md).
 *
 *   # dmd: ioreq server of domain 5 (removed when dmd stops cleanly)
 *   server = 1
 *   bufioreq = atomic
 *   port = 0x3f8-0x3ff
 *   mmio = 0xfe000000-0xfe000fff
 *   pci = 00:05.0
 *
 * Written whole and atomically (a temporary file in the same directory,
 * then rename) before a range is mapped and after one is unmapped, so it
 * names at least every range Xen has.  Read back with every line checked;
 * nothing in it is trusted.
 */
#ifndef DMD_SERVER_RECORD_H
#define DMD_SERVER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Xen allows 256 ranges per type; three types. */
#define SERVER_RECORD_RANGES_MAX (3 * 256)

enum record_range_kind { RECORD_PORT, RECORD_MMIO, RECORD_PCI };

struct record_range {
    enum record_range_kind kind;
    uint64_t start, end; /* inclusive; PCI: start == end == the SBDF */
};

struct server_record {
    uint16_t server;
    int bufioreq; /* HVM_IOREQSRV_BUFIOREQ_* */
    size_t nranges;
    struct record_range ranges[SERVER_RECORD_RANGES_MAX];
};

/* DIR/DOMID.server, malloc'ed; NULL when out of memory. */
char *server_record_path(const char *dir, unsigned domid);

/*
 * Read PATH into *rec.  0, -ENOENT when there is none, or -EINVAL when it
 * cannot be read or understood: then it is renamed to PATH.bad and the
 * reason logged with the line at fault.
 */
int server_record_load(const char *path, struct server_record *rec);

/* Replace PATH with *rec.  0 or -errno (logged with the path). */
int server_record_write(const char *path, unsigned domid, const struct server_record *rec);

/* Remove PATH (a clean stop); a missing file is fine. */
void server_record_remove(const char *path);

/* Parse the record's text (for server_record_load and the fuzzer): 0, or
 * -EINVAL with *line set to the line at fault and *why to the reason. */
int server_record_parse(const char *text, size_t len, struct server_record *rec, int *line,
                        const char **why);

#endif
