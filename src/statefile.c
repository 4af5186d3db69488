/* SPDX-License-Identifier: MIT */
/*
 * Device state files: reading, atomic writing, coalescing (statefile.h).
 */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "hex.h"
#include "log.h"

/* However often the guest changes its state, the disk sees one write per
 * this many seconds at most. */
#define STATEFILE_FLUSH_DELAY 1.0
/* Longer lines are not ours: the longest value is 256 hex digits. */
#define STATEFILE_MAX_LINE 4096

struct statefile {
    char *path; /* NULL: memory only */
    const char *owner;
    unsigned version;
    statefile_format_fn *format;
    void *opaque;
    struct ev_loop *loop;
    ev_timer flush;
    bool dirty; /* changed since the last successful write */
};

/* ---- writing ------------------------------------------------------------ */

/* Make a rename within `path`'s directory durable. */
static void sync_dir(const char *path)
{
    char *dir = strdup(path);
    char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
    int fd;

    if (slash == NULL) {
        free(dir);
        return;
    }
    *(slash == dir ? slash + 1 : slash) = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Header, the device's lines, then flush and fsync; 0 or -errno. */
static int write_contents(struct statefile *sf, int fd)
{
    FILE *out = fdopen(fd, "w");
    int rc = 0;

    if (out == NULL) {
        rc = -errno;
        close(fd);
        return rc;
    }
    fprintf(out, "# dmd state of [%s]; written by dmd, read when it starts\n", sf->owner);
    fprintf(out, "version = %u\n", sf->version);
    sf->format(sf->opaque, out);
    if (fflush(out) != 0 || ferror(out))
        rc = errno != 0 ? -errno : -EIO;
    else if (fsync(fd) != 0)
        rc = -errno;
    if (fclose(out) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* A temporary file next to the real one, renamed over it once complete, so
 * a crash leaves either the old state or the new, never half of one. */
static int write_atomically(struct statefile *sf)
{
    size_t len = strlen(sf->path) + sizeof(".XXXXXX");
    char *tmp = malloc(len);
    int fd, rc;

    if (tmp == NULL)
        return -ENOMEM;
    snprintf(tmp, len, "%s.XXXXXX", sf->path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        free(tmp);
        return rc;
    }
    errno = 0;
    rc = write_contents(sf, fd);
    if (rc == 0 && rename(tmp, sf->path) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    else
        sync_dir(sf->path);
    free(tmp);
    return rc;
}

static void flush_now(struct statefile *sf)
{
    static struct log_ratelimit rl;
    int rc;

    ev_timer_stop(sf->loop, &sf->flush);
    if (!sf->dirty || sf->path == NULL)
        return;
    rc = write_atomically(sf);
    if (rc < 0) {
        /* Stays dirty: the next change or the final write tries again. */
        struct log_fields f = { .device = sf->owner, .vcpu = -1 };
        log_limited(&rl, LOG_ERR, &f, "cannot write state file %s: %s", sf->path,
                    strerror(-rc));
        return;
    }
    sf->dirty = false;
}

static void flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    flush_now(w->data);
}

/* ---- reading ------------------------------------------------------------ */

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
        *--end = '\0';
    return s;
}

/* One line: NULL if fine (blank, comment, or a key taken), else why not
 * (in `buf` when it names the key). */
static const char *parse_line(struct statefile *sf, char *line, bool *have_version,
                              statefile_value_fn *fn, void *opaque, char *buf, size_t len)
{
    char *text = trim(line);
    char *eq = strchr(text, '=');
    char *key, *value;
    int64_t version;

    if (*text == '\0' || *text == '#')
        return NULL;
    if (eq == NULL)
        return "not `key = value`";
    *eq = '\0';
    key = trim(text);
    value = trim(eq + 1);
    if (*key == '\0' || *value == '\0')
        return "empty key or value";
    if (!*have_version) {
        if (strcmp(key, "version") != 0)
            return "the first key must be `version`";
        if (!statefile_parse_i64(value, 0, UINT32_MAX, &version) ||
            (uint64_t)version != sf->version)
            return "unknown format version";
        *have_version = true;
        return NULL;
    }
    if (fn(opaque, key, value))
        return NULL;
    snprintf(buf, len, "`%.40s` is not a key of this device or has a bad value", key);
    return buf;
}

/* Keep a file dmd could not read, out of the way of the next write. */
static void set_aside(struct statefile *sf, int line, const char *why)
{
    size_t len = strlen(sf->path) + sizeof(".bad");
    char *bad = malloc(len);
    int err = ENOMEM;

    if (bad != NULL) {
        snprintf(bad, len, "%s.bad", sf->path);
        err = rename(sf->path, bad) == 0 ? 0 : errno;
    }
    if (err == 0)
        log_dev(LOG_WARNING, sf->owner, "%s:%d: %s; starting from defaults, the file is "
                "kept as %s", sf->path, line, why, bad);
    else
        log_dev(LOG_WARNING, sf->owner, "%s:%d: %s; starting from defaults (the file stays, "
                "renaming it failed: %s)", sf->path, line, why, strerror(err));
    free(bad);
}

static bool read_file(struct statefile *sf, FILE *in, statefile_value_fn *fn, void *opaque)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    bool have_version = false;
    const char *why = NULL;
    char buf[128];

    while (why == NULL && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (len > STATEFILE_MAX_LINE)
            why = "line too long";
        else if ((size_t)len != strlen(line))
            why = "NUL byte in the line";
        else
            why = parse_line(sf, line, &have_version, fn, opaque, buf, sizeof(buf));
    }
    if (why == NULL && ferror(in))
        why = strerror(errno);
    else if (why == NULL && !have_version)
        why = "no `version` line";
    free(line);
    if (why != NULL) {
        set_aside(sf, lineno, why);
        return false;
    }
    log_dev(LOG_INFO, sf->owner, "state restored from %s", sf->path);
    return true;
}

/* ---- public ------------------------------------------------------------- */

struct statefile *statefile_open(struct ev_loop *loop, const char *dir, const char *owner,
                                 unsigned version, statefile_format_fn *format, void *opaque)
{
    struct statefile *sf = calloc(1, sizeof(*sf));

    if (sf == NULL)
        return NULL;
    if (dir != NULL) {
        size_t len = strlen(dir) + strlen(owner) + sizeof("/.state");

        sf->path = malloc(len);
        if (sf->path == NULL) {
            free(sf);
            return NULL;
        }
        snprintf(sf->path, len, "%s/%s.state", dir, owner);
    } else {
        log_dev(LOG_INFO, owner, "no [dmd] state_dir: state is kept in memory only and "
                "starts afresh each time dmd starts");
    }
    sf->owner = owner;
    sf->version = version;
    sf->format = format;
    sf->opaque = opaque;
    sf->loop = loop;
    ev_timer_init(&sf->flush, flush_cb, STATEFILE_FLUSH_DELAY, 0.);
    sf->flush.data = sf;
    return sf;
}

bool statefile_load(struct statefile *sf, statefile_value_fn *fn, void *opaque)
{
    FILE *in;
    bool ok;

    if (sf->path == NULL)
        return false;
    in = fopen(sf->path, "re");
    if (in == NULL) {
        if (errno == ENOENT) {
            log_dev(LOG_INFO, sf->owner, "no state file %s yet: starting from defaults",
                    sf->path);
            return false;
        }
        set_aside(sf, 0, strerror(errno));
        return false;
    }
    ok = read_file(sf, in, fn, opaque);
    fclose(in);
    return ok;
}

void statefile_changed(struct statefile *sf)
{
    if (sf->path == NULL)
        return;
    sf->dirty = true;
    if (!ev_is_active(&sf->flush)) {
        ev_timer_set(&sf->flush, STATEFILE_FLUSH_DELAY, 0.);
        ev_timer_start(sf->loop, &sf->flush);
    }
}

void statefile_close(struct statefile *sf)
{
    if (sf == NULL)
        return;
    flush_now(sf);
    free(sf->path);
    free(sf);
}

const char *statefile_path(const struct statefile *sf)
{
    return sf->path;
}

bool statefile_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool statefile_parse_hex(const char *s, uint8_t *bytes, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void statefile_print_hex(FILE *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", bytes[i]);
}
