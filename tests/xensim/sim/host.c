/* SPDX-License-Identifier: MIT */
#include "host.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HOST_MAX 16
#define HOST_KEEP (64 * 1024)

struct host_conn {
    char name[64];
    int fd;          /* -1: closed */
    bool eof;
    size_t len;
    char buf[HOST_KEEP];
};

static struct host_conn host_conns[HOST_MAX];

static struct host_conn *host_find(const char *name)
{
    for (unsigned i = 0; i < HOST_MAX; i++)
        if (host_conns[i].name[0] && strcmp(host_conns[i].name, name) == 0)
            return &host_conns[i];
    return NULL;
}

int host_connect(const char *name, const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sun.sun_path) || strlen(name) >= sizeof(host_conns[0].name))
        return -ENAMETOOLONG;
    host_close(name);
    struct host_conn *c = host_find(name);
    for (unsigned i = 0; !c && i < HOST_MAX; i++)
        if (!host_conns[i].name[0])
            c = &host_conns[i];
    if (!c)
        return -EMFILE;

    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    strcpy(c->name, name);
    c->fd = fd;
    c->eof = false;
    c->len = 0;
    return 0;
}

int host_send(const char *name, const char *text, size_t len)
{
    struct host_conn *c = host_find(name);
    if (!c || c->fd < 0)
        return -ENOTCONN;
    while (len) {
        ssize_t n = send(c->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno; /* EAGAIN too: dmd does not read its backend */
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

bool host_match(const char *name, const char *text, size_t len)
{
    struct host_conn *c = host_find(name);
    if (!c)
        return false;
    const char *at = memmem(c->buf, c->len, text, len);
    if (!at)
        return false;
    size_t used = (size_t)(at - c->buf) + len;
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    return true;
}

const char *host_pending(const char *name, size_t *len, bool *eof)
{
    struct host_conn *c = host_find(name);
    *len = c ? c->len : 0;
    *eof = !c || c->eof || c->fd < 0;
    return c ? c->buf : "";
}

bool host_is_connected(const char *name)
{
    struct host_conn *c = host_find(name);
    return c && c->fd >= 0;
}

void host_close(const char *name)
{
    struct host_conn *c = host_find(name);
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    c->name[0] = '\0';
    c->fd = -1;
}

void host_close_all(void)
{
    for (unsigned i = 0; i < HOST_MAX; i++)
        if (host_conns[i].name[0])
            host_close(host_conns[i].name);
}

/* Keep the newest bytes when the buffer is full. */
static void host_read(void *arg, short revents)
{
    struct host_conn *c = arg;
    (void)revents;
    if (c->len == HOST_KEEP) {
        memmove(c->buf, c->buf + HOST_KEEP / 2, HOST_KEEP / 2);
        c->len = HOST_KEEP / 2;
    }
    ssize_t n = recv(c->fd, c->buf + c->len, HOST_KEEP - c->len, MSG_DONTWAIT);
    if (n > 0)
        c->len += (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        c->eof = true;
}

void host_poll(struct loop *l)
{
    for (unsigned i = 0; i < HOST_MAX; i++) {
        struct host_conn *c = &host_conns[i];
        if (c->name[0] && c->fd >= 0 && !c->eof)
            loop_add(l, c->fd, POLLIN, host_read, c);
    }
}
