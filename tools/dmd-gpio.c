/* SPDX-License-Identifier: MIT */
/*
 * dmd-gpio: read, drive and watch the lines of a dmd GPIO controller
 * through its `backend = socket:PATH` (protocol: docs/gpio-protocol.md).
 *
 *   dmd-gpio SOCKET get [LINE]
 *   dmd-gpio SOCKET set LINE 0|1
 *   dmd-gpio SOCKET watch [--count N] [--timeout MS]
 *
 * Exit status (dmd-gpio(1)): 0 done, 1 dmd refused the request, 2 bad
 * command line, 3 no usable connection to dmd, 4 watch timed out before
 * --count changes arrived.
 *
 * One request, one reply line; a reply that does not come within
 * REPLY_TIMEOUT_MS is a failure, so no script hangs on a stuck dmd.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_CONNECTION = 3, EXIT_TIMEOUT = 4 };

#define REPLY_TIMEOUT_MS 5000
#define REPLY_MAX 1024

struct conn {
    const char *path;
    int fd;
    size_t len;
    char buf[REPLY_MAX];
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dmd-gpio SOCKET get [LINE]\n"
            "       dmd-gpio SOCKET set LINE 0|1\n"
            "       dmd-gpio SOCKET watch [--count N] [--timeout MS]\n"
            "       dmd-gpio --help | --version\n"
            "Reads, drives and watches the lines of a dmd GPIO controller through its\n"
            "backend = socket:PATH.  Lines print as `LINE LEVEL DIR` (DIR: in or out).\n"
            "Exit status: 0 done, 1 dmd refused the request, 2 bad command line,\n"
            "3 no usable connection to dmd, 4 watch timed out.  See dmd-gpio(1).\n");
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A decimal number within [min, max]; false if it is anything else. */
static bool parse_number(const char *text, long min, long max, long *out)
{
    char *end;
    long v;

    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    v = strtol(text, &end, 10);
    if (*end != '\0' || errno != 0 || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* ---- the connection ------------------------------------------------------ */

static int conn_open(struct conn *c, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    c->path = path;
    c->len = 0;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "dmd-gpio: %s: the path is too long for a unix socket\n", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "dmd-gpio: cannot connect to %s: %s (is dmd running with "
                "backend = socket:%s?)\n", path, strerror(errno), path);
        return -1;
    }
    return 0;
}

static int conn_send(struct conn *c, const char *request)
{
    size_t len = strlen(request);

    while (len > 0) {
        ssize_t n = send(c->fd, request, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "dmd-gpio: %s: cannot send: %s\n", c->path, strerror(errno));
            return -1;
        }
        request += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Wait for input until `deadline` (ms); 1 readable, 0 timed out, -1 error. */
static int conn_wait(struct conn *c, int64_t deadline)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    int64_t left = deadline - now_ms();
    int rc;

    if (left <= 0)
        return 0;
    rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (rc < 0 && errno == EINTR)
        return conn_wait(c, deadline);
    if (rc < 0)
        fprintf(stderr, "dmd-gpio: %s: poll: %s\n", c->path, strerror(errno));
    return rc;
}

/*
 * Read one line (without its newline) into `line`.  Returns 1 for a
 * line, 0 when `deadline` passed first, -1 when the connection failed or
 * closed (said on stderr).
 */
static int conn_line(struct conn *c, char *line, size_t cap, int64_t deadline)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        ssize_t n;
        int rc;

        if (nl != NULL) {
            size_t len = (size_t)(nl - c->buf);

            if (len >= cap)
                len = cap - 1;
            memcpy(line, c->buf, len);
            line[len] = '\0';
            c->len -= (size_t)(nl + 1 - c->buf);
            memmove(c->buf, nl + 1, c->len);
            return 1;
        }
        if (c->len == sizeof(c->buf)) {
            fprintf(stderr, "dmd-gpio: %s: a reply line longer than %d bytes\n", c->path,
                    REPLY_MAX);
            return -1;
        }
        rc = conn_wait(c, deadline);
        if (rc <= 0)
            return rc;
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "dmd-gpio: %s: %s\n", c->path,
                    n == 0 ? "dmd closed the connection" : strerror(errno));
            return -1;
        }
        c->len += (size_t)n;
    }
}

/* Send a request and read its reply; returns an exit status on failure. */
static int conn_ask(struct conn *c, const char *request, char *reply, size_t cap)
{
    int rc;

    if (conn_send(c, request) < 0)
        return EXIT_CONNECTION;
    rc = conn_line(c, reply, cap, now_ms() + REPLY_TIMEOUT_MS);
    if (rc == 0)
        fprintf(stderr, "dmd-gpio: %s: no reply within %d ms\n", c->path, REPLY_TIMEOUT_MS);
    if (rc <= 0)
        return EXIT_CONNECTION;
    if (strncmp(reply, "error ", 6) == 0) {
        fprintf(stderr, "dmd-gpio: %s: %s\n", c->path, reply + 6);
        return EXIT_REFUSED;
    }
    return EXIT_DONE;
}

static int unexpected(const struct conn *c, const char *reply)
{
    fprintf(stderr, "dmd-gpio: %s: unexpected reply \"%s\"\n", c->path, reply);
    return EXIT_CONNECTION;
}

/* ---- commands ------------------------------------------------------------ */

/* The reply lists `LINE LEVEL DIR` entries separated by commas. */
static int cmd_get(struct conn *c, const char *line)
{
    char request[64], reply[REPLY_MAX];
    int rc;

    if (line != NULL)
        snprintf(request, sizeof(request), "get %s\n", line);
    else
        snprintf(request, sizeof(request), "get\n");
    rc = conn_ask(c, request, reply, sizeof(reply));
    if (rc != EXIT_DONE)
        return rc;
    if (reply[0] < '0' || reply[0] > '9')
        return unexpected(c, reply);
    for (char *save, *e = strtok_r(reply, ",", &save); e != NULL; e = strtok_r(NULL, ",", &save))
        printf("%s\n", e);
    return fflush(stdout) == 0 ? EXIT_DONE : EXIT_CONNECTION;
}

static int cmd_set(struct conn *c, const char *line, const char *level)
{
    char request[64], reply[REPLY_MAX];
    int rc;

    snprintf(request, sizeof(request), "set %s %s\n", line, level);
    rc = conn_ask(c, request, reply, sizeof(reply));
    if (rc != EXIT_DONE)
        return rc;
    if (strcmp(reply, "ok") == 0)
        return EXIT_DONE;
    if (strncmp(reply, "ok ", 3) == 0) {
        fprintf(stderr, "dmd-gpio: %s: note: %s\n", c->path, reply + 3);
        return EXIT_DONE;
    }
    return unexpected(c, reply);
}

/* Print `LINE LEVEL DIR` for each change until `count` (0: no limit)
 * changes arrived or `timeout_ms` (0: none) passed. */
static int cmd_watch(struct conn *c, long count, long timeout_ms)
{
    int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : INT64_MAX;
    char reply[REPLY_MAX];
    long seen = 0;
    int rc = conn_ask(c, "watch\n", reply, sizeof(reply));

    if (rc != EXIT_DONE)
        return rc;
    if (strcmp(reply, "ok") != 0)
        return unexpected(c, reply);
    /* On stderr, so stdout carries changes only; a script can wait for it
     * to know no change is missed from here on. */
    fprintf(stderr, "dmd-gpio: watching %s\n", c->path);
    while (count == 0 || seen < count) {
        rc = conn_line(c, reply, sizeof(reply), deadline);
        if (rc < 0)
            return EXIT_CONNECTION;
        if (rc == 0 && count == 0)
            return EXIT_DONE;
        if (rc == 0) {
            fprintf(stderr, "dmd-gpio: %s: %ld of %ld changes within %ld ms\n", c->path, seen,
                    count, timeout_ms);
            return EXIT_TIMEOUT;
        }
        if (strncmp(reply, "change ", 7) != 0)
            return unexpected(c, reply);
        printf("%s\n", reply + 7);
        if (fflush(stdout) != 0)
            return EXIT_CONNECTION;
        seen++;
    }
    return EXIT_DONE;
}

/* ---- the command line ---------------------------------------------------- */

static int run_watch(struct conn *c, int argc, char **argv)
{
    long count = 0, timeout_ms = 0;

    for (int i = 0; i < argc; i += 2) {
        bool is_count = strcmp(argv[i], "--count") == 0;
        bool is_timeout = strcmp(argv[i], "--timeout") == 0;

        if ((!is_count && !is_timeout) || i + 1 == argc ||
            !parse_number(argv[i + 1], 1, is_count ? LONG_MAX : INT_MAX,
                          is_count ? &count : &timeout_ms)) {
            fprintf(stderr, "dmd-gpio: watch takes --count N (N >= 1) and --timeout MS "
                    "(MS >= 1)\n");
            return EXIT_USAGE;
        }
    }
    return conn_open(c, c->path) < 0 ? EXIT_CONNECTION : cmd_watch(c, count, timeout_ms);
}

static int run(struct conn *c, int argc, char **argv)
{
    const char *cmd = argv[0];
    long v;

    if (strcmp(cmd, "get") == 0 && argc <= 2) {
        if (argc == 2 && !parse_number(argv[1], 0, 999, &v)) {
            fprintf(stderr, "dmd-gpio: LINE must be a line number, not \"%s\"\n", argv[1]);
            return EXIT_USAGE;
        }
        return conn_open(c, c->path) < 0 ? EXIT_CONNECTION : cmd_get(c, argc == 2 ? argv[1] : NULL);
    }
    if (strcmp(cmd, "set") == 0 && argc == 3) {
        if (!parse_number(argv[1], 0, 999, &v) ||
            (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)) {
            fprintf(stderr, "dmd-gpio: usage: set LINE 0|1\n");
            return EXIT_USAGE;
        }
        return conn_open(c, c->path) < 0 ? EXIT_CONNECTION : cmd_set(c, argv[1], argv[2]);
    }
    if (strcmp(cmd, "watch") == 0)
        return run_watch(c, argc - 1, argv + 1);
    usage(stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static struct conn c = { .fd = -1 };
    int rc;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return EXIT_DONE;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("dmd-gpio %s\n", DMD_VERSION);
        return EXIT_DONE;
    }
    if (argc < 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    c.path = argv[1];
    rc = run(&c, argc - 2, argv + 2);
    if (c.fd >= 0)
        close(c.fd);
    return rc;
}
