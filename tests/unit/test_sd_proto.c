/* SPDX-License-Identifier: MIT */
/*
 * sd_proto.c: the exact datagrams sent to $NOTIFY_SOCKET (a path and the
 * abstract namespace) and to the journal's socket (text and binary
 * fields), what is refused before anything is sent, and that neither
 * ever blocks on a full socket; the file descriptor store: the descriptor
 * really travels with FDSTORE=1, and descriptors passed with LISTEN_FDS
 * are found by name (in a forked child, which LISTEN_PID must name).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sd_proto.h"

static char dir[64];
static char path[128];
static int rx = -1;

/* A datagram socket bound at `name`: a path, or '@' for the abstract
 * namespace. */
static int bind_dgram(const char *name)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(name);
    socklen_t salen;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_true(len < sizeof(sa.sun_path));
    memcpy(sa.sun_path, name, len);
    if (name[0] == '@') {
        sa.sun_path[0] = '\0';
        salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    } else {
        salen = (socklen_t)sizeof(sa);
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, salen), 0);
    return fd;
}

/* The next datagram waiting on fd (-1 and errno when there is none). */
static ssize_t receive(int fd, void *buf, size_t size)
{
    return recv(fd, buf, size, MSG_DONTWAIT);
}

static void assert_nothing_waiting(int fd)
{
    char buf[16];

    assert_int_equal(receive(fd, buf, sizeof(buf)), -1);
    assert_int_equal(errno, EAGAIN);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/dmd-sd-proto-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sock", dir);
    rx = bind_dgram(path);
    unsetenv("NOTIFY_SOCKET");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close(rx);
    rx = -1;
    unlink(path);
    for (int i = 0; i < 3; i++) {
        char passed_file[160];

        snprintf(passed_file, sizeof(passed_file), "%s/passed%d", dir, i);
        unlink(passed_file);
    }
    assert_int_equal(rmdir(dir), 0);
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sd_proto_journal_set_socket(NULL), 0);
    return 0;
}

/* ---- notify ------------------------------------------------------------- */

static void notify_to_a_path(void **state)
{
    const char *want = "READY=1\nSTATUS=serving domain 5";
    char buf[256];

    (void)state;
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_notify(want), 1);
    /* Exactly the state's bytes: no terminating NUL, nothing added. */
    assert_int_equal(receive(rx, buf, sizeof(buf)), (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
    assert_nothing_waiting(rx);
    /* The variable is left alone. */
    assert_string_equal(getenv("NOTIFY_SOCKET"), path);
}

static void notify_to_the_abstract_namespace(void **state)
{
    char name[64], buf[64];
    int fd;

    (void)state;
    snprintf(name, sizeof(name), "@dmd-test-sd-proto-%ld", (long)getpid());
    fd = bind_dgram(name);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(sd_proto_notify("WATCHDOG=1"), 1);
    assert_int_equal(receive(fd, buf, sizeof(buf)), 10);
    assert_memory_equal(buf, "WATCHDOG=1", 10);
    close(fd);
    /* Nobody bound there any more. */
    assert_int_equal(sd_proto_notify("STOPPING=1"), -ECONNREFUSED);
}

static void notifyf_formats(void **state)
{
    const char *want = "READY=1\nSTATUS=serving domain 5: ioreq server 0, 3 device(s)";
    char buf[256];

    (void)state;
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_notifyf("READY=1\nSTATUS=serving domain %u: ioreq server %u, "
                                      "%zu device(s)", 5u, 0u, (size_t)3),
                     1);
    assert_int_equal(receive(rx, buf, sizeof(buf)), (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
}

static void notify_without_socket_does_nothing(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sd_proto_notify("READY=1"), 0);
    assert_int_equal(sd_proto_notifyf("READY=1\nSTATUS=%d", 1), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    assert_int_equal(sd_proto_notify("READY=1"), 0);
    assert_int_equal(sd_proto_notifyf("READY=1\nSTATUS=%d", 1), 0);
    assert_nothing_waiting(rx);
}

static void notify_errors(void **state)
{
    char missing[160], stale[160], longname[200];
    int fd;

    (void)state;
    snprintf(missing, sizeof(missing), "%s/nobody", dir);
    setenv("NOTIFY_SOCKET", missing, 1);
    assert_int_equal(sd_proto_notify("READY=1"), -ENOENT);
    assert_int_equal(sd_proto_notifyf("READY=%d", 1), -ENOENT);

    /* A socket file whose owner has gone. */
    snprintf(stale, sizeof(stale), "%s/stale", dir);
    fd = bind_dgram(stale);
    close(fd);
    setenv("NOTIFY_SOCKET", stale, 1);
    assert_int_equal(sd_proto_notify("READY=1"), -ECONNREFUSED);
    unlink(stale);

    setenv("NOTIFY_SOCKET", "relative/path", 1);
    assert_int_equal(sd_proto_notify("READY=1"), -EAFNOSUPPORT);
    setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
    assert_int_equal(sd_proto_notify("READY=1"), -EAFNOSUPPORT);

    memset(longname, 'x', sizeof(longname) - 1);
    longname[0] = '/';
    longname[sizeof(longname) - 1] = '\0';
    setenv("NOTIFY_SOCKET", longname, 1);
    assert_int_equal(sd_proto_notify("READY=1"), -ENAMETOOLONG);
    longname[0] = '@';
    assert_int_equal(sd_proto_notify("READY=1"), -ENAMETOOLONG);

    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_notify(NULL), -EINVAL);
    assert_nothing_waiting(rx);
}

static void notifyf_too_long_sends_nothing(void **state)
{
    char big[SD_PROTO_NOTIFY_MAX];

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_notifyf("STATUS=%s", big), -EMSGSIZE);
    assert_nothing_waiting(rx);
}

/* Every message opens and closes its own socket. */
static void notify_leaks_no_descriptor(void **state)
{
    char buf[16];
    int before = open_fds();

    (void)state;
    setenv("NOTIFY_SOCKET", path, 1);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(sd_proto_notify("WATCHDOG=1"), 1);
        assert_int_equal(receive(rx, buf, sizeof(buf)), 10);
    }
    assert_int_equal(open_fds(), before);
}

/* Nobody reads: the queue fills and the send fails at once. */
static void notify_never_blocks(void **state)
{
    int rc = 1;

    (void)state;
    setenv("NOTIFY_SOCKET", path, 1);
    alarm(10); /* a blocking send would end the test here */
    for (int i = 0; i < 100000 && rc == 1; i++)
        rc = sd_proto_notify("WATCHDOG=1");
    alarm(0);
    assert_int_equal(rc, -EAGAIN);
}

/* ---- journal ------------------------------------------------------------ */

#define IOV(s) { .iov_base = (char *)(s), .iov_len = sizeof(s) - 1 }

static void journal_text_fields(void **state)
{
    struct iovec iov[] = { IOV("MESSAGE=hello world"), IOV("PRIORITY=6"),
                           IOV("DMD_DEVICE=uart0"), IOV("EMPTY="), IOV("X_1=a=b") };
    const char want[] = "MESSAGE=hello world\nPRIORITY=6\nDMD_DEVICE=uart0\nEMPTY=\nX_1=a=b\n";
    char buf[256];

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    assert_int_equal(sd_proto_journal_sendv(iov, 5), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), (ssize_t)sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want) - 1);
    assert_nothing_waiting(rx);
}

static void journal_binary_field(void **state)
{
    struct iovec iov[] = { IOV("MESSAGE=two\nlines"), IOV("PRIORITY=3") };
    const char want[] = "MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\nPRIORITY=3\n";
    char buf[256];

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    assert_int_equal(sd_proto_journal_sendv(iov, 2), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), (ssize_t)sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want) - 1);
}

/* The value may hold any byte; the length says where it ends. */
static void journal_binary_length_is_little_endian(void **state)
{
    static char field[8 + 300];
    struct iovec iov = { .iov_base = field, .iov_len = sizeof(field) };
    static uint8_t buf[1024];

    (void)state;
    memcpy(field, "MESSAGE=", 8);
    for (size_t i = 8; i < sizeof(field); i++)
        field[i] = (char)(i % 7 == 0 ? '\n' : (char)i);
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    assert_int_equal(sd_proto_journal_sendv(&iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), 7 + 1 + 8 + 300 + 1);
    assert_memory_equal(buf, "MESSAGE\n", 8);
    assert_memory_equal(buf + 8, "\x2c\x01\0\0\0\0\0\0", 8); /* 300 */
    assert_memory_equal(buf + 16, field + 8, 300);
    assert_int_equal(buf[316], '\n');
}

static void journal_refuses_malformed_fields(void **state)
{
    static const char *const bad[] = {
        "MESSAGE",          /* no '=' */
        "=value",           /* no name */
        "message=lower",    /* journald's names are upper case */
        "_PID=1",           /* trusted fields are journald's to add */
        "1ST=x",
        "DMD DEVICE=x",
        "MESSAGE\n=x",
        "A234567890123456789012345678901234567890123456789012345678901234X=too long",
    };
    struct iovec iov[2] = { IOV("MESSAGE=fine") };

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        iov[1] = (struct iovec){ .iov_base = (char *)bad[i], .iov_len = strlen(bad[i]) };
        assert_int_equal(sd_proto_journal_sendv(iov, 2), -EINVAL);
    }
    assert_int_equal(sd_proto_journal_sendv(iov, 0), -EINVAL);
    assert_int_equal(sd_proto_journal_sendv(NULL, 1), -EINVAL);
    /* 64 characters is the longest name. */
    iov[1] = (struct iovec)IOV("A234567890123456789012345678901234567890123456789012345678901234=ok");
    assert_int_equal(sd_proto_journal_sendv(iov, 2), 0);
    {
        char buf[256];
        assert_true(receive(rx, buf, sizeof(buf)) > 0);
    }
    assert_nothing_waiting(rx);
}

static void journal_size_limit(void **state)
{
    static char field[SD_PROTO_JOURNAL_MAX + 1];
    static char buf[SD_PROTO_JOURNAL_MAX + 64];
    struct iovec iov = { .iov_base = field, .iov_len = SD_PROTO_JOURNAL_MAX - 1 };
    int sz = 4 * SD_PROTO_JOURNAL_MAX;

    (void)state;
    assert_int_equal(setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)), 0);
    memcpy(field, "MESSAGE=", 8);
    memset(field + 8, 'm', sizeof(field) - 8);
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    /* With its "\n" exactly the limit: sent whole. */
    assert_int_equal(sd_proto_journal_sendv(&iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), SD_PROTO_JOURNAL_MAX);
    assert_int_equal(buf[SD_PROTO_JOURNAL_MAX - 1], '\n');
    /* One byte more: refused, not cut. */
    iov.iov_len++;
    assert_int_equal(sd_proto_journal_sendv(&iov, 1), -EMSGSIZE);
    /* A size the text form would fit in but the binary form (8 bytes
     * more) does not. */
    iov.iov_len = SD_PROTO_JOURNAL_MAX - 4;
    assert_int_equal(sd_proto_journal_sendv(&iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), SD_PROTO_JOURNAL_MAX - 3);
    field[100] = '\n';
    assert_int_equal(sd_proto_journal_sendv(&iov, 1), -EMSGSIZE);
    assert_nothing_waiting(rx);
}

static void journal_missing_socket(void **state)
{
    char missing[160], buf[64];
    struct iovec iov[] = { IOV("MESSAGE=lost?") };

    (void)state;
    snprintf(missing, sizeof(missing), "%s/nobody", dir);
    assert_int_equal(sd_proto_journal_set_socket(missing), 0);
    assert_int_equal(sd_proto_journal_sendv(iov, 1), -ENOENT);
    /* journald back (the same socket of ours, a new address): delivered. */
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    assert_int_equal(sd_proto_journal_sendv(iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), 14);
}

static void journal_set_socket_checks_length(void **state)
{
    char longname[200], buf[64];
    struct iovec iov[] = { IOV("MESSAGE=kept") };

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    memset(longname, 'x', sizeof(longname) - 1);
    longname[0] = '/';
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(sd_proto_journal_set_socket(longname), -ENAMETOOLONG);
    /* The previous address is still the one used. */
    assert_int_equal(sd_proto_journal_sendv(iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), 13);
}

/* One socket for the process, whatever the number of entries. */
static void journal_keeps_one_socket(void **state)
{
    struct iovec iov[] = { IOV("MESSAGE=again") };
    char buf[64];
    int before;

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    assert_int_equal(sd_proto_journal_sendv(iov, 1), 0);
    assert_int_equal(receive(rx, buf, sizeof(buf)), 14);
    before = open_fds();
    for (int i = 0; i < 100; i++) {
        assert_int_equal(sd_proto_journal_sendv(iov, 1), 0);
        assert_int_equal(receive(rx, buf, sizeof(buf)), 14);
    }
    assert_int_equal(open_fds(), before);
}

static void journal_never_blocks(void **state)
{
    struct iovec iov[] = { IOV("MESSAGE=nobody reads this") };
    int rc = 0;

    (void)state;
    assert_int_equal(sd_proto_journal_set_socket(path), 0);
    alarm(10);
    for (int i = 0; i < 100000 && rc == 0; i++)
        rc = sd_proto_journal_sendv(iov, 1);
    alarm(0);
    assert_int_equal(rc, -EAGAIN);
}

/* ---- file descriptor store ---------------------------------------------- */

/* The next datagram on fd with the descriptors it carried (at most 4). */
static ssize_t receive_fds(int fd, char *buf, size_t size, int *fds, int *nfds)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = size };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

    *nfds = 0;
    if (n < 0)
        return n;
    assert_false(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        size_t k;

        assert_int_equal(c->cmsg_level, SOL_SOCKET);
        assert_int_equal(c->cmsg_type, SCM_RIGHTS);
        k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        assert_true(*nfds + (int)k <= 4);
        memcpy(fds + *nfds, CMSG_DATA(c), k * sizeof(int));
        *nfds += (int)k;
    }
    return n;
}

static void store_fd_sends_the_descriptor(void **state)
{
    const char *want = "FDSTORE=1\nFDNAME=uart0.listen";
    char buf[512], file[160], back[8];
    struct stat mine, theirs;
    int fd, fds[4], nfds;
    ssize_t n;

    (void)state;
    snprintf(file, sizeof(file), "%s/stored", dir);
    fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_store_fd(fd, "uart0.listen", true), 1);
    n = receive_fds(rx, buf, sizeof(buf), fds, &nfds);
    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
    assert_int_equal(nfds, 1);
    /* The same open file: same inode, and a write through one shows in
     * the other (they share the offset too). */
    assert_int_equal(fstat(fd, &mine), 0);
    assert_int_equal(fstat(fds[0], &theirs), 0);
    assert_int_equal(mine.st_ino, theirs.st_ino);
    assert_int_equal(mine.st_dev, theirs.st_dev);
    assert_int_equal(write(fds[0], "via", 3), 3);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
    assert_int_equal(pread(fd, back, 3, 0), 3);
    assert_memory_equal(back, "via", 3);
    close(fds[0]);
    /* Still ours: sending did not close it. */
    assert_int_equal(fcntl(fd, F_GETFD) >= 0, 1);
    close(fd);
    unlink(file);
    assert_nothing_waiting(rx);
}

/* A name of 255 bytes, every printable byte but ':'. */
static void store_fd_longest_name(void **state)
{
    char name[256], want[300], buf[512];
    int fds[4], nfds, p[2];
    size_t k = 0;

    (void)state;
    for (char c = ' '; c <= '~'; c++)
        if (c != ':')
            name[k++] = c;
    while (k < 255)
        name[k++] = 'n';
    name[255] = '\0';
    snprintf(want, sizeof(want), "FDSTORE=1\nFDNAME=%s", name);
    assert_int_equal(pipe(p), 0);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_store_fd(p[1], name, true), 1);
    assert_int_equal(receive_fds(rx, buf, sizeof(buf), fds, &nfds), (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
    assert_int_equal(nfds, 1);
    /* The pipe's write end, as passed on: what goes in comes out. */
    assert_int_equal(write(fds[0], "z", 1), 1);
    assert_int_equal(read(p[0], buf, 1), 1);
    assert_int_equal(buf[0], 'z');
    close(fds[0]);
    close(p[0]);
    close(p[1]);
}

static void unstore_fd_sends_no_descriptor(void **state)
{
    const char *want = "FDSTOREREMOVE=1\nFDNAME=uart0.client";
    char buf[512];
    int fds[4], nfds;

    (void)state;
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_proto_unstore_fd("uart0.client"), 1);
    assert_int_equal(receive_fds(rx, buf, sizeof(buf), fds, &nfds), (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
    assert_int_equal(nfds, 0);
    assert_nothing_waiting(rx);
}

static void store_fd_refuses_bad_names(void **state)
{
    char longname[257];
    const char *bad[] = { "", "a:b", ":", "a\nb", "tab\there", "del\x7f", "hi\x80", longname,
                          NULL };
    int p[2];

    (void)state;
    memset(longname, 'x', 256);
    longname[256] = '\0';
    assert_int_equal(pipe(p), 0);
    setenv("NOTIFY_SOCKET", path, 1);
    for (size_t i = 0; bad[i] != NULL; i++) {
        assert_int_equal(sd_proto_store_fd(p[0], bad[i], true), -EINVAL);
        assert_int_equal(sd_proto_unstore_fd(bad[i]), -EINVAL);
    }
    assert_int_equal(sd_proto_store_fd(p[0], NULL, true), -EINVAL);
    assert_int_equal(sd_proto_unstore_fd(NULL), -EINVAL);
    assert_int_equal(sd_proto_store_fd(-1, "fine", true), -EINVAL);
    assert_nothing_waiting(rx);
    /* Refused whether or not there is a service manager. */
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sd_proto_store_fd(p[0], "a:b", true), -EINVAL);
    close(p[0]);
    close(p[1]);
}

static void store_fd_without_socket_does_nothing(void **state)
{
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sd_proto_store_fd(p[0], "name", true), 0);
    assert_int_equal(sd_proto_unstore_fd("name"), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    assert_int_equal(sd_proto_store_fd(p[0], "name", true), 0);
    assert_int_equal(sd_proto_unstore_fd("name"), 0);
    assert_nothing_waiting(rx);
    /* An unreachable manager is an error, not a silent success. */
    setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
    assert_int_equal(sd_proto_store_fd(p[0], "name", true), -ENOENT);
    assert_int_equal(sd_proto_unstore_fd("name"), -ENOENT);
    close(p[0]);
    close(p[1]);
}

/* ---- descriptors passed by the service manager (LISTEN_FDS) -------------- */

/* In the child: a failed check ends it with the line for the parent. */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
            _exit(1);                                                                \
        }                                                                            \
    } while (0)

static ino_t passed_ino[3];

/* Files on descriptors 3, 4 and 5 (as the service manager passes them),
 * not close-on-exec; their inodes in passed_ino[]. */
static void child_pass_fds(void)
{
    int hi[3];

    for (int i = 0; i < 3; i++) {
        char file[160];
        struct stat st;
        int fd;

        snprintf(file, sizeof(file), "%s/passed%d", dir, i);
        fd = open(file, O_RDWR | O_CREAT, 0600);
        CHECK(fd >= 0);
        hi[i] = fcntl(fd, F_DUPFD, 100);
        CHECK(hi[i] >= 100);
        close(fd);
        CHECK(fstat(hi[i], &st) == 0);
        passed_ino[i] = st.st_ino;
    }
    for (int i = 0; i < 3; i++) {
        CHECK(dup2(hi[i], 3 + i) == 3 + i);
        close(hi[i]);
        CHECK((fcntl(3 + i, F_GETFD) & FD_CLOEXEC) == 0);
    }
}

static void child_set_env(const char *fds, long pid, const char *names)
{
    char pidbuf[32];

    snprintf(pidbuf, sizeof(pidbuf), "%ld", pid);
    setenv("LISTEN_PID", pidbuf, 1);
    if (fds != NULL)
        setenv("LISTEN_FDS", fds, 1);
    else
        unsetenv("LISTEN_FDS");
    if (names != NULL)
        setenv("LISTEN_FDNAMES", names, 1);
    else
        unsetenv("LISTEN_FDNAMES");
}

static bool child_is(int fd, int which)
{
    struct stat st;

    return fstat(fd, &st) == 0 && st.st_ino == passed_ino[which];
}

static bool is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* Run fn in a child; its exit status is the verdict. */
static void in_child(void (*fn)(void))
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void child_take_by_name(void)
{
    child_pass_fds();
    unsetenv("NOTIFY_SOCKET");
    child_set_env("3", (long)getpid(), "a:b:a");
    CHECK(sd_proto_listen_init() == 3);
    CHECK(getenv("LISTEN_PID") == NULL);
    CHECK(getenv("LISTEN_FDS") == NULL);
    CHECK(getenv("LISTEN_FDNAMES") == NULL);
    for (int fd = 3; fd <= 5; fd++)
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(sd_proto_take_fd("a") == 3);
    CHECK(sd_proto_take_fd("a") == 5);
    CHECK(sd_proto_take_fd("a") == -1);
    CHECK(sd_proto_take_fd("b") == 4);
    CHECK(sd_proto_take_fd("b") == -1);
    CHECK(sd_proto_take_fd("c") == -1);
    CHECK(sd_proto_take_fd("") == -1);
    CHECK(child_is(3, 0) && child_is(4, 1) && child_is(5, 2));
    /* Everything was taken: nothing to close. */
    CHECK(sd_proto_close_untaken() == 0);
    CHECK(is_open(3) && is_open(4) && is_open(5));
}

static void listen_fds_taken_by_name(void **state)
{
    (void)state;
    in_child(child_take_by_name);
}

static void child_close_untaken(void)
{
    child_pass_fds();
    child_set_env("3", (long)getpid(), "keep:drop1:drop2");
    CHECK(sd_proto_listen_init() == 3);
    CHECK(sd_proto_take_fd("keep") == 3);
    setenv("NOTIFY_SOCKET", path, 1);
    CHECK(sd_proto_close_untaken() == 2);
    CHECK(is_open(3));
    CHECK(!is_open(4));
    CHECK(!is_open(5));
    /* Closed ones are not handed out any more, nor closed twice. */
    CHECK(sd_proto_take_fd("drop1") == -1);
    CHECK(sd_proto_close_untaken() == 0);
}

static void listen_fds_close_untaken(void **state)
{
    char buf[256];
    int fds[4], nfds;

    (void)state;
    in_child(child_close_untaken);
    /* Each one closed was dropped from the store too. */
    assert_int_equal(receive_fds(rx, buf, sizeof(buf), fds, &nfds), 28);
    assert_memory_equal(buf, "FDSTOREREMOVE=1\nFDNAME=drop1", 28);
    assert_int_equal(nfds, 0);
    assert_int_equal(receive_fds(rx, buf, sizeof(buf), fds, &nfds), 28);
    assert_memory_equal(buf, "FDSTOREREMOVE=1\nFDNAME=drop2", 28);
    assert_nothing_waiting(rx);
}

static void child_other_pid(void)
{
    child_pass_fds();
    child_set_env("3", (long)getppid(), "a:b:c");
    CHECK(sd_proto_listen_init() == 0);
    CHECK(sd_proto_take_fd("a") == -1);
    CHECK(sd_proto_take_fd("unknown") == -1);
    CHECK(sd_proto_close_untaken() == 0);
    /* Not ours: left alone. */
    for (int fd = 3; fd <= 5; fd++)
        CHECK(is_open(fd) && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);

    /* No LISTEN_PID, or a malformed one: not ours either. */
    unsetenv("LISTEN_PID");
    setenv("LISTEN_FDS", "3", 1);
    CHECK(sd_proto_listen_init() == 0);
    CHECK(sd_proto_take_fd("a") == -1);
    setenv("LISTEN_PID", "x", 1);
    CHECK(sd_proto_listen_init() == 0);
    CHECK(sd_proto_take_fd("a") == -1);
    CHECK(is_open(3) && is_open(4) && is_open(5));

    /* No LISTEN_FDS: nothing passed. */
    child_set_env(NULL, (long)getpid(), "a:b:c");
    CHECK(sd_proto_listen_init() == 0);
    CHECK(sd_proto_take_fd("a") == -1);
}

static void listen_fds_for_another_process(void **state)
{
    (void)state;
    in_child(child_other_pid);
}

static void child_malformed(void)
{
    static const char *const bad[] = { "3x", "-1", "", " 3", "+3", "0x3",
                                       "99999999999999999999", NULL };

    child_pass_fds();
    for (size_t i = 0; bad[i] != NULL; i++) {
        child_set_env(bad[i], (long)getpid(), "a:b:c");
        CHECK(sd_proto_listen_init() == -EINVAL);
        CHECK(getenv("LISTEN_FDS") == NULL); /* consumed all the same */
        CHECK(sd_proto_take_fd("a") == -1);
        CHECK(sd_proto_take_fd("unknown") == -1);
    }
    /* Zero is well-formed: nothing passed. */
    child_set_env("0", (long)getpid(), "");
    CHECK(sd_proto_listen_init() == 0);
    CHECK(sd_proto_take_fd("a") == -1);
}

static void listen_fds_malformed(void **state)
{
    (void)state;
    in_child(child_malformed);
}

static void child_unnamed(void)
{
    child_pass_fds();
    child_set_env("3", (long)getpid(), "a");
    CHECK(sd_proto_listen_init() == 3);
    CHECK(sd_proto_take_fd("a") == 3);
    CHECK(sd_proto_take_fd("unknown") == 4);
    CHECK(sd_proto_take_fd("unknown") == 5);
    CHECK(sd_proto_take_fd("unknown") == -1);

    /* No names at all, and empty ones. */
    child_pass_fds();
    child_set_env("3", (long)getpid(), NULL);
    CHECK(sd_proto_listen_init() == 3);
    CHECK(sd_proto_take_fd("unknown") == 3);
    CHECK(sd_proto_take_fd("unknown") == 4);
    CHECK(sd_proto_take_fd("unknown") == 5);
    child_pass_fds();
    child_set_env("3", (long)getpid(), "::c");
    CHECK(sd_proto_listen_init() == 3);
    CHECK(sd_proto_take_fd("c") == 5);
    CHECK(sd_proto_take_fd("unknown") == 3);
    CHECK(sd_proto_take_fd("unknown") == 4);
    CHECK(sd_proto_take_fd("") == -1);
}

static void listen_fds_fewer_names(void **state)
{
    (void)state;
    in_child(child_unnamed);
}

/* A descriptor said to be passed but not open is skipped. */
static void child_hole(void)
{
    child_pass_fds();
    close(4);
    child_set_env("3", (long)getpid(), "a:b:c");
    CHECK(sd_proto_listen_init() == 2);
    CHECK(sd_proto_take_fd("b") == -1);
    CHECK(sd_proto_take_fd("a") == 3);
    CHECK(sd_proto_take_fd("c") == 5);
}

static void listen_fds_with_a_hole(void **state)
{
    (void)state;
    in_child(child_hole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(notify_to_a_path, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_to_the_abstract_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(notifyf_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_without_socket_does_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(notifyf_too_long_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_leaks_no_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_never_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_text_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_binary_field, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_binary_length_is_little_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_refuses_malformed_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_missing_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_set_socket_checks_length, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_keeps_one_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_never_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(store_fd_sends_the_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(store_fd_longest_name, setup, teardown),
        cmocka_unit_test_setup_teardown(unstore_fd_sends_no_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(store_fd_refuses_bad_names, setup, teardown),
        cmocka_unit_test_setup_teardown(store_fd_without_socket_does_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_taken_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_close_untaken, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_for_another_process, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_fewer_names, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_fds_with_a_hole, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
