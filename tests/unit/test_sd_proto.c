/* SPDX-License-Identifier: MIT */
/*
 * sd_proto.c: the exact datagrams sent to $NOTIFY_SOCKET (a path and the
 * abstract namespace) and to the journal's socket (text and binary
 * fields), what is refused before anything is sent, and that neither
 * ever blocks on a full socket.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
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
    rmdir(dir);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
