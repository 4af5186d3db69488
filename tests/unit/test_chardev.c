/* SPDX-License-Identifier: MIT */
/*
 * Character backends against the real host side: files, a unix socket with
 * real clients, a pty opened the way a user's terminal program opens it,
 * and the journal through a recording sender.  The loop is driven by hand
 * (ev_run with EVRUN_NOWAIT, or EVRUN_ONCE where a timer must fire), always
 * a bounded number of times.
 *
 * Crash safety: the stream positions in a `struct chardev_wire`, a
 * restarted chardev (a second one on the same wire) skipping output the
 * kernel already had and sending output a snapshot still held, socket
 * input peeked and taken only after the device got it, what
 * chardev_restore() refuses, and the service manager's descriptor store
 * (descriptors passed with LISTEN_FDS are only usable in a forked child,
 * where they can be put on 3, 4, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "devices/chardev.h"
#include "log.h"
#include "sd_proto.h"
#include "snapshot.h"

/* ---- a device that records what the backend does ------------------------ */

struct recorder {
    size_t room; /* what rx_room() answers */
    uint8_t rx[16384];
    size_t rx_len;
    unsigned carrier_events;
    bool carrier;
    unsigned tx_ready_calls;
    /* When set, what rx() saw while it ran: the bytes still waiting in the
     * socket behind peek_fd, and the wire's rx word. */
    bool check_peek;
    int peek_fd;
    struct chardev_wire *wire;
    ssize_t peeked_during;
    uint64_t wire_rx_during;
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
    if (r->check_peek) {
        uint8_t tmp[1024];

        r->peeked_during = recv(r->peek_fd, tmp, sizeof(tmp), MSG_PEEK | MSG_DONTWAIT);
        r->wire_rx_during = atomic_load(&r->wire->rx);
    }
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
    /* Outlive every chardev of the test, as the state file does. */
    struct chardev_wire wire, wire2;
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
    unsetenv("NOTIFY_SOCKET");
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
    rc = chardev_open(&f->chr, f->loop, &spec, pty_link, "uart0", &client, NULL);
    chardev_spec_free(&spec);
    if (rc < 0)
        f->chr = NULL;
    return rc;
}

/* A chardev on any loop with any recorder and wire, owned by the caller. */
static struct chardev *open_on(struct ev_loop *loop, const char *text, const char *owner,
                               struct recorder *r, struct chardev_wire *wire)
{
    struct chardev_spec spec;
    struct chardev_client client = rec_client(r);
    struct chardev *chr = NULL;

    assert_null(chardev_spec_parse(text, &spec));
    assert_int_equal(chardev_open(&chr, loop, &spec, NULL, owner, &client, wire), 0);
    chardev_spec_free(&spec);
    return chr;
}

static int open_wired(struct fx *f, const char *text, struct chardev_wire *wire)
{
    struct chardev_spec spec;
    struct chardev_client client = rec_client(&f->rec);
    int rc;

    assert_null(chardev_spec_parse(text, &spec));
    rc = chardev_open(&f->chr, f->loop, &spec, NULL, "uart0", &client, wire);
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

static int drop_entry(const struct iovec *iov, int n)
{
    (void)iov;
    (void)n;
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

/* ---- crash safety: stream positions ------------------------------------- */

/* What chardev_save() wrote, read back field by field. */
struct saved {
    uint64_t emitted, accepted, raw;
    uint32_t len;
    uint8_t bytes[8192];
    uint8_t image[8192 + 32]; /* the snapshot as saved */
    size_t size;
};

static void save_of(const struct chardev *chr, struct saved *sv)
{
    struct snap_out out;
    struct snap_in in;

    snap_out_init(&out, sv->image, sizeof(sv->image));
    chardev_save(chr, &out);
    assert_false(out.overflow);
    sv->size = (size_t)(out.p - sv->image);
    snap_in_init(&in, sv->image, sv->size);
    sv->emitted = snap_get_u64(&in);
    sv->accepted = snap_get_u64(&in);
    sv->raw = snap_get_u64(&in);
    sv->len = snap_get_u32(&in);
    assert_true(sv->len <= sizeof(sv->bytes));
    assert_true(snap_get_bytes(&in, sv->bytes, sv->len));
    assert_int_equal(snap_in_left(&in), 0);
}

/* A snapshot made by hand; its size. */
static size_t make_snap(uint8_t *buf, size_t size, uint64_t emitted, uint64_t accepted,
                        uint64_t raw, uint32_t len, const void *bytes)
{
    struct snap_out out;

    snap_out_init(&out, buf, size);
    snap_put_u64(&out, emitted);
    snap_put_u64(&out, accepted);
    snap_put_u64(&out, raw);
    snap_put_u32(&out, len);
    snap_put_bytes(&out, bytes, len);
    assert_false(out.overflow);
    return (size_t)(out.p - buf);
}

static int restore_from(struct chardev *chr, const void *buf, size_t len, bool apply)
{
    struct snap_in in;

    snap_in_init(&in, buf, len);
    return chardev_restore(chr, &in, apply);
}

static uint64_t wire_tx(const struct chardev_wire *w)
{
    return atomic_load(&w->tx);
}

static uint64_t wire_rx(const struct chardev_wire *w)
{
    return atomic_load(&w->rx);
}

/* Output position p's byte in the tests that fill a socket. */
static uint8_t pattern(uint64_t p)
{
    return (uint8_t)(p * 7 % 253);
}

static void test_wire_output_positions(void **state)
{
    struct fx *f = *state;
    int (*saved_sendv)(const struct iovec *iov, int n) = chardev_journal_sendv;
    char text[128], buf[64];
    struct saved sv;
    int c;

    /* null: thrown away, with no position to keep (nothing a restart
     * could repeat or lose), so the snapshot does not change either. */
    assert_int_equal(open_wired(f, "null", &f->wire), 0);
    assert_int_equal(write_str(f, "1234567"), 7);
    assert_int_equal(wire_tx(&f->wire), 0);
    save_of(f->chr, &sv);
    assert_int_equal(sv.emitted, 0);
    chardev_close(f->chr);
    f->chr = NULL;

    /* file: a fresh chardev goes on from the wire's position, and writes
     * everything (a fresh device neither skips nor repeats). */
    snprintf(f->path, sizeof(f->path), "%s/out.log", f->dir);
    snprintf(text, sizeof(text), "file:%s", f->path);
    atomic_store(&f->wire.tx, 7); /* where an earlier dmd left the stream */
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    assert_int_equal(write_str(f, "hello"), 5);
    assert_int_equal(wire_tx(&f->wire), 12);
    assert_int_equal(write_str(f, " world"), 6);
    assert_int_equal(wire_tx(&f->wire), 18);
    assert_string_equal(slurp(f->path), "hello world");
    save_of(f->chr, &sv);
    assert_int_equal(sv.emitted, 18);
    assert_int_equal(sv.len, 0);
    chardev_close(f->chr);
    f->chr = NULL;

    /* journal: a line reaches the kernel when it is sent whole. */
    memset(&journal, 0, sizeof(journal));
    chardev_journal_sendv = record_entry;
    assert_int_equal(open_wired(f, "journal", &f->wire2), 0);
    assert_int_equal(write_str(f, "ab"), 2);
    assert_int_equal(wire_tx(&f->wire2), 0);
    save_of(f->chr, &sv);
    assert_int_equal(sv.emitted, 2);
    assert_int_equal(sv.raw, 2);
    assert_int_equal(sv.len, 2);
    assert_memory_equal(sv.bytes, "ab", 2);
    assert_int_equal(write_str(f, "c\n"), 2);
    assert_int_equal(wire_tx(&f->wire2), 4);
    assert_int_equal(write_str(f, "x\r"), 2); /* \r is a position, not a byte kept */
    save_of(f->chr, &sv);
    assert_int_equal(sv.raw, 2);
    assert_int_equal(sv.len, 1);
    assert_int_equal(wire_tx(&f->wire2), 4);
    assert_int_equal(write_str(f, "\ny"), 2);
    assert_int_equal(wire_tx(&f->wire2), 7);
    assert_int_equal(journal.n, 2);
    chardev_close(f->chr); /* the partial line goes out */
    f->chr = NULL;
    assert_int_equal(journal.n, 3);
    assert_int_equal(wire_tx(&f->wire2), 8);
    chardev_journal_sendv = saved_sendv;

    /* socket: discarded without a client, sent with one. */
    memset(&f->wire, 0, sizeof(f->wire));
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    assert_int_equal(write_str(f, "lost"), 4);
    assert_int_equal(wire_tx(&f->wire), 4);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(write_str(f, "abcd"), 4);
    assert_int_equal(wire_tx(&f->wire), 8);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "abcd", 4);
    save_of(f->chr, &sv);
    assert_int_equal(sv.emitted, 8);
    assert_int_equal(sv.len, 0);
    close(c);
}

/* A client that does not read: the wire counts what the kernel took, the
 * snapshot holds the rest; once the client reads, the wire catches up. */
static void test_wire_socket_held_output(void **state)
{
    struct fx *f = *state;
    uint64_t total = 0, received = 0;
    uint8_t chunk[512];
    char buf[8192];
    struct saved sv;
    int c;

    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(buf, sizeof(buf), "socket:%s", f->path);
    assert_int_equal(open_wired(f, buf, &f->wire), 0);
    c = connect_client(f->path);
    run(f, 5);
    for (;;) {
        size_t n;

        assert_true(total < (64u << 20));
        for (size_t k = 0; k < sizeof(chunk); k++)
            chunk[k] = pattern(total + k);
        n = chardev_write(f->chr, chunk, sizeof(chunk));
        total += n;
        if (n < sizeof(chunk))
            break;
    }
    save_of(f->chr, &sv);
    assert_int_equal(sv.emitted, total);
    assert_int_equal(sv.len, 4096);
    assert_int_equal(sv.raw, sv.len);
    assert_int_equal(wire_tx(&f->wire) + sv.len, total);
    for (size_t k = 0; k < sv.len; k++)
        assert_int_equal(sv.bytes[k], pattern(total - sv.len + k));

    for (int i = 0; i < 100000 && received < total; i++) {
        ssize_t n = client_recv(c, buf, sizeof(buf));

        assert_true(n >= 0);
        for (ssize_t k = 0; k < n; k++)
            assert_int_equal((uint8_t)buf[k], pattern(received + (uint64_t)k));
        received += (uint64_t)n;
        run(f, 1);
    }
    assert_int_equal(received, total);
    assert_int_equal(wire_tx(&f->wire), total);
    save_of(f->chr, &sv);
    assert_int_equal(sv.len, 0);
    close(c);
}

/*
 * A crash after a device wrote "abc" and before it saved: its snapshot
 * says nothing was written.  The restarted device writes "abc" again and
 * then "def": the kernel had "abc", only "def" goes.
 */
static void test_restart_skips_what_the_kernel_had(void **state)
{
    struct fx *f = *state;
    struct ev_loop *loop_a = ev_loop_new(EVFLAG_AUTO);
    struct recorder rec_a = { .room = 64 };
    struct chardev *a;
    struct saved before;
    char text[128], buf[64];
    int c1, c2;

    assert_non_null(loop_a);
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    a = open_on(loop_a, text, "uart0", &rec_a, &f->wire);
    c1 = connect_client(f->path);
    for (int i = 0; i < 5; i++)
        ev_run(loop_a, EVRUN_NOWAIT);
    assert_true(rec_a.carrier);
    save_of(a, &before);
    assert_int_equal(before.emitted, 0);
    assert_int_equal(chardev_write(a, (const uint8_t *)"abc", 3), 3);
    assert_int_equal(client_recv(c1, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(wire_tx(&f->wire), 3);

    /* dmd dies; the next one opens the same backend on the same wire. */
    f->rec.room = 64;
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    c2 = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    assert_int_equal(restore_from(f->chr, before.image, before.size, true), 0);
    assert_int_equal(write_str(f, "abcdef"), 6);
    run(f, 5);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "def", 3);
    assert_int_equal(wire_tx(&f->wire), 6);
    /* From here on, nothing is skipped. */
    assert_int_equal(write_str(f, "ghi"), 3);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "ghi", 3);
    assert_int_equal(client_recv(c1, buf, sizeof(buf)), 0); /* the old line got nothing more */

    /* A write the kernel partly had: only its tail goes. */
    atomic_store(&f->wire.tx, 11);
    assert_int_equal(write_str(f, "jklmn"), 5);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "lmn", 3);

    chardev_close(f->chr);
    f->chr = NULL;
    chardev_close(a);
    ev_loop_destroy(loop_a);
    close(c1);
    close(c2);
}

/* The same for a file: the restarted device's repeat is not appended. */
static void test_restart_file_not_repeated(void **state)
{
    struct fx *f = *state;
    struct saved before;
    char text[128];

    snprintf(f->path, sizeof(f->path), "%s/console.log", f->dir);
    snprintf(text, sizeof(text), "file:%s", f->path);
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    assert_int_equal(write_str(f, "boot: "), 6);
    save_of(f->chr, &before);
    assert_int_equal(write_str(f, "ok\n"), 3);
    chardev_close(f->chr);
    f->chr = NULL;

    assert_int_equal(open_wired(f, text, &f->wire), 0);
    assert_int_equal(restore_from(f->chr, before.image, before.size, true), 0);
    assert_int_equal(write_str(f, "ok\nlogin: "), 10);
    assert_string_equal(slurp(f->path), "boot: ok\nlogin: ");
    assert_int_equal(wire_tx(&f->wire), 16);
}

/* A restarted journal device's repeat of a line already sent is not sent
 * again; a line the snapshot held and the journal never got is. */
static void test_restart_journal(void **state)
{
    struct fx *f = *state;
    int (*saved_sendv)(const struct iovec *iov, int n) = chardev_journal_sendv;
    struct saved before, held;

    memset(&journal, 0, sizeof(journal));
    chardev_journal_sendv = record_entry;
    assert_int_equal(open_wired(f, "journal", &f->wire), 0);
    save_of(f->chr, &before);
    assert_int_equal(write_str(f, "first\r\nsec"), 10);
    save_of(f->chr, &held);
    assert_int_equal(held.len, 3);
    assert_int_equal(journal.n, 1);
    assert_int_equal(wire_tx(&f->wire), 7);
    /* dmd dies: "sec" was never sent.  (This chardev's close would send
     * it: let that go nowhere, on a wire no longer looked at.) */
    chardev_journal_sendv = drop_entry;
    chardev_close(f->chr);
    f->chr = NULL;
    chardev_journal_sendv = record_entry;

    /* Restarted from the older snapshot: "first" is not sent twice. */
    memset(&journal, 0, sizeof(journal));
    atomic_store(&f->wire2.tx, 7);
    assert_int_equal(open_wired(f, "journal", &f->wire2), 0);
    assert_int_equal(restore_from(f->chr, before.image, before.size, true), 0);
    assert_int_equal(write_str(f, "first\r\nsecond\n"), 14);
    assert_int_equal(journal.n, 1);
    assert_string_equal(journal.message[0], "second");
    chardev_close(f->chr);
    f->chr = NULL;

    /* Restarted from the newer one: the held "sec" is finished. */
    memset(&journal, 0, sizeof(journal));
    atomic_store(&f->wire2.tx, 7);
    assert_int_equal(open_wired(f, "journal", &f->wire2), 0);
    assert_int_equal(restore_from(f->chr, held.image, held.size, true), 0);
    assert_int_equal(write_str(f, "ond\n"), 4);
    assert_int_equal(journal.n, 1);
    assert_string_equal(journal.message[0], "second");
    assert_int_equal(wire_tx(&f->wire2), 14);
    chardev_journal_sendv = saved_sendv;
}

/*
 * Output the snapshot held (the client was not reading when it was saved)
 * is sent once by the restarted chardev: exactly the held bytes, in order.
 */
static void test_restart_sends_held_output(void **state)
{
    struct fx *f = *state;
    struct ev_loop *loop_a = ev_loop_new(EVFLAG_AUTO);
    struct recorder rec_a = { .room = 0 };
    uint64_t total = 0, got = 0;
    struct chardev *a;
    uint8_t chunk[512];
    char text[128], buf[8192];
    struct saved sv;
    int c1, c2;

    assert_non_null(loop_a);
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    a = open_on(loop_a, text, "uart0", &rec_a, &f->wire);
    c1 = connect_client(f->path);
    for (int i = 0; i < 5; i++)
        ev_run(loop_a, EVRUN_NOWAIT);
    for (;;) {
        size_t n;

        assert_true(total < (64u << 20));
        for (size_t k = 0; k < sizeof(chunk); k++)
            chunk[k] = pattern(total + k);
        n = chardev_write(a, chunk, sizeof(chunk));
        total += n;
        if (n < sizeof(chunk))
            break;
    }
    save_of(a, &sv);
    assert_true(sv.len > 0);
    assert_int_equal(wire_tx(&f->wire), total - sv.len);

    /* dmd dies; the next one has a client on the line when it restores. */
    f->rec.room = 64;
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    c2 = connect_client(f->path);
    run(f, 5);
    assert_int_equal(restore_from(f->chr, sv.image, sv.size, true), 0);
    for (int i = 0; i < 1000 && got < sv.len; i++) {
        ssize_t n;

        run(f, 1);
        n = client_recv(c2, buf + got, sizeof(buf) - got);
        assert_true(n >= 0);
        got += (uint64_t)n;
    }
    assert_int_equal(got, sv.len);
    for (size_t k = 0; k < sv.len; k++)
        assert_int_equal((uint8_t)buf[k], pattern(total - sv.len + k));
    run(f, 5);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 0); /* once */
    assert_int_equal(wire_tx(&f->wire), total);
    assert_int_equal(f->rec.tx_ready_calls, 1); /* the device may write on */

    /* And what the device writes next follows it. */
    chunk[0] = pattern(total);
    assert_int_equal(chardev_write(f->chr, chunk, 1), 1);
    assert_int_equal(client_recv(c2, buf, sizeof(buf)), 1);
    assert_int_equal((uint8_t)buf[0], pattern(total));

    chardev_close(f->chr);
    f->chr = NULL;
    chardev_close(a);
    ev_loop_destroy(loop_a);
    close(c1);
    close(c2);
}

/* Held output of which the kernel already had a part: the rest goes; of
 * which it had all: nothing goes. */
static void test_restore_held_partly_sent(void **state)
{
    struct fx *f = *state;
    uint8_t held[100], image[256];
    char text[128], buf[256];
    size_t size;
    int c;

    for (size_t k = 0; k < sizeof(held); k++)
        held[k] = pattern(900 + k);
    size = make_snap(image, sizeof(image), 1000, 0, 100, 100, held);
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);

    atomic_store(&f->wire.tx, 940); /* 40 of the 100 had gone */
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    run(f, 5);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 60);
    assert_memory_equal(buf, held + 40, 60);
    assert_int_equal(wire_tx(&f->wire), 1000);
    close(c);
    chardev_close(f->chr);
    f->chr = NULL;

    assert_int_equal(f->rec.tx_ready_calls, 1);
    f->rec.tx_ready_calls = 0;
    atomic_store(&f->wire.tx, 1003); /* all of it, and more */
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(f->rec.tx_ready_calls, 0); /* from the loop, */
    run(f, 5);
    assert_int_equal(f->rec.tx_ready_calls, 1); /* once: the device may write on */
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 0);
    assert_int_equal(write_str(f, "xyzab"), 5); /* positions 1000..1004 */
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "ab", 2);
    close(c);
    chardev_close(f->chr);
    f->chr = NULL;

    /* Nobody on the line at restore: the held bytes are gone, as they
     * would have been, and a client that comes later does not get them. */
    atomic_store(&f->wire.tx, 900);
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(wire_tx(&f->wire), 1000);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 0);
    assert_int_equal(write_str(f, "q"), 1);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'q');
    close(c);
}

/* ---- crash safety: socket input ------------------------------------------ */

/* A datagram from the descriptor store socket: its text and the
 * descriptor it carried (-1 when none).  -1 when nothing is waiting.
 * No cmocka asserts: the forked children use it too. */
static ssize_t notify_recv(int sock, char *buf, size_t size, int *fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    struct cmsghdr *c;
    ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

    *fd = -1;
    if (n < 0)
        return -1;
    buf[n] = '\0';
    c = CMSG_FIRSTHDR(&msg);
    if (c != NULL && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof(int));
    return n;
}

/* A datagram socket at DIR/notify, named by $NOTIFY_SOCKET. */
static int bind_notify(const char *dir)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -1;
    setenv("NOTIFY_SOCKET", sa.sun_path, 1);
    return fd;
}

/* The descriptor stored under NAME by the next datagram, which must be
 * "FDSTORE=1\nFDNAME=NAME". */
static int expect_stored(int sock, const char *name)
{
    char buf[512], want[300];
    int fd;

    snprintf(want, sizeof(want), "FDSTORE=1\nFDNAME=%s", name);
    assert_int_equal(notify_recv(sock, buf, sizeof(buf), &fd), (ssize_t)strlen(want));
    assert_string_equal(buf, want);
    assert_true(fd >= 0);
    return fd;
}

static void expect_unstored(int sock, const char *name)
{
    char buf[512], want[300];
    int fd;

    snprintf(want, sizeof(want), "FDSTOREREMOVE=1\nFDNAME=%s", name);
    assert_int_equal(notify_recv(sock, buf, sizeof(buf), &fd), (ssize_t)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(fd, -1);
}

static void expect_no_notify(int sock)
{
    char buf[512];
    int fd;

    assert_int_equal(notify_recv(sock, buf, sizeof(buf), &fd), -1);
}

/* How many bytes wait in the socket behind fd. */
static ssize_t waiting(int fd)
{
    uint8_t tmp[4096];
    ssize_t n = recv(fd, tmp, sizeof(tmp), MSG_PEEK | MSG_DONTWAIT);

    return n < 0 ? 0 : n;
}

/*
 * Socket input is peeked, delivered, and only then taken out of the
 * socket; the wire counts what was taken.  The listener and the client
 * are handed to the descriptor store as they come (the test reads the
 * server side of the connection from there).
 */
static void test_socket_input_peeked_then_taken(void **state)
{
    struct fx *f = *state;
    char text[128];
    struct saved sv;
    int notify, listener, srv, c;

    notify = bind_notify(f->dir);
    assert_true(notify >= 0);
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    f->rec.room = 0;
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    listener = expect_stored(notify, "uart0.listen");
    expect_no_notify(notify);
    c = connect_client(f->path);
    run(f, 5);
    srv = expect_stored(notify, "uart0.client");
    assert_int_equal(f->rec.carrier_events, 1);

    assert_int_equal(send(c, "hello", 5, 0), 5);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 0); /* no room */
    assert_int_equal(waiting(srv), 5);
    assert_int_equal(wire_rx(&f->wire), 0);

    f->rec.check_peek = true;
    f->rec.peek_fd = srv;
    f->rec.wire = &f->wire;
    f->rec.room = 3;
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 3);
    assert_memory_equal(f->rec.rx, "hel", 3);
    /* While the device had them, they were still in the socket. */
    assert_int_equal(f->rec.peeked_during, 5);
    assert_int_equal(f->rec.wire_rx_during, 0);
    /* Afterwards they are gone from it. */
    assert_int_equal(waiting(srv), 2);
    assert_int_equal(wire_rx(&f->wire), 3);
    save_of(f->chr, &sv);
    assert_int_equal(sv.accepted, 3);

    f->rec.room = 100;
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 5);
    assert_memory_equal(f->rec.rx, "hello", 5);
    assert_int_equal(f->rec.peeked_during, 2);
    assert_int_equal(f->rec.wire_rx_during, 3);
    assert_int_equal(waiting(srv), 0);
    assert_int_equal(wire_rx(&f->wire), 5);

    /* More than one read's worth: every byte once, in order. */
    {
        char big[1000];

        for (size_t k = 0; k < sizeof(big); k++)
            big[k] = (char)pattern(k);
        f->rec.room = sizeof(f->rec.rx);
        assert_int_equal(send(c, big, sizeof(big), 0), (ssize_t)sizeof(big));
        chardev_rx_resume(f->chr);
        run(f, 20);
        assert_int_equal(f->rec.rx_len, 5 + sizeof(big));
        assert_memory_equal(f->rec.rx + 5, big, sizeof(big));
        assert_int_equal(wire_rx(&f->wire), 5 + sizeof(big));
        assert_int_equal(waiting(srv), 0);
    }

    /* The client leaves: dropped from the store. */
    close(c);
    run(f, 5);
    assert_false(f->rec.carrier);
    expect_unstored(notify, "uart0.client");
    expect_no_notify(notify);
    close(srv);
    close(listener);
    close(notify);
}

/*
 * A crash after the device got "xyz" and saved, before the bytes were
 * taken out of the socket: the snapshot has accepted 3, the wire rx 0,
 * the socket still "xyz".  The restore takes them out; they are not
 * delivered again.
 */
static void test_restore_takes_delivered_input(void **state)
{
    struct fx *f = *state;
    uint8_t image[64];
    char text[128];
    size_t size;
    int notify, listener, srv, c;

    notify = bind_notify(f->dir);
    assert_true(notify >= 0);
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    f->rec.room = 0;
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    listener = expect_stored(notify, "uart0.listen");
    c = connect_client(f->path);
    run(f, 5);
    srv = expect_stored(notify, "uart0.client");
    assert_int_equal(send(c, "xyz", 3, 0), 3);
    run(f, 5);
    assert_int_equal(waiting(srv), 3);

    size = make_snap(image, sizeof(image), 0, 3, 0, 0, "");
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(waiting(srv), 0);
    assert_int_equal(wire_rx(&f->wire), 3);

    assert_int_equal(send(c, "123", 3, 0), 3);
    f->rec.room = 64;
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 3);
    assert_memory_equal(f->rec.rx, "123", 3);
    assert_int_equal(wire_rx(&f->wire), 6);

    /* More than one read's worth cannot be in the socket still: the
     * connection it came on is gone; the wire follows the snapshot. */
    size = make_snap(image, sizeof(image), 0, 6 + 257, 0, 0, "");
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(wire_rx(&f->wire), 6 + 257);
    atomic_store(&f->wire.rx, 6);

    /* Input the kernel gave up and no snapshot has: lost, and counted
     * from where the wire is. */
    size = make_snap(image, sizeof(image), 0, 4, 0, 0, "");
    atomic_store(&f->wire.rx, 10);
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(wire_rx(&f->wire), 10);
    assert_int_equal(send(c, "ab", 2, 0), 2);
    chardev_rx_resume(f->chr);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 5);
    assert_int_equal(wire_rx(&f->wire), 12);

    close(c);
    close(srv);
    close(listener);
    close(notify);
    unsetenv("NOTIFY_SOCKET");
    chardev_close(f->chr);
    f->chr = NULL;

    /* Nobody on the line at restore: what the device holds came on a
     * connection that is gone; the wire follows the snapshot. */
    memset(&f->wire, 0, sizeof(f->wire));
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    size = make_snap(image, sizeof(image), 0, 5, 0, 0, "");
    assert_int_equal(restore_from(f->chr, image, size, true), 0);
    assert_int_equal(wire_rx(&f->wire), 5);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(send(c, "k", 1, 0), 1);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 6);
    assert_int_equal(f->rec.rx[5], 'k');
    assert_int_equal(wire_rx(&f->wire), 6);
    close(c);
}

/* ---- crash safety: what a restore refuses -------------------------------- */

static void assert_refused(struct chardev *chr, const uint8_t *image, size_t size)
{
    assert_int_equal(restore_from(chr, image, size, false), -EINVAL);
    assert_int_equal(restore_from(chr, image, size, true), -EINVAL);
}

static void test_restore_refuses(void **state)
{
    struct fx *f = *state;
    int (*saved_sendv)(const struct iovec *iov, int n) = chardev_journal_sendv;
    static uint8_t zeros[5000];
    uint8_t image[5200];
    char text[128];
    size_t size;
    struct saved sv;

    /* socket: holds up to 4096 bytes, as many positions as bytes. */
    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    size = make_snap(image, sizeof(image), 5000, 2, 4096, 4096, zeros);
    assert_int_equal(restore_from(f->chr, image, size, false), 0);
    for (size_t cut = 0; cut < size; cut++)
        assert_refused(f->chr, image, cut);
    size = make_snap(image, sizeof(image), 5000, 0, 4097, 4097, zeros);
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 5000, 0, 5, 3, zeros);  /* raw != len */
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 5000, 0, 2, 3, zeros);  /* raw < len */
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 2, 0, 3, 3, zeros);     /* raw > emitted */
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 0, 0, 0, 0, "");
    assert_int_equal(restore_from(f->chr, image, size - 1, false), -EINVAL);
    chardev_close(f->chr);
    f->chr = NULL;

    /* file and null hold nothing. */
    snprintf(f->path, sizeof(f->path), "%s/out.log", f->dir);
    snprintf(text, sizeof(text), "file:%s", f->path);
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    size = make_snap(image, sizeof(image), 10, 0, 0, 0, "");
    assert_int_equal(restore_from(f->chr, image, size, false), 0);
    size = make_snap(image, sizeof(image), 10, 0, 1, 1, "x");
    assert_refused(f->chr, image, size);
    chardev_close(f->chr);
    f->chr = NULL;
    assert_int_equal(open_wired(f, "null", &f->wire), 0);
    assert_refused(f->chr, image, size);
    chardev_close(f->chr);
    f->chr = NULL;

    /* journal: a line shorter than 1024 bytes (journal_write() sends one
     * that long at once), which may stand for more positions (\r is
     * dropped) but never fewer, and holds neither \n nor \r. */
    memset(&journal, 0, sizeof(journal));
    chardev_journal_sendv = record_entry;
    assert_int_equal(open_wired(f, "journal", &f->wire2), 0);
    size = make_snap(image, sizeof(image), 10, 0, 6, 5, "abcde");
    assert_int_equal(restore_from(f->chr, image, size, false), 0);
    size = make_snap(image, sizeof(image), 10, 0, 4, 5, "abcde");
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 5000, 0, 1025, 1025, zeros);
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 5000, 0, 1024, 1024, zeros);
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 5000, 0, 1023, 1023, zeros);
    assert_int_equal(restore_from(f->chr, image, size, false), 0);
    size = make_snap(image, sizeof(image), 10, 0, 3, 3, "a\nb");
    assert_refused(f->chr, image, size);
    size = make_snap(image, sizeof(image), 10, 0, 3, 3, "a\rb");
    assert_refused(f->chr, image, size);
    chardev_close(f->chr);
    f->chr = NULL;
    assert_int_equal(journal.n, 0);
    chardev_journal_sendv = saved_sendv;

    /* The chardev's part is read exactly: what follows is the device's. */
    assert_int_equal(open_wired(f, "null", &f->wire), 0);
    save_of(f->chr, &sv);
    memcpy(image, sv.image, sv.size);
    memcpy(image + sv.size, "TAIL", 4);
    {
        struct snap_in in;

        snap_in_init(&in, image, sv.size + 4);
        assert_int_equal(chardev_restore(f->chr, &in, false), 0);
        assert_int_equal(snap_in_left(&in), 4);
        snap_in_init(&in, image, sv.size + 4);
        assert_int_equal(chardev_restore(f->chr, &in, true), 0);
        assert_int_equal(snap_in_left(&in), 4);
    }
}

/* Checking a snapshot (apply false) changes nothing, and neither does a
 * refused one. */
static void test_restore_check_changes_nothing(void **state)
{
    struct fx *f = *state;
    uint8_t image[256];
    char text[128], buf[64];
    size_t size;
    int c;

    snprintf(f->path, sizeof(f->path), "%s/uart0.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    f->rec.room = 64;
    assert_int_equal(open_wired(f, text, &f->wire), 0);
    c = connect_client(f->path);
    run(f, 5);
    assert_int_equal(write_str(f, "hello"), 5);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 5);
    assert_int_equal(send(c, "in", 2, 0), 2);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 2);

    /* Would rewind output to 0 with "zzz" held and claim 9 bytes of input. */
    size = make_snap(image, sizeof(image), 3, 9, 3, 3, "zzz");
    assert_int_equal(restore_from(f->chr, image, size, false), 0);
    size = make_snap(image, sizeof(image), 3, 9, 4, 3, "zzz");
    assert_int_equal(restore_from(f->chr, image, size, true), -EINVAL);
    run(f, 5);
    assert_int_equal(f->rec.tx_ready_calls, 0);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 0);
    assert_int_equal(wire_tx(&f->wire), 5);
    assert_int_equal(wire_rx(&f->wire), 2);
    assert_int_equal(write_str(f, "abc"), 3);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(wire_tx(&f->wire), 8);
    assert_int_equal(send(c, "xy", 2, 0), 2);
    run(f, 5);
    assert_int_equal(f->rec.rx_len, 4);
    assert_memory_equal(f->rec.rx, "inxy", 4);
    assert_int_equal(wire_rx(&f->wire), 4);
    close(c);
}

/* ---- the descriptor store ------------------------------------------------ */

/* A name the store cannot take (':' is its separator): nothing is stored,
 * and the backend works all the same. */
static void test_store_skips_unusable_owner(void **state)
{
    struct fx *f = *state;
    struct chardev *chr;
    char text[128], buf[16];
    int notify, c;

    notify = bind_notify(f->dir);
    assert_true(notify >= 0);
    snprintf(f->path, sizeof(f->path), "%s/odd.sock", f->dir);
    snprintf(text, sizeof(text), "socket:%s", f->path);
    chr = open_on(f->loop, text, "uart:0", &f->rec, &f->wire);
    c = connect_client(f->path);
    run(f, 5);
    assert_true(f->rec.carrier);
    expect_no_notify(notify);
    assert_int_equal(chardev_write(chr, (const uint8_t *)"ok", 2), 2);
    assert_int_equal(client_recv(c, buf, sizeof(buf)), 2);
    close(c);
    chardev_close(chr);
    close(notify);
}

/* In the forked children: a failed check ends the child, saying where. */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
            _exit(1);                                                                \
        }                                                                            \
    } while (0)

static void child_run(struct ev_loop *loop, int times)
{
    for (int i = 0; i < times; i++)
        ev_run(loop, EVRUN_NOWAIT);
}

/* Descriptors 3..6 are placeholders, so what the child creates lands
 * above them and the passed ones can be put there. */
static void child_reserve_low_fds(void)
{
    int nul = open("/dev/null", O_RDWR);

    CHECK(nul >= 0);
    for (int fd = 3; fd <= 6; fd++)
        if (fd != nul)
            CHECK(dup2(nul, fd) == fd);
    if (nul > 6)
        close(nul);
}

static int child_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    CHECK(fd >= 0);
    strcpy(sa.sun_path, path);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
    return fd;
}

static int child_expect_stored(int sock, const char *name)
{
    char buf[512], want[300];
    int fd = -1;
    ssize_t n = -1;

    /* A pty master is stored unwatched: it reports a hang-up whenever
     * nobody has the pty open, and must stay in the store even so. */
    snprintf(want, sizeof(want), "FDSTORE=1\n%sFDNAME=%s",
             strstr(name, ".pty") != NULL ? "FDPOLL=0\n" : "", name);
    n = notify_recv(sock, buf, sizeof(buf), &fd);
    if (n < 0 || strcmp(buf, want) != 0 || fd < 0)
        fprintf(stderr, "child: wanted \"%s\", got %zd \"%s\" fd %d\n", want, n,
                n >= 0 ? buf : "", fd);
    CHECK(n >= 0 && strcmp(buf, want) == 0 && fd >= 0);
    return fd;
}

/* Pass the descriptors as the service manager does: on 3, 4, ... */
static void child_pass(const int *fds, int n, const char *names)
{
    char num[16];

    for (int i = 0; i < n; i++) {
        CHECK(fds[i] > 6);
        CHECK(dup2(fds[i], 3 + i) == 3 + i);
        close(fds[i]);
    }
    snprintf(num, sizeof(num), "%d", n);
    setenv("LISTEN_FDS", num, 1);
    snprintf(num, sizeof(num), "%ld", (long)getpid());
    setenv("LISTEN_PID", num, 1);
    setenv("LISTEN_FDNAMES", names, 1);
    CHECK(sd_proto_listen_init() == n);
}

static struct chardev *child_open(struct ev_loop *loop, const char *text, const char *link,
                                  struct recorder *r, struct chardev_wire *wire)
{
    struct chardev_spec spec;
    struct chardev_client client = rec_client(r);
    struct chardev *chr = NULL;

    CHECK(chardev_spec_parse(text, &spec) == NULL);
    CHECK(chardev_open(&chr, loop, &spec, link, "uart0", &client, wire) == 0);
    chardev_spec_free(&spec);
    return chr;
}

static void in_child(void (*fn)(const char *dir), const char *dir)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(dir);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static struct chardev_wire child_wire;

/*
 * A dmd (A) has a listener and a connected client, both in the store, and
 * dies.  The next one (B) gets them passed: it listens on the very same
 * socket (no new bind), the client is still connected and gets B's
 * output, and B's device hears of the carrier from the loop, not during
 * open.
 */
static void child_reuse_listener_and_client(const char *dir)
{
    struct recorder rec_a = { .room = 64 }, rec_b = { .room = 64 };
    struct ev_loop *loop_a, *loop_b;
    struct chardev *b;
    struct stat before, after;
    char path[128], text[160], buf[64];
    int notify, fds[2], c;

    child_reserve_low_fds();
    loop_a = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_a != NULL);
    notify = bind_notify(dir);
    CHECK(notify > 6);
    snprintf(path, sizeof(path), "%s/uart0.sock", dir);
    snprintf(text, sizeof(text), "socket:%s", path);
    (void)child_open(loop_a, text, NULL, &rec_a, &child_wire);
    fds[0] = child_expect_stored(notify, "uart0.listen");
    c = child_connect(path);
    child_run(loop_a, 5);
    CHECK(rec_a.carrier);
    fds[1] = child_expect_stored(notify, "uart0.client");
    CHECK(stat(path, &before) == 0);
    /* A dies here: its loop never runs again. */

    child_pass(fds, 2, "uart0.listen:uart0.client");
    loop_b = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_b != NULL);
    b = child_open(loop_b, text, NULL, &rec_b, &child_wire);
    /* Both were taken. */
    CHECK(sd_proto_take_fd("uart0.listen") == -1);
    CHECK(sd_proto_take_fd("uart0.client") == -1);
    CHECK(sd_proto_close_untaken() == 0);
    CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(4, F_GETFD) & FD_CLOEXEC) != 0);
    /* No new bind: the socket file is the one A bound. */
    CHECK(stat(path, &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    /* The carrier comes from the loop. */
    CHECK(rec_b.carrier_events == 0);
    child_run(loop_b, 1);
    CHECK(rec_b.carrier_events == 1);
    CHECK(rec_b.carrier);
    child_run(loop_b, 5);
    CHECK(rec_b.carrier_events == 1);
    /* The same client, both ways. */
    CHECK(chardev_write(b, (const uint8_t *)"from B", 6) == 6);
    CHECK(recv(c, buf, sizeof(buf), 0) == 6);
    CHECK(memcmp(buf, "from B", 6) == 0);
    CHECK(send(c, "to B", 4, 0) == 4);
    child_run(loop_b, 5);
    CHECK(rec_b.rx_len == 4 && memcmp(rec_b.rx, "to B", 4) == 0);
    CHECK(rec_a.rx_len == 0);
    /* A second client is still turned away: the first one is on. */
    {
        int c2 = child_connect(path);

        child_run(loop_b, 5);
        CHECK(recv(c2, buf, sizeof(buf), 0) == 0);
        close(c2);
    }
    /* The client leaving is noticed by B. */
    close(c);
    child_run(loop_b, 5);
    CHECK(!rec_b.carrier);
    CHECK(rec_b.carrier_events == 2);
    chardev_close(b);
}

static void test_store_reuses_listener_and_client(void **state)
{
    struct fx *f = *state;

    in_child(child_reuse_listener_and_client, f->dir);
}

/* A stored listener whose socket file was removed cannot be reached: a
 * new one is bound, and it replaces the old one in the store. */
static void child_listener_path_removed(const char *dir)
{
    struct recorder rec_a = { .room = 64 }, rec_b = { .room = 64 };
    struct ev_loop *loop_a, *loop_b;
    struct chardev *b;
    struct stat before, after, stored;
    char path[128], text[160], buf[512];
    int notify, fds[1], c, fd;

    child_reserve_low_fds();
    loop_a = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_a != NULL);
    notify = bind_notify(dir);
    CHECK(notify > 6);
    snprintf(path, sizeof(path), "%s/uart0.sock", dir);
    snprintf(text, sizeof(text), "socket:%s", path);
    (void)child_open(loop_a, text, NULL, &rec_a, &child_wire);
    fds[0] = child_expect_stored(notify, "uart0.listen");
    CHECK(fstat(fds[0], &stored) == 0);
    CHECK(stat(path, &before) == 0);
    CHECK(unlink(path) == 0);

    child_pass(fds, 1, "uart0.listen");
    loop_b = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_b != NULL);
    b = child_open(loop_b, text, NULL, &rec_b, &child_wire);
    /* The unusable one was closed (3 may be reused, not for it). */
    CHECK(fcntl(3, F_GETFD) < 0 || (fstat(3, &after) == 0 && after.st_ino != stored.st_ino));
    CHECK(notify_recv(notify, buf, sizeof(buf), &fd) >= 0);
    CHECK(strcmp(buf, "FDSTOREREMOVE=1\nFDNAME=uart0.listen") == 0 && fd < 0);
    fd = child_expect_stored(notify, "uart0.listen");
    close(fd);
    CHECK(stat(path, &after) == 0);
    CHECK(S_ISSOCK(after.st_mode));
    CHECK(rec_b.carrier_events == 0);
    c = child_connect(path);
    child_run(loop_b, 5);
    CHECK(rec_b.carrier);
    CHECK(chardev_write(b, (const uint8_t *)"new", 3) == 3);
    CHECK(recv(c, buf, sizeof(buf), 0) == 3);
    close(c);
    chardev_close(b);
    CHECK(access(path, F_OK) < 0); /* ours, so removed at close */
}

/*
 * While dmd was down another process bound its own socket at the path: the
 * stored listener is not reused (the file it was bound to is gone, and the
 * one there is not the one it bound, whatever its name), and, as at any
 * start, the socket at the path is replaced by the backend's own.
 */
static void child_listener_path_taken(const char *dir)
{
    struct recorder rec_a = { .room = 64 }, rec_b = { .room = 64 };
    struct ev_loop *loop_a, *loop_b;
    struct chardev *b;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat foreign, after;
    char path[128], text[160], buf[512];
    int notify, fds[1], other, fd, c;

    child_reserve_low_fds();
    loop_a = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_a != NULL);
    notify = bind_notify(dir);
    CHECK(notify > 6);
    snprintf(path, sizeof(path), "%s/uart0.sock", dir);
    snprintf(text, sizeof(text), "socket:%s", path);
    (void)child_open(loop_a, text, NULL, &rec_a, &child_wire);
    fds[0] = child_expect_stored(notify, "uart0.listen");
    CHECK(unlink(path) == 0);
    other = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(other >= 0 && strlen(path) < sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    CHECK(bind(other, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(other, 1) == 0);
    CHECK(stat(path, &foreign) == 0);

    child_pass(fds, 1, "uart0.listen");
    loop_b = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_b != NULL);
    b = child_open(loop_b, text, NULL, &rec_b, &child_wire);
    CHECK(notify_recv(notify, buf, sizeof(buf), &fd) >= 0);
    CHECK(strcmp(buf, "FDSTOREREMOVE=1\nFDNAME=uart0.listen") == 0 && fd < 0);
    fd = child_expect_stored(notify, "uart0.listen");
    close(fd);
    CHECK(stat(path, &after) == 0 && after.st_ino != foreign.st_ino);
    c = child_connect(path);
    child_run(loop_b, 5);
    CHECK(rec_b.carrier);
    close(c);
    chardev_close(b);
    close(other);
}

static void test_store_listener_path_taken(void **state)
{
    struct fx *f = *state;

    in_child(child_listener_path_taken, f->dir);
}

static void test_store_listener_path_removed(void **state)
{
    struct fx *f = *state;

    in_child(child_listener_path_removed, f->dir);
}

/* A pty master from the store: the same pty, with whoever has it open. */
static void child_reuse_pty(const char *dir)
{
    struct recorder rec_a = { .room = 64 }, rec_b = { .room = 64 };
    struct ev_loop *loop_a, *loop_b;
    struct chardev *a, *b;
    uint8_t snap[256];
    struct snap_out so;
    struct snap_in si;
    char link_a[128], link_b[128], name_a[128], name_b[128], buf[64];
    ssize_t n;
    int notify, fds[1], slave;

    child_reserve_low_fds();
    loop_a = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_a != NULL);
    notify = bind_notify(dir);
    CHECK(notify > 6);
    snprintf(link_a, sizeof(link_a), "%s/a.pty", dir);
    snprintf(link_b, sizeof(link_b), "%s/b.pty", dir);
    a = child_open(loop_a, "pty", link_a, &rec_a, &child_wire);
    fds[0] = child_expect_stored(notify, "uart0.pty");
    n = readlink(link_a, name_a, sizeof(name_a) - 1);
    CHECK(n > 0);
    name_a[n] = '\0';
    slave = open(name_a, O_RDWR | O_NOCTTY | O_NONBLOCK);
    CHECK(slave >= 0);
    snap_out_init(&so, snap, sizeof(snap));
    chardev_save(a, &so);
    CHECK(!so.overflow);

    child_pass(fds, 1, "uart0.pty");
    loop_b = ev_loop_new(EVFLAG_AUTO);
    CHECK(loop_b != NULL);
    b = child_open(loop_b, "pty", link_b, &rec_b, &child_wire);
    snap_in_init(&si, snap, (size_t)(so.p - snap));
    CHECK(chardev_restore(b, &si, true) == 0);
    CHECK(sd_proto_take_fd("uart0.pty") == -1);
    n = readlink(link_b, name_b, sizeof(name_b) - 1);
    CHECK(n > 0);
    name_b[n] = '\0';
    CHECK(strcmp(name_a, name_b) == 0);
    for (int i = 0; i < 100 && !rec_b.carrier; i++)
        ev_run(loop_b, EVRUN_ONCE);
    CHECK(rec_b.carrier);
    /* The pty was open all along: the line came up once, it never
     * dropped while the restarted backend looked for an opener. */
    child_run(loop_b, 20);
    CHECK(rec_b.carrier_events == 1);
    CHECK(chardev_write(b, (const uint8_t *)"still", 5) == 5);
    n = -1;
    for (int i = 0; i < 2000 && n < 0; i++) {
        child_run(loop_b, 1);
        n = read(slave, buf, sizeof(buf));
        if (n < 0)
            usleep(1000);
    }
    CHECK(n == 5 && memcmp(buf, "still", 5) == 0);
    close(slave);
    chardev_close(b);
}

static void test_store_reuses_pty(void **state)
{
    struct fx *f = *state;
    int fd = posix_openpt(O_RDWR | O_NOCTTY);

    if (fd < 0)
        skip(); /* no usable /dev/ptmx here */
    close(fd);
    in_child(child_reuse_pty, f->dir);
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
        cmocka_unit_test_setup_teardown(test_wire_output_positions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wire_socket_held_output, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_restart_skips_what_the_kernel_had, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_restart_file_not_repeated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_restart_journal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_restart_sends_held_output, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_restore_held_partly_sent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_socket_input_peeked_then_taken, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_restore_takes_delivered_input, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_restore_refuses, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_restore_check_changes_nothing, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_skips_unusable_owner, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_reuses_listener_and_client, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_listener_path_taken, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_listener_path_removed, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_reuses_pty, fx_setup, fx_teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    umask(022);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
