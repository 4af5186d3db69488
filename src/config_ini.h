/* SPDX-License-Identifier: MIT */
/*
 * Reading an INI file into sections of `key = value` text, each with the
 * line it came from, reporting every syntax problem with its line.  The
 * typed config (config.c) is built from this.
 */
#ifndef DMD_CONFIG_INI_H
#define DMD_CONFIG_INI_H

#include <stddef.h>

/* A section name names a device in every log line: keep it short. */
#define INI_SECTION_NAME_MAX 63

struct ini_entry {
    char *key;
    char *value;
    int line;
};

struct ini_section {
    char *name;
    int line; /* of the [header] */
    struct ini_entry *entries;
    size_t nentries;
};

struct ini_doc {
    struct ini_section *secs;
    size_t nsecs;
    int lines; /* physical lines read */
};

/* Called for each problem; line 0 means the whole file. */
typedef void ini_error_fn(void *ctx, int line, const char *msg);

/*
 * Read `path`.  Problems go to `error` and reading goes on, so all are
 * reported; keys under a broken section header are dropped.  Returns -1
 * only when the file could not be opened or read (already reported).
 */
int ini_doc_read(const char *path, struct ini_doc *doc, ini_error_fn *error, void *ctx);
void ini_doc_free(struct ini_doc *doc);

#endif
