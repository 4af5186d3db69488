/* SPDX-License-Identifier: MIT */
/*
 * The server record (server_record.h).
 */
#include "server_record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "hex.h"
#include "log.h"

/* A record of 768 ranges is about 24 KiB: anything much larger is not one
 * dmd wrote. */
#define RECORD_MAX_BYTES (64 * 1024)
#define LINE_MAX_BYTES 128

static const char *const kind_keys[] = {
    [RECORD_PORT] = "port", [RECORD_MMIO] = "mmio", [RECORD_PCI] = "pci",
};

static const char *const bufioreq_names[] = {
    [HVM_IOREQSRV_BUFIOREQ_OFF] = "off",
    [HVM_IOREQSRV_BUFIOREQ_LEGACY] = "legacy",
    [HVM_IOREQSRV_BUFIOREQ_ATOMIC] = "atomic",
};

char *server_record_path(const char *dir, unsigned domid)
{
    char *path;

    return asprintf(&path, "%s/%u.server", dir, domid) < 0 ? NULL : path;
}

/* ---- parsing ------------------------------------------------------------ */

/* A whole unsigned number (C literal) up to max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_span(char *value, uint64_t max, struct record_range *r)
{
    char *dash = strchr(value, '-');

    if (dash == NULL)
        return false;
    *dash = '\0';
    return parse_number(value, max, &r->start) && parse_number(dash + 1, max, &r->end) &&
           r->start <= r->end;
}

/* A hex digit's value, or -1. */
/* Exactly BB:DD.F in hex, as written.  (sscanf's %x would take a sign:
 * "-1:05.0" gave bus 0xffffffff.) */
static bool parse_sbdf(const char *value, struct record_range *r)
{
    static const char form[] = "hh:hh.h";
    int d[5], n = 0;
    unsigned bus, dev, fn;

    if (strlen(value) != sizeof(form) - 1)
        return false;
    for (size_t i = 0; i < sizeof(form) - 1; i++) {
        if (form[i] != 'h') {
            if (value[i] != form[i])
                return false;
        } else if ((d[n++] = hex_digit(value[i])) < 0) {
            return false;
        }
    }
    bus = (unsigned)(d[0] << 4 | d[1]);
    dev = (unsigned)(d[2] << 4 | d[3]);
    fn = (unsigned)d[4];
    if (dev > 31 || fn > 7)
        return false;
    r->start = r->end = (uint64_t)bus << 8 | dev << 3 | fn;
    return true;
}

static const char *take_range(struct server_record *rec, enum record_range_kind kind,
                              char *value)
{
    struct record_range r = { .kind = kind };
    bool ok;

    if (rec->nranges == SERVER_RECORD_RANGES_MAX)
        return "more ranges than a server can have";
    if (kind == RECORD_PCI)
        ok = parse_sbdf(value, &r);
    else
        ok = parse_span(value, kind == RECORD_PORT ? 0xffff : UINT64_MAX, &r);
    if (!ok)
        return kind == RECORD_PCI ? "not a PCI address BB:DD.F" : "not a range START-END";
    rec->ranges[rec->nranges++] = r;
    return NULL;
}

/* One `key = value` line; NULL when taken, else why not. */
static const char *take_line(struct server_record *rec, char *key, char *value, bool *have_server,
                             bool *have_bufioreq)
{
    uint64_t n;

    if (strcmp(key, "server") == 0) {
        if (*have_server || !parse_number(value, UINT16_MAX, &n))
            return "a server id is one number 0..65535, once";
        rec->server = (uint16_t)n;
        *have_server = true;
        return NULL;
    }
    if (strcmp(key, "bufioreq") == 0) {
        for (int i = 0; i < 3; i++) {
            if (!*have_bufioreq && strcmp(value, bufioreq_names[i]) == 0) {
                rec->bufioreq = i;
                *have_bufioreq = true;
                return NULL;
            }
        }
        return "bufioreq is off, legacy or atomic, once";
    }
    for (int k = RECORD_PORT; k <= RECORD_PCI; k++)
        if (strcmp(key, kind_keys[k]) == 0)
            return take_range(rec, (enum record_range_kind)k, value);
    return "unknown key";
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

int server_record_parse(const char *text, size_t len, struct server_record *rec, int *line,
                        const char **why)
{
    bool have_server = false, have_bufioreq = false;
    size_t pos = 0;

    memset(rec, 0, sizeof(*rec));
    *line = 0;
    while (pos < len) {
        char buf[LINE_MAX_BYTES + 1], *s, *eq;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = (nl != NULL ? (size_t)(nl - text) : len) - pos;

        ++*line;
        if (n > LINE_MAX_BYTES || memchr(text + pos, '\0', n) != NULL) {
            *why = "line too long or not text";
            return -EINVAL;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos += n + 1;
        s = trim(buf);
        if (*s == '\0' || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (eq == NULL) {
            *why = "not `key = value`";
            return -EINVAL;
        }
        *eq = '\0';
        *why = take_line(rec, trim(s), trim(eq + 1), &have_server, &have_bufioreq);
        if (*why != NULL)
            return -EINVAL;
    }
    if (!have_server || !have_bufioreq) {
        *why = "server or bufioreq missing";
        return -EINVAL;
    }
    return 0;
}

/* ---- the file ----------------------------------------------------------- */

static int read_all(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    size_t used = 0;
    char *buf;

    if (fd < 0)
        return -errno;
    buf = malloc(RECORD_MAX_BYTES + 1);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        ssize_t n = read(fd, buf + used, RECORD_MAX_BYTES + 1 - used);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            /* Not the end of the record (EISDIR, EIO): say why. */
            int err = errno;

            close(fd);
            free(buf);
            return -err;
        }
        if (n == 0 || (used += (size_t)n) > RECORD_MAX_BYTES)
            break;
    }
    close(fd);
    if (used > RECORD_MAX_BYTES) {
        free(buf);
        return -EFBIG;
    }
    *text = buf;
    *len = used;
    return 0;
}

static void set_aside(const char *path, const char *what)
{
    char bad[4096];

    log_warn("%s: %s; kept as %s.bad, the server it may name is not taken over", path, what,
             path);
    if (snprintf(bad, sizeof(bad), "%s.bad", path) < (int)sizeof(bad) && rename(path, bad) < 0)
        log_warn("cannot rename %s: %s", path, strerror(errno));
}

int server_record_load(const char *path, struct server_record *rec)
{
    char *text = NULL, what[160];
    size_t len = 0;
    const char *why;
    int rc = read_all(path, &text, &len), line;

    if (rc == -ENOENT)
        return -ENOENT;
    if (rc < 0) {
        snprintf(what, sizeof(what), "cannot read it (%s)", strerror(-rc));
        set_aside(path, what);
        return -EINVAL;
    }
    rc = server_record_parse(text, len, rec, &line, &why);
    free(text);
    if (rc < 0) {
        snprintf(what, sizeof(what), "line %d: %s", line, why);
        set_aside(path, what);
    }
    return rc;
}

static void format_range(FILE *f, const struct record_range *r)
{
    if (r->kind == RECORD_PCI)
        fprintf(f, "pci = %02x:%02x.%x\n", (unsigned)(r->start >> 8) & 0xff,
                (unsigned)(r->start >> 3) & 0x1f, (unsigned)r->start & 7);
    else
        fprintf(f, "%s = 0x%" PRIx64 "-0x%" PRIx64 "\n", kind_keys[r->kind], r->start, r->end);
}

int server_record_write(const char *path, unsigned domid, const struct server_record *rec)
{
    char tmp[4096];
    FILE *f;
    int fd, err = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        err = errno;
        if (fd >= 0)
            close(fd);
        log_err("cannot write %s: %s", tmp, strerror(err));
        return -err;
    }
    fprintf(f, "# dmd: ioreq server of domain %u (removed when dmd stops cleanly)\n", domid);
    fprintf(f, "server = %u\nbufioreq = %s\n", rec->server,
            rec->bufioreq >= 0 && rec->bufioreq <= 2 ? bufioreq_names[rec->bufioreq] : "?");
    for (size_t i = 0; i < rec->nranges; i++)
        format_range(f, &rec->ranges[i]);
    if (fflush(f) != 0 || ferror(f))
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(tmp, path) < 0)
        err = errno;
    if (err != 0) {
        log_err("cannot write %s: %s", path, strerror(err));
        unlink(tmp);
        return -err;
    }
    return 0;
}

void server_record_remove(const char *path)
{
    if (path != NULL && unlink(path) < 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", path, strerror(errno));
}
