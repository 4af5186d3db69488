/* SPDX-License-Identifier: MIT */
/*
 * crash-host SOCKET STATUS RESULT: dom0's side of scenarios/crash.
 *
 * Connects once to dmd's socket backend and stays connected while dmd is
 * killed and restarted (the connection lives on in the service manager's
 * descriptor store).  It reads everything the guest writes (stream.h)
 * and checks each data line is the next one, byte for byte: a line
 * numbered beyond the next one means lines were lost, one below it a
 * duplicate, anything else is corrupt.  Once the guest's first line is
 * in (its tty is open) it sends a host line every second; each must come
 * back as its echo, in order.  SIGUSR1: send STOP, then
 * wait (120 s at most) for the guest's END line and compare its figures
 * with what arrived.
 *
 * STATUS is rewritten every 0.5 s ("lines=N echoes=E sent=S", for the
 * test to watch progress); RESULT gets the figures as shell assignments
 * at the end.  Exit status 0 when everything matched, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../stream.h"

#define SEND_EVERY_MS 1000
#define END_WAIT_MS 120000
#define SHOW_MAX 5 /* mismatches printed in full */

static struct {
    unsigned lines, lost, duplicated, corrupt; /* the guest's data lines */
    unsigned long long bytes;                  /* all bytes before END */
    unsigned sent, echoes, echo_lost, echo_dup; /* host lines and echoes */
    unsigned long long sent_bytes;              /* STOP included */
    unsigned disconnects;
    bool end;
    unsigned g_lines, g_hostlines, g_bad;       /* the guest's END line */
    unsigned long long g_bytes, g_hostbytes;
} f;
static unsigned shown;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void show(const char *what, const char *l, size_t n)
{
    if (shown++ < SHOW_MAX)
        printf("crash-host: %s: %.*s%s", what, (int)n, l, n > 0 && l[n - 1] == '\n' ? "" : "\n");
}

/* One complete line from the guest (newline included). */
static void guest_line(const char *l, size_t n)
{
    char want[STREAM_LINE_MAX];
    unsigned seq;

    if (n > 4 && memcmp(l, "END ", 4) == 0 &&
        sscanf(l, "END lines %u bytes %llu hostlines %u hostbytes %llu bad %u", &f.g_lines,
               &f.g_bytes, &f.g_hostlines, &f.g_hostbytes, &f.g_bad) == 5) {
        f.end = true;
        return;
    }
    f.bytes += n;
    if (sscanf(l, "D %u ", &seq) == 1 && n == stream_line(want, 'D', seq) &&
        memcmp(l, want, n) == 0) {
        if (seq == f.lines + 1) {
            f.lines++;
        } else if (seq > f.lines + 1) {
            show("lines missing before", l, n);
            f.lost += seq - f.lines - 1;
            f.lines = seq;
        } else {
            show("duplicate", l, n);
            f.duplicated++;
        }
    } else if (sscanf(l, "E %u ", &seq) == 1 && n == stream_line(want, 'H', seq) &&
               memcmp(l + 1, want + 1, n - 1) == 0) {
        if (seq == f.echoes + 1) {
            f.echoes++;
        } else if (seq > f.echoes + 1) {
            show("echoes missing before", l, n);
            f.echo_lost += seq - f.echoes - 1;
            f.echoes = seq;
        } else {
            show("duplicate echo", l, n);
            f.echo_dup++;
        }
    } else {
        show("corrupt", l, n);
        f.corrupt++;
    }
}

static void status(const char *path)
{
    char tmp[4096];
    FILE *s;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    s = fopen(tmp, "w");
    if (s == NULL)
        return;
    fprintf(s, "lines=%u echoes=%u sent=%u\n", f.lines, f.echoes, f.sent);
    if (fclose(s) == 0)
        rename(tmp, path);
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    long long give_up = now_ms() + 30000;
    int fd;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        if (now_ms() > give_up) {
            perror(path);
            exit(1);
        }
        usleep(100000);
    }
}

int main(int argc, char **argv)
{
    char out[4096], in[4096], line[STREAM_LINE_MAX + 1];
    size_t out_len = 0, line_len = 0;
    long long next_send = 0, next_status = 0, end_by = -1;
    bool stop = false, stop_sent = false;
    sigset_t sigs;
    FILE *res;
    int sock, sig;

    if (argc != 4) {
        fprintf(stderr, "usage: crash-host SOCKET STATUS RESULT\n");
        return 2;
    }
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    sig = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    sock = connect_to(argv[1]);
    signal(SIGPIPE, SIG_IGN);
    printf("crash-host: connected to %s\n", argv[1]);
    fflush(stdout);
    status(argv[2]);

    while (!f.end && (end_by < 0 || now_ms() < end_by) && f.disconnects == 0) {
        struct pollfd p[2] = { { .fd = sock, .events = POLLIN | (out_len ? POLLOUT : 0) },
                               { .fd = sig, .events = POLLIN } };
        struct signalfd_siginfo si;
        long long now = now_ms();
        ssize_t n;

        /* Only once the guest's stream runs: the tty is open then, and
         * nothing the host sends is flushed by the driver's start-up. */
        if (!stop && f.lines > 0 && now >= next_send &&
            out_len + STREAM_LINE_MAX <= sizeof(out)) {
            out_len += stream_line(out + out_len, 'H', ++f.sent);
            next_send = now + SEND_EVERY_MS;
        }
        if (stop && !stop_sent && out_len + 5 <= sizeof(out)) {
            memcpy(out + out_len, "STOP\n", 5);
            out_len += 5;
            stop_sent = true;
            end_by = now + END_WAIT_MS;
        }
        if (now >= next_status) {
            status(argv[2]);
            next_status = now + 500;
        }
        if (poll(p, 2, 100) < 0 && errno != EINTR)
            break;
        while (read(sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            if (si.ssi_signo == SIGTERM)
                end_by = 0;
            stop = true;
        }
        n = read(sock, in, sizeof(in));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            printf("crash-host: the connection broke: %s\n",
                   n == 0 ? "end of file" : strerror(errno));
            f.disconnects++;
        }
        for (ssize_t i = 0; i < n; i++) {
            line[line_len++] = in[i];
            if (in[i] == '\n' || line_len == STREAM_LINE_MAX) {
                line[line_len] = '\0'; /* for sscanf */
                guest_line(line, line_len);
                line_len = 0;
            }
        }
        if (out_len > 0 && (n = write(sock, out, out_len)) > 0) {
            memmove(out, out + n, out_len - (size_t)n);
            out_len -= (size_t)n;
            f.sent_bytes += (unsigned long long)n;
        }
    }
    status(argv[2]);
    res = fopen(argv[3], "w");
    if (res == NULL) {
        perror(argv[3]);
        return 1;
    }
    fprintf(res, "end=%s\nlines=%u\nbytes=%llu\nlost=%u\nduplicated=%u\ncorrupt=%u\n"
            "sent=%u\nsent_bytes=%llu\nechoes=%u\necho_lost=%u\necho_dup=%u\n"
            "disconnects=%u\nunsent=%zu\npartial=%zu\n"
            "g_lines=%u\ng_bytes=%llu\ng_hostlines=%u\ng_hostbytes=%llu\ng_bad=%u\n",
            f.end ? "yes" : "no", f.lines, f.bytes, f.lost, f.duplicated, f.corrupt,
            f.sent, f.sent_bytes, f.echoes, f.echo_lost, f.echo_dup, f.disconnects, out_len,
            line_len, f.g_lines, f.g_bytes, f.g_hostlines, f.g_hostbytes, f.g_bad);
    fclose(res);
    return f.end && f.lost + f.duplicated + f.corrupt + f.echo_lost + f.echo_dup == 0 &&
                   f.lines == f.g_lines && f.bytes == f.g_bytes && f.echoes == f.sent &&
                   f.sent_bytes == f.g_hostbytes && f.g_bad == 0
               ? 0
               : 1;
}
