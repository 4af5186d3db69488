/* SPDX-License-Identifier: MIT */
/*
 * Character backends at run time (the semantics are in chardev.h).
 *
 * stdio, socket and pty are "streams": non-blocking fds watched by libev,
 * input read only as far as the device's rx_room() allows, output written
 * straight away and, when the fd is full, kept in a bounded buffer
 * (CHARDEV_OUTBUF) that the write watcher drains before calling tx_ready().
 * file writes synchronously (regular files do not block); journal turns
 * output into one entry per line; null discards.
 *
 * Choices:
 *  - socket: one client at a time.  A second connection while one is
 *    active is accepted and closed at once with a (rate-limited) log line,
 *    so its user learns immediately rather than waiting silently; if the
 *    active client has in fact hung up unnoticed (its input was paused),
 *    it is dropped and the newcomer takes its place.  The path is created
 *    0660, a stale socket there is replaced (anything else is refused),
 *    and it is removed at close if it is still ours.
 *  - pty: dmd does not hold the slave open.  At start it opens and closes
 *    the slave once, which makes the master report a hang-up until someone
 *    opens the slave; while nobody has it open output is discarded (like a
 *    line with nothing attached) and a timer polls every
 *    CHARDEV_PTY_POLL_S for an opener, because a hung-up master is always
 *    readable and cannot be waited for with an io watcher.
 *  - stdio: dmd uses non-blocking descriptors of its own for stdin and
 *    stdout, reopened through /proc/self/fd: O_NONBLOCK belongs to the open
 *    file description, which a terminal or pipe usually shares with
 *    stderr, and dmd's own log lines must not be cut short.  Regular files
 *    never block and are used as they are; where no reopening is possible
 *    (a socket) the shared descriptor is made non-blocking and restored at
 *    close.  stdin, when it is a terminal,
 *    is made raw but with signals kept so ^C still stops dmd.  End of
 *    input is logged once and reading stops.
 *  - journal: lines are split on \n, \r is dropped, and a line is sent
 *    when it reaches CHARDEV_JOURNAL_LINE_MAX bytes; a partial line is sent
 *    at close.  Entries carry SYSLOG_IDENTIFIER=dmd-OWNER, so
 *    `journalctl -t dmd-uart0` shows one guest line's output.
 *
 * Client callbacks are called only from the event loop, never from inside
 * chardev_write(), chardev_rx_resume() or chardev_close(): a device may
 * call those from its register handlers without being re-entered.  A
 * client must not close its chardev from inside a callback.
 */
#include "chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <ev.h>

#include "../log.h"
#include "../sd_proto.h"
#include "../snapshot.h"
#include "unix_listen.h"

#define CHARDEV_OUTBUF 4096
#define CHARDEV_READ_CHUNK 256
#define CHARDEV_JOURNAL_LINE_MAX 1024
#define CHARDEV_PTY_POLL_S 0.25
#define JOURNAL_MESSAGE "MESSAGE="

int (*chardev_journal_sendv)(const struct iovec *iov, int n) = sd_proto_journal_sendv;

struct chardev {
    enum chardev_kind kind;
    struct ev_loop *loop;
    char *owner;
    struct chardev_client client;
    struct log_ratelimit rl; /* messages the host side can trigger */

    /* Stream positions (chardev.h): output bytes the device handed over,
     * input bytes delivered to it; the wire words outlive dmd when the
     * caller gave them. */
    struct chardev_wire *wire, own_wire;
    uint64_t emitted, accepted;
    bool peek;       /* socket input is peeked, delivered, then taken */
    ev_timer resume; /* after a restart: carrier and output, from the loop */
    bool kept;       /* the pty master came from the descriptor store */

    /* The stream, when there is one: -1 when nobody is on the line. */
    int in_fd, out_fd;
    ev_io in_watcher, out_watcher;
    bool connected;  /* socket client or pty opener present */
    bool in_ended;   /* stdin reached its end */
    bool out_failed; /* a write failed: handled from out_watcher */
    int out_errno;
    bool tx_blocked; /* a chardev_write() came up short: owe a tx_ready() */
    size_t out_len;
    uint8_t out[CHARDEV_OUTBUF];

    int fd;          /* file; socket listener; pty master */
    ev_io accept_watcher;
    ev_timer accept_retry; /* out of descriptors: try accept() again later */
    ev_timer pty_timer;
    char *path;      /* socket path or pty link, removed at close */
    struct stat path_st;
    char pty_name[64];

    int saved_flags[2]; /* stdio: stdin's and stdout's flags, if changed */
    int own_fd[2];      /* stdio: our reopened stdin and stdout, or -1 */
    bool tty_raw;
    struct termios saved_tio;

    char *journal_device;   /* "DMD_DEVICE=owner" */
    char *journal_ident;    /* "SYSLOG_IDENTIFIER=dmd-owner" */
    char *journal_domid;    /* "DMD_DOMID=N", or NULL before a domain is set */
    size_t line_len;        /* bytes after the "MESSAGE=" prefix */
    size_t line_raw;        /* output bytes behind them (\r is dropped) */
    char line[sizeof(JOURNAL_MESSAGE) - 1 + CHARDEV_JOURNAL_LINE_MAX];
};

#define CHR_FIELDS(chr) (&(struct log_fields){ .device = (chr)->owner, .vcpu = -1 })

static int open_failed(struct chardev *chr, const char *what, const char *path)
{
    int err = errno ? errno : EIO;

    log_dev(LOG_ERR, chr->owner, "%s backend: %s %s: %s", chardev_kind_name(chr->kind), what,
            path, strerror(err));
    return -err;
}

static int set_nonblock(int fd, int *saved)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0)
        return -1;
    if (saved != NULL)
        *saved = flags;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Output is discarded from now on: a device waiting for room need not. */
static void release_tx(struct chardev *chr)
{
    if (!chr->tx_blocked)
        return;
    chr->tx_blocked = false;
    if (chr->client.tx_ready != NULL)
        chr->client.tx_ready(chr->client.opaque);
}

static void set_carrier(struct chardev *chr, bool connected)
{
    chr->connected = connected;
    if (chr->client.carrier != NULL)
        chr->client.carrier(chr->client.opaque, connected);
}

/* ---- stream positions --------------------------------------------------- */

/*
 * Output positions below `pos` have reached the kernel or been thrown
 * away; input positions below it have left the kernel.  Each is stored
 * before the system call that makes it true, and the signal fence keeps
 * the compiler from moving the store after that call: a kill between the
 * two can only lose what that one call would have moved.
 */
static void tx_mark(struct chardev *chr, uint64_t pos)
{
    atomic_store_explicit(&chr->wire->tx, pos, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
}

static void rx_mark(struct chardev *chr, uint64_t pos)
{
    atomic_store_explicit(&chr->wire->rx, pos, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
}

/* Output handed over and thrown away (nobody on the line). */
static void discard(struct chardev *chr, size_t len)
{
    chr->emitted += len;
    tx_mark(chr, chr->emitted);
}

/* After a restart a device may write again what its snapshot did not
 * record yet: as far as the kernel already has it, it is not sent again.
 * Returns how many of the next `len` bytes to skip. */
static size_t already_sent(struct chardev *chr, size_t len)
{
    uint64_t tx = atomic_load_explicit(&chr->wire->tx, memory_order_relaxed);
    uint64_t ahead = tx > chr->emitted ? tx - chr->emitted : 0;
    size_t skip = ahead < len ? (size_t)ahead : len;

    chr->emitted += skip;
    return skip;
}

/* ---- the service manager's descriptor store ------------------------------ */

#define STORE_NAME_MAX 256

/* "OWNER.ROLE", the name a descriptor is stored under; false when OWNER
 * cannot be part of one (sd_proto.h). */
static bool store_name(const struct chardev *chr, const char *role, char *out, size_t len)
{
    int n = snprintf(out, len, "%s.%s", chr->owner, role);

    if (n < 0 || (size_t)n >= len)
        return false;
    for (int i = 0; i < n; i++)
        if (out[i] < ' ' || out[i] > '~' || out[i] == ':')
            return false;
    return true;
}

/* What a previous dmd stored under ROLE, or -1. */
static int store_take(const struct chardev *chr, const char *role)
{
    char name[STORE_NAME_MAX];

    return store_name(chr, role, name, sizeof(name)) ? sd_proto_take_fd(name) : -1;
}

/* `watch`: the manager drops the descriptor once it hangs up (a client
 * that left), which a pty master nobody has open always seems to. */
static void store_put(struct chardev *chr, int fd, const char *role, bool watch)
{
    char name[STORE_NAME_MAX];
    int rc;

    if (!store_name(chr, role, name, sizeof(name)))
        return;
    rc = sd_proto_store_fd(fd, name, watch);
    if (rc < 0)
        log_limited(&chr->rl, LOG_WARNING, CHR_FIELDS(chr),
                    "cannot hand %s to the service manager's descriptor store: %s; it "
                    "will not outlive a crash", name, strerror(-rc));
}

static void store_drop(struct chardev *chr, const char *role)
{
    char name[STORE_NAME_MAX];

    if (store_name(chr, role, name, sizeof(name)))
        sd_proto_unstore_fd(name);
}

/* ---- streams ------------------------------------------------------------ */

static void on_input(struct ev_loop *loop, ev_io *w, int revents);
static void on_output(struct ev_loop *loop, ev_io *w, int revents);
static void on_resume(struct ev_loop *loop, ev_timer *w, int revents);

static void stream_start(struct chardev *chr, int in_fd, int out_fd)
{
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->out_len = 0;
    chr->out_failed = false;
    if (in_fd >= 0) {
        ev_io_init(&chr->in_watcher, on_input, in_fd, EV_READ);
        chr->in_watcher.data = chr;
        if (chr->client.rx != NULL)
            ev_io_start(chr->loop, &chr->in_watcher);
    }
    if (out_fd >= 0) {
        ev_io_init(&chr->out_watcher, on_output, out_fd, EV_WRITE);
        chr->out_watcher.data = chr;
    }
}

/* chardev_leave(): closing for a successor, not for good. */
static bool leaving;

/* Forget the stream (the caller closes fds it owns); pending output is
 * lost, unless a successor takes it on from the device's snapshot. */
static void stream_stop(struct chardev *chr)
{
    if (chr->out_len > 0 && !leaving)
        tx_mark(chr, chr->emitted);
    if (chr->in_fd >= 0)
        ev_io_stop(chr->loop, &chr->in_watcher);
    if (chr->out_fd >= 0)
        ev_io_stop(chr->loop, &chr->out_watcher);
    chr->in_fd = -1;
    chr->out_fd = -1;
    chr->out_len = 0;
    chr->out_failed = false;
}

static ssize_t stream_send(struct chardev *chr, const uint8_t *buf, size_t len)
{
    /* MSG_NOSIGNAL: a client that left must not kill dmd with SIGPIPE. */
    if (chr->kind == CHARDEV_SOCKET)
        return send(chr->out_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return write(chr->out_fd, buf, len);
}

/* Write what the fd takes now; a hard error is noted for on_output(). */
static size_t stream_try_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    ssize_t n = stream_send(chr, buf, len);

    if (n >= 0)
        return (size_t)n;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        chr->out_failed = true;
        chr->out_errno = errno;
    }
    return 0;
}

/* Write output positions [pos, pos + len): the wire says they went before
 * they do, and is put right when the kernel takes fewer. */
static size_t stream_send_at(struct chardev *chr, const uint8_t *buf, size_t len, uint64_t pos)
{
    size_t n;

    tx_mark(chr, pos + len);
    n = stream_try_write(chr, buf, len);
    if (n < len)
        tx_mark(chr, pos + n);
    return n;
}

static size_t stream_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    size_t taken = 0, room, more;

    if (chr->out_fd < 0 || chr->out_failed) {
        discard(chr, len); /* nobody on the line */
        return len;
    }
    if (chr->out_len == 0) {
        taken = stream_send_at(chr, buf, len, chr->emitted);
        chr->emitted += taken;
    }
    if (chr->out_failed) {
        discard(chr, len - taken);
        /* Deal with it from the loop, not inside the device's write. */
        ev_feed_event(chr->loop, &chr->out_watcher, EV_WRITE);
        return len;
    }
    room = CHARDEV_OUTBUF - chr->out_len;
    more = len - taken < room ? len - taken : room;
    memcpy(chr->out + chr->out_len, buf + taken, more);
    chr->out_len += more;
    chr->emitted += more;
    taken += more;
    if (chr->out_len > 0)
        ev_io_start(chr->loop, &chr->out_watcher);
    if (taken < len)
        chr->tx_blocked = true;
    return taken;
}

static void stream_flush(struct chardev *chr)
{
    size_t n;

    if (chr->out_len == 0 || chr->out_failed)
        return;
    n = stream_send_at(chr, chr->out, chr->out_len, chr->emitted - chr->out_len);
    memmove(chr->out, chr->out + n, chr->out_len - n);
    chr->out_len -= n;
}

static void socket_hangup(struct chardev *chr, const char *why);
static void pty_hangup(struct chardev *chr);

static void stdout_failed(struct chardev *chr)
{
    log_dev(LOG_WARNING, chr->owner, "stdio backend: writing to stdout failed: %s; "
            "output is discarded from now on", strerror(chr->out_errno));
    ev_io_stop(chr->loop, &chr->out_watcher);
    chr->out_fd = -1;
    chr->out_len = 0;
    release_tx(chr);
}

static void output_failed(struct chardev *chr)
{
    if (chr->kind == CHARDEV_SOCKET)
        socket_hangup(chr, strerror(chr->out_errno));
    else if (chr->kind == CHARDEV_PTY)
        pty_hangup(chr);
    else
        stdout_failed(chr);
}

static void on_output(struct ev_loop *loop, ev_io *w, int revents)
{
    struct chardev *chr = w->data;

    (void)revents;
    stream_flush(chr);
    if (chr->out_failed) {
        output_failed(chr);
        return;
    }
    if (chr->out_len == 0)
        ev_io_stop(loop, w);
    if (chr->out_len < CHARDEV_OUTBUF)
        release_tx(chr);
}

static void stdin_ended(struct chardev *chr, int err)
{
    if (err != 0)
        log_dev(LOG_WARNING, chr->owner, "stdio backend: reading stdin failed: %s; "
                "no more input", strerror(err));
    else
        log_dev(LOG_INFO, chr->owner, "stdio backend: end of stdin; no more input");
    ev_io_stop(chr->loop, &chr->in_watcher);
    chr->in_ended = true;
}

static void input_ended(struct chardev *chr, int err)
{
    if (chr->kind == CHARDEV_SOCKET)
        socket_hangup(chr, err != 0 ? strerror(err) : "closed by the client");
    else if (chr->kind == CHARDEV_PTY)
        pty_hangup(chr); /* EIO: the last opener closed the slave */
    else
        stdin_ended(chr, err);
}

/* Socket input is only peeked here: the device takes it and saves itself
 * (device_changed()) before input_take() removes it from the socket, so
 * after a crash a byte is either still in the socket or in the saved
 * device.  A pty or a pipe cannot be peeked and is read. */
static ssize_t input_read(struct chardev *chr, int fd, uint8_t *buf, size_t len)
{
    if (chr->peek)
        return recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
    return read(fd, buf, len);
}

static void input_take(struct chardev *chr, int fd, size_t len)
{
    uint8_t sink[CHARDEV_READ_CHUNK];

    rx_mark(chr, chr->accepted);
    while (len > 0) {
        ssize_t n = recv(fd, sink, len < sizeof(sink) ? len : sizeof(sink), MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the peeked bytes are gone: the peer reset; the read sees it */
        len -= (size_t)n;
    }
}

static void on_input(struct ev_loop *loop, ev_io *w, int revents)
{
    struct chardev *chr = w->data;
    uint8_t buf[CHARDEV_READ_CHUNK];
    size_t room = chr->client.rx_room != NULL ? chr->client.rx_room(chr->client.opaque) : 0;
    ssize_t n;

    (void)revents;
    if (room == 0) {
        ev_io_stop(loop, w); /* until chardev_rx_resume() */
        return;
    }
    n = input_read(chr, w->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
    if (n > 0) {
        if (!chr->peek)
            rx_mark(chr, chr->accepted + (uint64_t)n); /* out of the kernel already */
        chr->accepted += (uint64_t)n;
        chr->client.rx(chr->client.opaque, buf, (size_t)n);
        if (chr->peek)
            input_take(chr, w->fd, (size_t)n);
    } else if (n == 0)
        input_ended(chr, 0);
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        input_ended(chr, errno);
}

/* ---- file --------------------------------------------------------------- */

static int file_open(struct chardev *chr, const char *path)
{
    /* O_NONBLOCK only matters if PATH is a FIFO: never wait for a reader. */
    chr->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                   0640);
    if (chr->fd < 0)
        return open_failed(chr, "cannot open", path);
    chr->path = strdup(path);
    return chr->path != NULL ? 0 : -ENOMEM;
}

static void file_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(chr->fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_limited(&chr->rl, LOG_WARNING, CHR_FIELDS(chr),
                        "file backend: writing %s failed: %s; output lost", chr->path,
                        n < 0 ? strerror(errno) : "no progress");
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* ---- journal ------------------------------------------------------------ */

static void journal_send_line(struct chardev *chr)
{
    struct iovec iov[5] = {
        { .iov_base = chr->line, .iov_len = sizeof(JOURNAL_MESSAGE) - 1 + chr->line_len },
        { .iov_base = (char *)"PRIORITY=6", .iov_len = strlen("PRIORITY=6") },
        { .iov_base = chr->journal_device, .iov_len = strlen(chr->journal_device) },
        { .iov_base = chr->journal_ident, .iov_len = strlen(chr->journal_ident) },
    };
    int n = 4, rc;

    if (chr->journal_domid != NULL)
        iov[n++] = (struct iovec){ .iov_base = chr->journal_domid,
                                   .iov_len = strlen(chr->journal_domid) };
    tx_mark(chr, chr->emitted); /* the line's bytes, its newline included */
    rc = chardev_journal_sendv(iov, n);

    if (rc < 0)
        log_limited(&chr->rl, LOG_WARNING, CHR_FIELDS(chr),
                    "journal backend: cannot send a line: %s; output lost", strerror(-rc));
    chr->line_len = 0;
    chr->line_raw = 0;
}

static void journal_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    char *text = chr->line + sizeof(JOURNAL_MESSAGE) - 1;

    for (size_t i = 0; i < len; i++) {
        chr->emitted++;
        chr->line_raw++;
        if (buf[i] == '\r')
            continue;
        if (buf[i] == '\n') {
            journal_send_line(chr);
            continue;
        }
        text[chr->line_len++] = (char)buf[i];
        if (chr->line_len == CHARDEV_JOURNAL_LINE_MAX)
            journal_send_line(chr);
    }
}

static int journal_open(struct chardev *chr)
{
    memcpy(chr->line, JOURNAL_MESSAGE, sizeof(JOURNAL_MESSAGE) - 1);
    if (asprintf(&chr->journal_device, "DMD_DEVICE=%s", chr->owner) < 0) {
        chr->journal_device = NULL;
        return -ENOMEM;
    }
    if (asprintf(&chr->journal_ident, "SYSLOG_IDENTIFIER=dmd-%s", chr->owner) < 0) {
        chr->journal_ident = NULL;
        return -ENOMEM;
    }
    if (log_get_domid() >= 0 &&
        asprintf(&chr->journal_domid, "DMD_DOMID=%d", log_get_domid()) < 0) {
        chr->journal_domid = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* ---- stdio -------------------------------------------------------------- */

/* Raw input, but ^C and friends still reach dmd. */
static void stdin_make_raw(struct chardev *chr)
{
    struct termios tio;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &chr->saved_tio) < 0)
        return;
    tio = chr->saved_tio;
    cfmakeraw(&tio);
    tio.c_lflag |= ISIG;
    tio.c_oflag = chr->saved_tio.c_oflag;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
        chr->tty_raw = true;
}

/*
 * A non-blocking descriptor for stdin (0) or stdout (1); -1 if unusable.
 * A regular file never blocks and is used as it is: a second description
 * of it would have an offset of its own and overwrite what the first one
 * writes (stdout and stderr both redirected to one file).
 */
static int stdio_fd(struct chardev *chr, int fd, int access)
{
    char path[32];
    struct stat st;
    int own;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        return fd;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    own = open(path, access | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (own >= 0) {
        chr->own_fd[fd] = own;
        return own;
    }
    return set_nonblock(fd, &chr->saved_flags[fd]) < 0 ? -1 : fd;
}

static int stdio_open(struct chardev *chr)
{
    int in_fd = -1, out_fd;

    chr->saved_flags[0] = chr->saved_flags[1] = -1;
    chr->own_fd[0] = chr->own_fd[1] = -1;
    out_fd = stdio_fd(chr, STDOUT_FILENO, O_WRONLY);
    if (out_fd < 0)
        return open_failed(chr, "cannot use", "stdout");
    if (chr->client.rx != NULL) {
        in_fd = stdio_fd(chr, STDIN_FILENO, O_RDONLY);
        if (in_fd < 0)
            log_dev(LOG_WARNING, chr->owner, "stdio backend: stdin is unusable (%s); no input",
                    strerror(errno));
        else
            stdin_make_raw(chr);
    }
    stream_start(chr, in_fd, out_fd);
    return 0;
}

static void stdio_close(struct chardev *chr)
{
    if (chr->tty_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &chr->saved_tio);
    for (int fd = STDIN_FILENO; fd <= STDOUT_FILENO; fd++) {
        if (chr->own_fd[fd] >= 0)
            close(chr->own_fd[fd]);
        if (chr->saved_flags[fd] >= 0)
            fcntl(fd, F_SETFL, chr->saved_flags[fd]);
    }
}

/* ---- socket ------------------------------------------------------------- */

static void socket_hangup(struct chardev *chr, const char *why)
{
    int fd = chr->in_fd;

    stream_stop(chr);
    close(fd);
    store_drop(chr, "client");
    log_limited(&chr->rl, LOG_INFO, CHR_FIELDS(chr), "socket %s: client left (%s)", chr->path,
                why);
    set_carrier(chr, false);
    release_tx(chr);
}

/* The client hung up while its input was paused, so nobody noticed. */
static bool socket_client_gone(const struct chardev *chr)
{
    struct pollfd p = { .fd = chr->in_fd, .events = 0 };

    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

static void on_accept_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct chardev *chr = w->data;

    (void)revents;
    ev_io_start(loop, &chr->accept_watcher);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    struct chardev *chr = w->data;
    int fd = accept4(chr->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)revents;
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
            return;
        log_limited(&chr->rl, LOG_WARNING, CHR_FIELDS(chr), "socket %s: accept: %s",
                    chr->path, strerror(errno));
        /* The connection stays queued (e.g. EMFILE): the listener would be
         * readable forever, so stop watching it for a while. */
        ev_io_stop(loop, &chr->accept_watcher);
        ev_timer_start(loop, &chr->accept_retry);
        return;
    }
    if (chr->connected && socket_client_gone(chr))
        socket_hangup(chr, "hung up");
    if (chr->connected) {
        log_limited(&chr->rl, LOG_NOTICE, CHR_FIELDS(chr),
                    "socket %s: refused a second client while one is connected", chr->path);
        close(fd);
        return;
    }
    stream_start(chr, fd, fd);
    store_put(chr, fd, "client", true);
    log_limited(&chr->rl, LOG_INFO, CHR_FIELDS(chr), "socket %s: client connected", chr->path);
    set_carrier(chr, true);
}

static bool is_unix_stream(int fd, bool listening)
{
    int type = 0, acc = 0;
    socklen_t tlen = sizeof(type), alen = sizeof(acc);
    struct sockaddr_un sa;
    socklen_t salen = sizeof(sa);

    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_STREAM &&
           getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) == 0 &&
           (acc != 0) == listening && getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 &&
           sa.sun_family == AF_UNIX;
}

/* A listener a previous dmd stored: still bound to PATH, and PATH still
 * the socket file it bound (the wire says which): one whose file was
 * removed can no longer be reached, and one whose file another process
 * has replaced is not ours to remove at exit. */
static bool stored_listener_usable(const struct chardev *chr, int fd, const char *path,
                                   struct stat *st)
{
    struct sockaddr_un sa;
    socklen_t salen = sizeof(sa);

    if (!is_unix_stream(fd, true) || getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 ||
        salen <= offsetof(struct sockaddr_un, sun_path))
        return false;
    sa.sun_path[sizeof(sa.sun_path) - 1] = '\0';
    return strcmp(sa.sun_path, path) == 0 && lstat(path, st) == 0 && S_ISSOCK(st->st_mode) &&
           st->st_dev == chr->wire->listen_dev && st->st_ino == chr->wire->listen_ino;
}

/* The client a previous dmd had connected: on the line again, and the
 * device hears of it from the loop (on_resume). */
static void socket_resume_client(struct chardev *chr)
{
    int fd = store_take(chr, "client");

    if (fd < 0)
        return;
    if (!is_unix_stream(fd, false) || set_nonblock(fd, NULL) < 0) {
        close(fd);
        store_drop(chr, "client");
        return;
    }
    stream_start(chr, fd, fd);
    chr->connected = true;
    ev_timer_start(chr->loop, &chr->resume);
    log_dev(LOG_INFO, chr->owner, "socket %s: the client is still connected", chr->path);
}

static int socket_listen(struct chardev *chr, const char *path)
{
    int fd = store_take(chr, "listen");

    if (fd >= 0 && stored_listener_usable(chr, fd, path, &chr->path_st) &&
        set_nonblock(fd, NULL) == 0) {
        log_dev(LOG_INFO, chr->owner, "socket backend listening on %s (kept across a restart)",
                path);
        return fd;
    }
    if (fd >= 0) {
        close(fd);
        store_drop(chr, "listen");
    }
    fd = unix_listen(path, 1, chr->owner, "socket backend", &chr->path_st);
    if (fd >= 0) {
        chr->wire->listen_dev = chr->path_st.st_dev;
        chr->wire->listen_ino = chr->path_st.st_ino;
        store_put(chr, fd, "listen", true);
        log_dev(LOG_INFO, chr->owner, "socket backend listening on %s", path);
    }
    return fd;
}

static int socket_open(struct chardev *chr, const char *path)
{
    int fd = socket_listen(chr, path);

    if (fd < 0)
        return fd;
    chr->fd = fd;
    chr->path = strdup(path);
    if (chr->path == NULL) {
        unix_listen_remove(path, &chr->path_st);
        return -ENOMEM;
    }
    ev_io_init(&chr->accept_watcher, on_accept, chr->fd, EV_READ);
    ev_timer_init(&chr->accept_retry, on_accept_retry, 1.0, 0.0);
    chr->accept_watcher.data = chr->accept_retry.data = chr;
    ev_io_start(chr->loop, &chr->accept_watcher);
    socket_resume_client(chr);
    return 0;
}

/* Remove the socket file only if it is still the one we bound. */
static void socket_close(struct chardev *chr)
{
    ev_io_stop(chr->loop, &chr->accept_watcher);
    ev_timer_stop(chr->loop, &chr->accept_retry);
    unix_listen_remove(chr->path, &chr->path_st);
}

/* ---- pty ---------------------------------------------------------------- */

static void pty_hangup(struct chardev *chr)
{
    stream_stop(chr);
    log_limited(&chr->rl, LOG_INFO, CHR_FIELDS(chr),
                "pty %s: closed; output is discarded until it is opened again", chr->pty_name);
    ev_timer_again(chr->loop, &chr->pty_timer);
    set_carrier(chr, false);
    release_tx(chr);
}

/* A master whose slave nobody has open reports POLLHUP. */
static bool pty_opened(const struct chardev *chr)
{
    struct pollfd p = { .fd = chr->fd, .events = POLLIN };

    return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

static void on_pty_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct chardev *chr = w->data;

    (void)revents;
    if (!pty_opened(chr))
        return;
    ev_timer_stop(loop, w);
    stream_start(chr, chr->fd, chr->fd);
    log_limited(&chr->rl, LOG_INFO, CHR_FIELDS(chr), "pty %s: opened", chr->pty_name);
    set_carrier(chr, true);
}

/* Point `link` at the pty, replacing a symlink but never anything else. */
static int pty_make_link(struct chardev *chr, const char *link)
{
    struct stat st;

    if (lstat(link, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            log_dev(LOG_ERR, chr->owner, "pty backend: %s exists and is not a symlink; "
                    "not replacing it", link);
            return -EEXIST;
        }
        if (unlink(link) < 0)
            return open_failed(chr, "cannot replace the symlink", link);
    } else if (errno != ENOENT) {
        return open_failed(chr, "cannot stat", link);
    }
    if (symlink(chr->pty_name, link) < 0)
        return open_failed(chr, "cannot create the symlink", link);
    chr->path = strdup(link);
    return chr->path != NULL ? 0 : -ENOMEM;
}

static int pty_setup_master(struct chardev *chr)
{
    struct termios tio;
    int rc;

    if (fcntl(chr->fd, F_SETFD, FD_CLOEXEC) < 0 || set_nonblock(chr->fd, NULL) < 0 ||
        grantpt(chr->fd) < 0 || unlockpt(chr->fd) < 0)
        return open_failed(chr, "cannot set up", "/dev/ptmx");
    rc = ptsname_r(chr->fd, chr->pty_name, sizeof(chr->pty_name));
    if (rc != 0) {
        errno = rc;
        return open_failed(chr, "cannot name the pty of", "/dev/ptmx");
    }
    /* Termios set on the master applies to the slave side. */
    if (tcgetattr(chr->fd, &tio) < 0)
        return open_failed(chr, "cannot get the modes of", chr->pty_name);
    cfmakeraw(&tio);
    if (tcsetattr(chr->fd, TCSANOW, &tio) < 0)
        return open_failed(chr, "cannot make raw", chr->pty_name);
    return 0;
}

/* The master a previous dmd stored (while someone had the pty open:
 * the service manager drops a hung-up one), or -1. */
static int pty_stored_master(struct chardev *chr)
{
    int fd = store_take(chr, "pty");

    if (fd < 0)
        return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || set_nonblock(fd, NULL) < 0 ||
        ptsname_r(fd, chr->pty_name, sizeof(chr->pty_name)) != 0) {
        close(fd);
        store_drop(chr, "pty");
        return -1;
    }
    return fd;
}

static int pty_new_master(struct chardev *chr)
{
    int slave, rc;

    chr->fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (chr->fd < 0)
        return open_failed(chr, "cannot open", "/dev/ptmx");
    rc = pty_setup_master(chr);
    if (rc < 0)
        return rc;
    /* Open and close the slave once so the master shows a hang-up (and
     * not a line that buffers into the void) until a user opens it. */
    slave = open(chr->pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return open_failed(chr, "cannot open", chr->pty_name);
    close(slave);
    store_put(chr, chr->fd, "pty", false);
    return 0;
}

static int pty_open(struct chardev *chr, const char *link)
{
    int rc;

    chr->fd = pty_stored_master(chr);
    chr->kept = chr->fd >= 0;
    if (chr->fd < 0 && (rc = pty_new_master(chr)) < 0)
        return rc;
    if (link != NULL) {
        rc = pty_make_link(chr, link);
        if (rc < 0)
            return rc;
    }
    ev_timer_init(&chr->pty_timer, on_pty_poll, CHARDEV_PTY_POLL_S, CHARDEV_PTY_POLL_S);
    chr->pty_timer.data = chr;
    log_dev(LOG_INFO, chr->owner, "pty backend at %s%s%s", chr->pty_name,
            link != NULL ? ", linked from " : "", link != NULL ? link : "");
    /* A master kept across a restart may be open right now: then the line
     * is up at once (the device hears of it from on_resume), with no
     * carrier drop while the poll timer would wait. */
    if (chr->kept && pty_opened(chr)) {
        stream_start(chr, chr->fd, chr->fd);
        chr->connected = true;
        ev_timer_start(chr->loop, &chr->resume);
        return 0;
    }
    ev_timer_again(chr->loop, &chr->pty_timer);
    return 0;
}

/* Remove our symlink unless someone has repointed it since. */
static void pty_close(struct chardev *chr)
{
    char target[sizeof(chr->pty_name)];
    ssize_t n;

    ev_timer_stop(chr->loop, &chr->pty_timer);
    if (chr->path == NULL || leaving)
        return;
    n = readlink(chr->path, target, sizeof(target) - 1);
    if (n < 0)
        return;
    target[n] = '\0';
    if (strcmp(target, chr->pty_name) == 0)
        unlink(chr->path);
}

/* ---- crash save and restore ---------------------------------------------- */

/* At most one peek's worth of input can be held by the device and still
 * sit in the socket (input_take() follows each delivery). */
#define RESTORE_TAKE_MAX CHARDEV_READ_CHUNK
#define HELD_MAX (CHARDEV_OUTBUF > CHARDEV_JOURNAL_LINE_MAX ? CHARDEV_OUTBUF : CHARDEV_JOURNAL_LINE_MAX)

/* After a restart: tell the device what it would have learnt from the
 * loop (whether a client is on the line), and let held output go on: the
 * device may be waiting for a tx_ready() it would otherwise never get. */
static void on_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct chardev *chr = w->data;

    (void)revents;
    /* Whether or not a client came back, the device's restored idea of
     * the line may be out of date: tell it how things are. */
    if (chr->kind == CHARDEV_SOCKET || chr->kind == CHARDEV_PTY)
        set_carrier(chr, chr->connected);
    if (chr->out_fd >= 0 && chr->out_len > 0)
        ev_io_start(loop, &chr->out_watcher);
    else
        release_tx(chr);
}

/* Output accepted but not delivered: its bytes, and how many output
 * positions they stand for (a journal line has no \r). */
static size_t held(const struct chardev *chr, const uint8_t **bytes, size_t *raw)
{
    if (chr->kind == CHARDEV_JOURNAL) {
        *bytes = (const uint8_t *)chr->line + sizeof(JOURNAL_MESSAGE) - 1;
        *raw = chr->line_raw;
        return chr->line_len;
    }
    *bytes = chr->out;
    *raw = chr->out_len;
    return chr->out_len;
}

static size_t held_capacity(enum chardev_kind kind)
{
    switch (kind) {
    case CHARDEV_JOURNAL:
        /* journal_write() sends a line the moment it is this long */
        return CHARDEV_JOURNAL_LINE_MAX - 1;
    case CHARDEV_STDIO:
    case CHARDEV_SOCKET:
    case CHARDEV_PTY:
        return CHARDEV_OUTBUF;
    case CHARDEV_NULL:
    case CHARDEV_FILE:
        break;
    }
    return 0;
}

void chardev_save(const struct chardev *chr, struct snap_out *out)
{
    const uint8_t *bytes;
    size_t raw, len = held(chr, &bytes, &raw);

    snap_put_u64(out, chr->emitted);
    snap_put_u64(out, chr->accepted);
    snap_put_u64(out, raw);
    snap_put_u32(out, (uint32_t)len);
    snap_put_bytes(out, bytes, len);
}

/*
 * Held output stands for positions [emitted - raw, emitted); the kernel
 * has those below the wire's tx.  Keep what it lacks, if anyone is on the
 * line to take it; a journal line goes whole or not at all.
 */
static void restore_output(struct chardev *chr, const uint8_t *bytes, size_t len, uint64_t raw)
{
    uint64_t start = chr->emitted - raw;
    uint64_t tx = atomic_load_explicit(&chr->wire->tx, memory_order_relaxed);
    uint64_t keep = tx >= chr->emitted ? 0 : chr->emitted - (tx > start ? tx : start);

    if (keep > 0 && chr->kind == CHARDEV_JOURNAL && keep == raw) {
        memcpy(chr->line + sizeof(JOURNAL_MESSAGE) - 1, bytes, len);
        chr->line_len = len;
        chr->line_raw = (size_t)raw;
        tx_mark(chr, start);
        return;
    }
    if (keep > 0 && chr->kind != CHARDEV_JOURNAL && chr->out_fd >= 0) {
        memcpy(chr->out, bytes + len - keep, (size_t)keep);
        chr->out_len = (size_t)keep;
        tx_mark(chr, chr->emitted - keep);
        return;
    }
    if (tx < chr->emitted)
        tx_mark(chr, chr->emitted); /* nobody to take it: gone, as it would be */
}

/* The device holds input positions below `accepted`; the kernel gave up
 * those below the wire's rx.  What the device holds and the socket still
 * has is taken out of the socket; what was read and not saved is lost. */
static void restore_input(struct chardev *chr, uint64_t accepted)
{
    uint64_t rx = atomic_load_explicit(&chr->wire->rx, memory_order_relaxed);

    chr->accepted = accepted;
    if (rx > accepted) {
        log_dev(LOG_WARNING, chr->owner, "%llu byte(s) of host input were read just before "
                "dmd stopped and are lost", (unsigned long long)(rx - accepted));
        chr->accepted = rx;
    } else if (rx < accepted && chr->peek && chr->in_fd >= 0 &&
               accepted - rx <= RESTORE_TAKE_MAX) {
        input_take(chr, chr->in_fd, (size_t)(accepted - rx));
    } else if (rx < accepted) {
        rx_mark(chr, accepted); /* the connection it came on is gone */
    }
}

int chardev_restore(struct chardev *chr, struct snap_in *in, bool apply)
{
    uint8_t bytes[HELD_MAX];
    uint64_t emitted = snap_get_u64(in);
    uint64_t accepted = snap_get_u64(in);
    uint64_t raw = snap_get_u64(in);
    uint32_t len = snap_get_u32(in);

    if (in->bad || len > held_capacity(chr->kind) || raw < len || raw > emitted ||
        (chr->kind != CHARDEV_JOURNAL && raw != len))
        return -EINVAL;
    if (!snap_get_bytes(in, bytes, len))
        return -EINVAL;
    /* A journal line never holds the \n that ends it or a \r (dropped). */
    if (chr->kind == CHARDEV_JOURNAL &&
        (memchr(bytes, '\n', len) != NULL || memchr(bytes, '\r', len) != NULL))
        return -EINVAL;
    if (!apply)
        return 0;
    chr->emitted = emitted;
    restore_output(chr, bytes, len, raw);
    restore_input(chr, accepted);
    chr->tx_blocked = true;
    ev_timer_start(chr->loop, &chr->resume);
    return 0;
}

/* ---- the interface ------------------------------------------------------ */

static int open_kind(struct chardev *chr, const struct chardev_spec *spec, const char *pty_link)
{
    switch (spec->kind) {
    case CHARDEV_NULL:
        return 0;
    case CHARDEV_STDIO:
        return stdio_open(chr);
    case CHARDEV_FILE:
        return file_open(chr, spec->path);
    case CHARDEV_SOCKET:
        return socket_open(chr, spec->path);
    case CHARDEV_PTY:
        return pty_open(chr, pty_link);
    case CHARDEV_JOURNAL:
        return journal_open(chr);
    }
    log_dev(LOG_ERR, chr->owner, "unknown backend kind %d", (int)spec->kind);
    return -EINVAL;
}

int chardev_open(struct chardev **out, struct ev_loop *loop, const struct chardev_spec *spec,
                 const char *pty_link, const char *owner, const struct chardev_client *client,
                 struct chardev_wire *wire)
{
    struct chardev *chr = calloc(1, sizeof(*chr));
    int rc;

    if (chr == NULL)
        return -ENOMEM;
    chr->kind = spec->kind;
    chr->loop = loop;
    chr->wire = wire != NULL ? wire : &chr->own_wire;
    chr->peek = wire != NULL && spec->kind == CHARDEV_SOCKET;
    /* The device's positions start where the wire says: a fresh device
     * (no snapshot restored) neither skips nor repeats anything. */
    chr->emitted = atomic_load_explicit(&chr->wire->tx, memory_order_relaxed);
    chr->accepted = atomic_load_explicit(&chr->wire->rx, memory_order_relaxed);
    ev_timer_init(&chr->resume, on_resume, 0., 0.);
    chr->resume.data = chr;
    chr->in_fd = chr->out_fd = chr->fd = -1;
    chr->saved_flags[0] = chr->saved_flags[1] = -1;
    if (client != NULL)
        chr->client = *client;
    chr->owner = strdup(owner != NULL ? owner : "?");
    errno = 0;
    rc = chr->owner != NULL ? open_kind(chr, spec, pty_link) : -ENOMEM;
    if (rc < 0) {
        chardev_close(chr);
        return rc;
    }
    *out = chr;
    return 0;
}

size_t chardev_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    size_t skip;

    /* A null backend drops everything: no position to keep, nothing a
     * restart could repeat or lose (and a rep outs to it stays cheap). */
    if (chr == NULL || len == 0 || chr->kind == CHARDEV_NULL)
        return len;
    skip = already_sent(chr, len);
    buf += skip;
    len -= skip;
    if (len == 0)
        return skip;
    switch (chr->kind) {
    case CHARDEV_FILE:
        tx_mark(chr, chr->emitted + len);
        file_write(chr, buf, len);
        chr->emitted += len;
        return skip + len;
    case CHARDEV_JOURNAL:
        journal_write(chr, buf, len);
        return skip + len;
    case CHARDEV_STDIO:
    case CHARDEV_SOCKET:
    case CHARDEV_PTY:
        return skip + stream_write(chr, buf, len);
    case CHARDEV_NULL:
        break;
    }
    return skip + len;
}

void chardev_rx_resume(struct chardev *chr)
{
    if (chr == NULL || chr->in_fd < 0 || chr->in_ended || chr->client.rx == NULL)
        return;
    ev_io_start(chr->loop, &chr->in_watcher);
}

void chardev_leave(void)
{
    leaving = true;
    unix_listen_keep();
}

void chardev_close(struct chardev *chr)
{
    int client_fd;

    if (chr == NULL)
        return;
    client_fd = chr->kind == CHARDEV_SOCKET && chr->connected ? chr->in_fd : -1;
    ev_timer_stop(chr->loop, &chr->resume);
    stream_flush(chr);
    stream_stop(chr);
    if (client_fd >= 0)
        close(client_fd);
    if (chr->kind == CHARDEV_JOURNAL && chr->line_len > 0)
        journal_send_line(chr);
    else if (chr->kind == CHARDEV_STDIO)
        stdio_close(chr);
    else if (chr->kind == CHARDEV_SOCKET)
        socket_close(chr);
    else if (chr->kind == CHARDEV_PTY)
        pty_close(chr);
    if (chr->fd >= 0)
        close(chr->fd);
    free(chr->path);
    free(chr->journal_device);
    free(chr->journal_ident);
    free(chr->journal_domid);
    free(chr->owner);
    free(chr);
}
