/* SPDX-License-Identifier: MIT */
/*
 * demo-host SOCKET LOG REPLY: the person at the other end of the guest's
 * serial line in the demo (scenarios/demo, scripts/demo).
 *
 * Connects to dmd's socket backend (retrying for 30 s while dmd starts),
 * then shows every line the guest writes to its ttyS0 and, after the
 * guest's first line, types REPLY (with a newline) into the socket, as a
 * person with a terminal on it would.  The guest reads it and writes it
 * back; that echo is the line "guest read: REPLY".
 *
 * Every event is one line, on stdout (dom0's console, read live by
 * scripts/demo) and appended to LOG (for test.sh's checks), in the
 * transcript's form ("DEMO SECTION WHO| text", scenarios/demo/test.sh):
 *   DEMO 0.6 host|   connected: ...
 *   DEMO-STAGE guest-up ...            (the guest's first line arrived)
 *   DEMO 2.2 host| < LINE              (the guest's first line; at most 100
 *                                       bytes shown: dom0's console lines
 *                                       stay under Xen's 128)
 *   DEMO 3.1 host| > REPLY             (typed)
 *   DEMO 3.3 host| < LINE              (the guest's later lines)
 *   DEMO 3.4 host| echo came back      (the echo line arrived)
 *   # demo-host: the connection closed
 * It ends when the connection closes (dmd and the service manager's
 * descriptor store both let go of it once the guest is gone) or after
 * 300 s; exit 0 if the echo came back, 1 otherwise.  Built static by
 * tests/e2e/meson.build.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_MS 30000
#define RUN_MS 300000
#define SHOW_MAX 100

static FILE *logfile;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
    fprintf(logfile, "%s\n", line);
    fflush(logfile);
}

/* A guest line as text: control bytes as '.', at most SHOW_MAX bytes. */
static void printable(char *out, const char *in, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < SHOW_MAX; i++)
        out[i] = (unsigned char)in[i] < 0x20 || (unsigned char)in[i] >= 0x7f ? '.' : in[i];
    out[i] = '\0';
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char buf[4096], echo[512], shown[SHOW_MAX + 1];
    size_t have = 0;
    unsigned lines = 0;
    bool sent = false, echoed = false;
    long long deadline;
    int fd = -1;

    if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path) || strlen(argv[3]) > 400) {
        fprintf(stderr, "usage: demo-host SOCKET LOG REPLY\n");
        return 2;
    }
    logfile = fopen(argv[2], "a");
    if (logfile == NULL) {
        perror(argv[2]);
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    snprintf(echo, sizeof(echo), "guest read: %s", argv[3]);

    deadline = now_ms() + CONNECT_MS;
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            break;
        if (fd >= 0)
            close(fd);
        if (now_ms() > deadline) {
            say("# demo-host: cannot connect to %s: %s", argv[1], strerror(errno));
            return 1;
        }
        usleep(100000);
    }
    say("DEMO 0.6 host|   connected: dom0's end of the guest's serial line");

    deadline = now_ms() + RUN_MS;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        long long left = deadline - now_ms();
        ssize_t n;
        char *nl;

        if (left <= 0) {
            say("# demo-host: gave up after %d s", RUN_MS / 1000);
            break;
        }
        if (poll(&p, 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p.revents == 0)
            continue;
        n = read(fd, buf + have, sizeof(buf) - have);
        if (n <= 0) {
            say("# demo-host: the connection closed");
            break;
        }
        have += (size_t)n;
        while ((nl = memchr(buf, '\n', have)) != NULL || have == sizeof(buf)) {
            size_t len = nl != NULL ? (size_t)(nl - buf) : have;
            size_t used = nl != NULL ? len + 1 : len;

            if (len > 0 && buf[len - 1] == '\r')
                len--;
            printable(shown, buf, len);
            if (lines++ == 0)
                say("DEMO-STAGE guest-up the guest's first line reached dmd's socket");
            say("DEMO %s host| < %s", lines == 1 ? "2.2" : "3.3", shown);
            if (len == strlen(echo) && memcmp(buf, echo, len) == 0 && !echoed) {
                echoed = true;
                say("DEMO 3.4 host| echo came back");
            }
            memmove(buf, buf + used, have - used);
            have -= used;
            if (!sent) {
                char line[512];
                size_t ll = (size_t)snprintf(line, sizeof(line), "%s\n", argv[3]);

                if (write(fd, line, ll) != (ssize_t)ll) {
                    say("# demo-host: writing to the socket failed: %s", strerror(errno));
                    return 1;
                }
                sent = true;
                say("DEMO 3.1 host| > %s", argv[3]);
            }
        }
    }
    close(fd);
    return echoed ? 0 : 1;
}
