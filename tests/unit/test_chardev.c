/* SPDX-License-Identifier: MIT */
/*
 * Character backends against the real host side: files, a unix socket with
 * real clients, a pty opened the way a user's terminal program opens it,
 * and the journal through a recording sender.  The loop is driven by hand
 * (ev_run with EVRUN_NOWAIT, or EVRUN_ONCE where a timer must fire), always
 * a bounded number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "devices/chardev.h"
#include "log.h"

/* ---- a device that records what the backend does ------------------------ */

struct recorder {
    size_t room; /* what rx_room() answers */
    uint8_t rx[16384];
    size_t rx_len;
    unsigned carrier_events;
    bool carrier;
    unsigned tx_ready_calls;
};

static size_t rec_rx_room(void *opaque)
{
    struct recorder *r = opaque;

    return r->room;
}

static void rec_rx(void *opaque, const uint8_t *buf, size_t len)
{
    struct recorder *r = opaque;

    assert_true(len <= r->room); /* the contract: never more than offered */
    assert_true(r->rx_len + len <= sizeof(r->rx));
    memcpy(r->rx + r->rx_len, buf, len);
    r->rx_len += len;
    r->room -= len;
}

static void rec_tx_ready(void *opaque)
{
    struct recorder *r = opaque;

    r->tx_ready_calls++;
}

static void rec_carrier(void *opaque, bool connected)
{
    struct recorder *r = opaque;

    r->carrier_events++;
    r->carrier = connected;
}

static struct chardev_client rec_client(struct recorder *r)
{
    return (struct chardev_client){
        .opaque = r,
        .rx_room = rec_rx_room,
        .rx = rec_rx,
        .tx_ready = rec_tx_ready,
        .carrier = rec_carrier,
    };
}

/* ---- fixtures ----------------------------------------------------------- */

struct fx {
    struct ev_loop *loop;
    char dir[32];
    char path[96];
    struct recorder rec;
    struct chardev *chr;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(f->loop);
    strcpy(f->dir, "/tmp/dmd-chr-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[64];

    chardev_close(f->chr);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

static void run(struct fx *f, int times)
{
    for (int i = 0; i < times; i++)
        ev_run(f->loop, EVRUN_NOWAIT);
}

static int open_backend(struct fx *f, const char *text, const char *pty_link)
{
    struct chardev_spec spec;
    struct chardev_client client = rec_client(&f->rec);
    int rc;

    assert_null(chardev_spec_parse(text, &spec));
    rc = chardev_open(&f->chr, f->loop, &spec, pty_link, "uart0", &client);
    chardev_spec_free(&spec);
    if (rc < 0)
        f->chr = NULL;
    return rc;
}

static size_t write_str(struct fx *f, const char *s)
{
    return chardev_write(f->chr, (const uint8_t *)s, strlen(s));
}

static char *slurp(const char *path)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    assert_true(fd >= 0);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

/* ---- null and file ------------------------------------------------------ */

static void test_null_accepts_everything(void **state)
{
    struct fx *f = *state;

    assert_int_equal(open_backend(f, "null", NULL), 0);
    assert_int_equal(write_str(f, "into the void"), 13);
    run(f, 3);
    assert_int_equal(f->rec.rx_len, 0);
}

static void test_file_appends(void **state)
{
    struct fx *f = *state;
    char text[128];
    struct stat st;
    int fd;

    snprintf(f->path, sizeof(f->path), "%s/console.log", f->dir);
    fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old line\n", 9), 9);
    close(fd);

    snprintf(text, sizeof(text), "file:%s", f->path);
    assert_int_equal(open_backend(f, text, NULL), 0);
    assert_int_equal(write_str(f, "new "), 4);
    assert_int_equal(write_str(f, "line\n"), 5);
    assert_string_equal(slurp(f->path), "old line\nnew line\n"); /* written at once */
    chardev_close(f->chr);
    f->chr = NULL;

    /* A new file is created 0640 (less what the umask removes). */
    snprintf(f->path, sizeof(f->path), "%s/fresh.log", f->dir);
    snprintf(text, sizeof(text), "file:%s", f->path);
    assert_int_equal(open_backend(f, text, NULL), 0);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777 & ~0640, 0);
    assert_int_equal(st.st_mode & 0600, 0600);
}

static void test_open_failures_return_errno(void **state)
{
    struct fx *f = *state;
    char text[160];

    snprintf(text, sizeof(text), "file:%s/no/such/dir/x.log", f->dir);
    assert_int_equal(open_backend(f, text, NULL), -ENOENT);
    snprintf(text, sizeof(text), "socket:%s/no/such/dir/x.sock", f->dir);
    assert_int_equal(open_backend(f, text, NULL), -ENOENT);
}

/* ---- socket ------------------------------------------------------------- */

static int connect_client(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    strcpy(sa.sun_path, path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    return fd;
}

/* Bytes the client has received (0 when none yet); -1 at end of stream. */
static ssize_t client_recv(int fd, char *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len, 0);

    if (n < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        return 0;
    }
    return n == 0 ? -1 : n;
}

static void open_socket(struct fx *f)
{
    char text[128];

    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    assert_int_equal(open_backend(f, text, NULL), 0);
}

static void test_socket_accept_and_reconnect(void **state)
{
    struct fx *f = *state;
    struct stat st;
    char buf[64];
    int c1, c2, c3;

    f->rec.room = 64;
    open_socket(f);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_false(f->rec.carrier);

    c1 = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    assert_int_equal(send(c1, "abc", 3, 0), 3);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 3);
    assert_memory_equal(f->rec.rx, "abc", 3);
    assert_int_equal(write_str(f, "xyz"), 3);
    assert_int_equal(client_recv(c1, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "xyz", 3);

    /* A second client while the first is connected is turned away. */
    c2 = connect_client(f->path);
    run(f, 5);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), -1);
    close(c2);
    assert_int_equal(f->rec.carrier_events, 1);
    assert_int_equal(write_str(f, "still"), 5);
    assert_int_equal(client_recv(c1, buf, sizeof(buf)), 5);

    /* The first leaves: back to listening; a new client is served. */
    close(c1);
    run(f, 5);
    assert_false(f->rec.carrier);
    c3 = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    assert_int_equal(f->rec.carrier_events, 3);
    assert_int_equal(write_str(f, "again"), 5);
    assert_int_equal(client_recv(c3, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "again", 5);
    close(c3);

    chardev_close(f->chr);
    f->chr = NULL;
    assert_int_equal(access(f->path, F_OK), -1); /* removed at close */
}

/* A client that left while its input was paused does not block the next. */
static void test_socket_replaces_vanished_client(void **state)
{
    struct fx *f = *state;
    char buf[8];
    int c1, c2;

    f->rec.room = 0;
    open_socket(f);
    c1 = connect_client(f->path);
    run(f, 5);
    assert_int_equal(send(c1, "x", 1, 0), 1);
    run(f, 5); /* room 0: the backend stops reading */
    close(c1);
    run(f, 5);
    assert_true(f->rec.carrier); /* nobody read, so nobody noticed */

    c2 = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    assert_int_equal(f->rec.carrier_events, 3); /* up, down, up */
    assert_int_equal(write_str(f, "hi"), 2);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 2);
    close(c2);
}

static void test_socket_stale_and_foreign_paths(void **state)
{
    struct fx *f = *state;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char text[128];
    int fd;

    /* A socket file left by a previous run is replaced. */
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(sa.sun_path, f->path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    open_socket(f);
    fd = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    close(fd);
    chardev_close(f->chr);
    f->chr = NULL;

    /* Anything else is left alone. */
    snprintf(f->path, sizeof(f->path), "%s/precious", f->dir);
    fd = open(f->path, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(write(fd, "keep", 4), 4);
    close(fd);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    assert_int_equal(open_backend(f, text, NULL), -EEXIST);
    assert_string_equal(slurp(f->path), "keep");
}

static void test_socket_input_flow_control(void **state)
{
    struct fx *f = *state;
    int c;

    f->rec.room = 0;
    open_socket(f);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(send(c, "0123456789", 10, 0), 10);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 0); /* no room: nothing read */

    f->rec.room = 4;
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 0); /* reading stopped until resumed */
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 4); /* exactly the room offered */

    f->rec.room = 100;
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 10);
    assert_memory_equal(f->rec.rx, "0123456789", 10);
    close(c);
}

static void test_socket_output_without_client_is_discarded(void **state)
{
    struct fx *f = *state;
    char buf[64];
    int c;

    f->rec.room = 64;
    open_socket(f);
    assert_int_equal(write_str(f, "nobody hears this"), 17);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(write_str(f, "hello"), 5);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);
    close(c);
}

/*
 * A client that does not read: writes are accepted until the socket and
 * the backend's buffer are full, then come up short; once the client
 * reads, tx_ready() is called and everything accepted arrives in order.
 */
static void test_socket_output_backpressure(void **state)
{
    struct fx *f = *state;
    size_t accepted = 0, received = 0;
    char buf[4096];
    uint8_t byte;
    int c;

    open_socket(f);
    c = connect_client(f->path);
    run(f, 5);
    for (;;) {
        assert_true(accepted < (64u << 20));
        byte = (uint8_t)(accepted % 251);
        if (chardev_write(f->chr, &byte, 1) == 0)
            break;
        accepted++;
    }
    assert_int_equal(f->rec.tx_ready_calls, 0);

    for (int i = 0; i < 100000 && (received < accepted || f->rec.tx_ready_calls == 0); i++) {
        ssize_t n = client_recv(c, buf, sizeof(buf));

        assert_true(n >= 0);
        for (ssize_t k = 0; k < n; k++)
            assert_int_equal((uint8_t)buf[k], (received + (size_t)k) % 251);
        received += (size_t)n;
        run(f, 1);
    }
    assert_int_equal(received, accepted);
    assert_int_equal(f->rec.tx_ready_calls, 1);
    close(c);
}

/* A client leaving while the device waits for room releases it. */
static void test_socket_hangup_releases_writer(void **state)
{
    struct fx *f = *state;
    uint8_t byte = 'q';
    int c;

    f->rec.room = 16;
    open_socket(f);
    c = connect_client(f->path);
    run(f, 5);
    for (size_t i = 0; chardev_write(f->chr, &byte, 1) == 1; i++)
        assert_true(i < (64u << 20));
    close(c);
    run(f, 5);
    assert_false(f->rec.carrier);
    assert_int_equal(f->rec.tx_ready_calls, 1);
    assert_int_equal(chardev_write(f->chr, &byte, 1), 1); /* discarded now */
}

/* ---- pty ---------------------------------------------------------------- */

/* Run the loop (which may sleep until the pty timer) until carrier == want. */
static void wait_carrier(struct fx *f, bool want)
{
    for (int i = 0; i < 100 && f->rec.carrier != want; i++)
        ev_run(f->loop, EVRUN_ONCE);
    assert_true(f->rec.carrier == want);
}

/* Read from the slave what the backend wrote, once the kernel passed it on. */
static ssize_t pty_read(struct fx *f, int slave, char *buf, size_t len)
{
    ssize_t n = -1;

    for (int i = 0; i < 2000 && n < 0; i++) {
        run(f, 1);
        n = read(slave, buf, len);
        if (n < 0) {
            assert_int_equal(errno, EAGAIN);
            usleep(1000);
        }
    }
    return n;
}

static void test_pty_link_and_connection(void **state)
{
    struct fx *f = *state;
    char target[PATH_MAX], buf[64];
    struct stat st;
    ssize_t n;
    int slave, rc;

    f->rec.room = 64;
    snprintf(f->path, sizeof(f->path), "%s/guest.pty", f->dir);
    assert_int_equal(symlink("/nonexistent", f->path), 0); /* a stale link is replaced */
    rc = open_backend(f, "pty", f->path);
    if (rc == -ENOENT || rc == -EACCES || rc == -EPERM)
        skip(); /* no usable /dev/ptmx here */
    assert_int_equal(rc, 0);

    n = readlink(f->path, target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_int_equal(strncmp(target, "/dev/pts/", 9), 0);
    assert_int_equal(stat(target, &st), 0);
    assert_true(S_ISCHR(st.st_mode));

    /* Nobody has it open: no carrier, output discarded. */
    assert_false(f->rec.carrier);
    assert_int_equal(write_str(f, "lost"), 4);

    slave = open(f->path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(slave >= 0);
    wait_carrier(f, true);
    assert_int_equal(write_str(f, "hello"), 5);
    n = pty_read(f, slave, buf, sizeof(buf));
    assert_int_equal(n, 5); /* raw mode, and "lost" was not kept */
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(write(slave, "in\r", 3), 3);
    /* The kernel hands pty data over asynchronously: give it time. */
    for (int i = 0; i < 2000 && f->rec.rx_len < 3; i++) {
        run(f, 1);
        usleep(1000);
    }
    assert_int_equal(f->rec.rx_len, 3);
    assert_memory_equal(f->rec.rx, "in\r", 3); /* no line discipline in the way */

    close(slave);
    wait_carrier(f, false);
    assert_int_equal(write_str(f, "gone"), 4);

    /* Opened again later: connected again. */
    slave = open(target, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(slave >= 0);
    wait_carrier(f, true);
    close(slave);

    chardev_close(f->chr);
    f->chr = NULL;
    assert_int_equal(lstat(f->path, &st), -1); /* the link is removed */
}

static void test_pty_link_never_replaces_a_file(void **state)
{
    struct fx *f = *state;
    int fd, rc;

    snprintf(f->path, sizeof(f->path), "%s/guest.pty", f->dir);
    fd = open(f->path, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(write(fd, "keep", 4), 4);
    close(fd);
    rc = open_backend(f, "pty", f->path);
    if (rc == -ENOENT || rc == -EACCES || rc == -EPERM)
        skip();
    assert_int_equal(rc, -EEXIST);
    assert_string_equal(slurp(f->path), "keep");
}

/* ---- journal ------------------------------------------------------------ */

#define MAX_ENTRIES 8

static struct {
    unsigned n;
    char message[MAX_ENTRIES][2048];
    char fields[MAX_ENTRIES][256];
} journal;

/* The field values of one entry, except MESSAGE, joined with '|'. */
static int record_entry(const struct iovec *iov, int n)
{
    unsigned e = journal.n++;

    assert_true(e < MAX_ENTRIES);
    journal.fields[e][0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *field = iov[i].iov_base;
        size_t len = iov[i].iov_len;

        if (len >= 8 && memcmp(field, "MESSAGE=", 8) == 0) {
            assert_true(len - 8 < sizeof(journal.message[e]));
            memcpy(journal.message[e], field + 8, len - 8);
            journal.message[e][len - 8] = '\0';
        } else {
            strncat(journal.fields[e], field, len);
            strcat(journal.fields[e], "|");
        }
    }
    return 0;
}

static void test_journal_lines(void **state)
{
    struct fx *f = *state;
    int (*saved_sendv)(const struct iovec *iov, int n) = chardev_journal_sendv;
    char long_line[1501];
    char expect[1100];

    memset(&journal, 0, sizeof(journal));
    chardev_journal_sendv = record_entry;
    assert_int_equal(open_backend(f, "journal", NULL), 0);

    assert_int_equal(write_str(f, "Linux version 6.1\r\nsec"), 22);
    assert_int_equal(journal.n, 1);
    assert_string_equal(journal.message[0], "Linux version 6.1");
    assert_string_equal(journal.fields[0],
                        "PRIORITY=6|DMD_DEVICE=uart0|SYSLOG_IDENTIFIER=dmd-uart0|");
    assert_int_equal(write_str(f, "ond\n\n"), 5);
    assert_int_equal(journal.n, 3);
    assert_string_equal(journal.message[1], "second");
    assert_string_equal(journal.message[2], "");

    /* A line longer than 1024 bytes is cut into entries of 1024. */
    memset(long_line, 'x', 1500);
    long_line[1500] = '\0';
    write_str(f, long_line);
    write_str(f, "tail");
    assert_int_equal(journal.n, 4);
    memset(expect, 'x', 1024);
    expect[1024] = '\0';
    assert_string_equal(journal.message[3], expect);

    /* The partial line is sent at close. */
    chardev_close(f->chr);
    f->chr = NULL;
    assert_int_equal(journal.n, 5);
    memset(expect, 'x', 476);
    strcpy(expect + 476, "tail");
    assert_string_equal(journal.message[4], expect);
    chardev_journal_sendv = saved_sendv;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_null_accepts_everything, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_file_appends, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_failures_return_errno, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_accept_and_reconnect, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_replaces_vanished_client, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_stale_and_foreign_paths, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_input_flow_control, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_output_without_client_is_discarded,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_output_backpressure, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_hangup_releases_writer, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_pty_link_and_connection, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_pty_link_never_replaces_a_file, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_journal_lines, fx_setup, fx_teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    umask(022);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
