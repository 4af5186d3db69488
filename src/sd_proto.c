/* SPDX-License-Identifier: MIT */
/*
 * sd_notify and journald's native protocol (what and why: sd_proto.h).
 */
#include "sd_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_FIELD_NAME_MAX 64

/* ---- notify ------------------------------------------------------------- */

/* $NOTIFY_SOCKET as an address: 1, 0 when unset or empty, or -errno. */
static int notify_address(struct sockaddr_un *sa, socklen_t *salen)
{
    const char *e = getenv("NOTIFY_SOCKET");
    size_t len;

    if (e == NULL || *e == '\0')
        return 0;
    if (e[0] != '/' && e[0] != '@')
        return -EAFNOSUPPORT;
    len = strlen(e);
    /* A path needs its NUL inside sun_path; an abstract name does not. */
    if (len > sizeof(sa->sun_path) - (e[0] == '/' ? 1 : 0))
        return -ENAMETOOLONG;
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, e, len);
    if (e[0] == '@') {
        sa->sun_path[0] = '\0';
        *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    } else {
        *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    }
    return 1;
}

static int notify_send(const struct sockaddr_un *sa, socklen_t salen, const char *state,
                       size_t len)
{
    ssize_t sent;
    int fd, err;

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    sent = sendto(fd, state, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *)sa,
                  salen);
    err = errno;
    close(fd);
    if (sent < 0)
        return -err;
    return (size_t)sent == len ? 1 : -EIO; /* a datagram goes whole or not */
}

int sd_proto_notify(const char *state)
{
    struct sockaddr_un sa;
    socklen_t salen = 0;
    int rc;

    if (state == NULL)
        return -EINVAL;
    rc = notify_address(&sa, &salen);
    if (rc <= 0)
        return rc;
    return notify_send(&sa, salen, state, strlen(state));
}

int sd_proto_notifyf(const char *fmt, ...)
{
    char state[SD_PROTO_NOTIFY_MAX];
    struct sockaddr_un sa;
    socklen_t salen = 0;
    va_list ap;
    int rc, len;

    if (fmt == NULL)
        return -EINVAL;
    rc = notify_address(&sa, &salen);
    if (rc <= 0)
        return rc;
    va_start(ap, fmt);
    len = vsnprintf(state, sizeof(state), fmt, ap);
    va_end(ap);
    if (len < 0)
        return -EINVAL;
    if ((size_t)len >= sizeof(state))
        return -EMSGSIZE;
    return notify_send(&sa, salen, state, (size_t)len);
}

/* ---- journal ------------------------------------------------------------ */

static struct {
    int fd; /* -1 until the first entry */
    struct sockaddr_un addr;
    socklen_t addrlen;
} journal = { .fd = -1 };

static int set_address(struct sockaddr_un *sa, socklen_t *salen, const char *path)
{
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, len);
    *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    return 0;
}

int sd_proto_journal_set_socket(const char *path)
{
    struct sockaddr_un sa;
    socklen_t salen;
    int rc = set_address(&sa, &salen, path != NULL ? path : JOURNAL_SOCKET);

    if (rc < 0)
        return rc;
    journal.addr = sa;
    journal.addrlen = salen;
    return 0;
}

/* NAME of "NAME=value": the length of NAME, or 0 if the field is not valid. */
static size_t field_name_len(const char *field, size_t len)
{
    const char *eq = memchr(field, '=', len);
    size_t n;

    if (eq == NULL)
        return 0;
    n = (size_t)(eq - field);
    if (n == 0 || n > JOURNAL_FIELD_NAME_MAX || field[0] == '_' ||
        (field[0] >= '0' && field[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = field[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return n;
}

/* Append LEN bytes at *used, or fail if the datagram would outgrow OUT. */
static bool put(uint8_t *out, size_t *used, const void *data, size_t len)
{
    if (len > SD_PROTO_JOURNAL_MAX - *used)
        return false;
    memcpy(out + *used, data, len);
    *used += len;
    return true;
}

/* The entry in the native protocol's form; 0 or -errno. */
static int journal_encode(const struct iovec *iov, int n, uint8_t *out, size_t *used)
{
    *used = 0;
    if (iov == NULL || n <= 0)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        const char *field = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        size_t name = field != NULL ? field_name_len(field, len) : 0;
        const char *value;
        size_t vlen;
        bool ok;

        if (name == 0)
            return -EINVAL;
        value = field + name + 1;
        vlen = len - name - 1;
        if (memchr(value, '\n', vlen) == NULL) {
            ok = put(out, used, field, len) && put(out, used, "\n", 1);
        } else {
            uint8_t le[8];
            uint64_t v = vlen;

            for (size_t b = 0; b < sizeof(le); b++)
                le[b] = (uint8_t)(v >> (8 * b));
            ok = put(out, used, field, name) && put(out, used, "\n", 1) &&
                 put(out, used, le, sizeof(le)) && put(out, used, value, vlen) &&
                 put(out, used, "\n", 1);
        }
        if (!ok)
            return -EMSGSIZE;
    }
    return 0;
}

int sd_proto_journal_sendv(const struct iovec *iov, int n)
{
    uint8_t dgram[SD_PROTO_JOURNAL_MAX];
    size_t len;
    ssize_t sent;
    int rc = journal_encode(iov, n, dgram, &len);

    if (rc < 0)
        return rc;
    if (journal.addrlen == 0 && (rc = sd_proto_journal_set_socket(NULL)) < 0)
        return rc;
    if (journal.fd < 0) {
        journal.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (journal.fd < 0)
            return -errno;
    }
    sent = sendto(journal.fd, dgram, len, MSG_NOSIGNAL | MSG_DONTWAIT,
                  (const struct sockaddr *)&journal.addr, journal.addrlen);
    if (sent < 0)
        return -errno;
    return (size_t)sent == len ? 0 : -EIO;
}
