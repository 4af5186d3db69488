/* SPDX-License-Identifier: MIT */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "program.h"
#include "sim.h"

#define NOTIFY_BUFFER 4096 /* systemd's NOTIFY_BUFFER_MAX (PIPE_BUF) */
#define FDNAME_MAX 255
#define LISTEN_FDS_START 3

struct stored_fd {
    int fd;
    bool watch; /* dropped when it shows POLLHUP or POLLERR (not FDPOLL=0) */
    char name[FDNAME_MAX + 1];
};

static int notify_fd = -1;
static struct stored_fd fdstore[FDSTORE_MAX];
static unsigned fdstore_n;

int notify_init(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sun.sun_path, path);
    notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (notify_fd < 0 || bind(notify_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
        return -1;
    /* Anyone may send to it, as to systemd's: a program that dropped to
     * another user still reports READY=1 and stores descriptors. */
    return chmod(path, 0777);
}

/* ---- the store ---- */

unsigned fdstore_count(void)
{
    return fdstore_n;
}

/* systemd's fdname_is_valid(): printable ASCII but ':', 1..255 bytes. */
static bool fdstore_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > FDNAME_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (*c == ':' || (unsigned char)*c < 32 || (unsigned char)*c >= 127)
            return false;
    return true;
}

/* The same open file description (systemd's same_fd()): kcmp, or where the
 * kernel lacks it the same inode opened the same way. */
static bool fdstore_same(int a, int b)
{
    pid_t self = getpid();
    long rc = syscall(SYS_kcmp, self, self, KCMP_FILE, a, b);
    if (rc >= 0)
        return rc == 0;
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino && fcntl(a, F_GETFL) == fcntl(b, F_GETFL);
}

static bool fdstore_has(int fd)
{
    for (unsigned i = 0; i < fdstore_n; i++)
        if (fdstore_same(fdstore[i].fd, fd))
            return true;
    return false;
}

static void fdstore_forget(unsigned i)
{
    close(fdstore[i].fd);
    memmove(&fdstore[i], &fdstore[i + 1], (fdstore_n - i - 1) * sizeof(fdstore[0]));
    fdstore_n--;
}

static void fdstore_add(const int *fds, unsigned n, const char *name, bool watch)
{
    unsigned full = 0;
    if (name && !fdstore_name_valid(name)) {
        sim_note("fd store: FDNAME=%s is not a valid name: stored as \"stored\"", name);
        name = NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (fdstore_has(fds[i])) {
            sim_trace("fd store: \"%s\" already holds that descriptor", name ? name : "stored");
            close(fds[i]);
        } else if (fdstore_n == FDSTORE_MAX) {
            close(fds[i]);
            full++;
        } else {
            struct stored_fd *s = &fdstore[fdstore_n++];
            s->fd = fds[i];
            s->watch = watch;
            snprintf(s->name, sizeof(s->name), "%s", name ? name : "stored");
            sim_trace("fd store: \"%s\" stored (%u held)", s->name, fdstore_n);
        }
    }
    if (full)
        sim_note("fd store: full (%u descriptors): %u more closed", FDSTORE_MAX, full);
}

static void fdstore_remove(const char *name)
{
    if (!name || !fdstore_name_valid(name)) {
        sim_note("fd store: FDSTOREREMOVE=1 without a valid FDNAME=: ignored");
        return;
    }
    for (unsigned i = fdstore_n; i-- > 0;)
        if (strcmp(fdstore[i].name, name) == 0)
            fdstore_forget(i);
    sim_trace("fd store: \"%s\" removed (%u held)", name, fdstore_n);
}

void fdstore_drop_hung(void)
{
    for (unsigned i = fdstore_n; i-- > 0;) {
        struct pollfd p = { .fd = fdstore[i].fd };
        if (!fdstore[i].watch || poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
            continue;
        sim_note("fd store: \"%s\" closed: it shows %s", fdstore[i].name,
                 p.revents & POLLERR ? "POLLERR" : "POLLHUP");
        fdstore_forget(i);
    }
}

int fdstore_pass(void)
{
    static char names[FDSTORE_MAX * (FDNAME_MAX + 1)];
    char number[16];
    int moved[FDSTORE_MAX];
    size_t len = 0;

    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    unsetenv("LISTEN_PID");
    if (fdstore_n == 0)
        return 0;
    /* Out of the way of 3 .. 3 + n - 1 first; dup2() then clears
     * FD_CLOEXEC on the copies the program gets, and the rest go with exec. */
    for (unsigned i = 0; i < fdstore_n; i++) {
        moved[i] = fcntl(fdstore[i].fd, F_DUPFD_CLOEXEC, (int)(LISTEN_FDS_START + fdstore_n));
        if (moved[i] < 0)
            return -1;
    }
    for (unsigned i = 0; i < fdstore_n; i++) {
        if (dup2(moved[i], (int)(LISTEN_FDS_START + i)) < 0)
            return -1;
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ":" : "",
                                fdstore[i].name);
    }
    snprintf(number, sizeof(number), "%u", fdstore_n);
    setenv("LISTEN_FDS", number, 1);
    setenv("LISTEN_FDNAMES", names, 1);
    snprintf(number, sizeof(number), "%d", (int)getpid());
    setenv("LISTEN_PID", number, 1);
    return 0;
}

/* ---- the socket ---- */

static void notify_message(char *text, const int *fds, unsigned nfds)
{
    bool ready = false, store = false, drop = false, watch = true;
    const char *name = NULL;

    for (char *save, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        sim_trace("sd_notify: %s", line);
        if (strcmp(line, "READY=1") == 0)
            ready = true;
        else if (strcmp(line, "FDSTORE=1") == 0)
            store = true;
        else if (strcmp(line, "FDSTOREREMOVE=1") == 0)
            drop = true;
        else if (strcmp(line, "FDPOLL=0") == 0)
            watch = false;
        else if (strncmp(line, "FDNAME=", 7) == 0 && !name)
            name = line + 7;
    }
    if (drop)
        fdstore_remove(name);
    if (store) {
        fdstore_add(fds, nfds, name, watch);
    } else if (nfds) {
        sim_note("sd_notify: %u descriptor(s) without FDSTORE=1: closed", nfds);
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
    }
    if (ready)
        program_ready();
}

/* One datagram; false when none is queued. */
static bool notify_receive(void)
{
    char buf[NOTIFY_BUFFER + 1];
    union {
        char buf[CMSG_SPACE(NOTIFY_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = NOTIFY_BUFFER };
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    int fds[NOTIFY_MAX_FDS];
    unsigned nfds = 0;

    ssize_t n = recvmsg(notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return errno == EINTR;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && nfds < NOTIFY_MAX_FDS; i++)
            memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
    if (mh.msg_flags & MSG_CTRUNC)
        sim_note("sd_notify: a message carried more than %u descriptors: the kernel "
                 "closed the rest", NOTIFY_MAX_FDS);
    if (mh.msg_flags & MSG_TRUNC)
        sim_note("sd_notify: a message longer than %u bytes was cut", NOTIFY_BUFFER);
    buf[n] = '\0';
    notify_message(buf, fds, nfds);
    return true;
}

static void notify_readable(void *arg, short revents)
{
    (void)arg;
    (void)revents;
    notify_receive();
}

void notify_poll(struct loop *l)
{
    loop_add(l, notify_fd, POLLIN, notify_readable, NULL);
}

void notify_drain(void)
{
    while (notify_receive())
        ;
}

void notify_fini(void)
{
    while (fdstore_n)
        fdstore_forget(fdstore_n - 1);
    if (notify_fd >= 0)
        close(notify_fd);
    notify_fd = -1;
}
