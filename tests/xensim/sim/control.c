/* SPDX-License-Identifier: MIT */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "calls.h"
#include "program.h"
#include "sim.h"

#define CONTROL_MAX_CONNS 64

struct conn {
    int fd; /* -1: free */
    struct handle h;
};

static int control_fd = -1;
static struct conn control_conns[CONTROL_MAX_CONNS];
static uint8_t control_in[XENSIM_MAX_PAYLOAD];
static uint8_t control_out[XENSIM_MAX_PAYLOAD];
static unsigned control_released; /* handles of a killed process closed so far */

int control_init(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++)
        control_conns[i].fd = -1;
    if (strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sun.sun_path, path);
    control_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (control_fd < 0 || bind(control_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        listen(control_fd, CONTROL_MAX_CONNS) < 0)
        return -1;
    return 0;
}

static void control_drop(struct conn *c)
{
    calls_disconnect(&c->h);
    close(c->fd);
    c->fd = -1;
}

/* Its process was killed as asked: the kernel closed the handle. */
static void control_release_conn(struct conn *c)
{
    control_released += c->h.kind != HANDLE_NONE && c->h.kind != HANDLE_ONESHOT &&
                        !c->h.closed;
    calls_release(&c->h);
    close(c->fd);
    c->fd = -1;
}

static void control_reply(struct conn *c, struct xensim_msg *msg, const struct reply *rep)
{
    struct iovec iov[2] = {
        { .iov_base = msg, .iov_len = sizeof(*msg) },
        { .iov_base = rep->payload, .iov_len = rep->len },
    };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

    if (rep->none)
        return;
    if (rep->fd >= 0) {
        memset(&control, 0, sizeof(control));
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof(control.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &rep->fd, sizeof(int));
    }
    /* A peer that died meanwhile gets no answer; its EOF comes next. */
    sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* 1: answered a request, 0: nothing queued, -1: the connection is over. */
static int control_receive(struct conn *c)
{
    struct xensim_msg msg;
    struct iovec iov[2] = {
        { .iov_base = &msg, .iov_len = sizeof(msg) },
        { .iov_base = control_in, .iov_len = sizeof(control_in) },
    };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = {
        .msg_iov = iov,
        .msg_iovlen = 2,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (n == 0)
        return -1;

    int fd = -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if ((size_t)n < sizeof(msg) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
        msg.len != (size_t)n - sizeof(msg)) {
        sim_fail("protocol: malformed request on library handle #%u", c->h.serial);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct reply rep = { .payload = control_out };
    calls_dispatch(&c->h, &msg, control_in, fd, &rep);
    control_reply(c, &msg, &rep);
    return 1;
}

static void control_readable(void *arg, short revents)
{
    struct conn *c = arg;
    (void)revents;
    if (control_receive(c) >= 0)
        return;
    /* The connection often ends before the death is reaped. */
    if (program_dying(c->h.pid))
        control_release_conn(c);
    else
        control_drop(c);
}

/* The process at the other end, whose death closes the handle. */
static pid_t control_peer(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return 0;
    return cred.pid;
}

static bool control_accept(void)
{
    int fd = accept4(control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return false;
    for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++) {
        struct conn *c = &control_conns[i];
        if (c->fd < 0) {
            c->fd = fd;
            calls_handle_init(&c->h, control_peer(fd));
            return true;
        }
    }
    sim_fail("more than %u library handles open at once", CONTROL_MAX_CONNS);
    close(fd);
    return true;
}

static void control_acceptable(void *arg, short revents)
{
    (void)arg;
    (void)revents;
    control_accept();
}

void control_poll(struct loop *l)
{
    loop_add(l, control_fd, POLLIN, control_acceptable, NULL);
    for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++)
        if (control_conns[i].fd >= 0)
            loop_add(l, control_conns[i].fd, POLLIN, control_readable, &control_conns[i]);
}

void control_drain(void)
{
    while (control_accept())
        ;
    for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++) {
        struct conn *c = &control_conns[i];
        if (c->fd < 0)
            continue;
        while (control_receive(c) > 0)
            ;
        control_drop(c);
    }
}

unsigned control_release(pid_t pid)
{
    while (control_accept())
        ;
    for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++) {
        struct conn *c = &control_conns[i];
        if (c->fd < 0 || c->h.pid != pid)
            continue;
        while (control_receive(c) > 0)
            ;
        control_release_conn(c);
    }
    calls_unmap_process(pid);
    unsigned n = control_released;
    control_released = 0;
    return n;
}

void control_fini(void)
{
    if (control_fd >= 0)
        close(control_fd);
    control_fd = -1;
}
