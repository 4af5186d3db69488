/* SPDX-License-Identifier: MIT */
/*
 * tty-stream TTY SECONDS: the guest's side of scenarios/crash.
 *
 * Opens TTY once, raw, and keeps it open to the end: dmd is killed and
 * restarted under it twenty times, and the tty must go on working without
 * being opened again.  It writes numbered data lines (stream.h) as fast as
 * the UART takes them, reads the host's lines and answers each with its
 * echo, and when the host sends STOP (or after SECONDS) writes its END
 * line, waits until the UART has sent it, and prints its figures on
 * stdout as shell assignments for linux-guest/init:
 *
 *   lines=N bytes=B          data lines and all bytes written before END
 *   hostlines=H hostbytes=HB host lines taken (in order) and bytes read
 *   bad=X                    host lines that were not the next one
 *   ioerrors=E               read/write errors, end of file, hang-ups
 *   stopped=host|timeout
 *
 * CLOCAL stays off: the 8250 driver then watches carrier (DCD, which dmd
 * raises while a client is on its socket) and hangs the tty up if it ever
 * drops, so a restart that lost the host's connection shows here too.
 * Built static by tests/e2e/meson.build.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../stream.h"

#define ECHO_MAX 4096 /* echoes owed; the host sends a line a second */
#define COM1 0x3f8
#define STALL_S 3    /* no byte taken for this long: say what the UART shows */
#define STALL_NOTES 20

static unsigned lines, hostlines, bad, ioerrors;
static unsigned long long bytes, hostbytes;
static char echoes[ECHO_MAX];
static size_t echo_len;
static bool stop;

/* One complete line from the host. */
static void host_line(const char *l, size_t n)
{
    char want[STREAM_LINE_MAX];
    size_t wn = stream_line(want, 'H', hostlines + 1);

    if (n == 5 && memcmp(l, "STOP\n", 5) == 0) {
        stop = true;
        return;
    }
    if (n != wn || memcmp(l, want, n) != 0 || echo_len + n > ECHO_MAX) {
        fprintf(stderr, "# tty-stream: host line %u: got %.*s", hostlines + 1, (int)n, l);
        bad++;
        return;
    }
    hostlines++;
    memcpy(echoes + echo_len, l, n);
    echoes[echo_len] = 'E';
    echo_len += n;
}

static long now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* When the tty takes nothing for STALL_S seconds, a note on stderr (the
 * console) with what the kernel holds (TIOCOUTQ) and the registers that
 * reading does not change (IER, LCR, MCR, LSR: only its error bits, which
 * dmd never sets), to tell a driver waiting for THRE from one that lost
 * its THRE interrupt. */
static void note_stall(int fd, long since)
{
    static unsigned notes;
    int outq = -1;

    if (notes++ >= STALL_NOTES)
        return;
    ioctl(fd, TIOCOUTQ, &outq);
    if (ioperm(COM1, 8, 1) < 0) {
        fprintf(stderr, "# tty-stream: stalled %lds, outq %d (ioperm: %s)\n", since, outq,
                strerror(errno));
        return;
    }
    fprintf(stderr, "# tty-stream: stalled %lds at line %u, outq %d, IER %02x LCR %02x "
            "MCR %02x LSR %02x\n", since, lines, outq, inb(COM1 + 1), inb(COM1 + 3),
            inb(COM1 + 4), inb(COM1 + 5));
}

int main(int argc, char **argv)
{
    char out[ECHO_MAX + STREAM_LINE_MAX], in[256], line[STREAM_LINE_MAX];
    size_t out_len = 0, out_off = 0, line_len = 0;
    bool ended = false, echoed_last = false;
    struct termios tio;
    long deadline, progress, noted = 0;
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: tty-stream TTY SECONDS\n");
        return 2;
    }
    deadline = now_s() + atol(argv[2]);
    progress = now_s();
    fd = open(argv[1], O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || tcgetattr(fd, &tio) < 0) {
        perror(argv[1]);
        return 1;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CREAD;
    tio.c_cflag &= (tcflag_t)~CLOCAL;
    cfsetspeed(&tio, B115200);
    if (tcsetattr(fd, TCSANOW, &tio) < 0) {
        perror("tcsetattr");
        return 1;
    }
    while (!ended || out_off < out_len) {
        struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
        ssize_t n;

        if (out_off == out_len && !ended) {
            /* Echoes and data lines take turns (a slow UART must not
             * starve either), then END once stopped. */
            out_off = 0;
            if (echo_len > 0 && !echoed_last) {
                memcpy(out, echoes, echo_len);
                out_len = echo_len;
                echo_len = 0;
                echoed_last = true;
            } else if (echo_len > 0 && stop) {
                echoed_last = false; /* what came before STOP, then END */
                continue;
            } else if (stop || now_s() >= deadline) {
                out_len = (size_t)snprintf(out, sizeof(out),
                                           "END lines %u bytes %llu hostlines %u "
                                           "hostbytes %llu bad %u\n",
                                           lines, bytes, hostlines, hostbytes, bad);
                ended = true;
            } else {
                out_len = stream_line(out, 'D', ++lines);
                echoed_last = false;
            }
            if (!ended)
                bytes += out_len;
        }
        if (poll(&p, 1, 1000) < 0 && errno != EINTR)
            break;
        if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
            fprintf(stderr, "# tty-stream: poll: revents %#x\n", (unsigned)p.revents);
            ioerrors++;
            break;
        }
        n = read(fd, in, sizeof(in));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            fprintf(stderr, "# tty-stream: read: %s\n",
                    n == 0 ? "end of file" : strerror(errno));
            ioerrors++;
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            hostbytes++;
            if (line_len < sizeof(line))
                line[line_len++] = in[i];
            if (in[i] == '\n') {
                host_line(line, line_len);
                line_len = 0;
            }
        }
        n = write(fd, out + out_off, out_len - out_off);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "# tty-stream: write: %s\n", strerror(errno));
            ioerrors++;
            break;
        }
        if (n > 0) {
            out_off += (size_t)n;
            progress = now_s();
        } else if (now_s() - progress >= STALL_S && now_s() != noted) {
            noted = now_s();
            note_stall(fd, noted - progress);
        }
    }
    if (tcdrain(fd) < 0)
        ioerrors++;
    printf("lines=%u\nbytes=%llu\nhostlines=%u\nhostbytes=%llu\nbad=%u\nioerrors=%u\n"
           "stopped=%s\n", lines, bytes, hostlines, hostbytes, bad, ioerrors,
           stop ? "host" : "timeout");
    return 0;
}
