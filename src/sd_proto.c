/* SPDX-License-Identifier: MIT */
/*
 * sd_notify and journald's native protocol (what and why: sd_proto.h).
 */
#include "sd_proto.h"

#include <errno.h>
#include <fcntl.h>
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

/* ---- file descriptor store ---------------------------------------------- */

#define FDNAME_MAX 255
#define LISTEN_FDS_START 3

static struct passed_fd {
    int fd;
    bool taken;
    char name[FDNAME_MAX + 1];
} passed[SD_PROTO_PASSED_MAX];
static unsigned npassed;

/* A whole decimal number in [0, max], or -1. */
static long env_number(const char *s, long max)
{
    char *end;
    long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    return errno != 0 || *end != '\0' || v > max ? -1 : v;
}

/* Name i of LISTEN_FDNAMES ("a:b:c"); "unknown" when it has none, as in
 * sd_listen_fds_with_names(). */
static void nth_name(const char *names, unsigned i, char *out)
{
    const char *p = names, *end;
    size_t len;

    for (unsigned k = 0; p != NULL && k < i; k++) {
        p = strchr(p, ':');
        if (p != NULL)
            p++;
    }
    if (p == NULL || *p == '\0' || *p == ':') {
        strcpy(out, "unknown");
        return;
    }
    end = strchr(p, ':');
    len = end != NULL ? (size_t)(end - p) : strlen(p);
    if (len > FDNAME_MAX)
        len = FDNAME_MAX;
    memcpy(out, p, len);
    out[len] = '\0';
}

int sd_proto_listen_init(void)
{
    long pid = env_number(getenv("LISTEN_PID"), INT32_MAX);
    const char *fds = getenv("LISTEN_FDS"), *names = getenv("LISTEN_FDNAMES");
    long n;

    npassed = 0;
    if (fds == NULL)
        return 0;
    n = env_number(fds, INT32_MAX - LISTEN_FDS_START);
    if (pid != (long)getpid())
        return 0; /* meant for another process (we were forked or exec'ed) */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (n < 0)
        return -EINVAL;
    for (long i = 0; i < n; i++) {
        int fd = (int)(LISTEN_FDS_START + i);

        if (npassed == SD_PROTO_PASSED_MAX || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
            close(fd);
            continue;
        }
        passed[npassed].fd = fd;
        passed[npassed].taken = false;
        nth_name(names, (unsigned)i, passed[npassed].name);
        npassed++;
    }
    return (int)npassed;
}

int sd_proto_take_fd(const char *name)
{
    for (unsigned i = 0; i < npassed; i++) {
        if (!passed[i].taken && strcmp(passed[i].name, name) == 0) {
            passed[i].taken = true;
            return passed[i].fd;
        }
    }
    return -1;
}

unsigned sd_proto_close_untaken(void)
{
    unsigned closed = 0;

    for (unsigned i = 0; i < npassed; i++) {
        if (passed[i].taken)
            continue;
        passed[i].taken = true;
        close(passed[i].fd);
        sd_proto_unstore_fd(passed[i].name);
        closed++;
    }
    return closed;
}

static bool fdname_valid(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;

    if (len == 0 || len > FDNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] < ' ' || name[i] > '~' || name[i] == ':')
            return false;
    return true;
}

/* One notify datagram carrying FD (or none when fd < 0). */
static int notify_send_fd(const char *state, int fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = (void *)state, .iov_len = strlen(state) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    struct sockaddr_un sa;
    socklen_t salen = 0;
    ssize_t sent;
    int rc, sock, err;

    rc = notify_address(&sa, &salen);
    if (rc <= 0)
        return rc;
    msg.msg_name = &sa;
    msg.msg_namelen = salen;
    if (fd >= 0) {
        struct cmsghdr *c;

        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -errno;
    sent = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    err = errno;
    close(sock);
    if (sent < 0)
        return -err;
    return (size_t)sent == iov.iov_len ? 1 : -EIO;
}

int sd_proto_store_fd(int fd, const char *name, bool watch)
{
    char state[sizeof("FDSTORE=1\nFDPOLL=0\nFDNAME=") + FDNAME_MAX];

    if (fd < 0 || !fdname_valid(name))
        return -EINVAL;
    snprintf(state, sizeof(state), "FDSTORE=1\n%sFDNAME=%s", watch ? "" : "FDPOLL=0\n", name);
    return notify_send_fd(state, fd);
}

int sd_proto_unstore_fd(const char *name)
{
    char state[sizeof("FDSTOREREMOVE=1\nFDNAME=") + FDNAME_MAX];

    if (!fdname_valid(name))
        return -EINVAL;
    snprintf(state, sizeof(state), "FDSTOREREMOVE=1\nFDNAME=%s", name);
    return notify_send_fd(state, -1);
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
