/* SPDX-License-Identifier: MIT */
/*
 * The host end of a GPIO socket for the fuzz targets (fuzz_gpio_host.h).
 */
#include "fuzz_gpio_host.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_check.h"

/* Longer than any line dmd sends (an echoed word is cut at 64 bytes). */
#define REPLY_MAX 512
#define LONG_REQUEST 130 /* beyond the protocol's 127 bytes */

struct client {
    int fd; /* -1: not connected */
    bool may_watch;        /* it sent `watch`, or raw bytes that might spell it */
    unsigned requests;     /* request lines sent (newlines), an upper bound */
    unsigned replies;      /* lines other than `change` received */
    size_t len;            /* of the incomplete line in `line` */
    char line[REPLY_MAX];
};

static struct {
    char path[108];
    unsigned nlines;
    struct client clients[FUZZ_GPIO_CLIENTS];
} host;

void fuzz_gpio_host_init(const char *path, unsigned nlines)
{
    FUZZ_CHECK(strlen(path) < sizeof(host.path), "gpio socket path too long");
    snprintf(host.path, sizeof(host.path), "%s", path);
    host.nlines = nlines;
    for (unsigned i = 0; i < FUZZ_GPIO_CLIENTS; i++)
        host.clients[i] = (struct client){ .fd = -1 };
}

static struct client *client_at(unsigned client)
{
    return &host.clients[client % FUZZ_GPIO_CLIENTS];
}

/* ---- connecting ---------------------------------------------------------- */

void fuzz_gpio_hangup(unsigned client)
{
    struct client *c = client_at(client);

    if (c->fd >= 0)
        close(c->fd);
    *c = (struct client){ .fd = -1 };
}

void fuzz_gpio_hangup_all(void)
{
    for (unsigned i = 0; i < FUZZ_GPIO_CLIENTS; i++)
        fuzz_gpio_hangup(i);
}

void fuzz_gpio_connect(unsigned client)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct client *c = client_at(client);

    fuzz_gpio_hangup(client);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(c->fd >= 0, "socket: %m");
    memcpy(sa.sun_path, host.path, strlen(host.path) + 1);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fuzz_gpio_hangup(client);
}

/* ---- sending --------------------------------------------------------------- */

static void send_bytes(struct client *c, const void *bytes, size_t len)
{
    const char *p = bytes;

    if (c->fd < 0)
        return;
    for (size_t i = 0; i < len; i++)
        c->requests += p[i] == '\n';
    /* A full socket or one dmd closed drops them, as for a real host. */
    send(c->fd, bytes, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The dictionary: every request the protocol knows, each misuse it
 * answers with an error, and lines that are no request at all. */
static int format_request(char *buf, size_t len, unsigned which, uint8_t line, uint8_t level)
{
    unsigned l = line % 10u; /* a few beyond the 8 lines a pl061 can have */
    unsigned v = level & 1u;

    switch (which % FUZZ_GPIO_REQUESTS) {
    case 0: return snprintf(buf, len, "get\n");
    case 1: return snprintf(buf, len, "get %u\n", l);
    case 2: return snprintf(buf, len, "set %u %u\n", l, v);
    case 3: return snprintf(buf, len, "watch\n");
    case 4: return snprintf(buf, len, "help\n");
    case 5: return snprintf(buf, len, "set %u %c\n", l, 0x21 + level % 94);
    case 6: return snprintf(buf, len, "get %u %u\n", l, v);
    case 7: return snprintf(buf, len, "\n");
    case 8: return snprintf(buf, len, "\t set\t%u  %u \r\n", l, v);
    case 9: return snprintf(buf, len, "watch %u\n", l);
    case 10: return snprintf(buf, len, "%c%u\n", 'a' + level % 26, l);
    case 11: return snprintf(buf, len, "a b c d %u\n", l);
    case 12: return snprintf(buf, len, "%0*u\n", LONG_REQUEST, l);
    case 13: return snprintf(buf, len, "get\x01\n");
    case 14: return snprintf(buf, len, "set %03u %u", line, v); /* finished by later bytes */
    default: return snprintf(buf, len, "help me\n");
    }
}

void fuzz_gpio_send_request(unsigned client, unsigned which, uint8_t line, uint8_t level)
{
    struct client *c = client_at(client);
    char buf[LONG_REQUEST + 16];
    int len = format_request(buf, sizeof(buf), which, line, level);

    FUZZ_CHECK(len > 0 && (size_t)len < sizeof(buf), "request %u too long", which);
    if (which % FUZZ_GPIO_REQUESTS == 3)
        c->may_watch = true;
    send_bytes(c, buf, (size_t)len);
}

void fuzz_gpio_send_raw(unsigned client, const uint8_t *bytes, size_t len)
{
    struct client *c = client_at(client);

    c->may_watch = true; /* with what came before, they may spell `watch` */
    send_bytes(c, bytes, len);
}

/* ---- reading and checking -------------------------------------------------- */

/* "LINE LEVEL DIR" at *p, moving past it; false if it is not one. */
static bool parse_entry(const char **p, unsigned *line)
{
    unsigned l = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        l = l * 10 + (unsigned)(*s++ - '0');
    if (s[0] != ' ' || (s[1] != '0' && s[1] != '1') || s[2] != ' ')
        return false;
    s += 3;
    if (strncmp(s, "out", 3) == 0)
        s += 3;
    else if (strncmp(s, "in", 2) == 0)
        s += 2;
    else
        return false;
    *p = s;
    *line = l;
    return l < host.nlines;
}

/* A `get` answer: one entry, or every line in order. */
static bool get_answer(const char *text)
{
    unsigned n = 0, line;

    for (;;) {
        if (!parse_entry(&text, &line))
            return false;
        if (n > 0 && line != n)
            return false;
        n++;
        if (*text == '\0')
            break;
        if (*text++ != ',')
            return false;
    }
    return n == 1 || n == host.nlines;
}

static bool change_line(const char *text)
{
    unsigned line;

    if (strncmp(text, "change ", 7) != 0)
        return false;
    text += 7;
    return parse_entry(&text, &line) && *text == '\0';
}

static void check_line(struct client *c, const char *text)
{
    for (const char *p = text; *p != '\0'; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\r',
                   "control character %#x in the gpio reply \"%s\"", (unsigned char)*p, text);
    if (strncmp(text, "change", 6) == 0) {
        FUZZ_CHECK(change_line(text), "malformed gpio change line \"%s\"", text);
        FUZZ_CHECK(c->may_watch, "gpio change line \"%s\" for a client that never watched",
                   text);
        return;
    }
    c->replies++;
    FUZZ_CHECK(c->replies <= c->requests, "gpio reply %u \"%s\" to %u request lines",
               c->replies, text, c->requests);
    FUZZ_CHECK(strcmp(text, "ok") == 0 || strncmp(text, "ok ", 3) == 0 ||
                   (strncmp(text, "error ", 6) == 0 && text[6] != '\0') || get_answer(text),
               "malformed gpio reply \"%s\" (%u lines)", text, host.nlines);
}

static void take_bytes(struct client *c, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            c->line[c->len] = '\0';
            check_line(c, c->line);
            c->len = 0;
            continue;
        }
        FUZZ_CHECK(c->len + 1 < sizeof(c->line), "gpio reply line longer than %d bytes",
                   REPLY_MAX - 1);
        c->line[c->len++] = buf[i];
    }
}

void fuzz_gpio_read(unsigned client)
{
    struct client *c = client_at(client);
    char buf[1024];
    ssize_t n;

    while (c->fd >= 0 && (n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        take_bytes(c, buf, (size_t)n);
}
