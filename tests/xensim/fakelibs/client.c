/* SPDX-License-Identifier: MIT */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Transport trouble is the simulator's or the test's fault: say so. */
static void client_complain(const char *what)
{
    int saved = errno;
    fprintf(stderr, "xensim fake library: %s: %s\n", what, strerror(saved));
    errno = saved;
}

static int client_connect(void)
{
    const char *path = getenv(XENSIM_SOCKET_ENV);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    if (!path || !*path || strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENOENT; /* as if there were no /dev/xen */
        client_complain("$" XENSIM_SOCKET_ENV " is not set or too long");
        return -1;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        client_complain("socket");
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        client_complain(path);
        close(fd);
        return -1;
    }
    return fd;
}

static int client_send(int conn, const struct xensim_msg *msg,
                       const void *payload, uint32_t len, int fd)
{
    struct iovec iov[2] = {
        { .iov_base = (void *)msg, .iov_len = sizeof(*msg) },
        { .iov_base = (void *)payload, .iov_len = len },
    };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

    if (fd >= 0) {
        memset(&control, 0, sizeof(control));
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof(control.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    ssize_t n;
    do
        n = sendmsg(conn, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        client_complain("sending to the simulator");
        return -1;
    }
    return 0;
}

static int client_receive(int conn, struct xensim_msg *msg, void *reply,
                          uint32_t reply_len, int *recv_fd)
{
    struct iovec iov[2] = {
        { .iov_base = msg, .iov_len = sizeof(*msg) },
        { .iov_base = reply, .iov_len = reply_len },
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
    ssize_t n;
    do
        n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < (ssize_t)sizeof(*msg)) {
        if (n >= 0)
            errno = EIO;
        client_complain("no reply from the simulator");
        return -1;
    }
    int fd = -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if (recv_fd)
        *recv_fd = fd;
    else if (fd >= 0)
        close(fd);
    if (msg->ret < 0) {
        errno = msg->err;
        return -1;
    }
    return msg->ret;
}

int client_call(int conn, struct xensim_msg *msg, const void *payload,
                uint32_t len, void *reply, uint32_t reply_len)
{
    msg->len = len;
    if (client_send(conn, msg, payload, len, -1) < 0)
        return -1;
    return client_receive(conn, msg, reply, reply_len, NULL);
}

int client_simple(int conn, struct xensim_msg *msg)
{
    return client_call(conn, msg, NULL, 0, NULL, 0);
}

int client_open(uint32_t op, int send_fd, int *recv_fd)
{
    struct xensim_msg msg = { .op = op };
    int conn = client_connect();

    if (conn < 0)
        return -1;
    if (client_send(conn, &msg, NULL, 0, send_fd) < 0 ||
        client_receive(conn, &msg, NULL, 0, recv_fd) < 0) {
        int saved = errno;
        close(conn);
        errno = saved;
        return -1;
    }
    return conn;
}

int client_oneshot(uint32_t op, uint64_t arg0)
{
    struct xensim_msg msg = CLIENT_MSG(op, arg0);
    int conn = client_connect();

    if (conn < 0)
        return -1;
    int rc = client_simple(conn, &msg);
    int saved = errno;
    close(conn);
    errno = saved;
    return rc;
}
