/* SPDX-License-Identifier: MIT */
/*
 * The GPIO line server (protocol in gpio_socket.h and docs/gpio-protocol.md).
 *
 * Unlike the chardev socket backend, which gives a byte stream to one
 * client, this serves any number of clients (up to GPIO_SOCKET_MAX_CLIENTS)
 * at once: someone runs `dmd-gpio watch` in one terminal and `dmd-gpio set`
 * in another.  Each client has libev watchers on dev->loop, a line buffer
 * and a bounded output buffer.
 *
 * Choices:
 *  - Output is written at once when the socket takes it; what it does not
 *    take waits in the client's buffer.  A client that leaves more than
 *    GPIO_SOCKET_OUTBUF bytes unread is disconnected (and logged): the guest
 *    must never wait for a host program, and dropping change lines
 *    silently would leave a watcher believing a stale state.
 *  - A request longer than GPIO_SOCKET_LINE_MAX is answered with one error
 *    and skipped up to its newline; the connection stays.  Empty lines are
 *    not requests and get no reply; a trailing \r is ignored (telnet).
 *  - A client is dropped (descriptor closed, watchers stopped) at once but
 *    freed only by reap(), outside any loop over clients or over its own
 *    input: a reply or a change line can overflow a client while the
 *    device is calling back into this file on that very client's behalf.
 *  - The reply to `set` is queued before the device applies the level, so
 *    a client that also watches reads `ok` before the `change` it caused.
 */
#include "gpio_socket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "../log.h"
#include "unix_listen.h"

#define GPIO_SOCKET_READ_CHUNK 512
#define GPIO_SOCKET_BACKLOG 16
#define GPIO_SOCKET_MAX_WORDS 4
#define GPIO_SOCKET_ACCEPT_RETRY_S 1.0

struct gpio_client {
    struct gpio_socket *sock;
    struct gpio_client *next;
    int fd;          /* -1 once dropped; freed by reap() */
    unsigned id;     /* for log lines: 1, 2, ... per socket */
    bool watching;
    bool skipping;   /* inside an over-long line: discard up to its newline */
    bool bad_byte;   /* the current line holds a control character */
    ev_io in_watcher, out_watcher;
    size_t in_len;
    char in[GPIO_SOCKET_LINE_MAX];
    size_t out_len;
    char out[GPIO_SOCKET_OUTBUF];
};

struct gpio_socket {
    struct ev_loop *loop;
    char *owner;
    char *path;          /* NULL until bound */
    struct stat path_st; /* the socket file we created */
    struct gpio_socket_lines lines;
    int fd;
    ev_io accept_watcher;
    ev_timer accept_retry; /* out of descriptors: try accept() again later */
    struct gpio_client *clients;
    unsigned connected, next_id;
    struct log_ratelimit rl;      /* comings and goings: a host can loop them */
    struct log_ratelimit rl_warn; /* clients dropped, refused, accept errors */
};

#define SOCK_FIELDS(s) (&(struct log_fields){ .device = (s)->owner, .vcpu = -1 })

/* ---- clients ------------------------------------------------------------ */

static void client_drop(struct gpio_client *c, int prio, const char *why)
{
    struct gpio_socket *s = c->sock;

    if (c->fd < 0)
        return;
    ev_io_stop(s->loop, &c->in_watcher);
    ev_io_stop(s->loop, &c->out_watcher);
    close(c->fd);
    c->fd = -1;
    s->connected--;
    log_limited(prio == LOG_WARNING ? &s->rl_warn : &s->rl, prio, SOCK_FIELDS(s),
                "socket %s: client %u disconnected: %s", s->path, c->id, why);
}

/* Free the clients dropped since the last call. */
static void reap(struct gpio_socket *s)
{
    struct gpio_client **link = &s->clients;

    while (*link != NULL) {
        struct gpio_client *c = *link;

        if (c->fd >= 0) {
            link = &c->next;
            continue;
        }
        *link = c->next;
        free(c);
    }
}

/* Queue one line (text ends with \n) for a client; drop it if it does not
 * read. */
static void client_send(struct gpio_client *c, const char *text)
{
    size_t len = strlen(text);

    if (c->fd < 0)
        return;
    if (c->out_len == 0) {
        ssize_t n = send(c->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            client_drop(c, LOG_INFO, strerror(errno));
            return;
        }
        if (n > 0) {
            text += n;
            len -= (size_t)n;
        }
    }
    if (len == 0)
        return;
    if (len > sizeof(c->out) - c->out_len) {
        char why[96];

        snprintf(why, sizeof(why), "it does not read: more than %d bytes of replies and "
                 "changes were waiting", GPIO_SOCKET_OUTBUF);
        client_drop(c, LOG_WARNING, why);
        return;
    }
    memcpy(c->out + c->out_len, text, len);
    c->out_len += len;
    ev_io_start(c->sock->loop, &c->out_watcher);
}

static void on_client_output(struct ev_loop *loop, ev_io *w, int revents)
{
    struct gpio_client *c = w->data;
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);

    (void)revents;
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            client_drop(c, LOG_INFO, strerror(errno));
        return;
    }
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
    if (c->out_len == 0)
        ev_io_stop(loop, w);
}

/* ---- the protocol -------------------------------------------------------- */

#define GPIO_HELP "ok commands: get [LINE], set LINE 0|1, watch, help\n"

/* Split on blanks; returns the word count, GPIO_SOCKET_MAX_WORDS + 1 for
 * too many. */
static unsigned split_words(char *line, char *word[GPIO_SOCKET_MAX_WORDS])
{
    unsigned n = 0;

    for (char *save, *w = strtok_r(line, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save)) {
        if (n == GPIO_SOCKET_MAX_WORDS)
            return n + 1;
        word[n++] = w;
    }
    return n;
}

/* A line number: decimal digits only, below the line count. */
static bool parse_line(const struct gpio_socket *s, const char *text, unsigned *line)
{
    unsigned v = 0;

    if (*text == '\0' || strlen(text) > 3)
        return false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *line = v;
    return v < s->lines.count;
}

static void send_no_line(struct gpio_client *c, const char *text)
{
    char reply[GPIO_SOCKET_LINE_MAX + 64];

    snprintf(reply, sizeof(reply), "error no line %.*s (lines are 0..%u)\n",
             GPIO_SOCKET_LINE_MAX / 2, text, c->sock->lines.count - 1);
    client_send(c, reply);
}

/* "3 1 in" */
static int format_line(const struct gpio_socket *s, unsigned line, char *buf, size_t len)
{
    bool level = false, output = false;

    s->lines.get(s->lines.opaque, line, &level, &output);
    return snprintf(buf, len, "%u %d %s", line, level, output ? "out" : "in");
}

static void cmd_get(struct gpio_client *c, unsigned n, char **word)
{
    struct gpio_socket *s = c->sock;
    char reply[GPIO_SOCKET_MAX_LINES * 12 + 2];
    size_t used = 0;
    unsigned line = 0;

    if (n > 2) {
        client_send(c, "error usage: get [LINE]\n");
        return;
    }
    if (n == 2 && !parse_line(s, word[1], &line)) {
        send_no_line(c, word[1]);
        return;
    }
    for (unsigned i = 0; i < s->lines.count; i++) {
        if (n == 2 && i != line)
            continue;
        if (used > 0)
            reply[used++] = ',';
        used += (size_t)format_line(s, i, reply + used, sizeof(reply) - used - 1);
    }
    reply[used++] = '\n';
    reply[used] = '\0';
    client_send(c, reply);
}

static void cmd_set(struct gpio_client *c, unsigned n, char **word)
{
    struct gpio_socket *s = c->sock;
    bool level = false, output = false;
    unsigned line;

    if (n != 3 || (strcmp(word[2], "0") != 0 && strcmp(word[2], "1") != 0)) {
        client_send(c, "error usage: set LINE 0|1\n");
        return;
    }
    if (!parse_line(s, word[1], &line)) {
        send_no_line(c, word[1]);
        return;
    }
    s->lines.get(s->lines.opaque, line, &level, &output);
    /* An output keeps the level the guest drives; the host's level waits
     * until the guest makes the line an input, as an external driver
     * would.  Say so, rather than let the user wonder. */
    client_send(c, output ? "ok the guest drives this line (output); the level applies "
                            "once it is an input\n"
                          : "ok\n");
    s->lines.set(s->lines.opaque, line, word[2][0] == '1');
}

static void handle_request(struct gpio_client *c, char *text)
{
    char *word[GPIO_SOCKET_MAX_WORDS];
    unsigned n = split_words(text, word);
    char reply[GPIO_SOCKET_LINE_MAX + 64];

    if (n == 0)
        return; /* an empty line is no request */
    if (n > GPIO_SOCKET_MAX_WORDS) {
        client_send(c, "error too many words; try help\n");
    } else if (strcmp(word[0], "get") == 0) {
        cmd_get(c, n, word);
    } else if (strcmp(word[0], "set") == 0) {
        cmd_set(c, n, word);
    } else if (strcmp(word[0], "watch") == 0) {
        c->watching = c->watching || n == 1;
        client_send(c, n == 1 ? "ok\n" : "error usage: watch\n");
    } else if (strcmp(word[0], "help") == 0) {
        client_send(c, n == 1 ? GPIO_HELP : "error usage: help\n");
    } else {
        snprintf(reply, sizeof(reply), "error unknown request \"%.*s\"; try help\n",
                 GPIO_SOCKET_LINE_MAX / 2, word[0]);
        client_send(c, reply);
    }
}

/* One byte of a request; a complete line is handled at its newline. */
static void feed(struct gpio_client *c, char ch)
{
    if (ch == '\n') {
        if (c->in_len > 0 && c->in[c->in_len - 1] == '\r')
            c->in_len--;
        c->in[c->in_len] = '\0';
        if (c->bad_byte)
            client_send(c, "error control character in the request\n");
        else if (!c->skipping)
            handle_request(c, c->in);
        c->in_len = 0;
        c->skipping = c->bad_byte = false;
        return;
    }
    if (c->skipping)
        return;
    if (c->in_len == sizeof(c->in) - 1) {
        char reply[64];

        snprintf(reply, sizeof(reply), "error request longer than %d bytes\n",
                 GPIO_SOCKET_LINE_MAX - 1);
        client_send(c, reply);
        c->skipping = true;
        c->bad_byte = false;
        return;
    }
    if ((unsigned char)ch < 0x20 && ch != '\t' && ch != '\r')
        c->bad_byte = true;
    c->in[c->in_len++] = ch;
}

static void on_client_input(struct ev_loop *loop, ev_io *w, int revents)
{
    struct gpio_client *c = w->data;
    struct gpio_socket *s = c->sock;
    char buf[GPIO_SOCKET_READ_CHUNK];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

    (void)loop;
    (void)revents;
    if (n == 0) {
        client_drop(c, LOG_DEBUG, "closed by the client");
    } else if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            client_drop(c, LOG_INFO, strerror(errno));
    } else {
        for (ssize_t i = 0; i < n && c->fd >= 0; i++)
            feed(c, buf[i]);
    }
    reap(s);
}

/* ---- the listening socket ------------------------------------------------ */

static void on_accept_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct gpio_socket *s = w->data;

    (void)revents;
    ev_io_start(loop, &s->accept_watcher);
}

static void refuse(struct gpio_socket *s, int fd)
{
    static const char msg[] = "error too many clients\n";

    /* Best effort: the client is turned away whether it gets this or not. */
    (void)send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
    log_limited(&s->rl_warn, LOG_NOTICE, SOCK_FIELDS(s),
                "socket %s: refused a client: %u are connected already", s->path,
                s->connected);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    struct gpio_socket *s = w->data;
    struct gpio_client *c;
    int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)revents;
    reap(s);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
            return;
        log_limited(&s->rl_warn, LOG_WARNING, SOCK_FIELDS(s), "socket %s: accept: %s", s->path,
                    strerror(errno));
        /* The connection stays queued (e.g. EMFILE): the listener would be
         * readable forever, so stop watching it for a while. */
        ev_io_stop(loop, &s->accept_watcher);
        ev_timer_start(loop, &s->accept_retry);
        return;
    }
    c = s->connected < GPIO_SOCKET_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
    if (c == NULL) {
        refuse(s, fd);
        return;
    }
    c->sock = s;
    c->fd = fd;
    c->id = ++s->next_id;
    ev_io_init(&c->in_watcher, on_client_input, fd, EV_READ);
    ev_io_init(&c->out_watcher, on_client_output, fd, EV_WRITE);
    c->in_watcher.data = c->out_watcher.data = c;
    ev_io_start(loop, &c->in_watcher);
    c->next = s->clients;
    s->clients = c;
    s->connected++;
    /* Debug only: every dmd-gpio command is a connection. */
    log_limited(&s->rl, LOG_DEBUG, SOCK_FIELDS(s), "socket %s: client %u connected", s->path,
                c->id);
}

int gpio_socket_open(struct gpio_socket **out, struct ev_loop *loop, const char *path,
                     const char *owner, const struct gpio_socket_lines *lines)
{
    struct gpio_socket *s;
    int rc;

    if (lines->count == 0 || lines->count > GPIO_SOCKET_MAX_LINES)
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->loop = loop;
    s->lines = *lines;
    s->fd = -1;
    s->owner = strdup(owner != NULL ? owner : "?");
    s->path = strdup(path);
    if (s->owner == NULL || s->path == NULL) {
        gpio_socket_close(s);
        return -ENOMEM;
    }
    rc = unix_listen(path, GPIO_SOCKET_BACKLOG, s->owner, "gpio socket", &s->path_st);
    if (rc < 0) {
        free(s->path);
        s->path = NULL; /* nothing of ours to remove */
        gpio_socket_close(s);
        return rc;
    }
    s->fd = rc;
    ev_io_init(&s->accept_watcher, on_accept, s->fd, EV_READ);
    ev_timer_init(&s->accept_retry, on_accept_retry, GPIO_SOCKET_ACCEPT_RETRY_S, 0.0);
    s->accept_watcher.data = s->accept_retry.data = s;
    ev_io_start(loop, &s->accept_watcher);
    log_dev(LOG_INFO, s->owner, "gpio socket listening on %s", path);
    *out = s;
    return 0;
}

void gpio_socket_changed(struct gpio_socket *sock, unsigned line, bool level, bool output)
{
    char text[48];

    if (sock == NULL)
        return;
    snprintf(text, sizeof(text), "change %u %d %s\n", line, level, output ? "out" : "in");
    for (struct gpio_client *c = sock->clients; c != NULL; c = c->next)
        if (c->watching)
            client_send(c, text);
}

void gpio_socket_close(struct gpio_socket *sock)
{
    if (sock == NULL)
        return;
    for (struct gpio_client *c = sock->clients; c != NULL; c = c->next)
        client_drop(c, LOG_DEBUG, "dmd is stopping");
    reap(sock);
    ev_io_stop(sock->loop, &sock->accept_watcher);
    ev_timer_stop(sock->loop, &sock->accept_retry);
    if (sock->fd >= 0)
        close(sock->fd);
    unix_listen_remove(sock->path, &sock->path_st);
    free(sock->path);
    free(sock->owner);
    free(sock);
}
