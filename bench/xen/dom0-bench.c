/* SPDX-License-Identifier: MIT */
/*
 * dom0-bench: dom0's side of the real-Xen benchmark (bench/xen/run).
 * A static program; three jobs, each one small:
 *
 *   dom0-bench notify-listen SOCKET OUTFILE
 *       Play systemd's notification socket: bind SOCKET (datagrams), wait
 *       (60 s at most) for READY=1, write "ready_ns=T" (CLOCK_MONOTONIC).
 *   dom0-bench exec-at OUTFILE -- COMMAND ARGS...
 *       Write "exec_ns=T", then become COMMAND (same pid, same parent):
 *       ready_ns - exec_ns is the server's time from exec to READY=1,
 *       dynamic linking and all.
 *   dom0-bench sample CONSOLE OUTFILE LABEL NAME=PID...
 *       Follow the guest console log CONSOLE (inotify, no polling) and at
 *       each "PHASE P start" / "PHASE P end" line guest-bench prints, sample
 *       every server: one line per event,
 *         SAMPLE LABEL P start|end T NAME:CPU_NS:TICKS:RSS:ANON:VMHWM ...
 *       CPU_NS is the sum over the process's threads of the time on CPU
 *       (/proc/PID/task/TID/schedstat, nanoseconds; the same total
 *       utime + stime add up to, in 10 ms ticks: TICKS), memory in kB:
 *       Rss and Anonymous from /proc/PID/smaps_rollup, VmHWM from
 *       /proc/PID/status (see memory()).  Stops at "BENCH-END" or after
 *       900 s.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SERVERS 8

static unsigned long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "dom0-bench: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(errno));
    exit(1);
}

static void write_value(const char *path, const char *key, unsigned long long v)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fprintf(f, "%s=%llu\n", key, v) < 0 || fclose(f) != 0)
        die("writing %s", path);
}

static int notify_listen(const char *sock, const char *out)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char buf[4096];
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unsigned long long deadline = now_ns() + 60000000000ull;

    if (fd < 0 || strlen(sock) >= sizeof(sa.sun_path))
        die("socket %s", sock);
    strcpy(sa.sun_path, sock);
    unlink(sock);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("bind %s", sock);
    while (now_ns() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 1000) <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
            if (strcmp(line, "READY=1") == 0) {
                write_value(out, "ready_ns", now_ns());
                unlink(sock);
                return 0;
            }
    }
    unlink(sock);
    errno = ETIMEDOUT;
    return die("no READY=1 on %s", sock);
}

static int exec_at(const char *out, char **argv)
{
    write_value(out, "exec_ns", now_ns());
    execvp(argv[0], argv);
    return die("exec %s", argv[0]);
}

/* ---- sample ------------------------------------------------------------ */

struct server {
    const char *name;
    int pid;
};

static unsigned long long task_cpu_ns(int pid)
{
    char path[64];
    unsigned long long sum = 0;
    struct dirent *e;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    d = opendir(path);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char stat[320];
        unsigned long long ns;
        FILE *f;

        if (e->d_name[0] == '.')
            continue;
        snprintf(stat, sizeof(stat), "/proc/%d/task/%s/schedstat", pid, e->d_name);
        f = fopen(stat, "r");
        if (f != NULL && fscanf(f, "%llu", &ns) == 1)
            sum += ns;
        if (f != NULL)
            fclose(f);
    }
    closedir(d);
    return sum;
}

static unsigned long long ticks(int pid)
{
    char path[64], buf[1024], *p;
    unsigned long long utime, stime;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* comm may hold spaces */
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime (fields 3..15) */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &utime, &stime) != 2)
        return 0;
    return utime + stime;
}

/*
 * Resident memory in kB: Rss and Anonymous from smaps_rollup, which walks
 * the page tables, and VmHWM from status.  Not VmRSS: Linux before 6.2
 * keeps per-thread RSS counts that reach VmRSS only every 64 page faults,
 * so a process that faulted little (the null responder) shows a fraction
 * of what it maps (seen: VmRSS 448 kB beside an smaps total of 1650 kB).
 */
static void memory(int pid, unsigned long *rss, unsigned long *anon, unsigned long *hwm)
{
    char path[64], line[256];
    FILE *f;

    *rss = *anon = *hwm = 0;
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
    f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof(line), f)) {
            sscanf(line, "Rss: %lu", rss);
            sscanf(line, "Anonymous: %lu", anon);
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f))
        sscanf(line, "VmHWM: %lu", hwm);
    fclose(f);
}

static void sample(FILE *out, const char *label, const char *phase, const char *edge,
                   const struct server *s, unsigned n)
{
    fprintf(out, "SAMPLE %s %s %s %llu", label, phase, edge, now_ns());
    for (unsigned i = 0; i < n; i++) {
        unsigned long rss, anon, hwm;

        memory(s[i].pid, &rss, &anon, &hwm);
        fprintf(out, " %s:%llu:%llu:%lu:%lu:%lu", s[i].name, task_cpu_ns(s[i].pid),
                ticks(s[i].pid), rss, anon, hwm);
    }
    fprintf(out, "\n");
    fflush(out);
}

/* One console line: sample on PHASE lines; true at BENCH-END. */
static bool console_line(char *line, FILE *out, const char *label, const struct server *s,
                         unsigned n)
{
    char phase[64], edge[8];
    char *cr = strchr(line, '\r');

    if (cr != NULL)
        *cr = '\0';
    if (strstr(line, "BENCH-END") != NULL)
        return true;
    if (sscanf(line, "PHASE %63s %7s", phase, edge) == 2 &&
        (strcmp(edge, "start") == 0 || strcmp(edge, "end") == 0))
        sample(out, label, phase, edge, s, n);
    return false;
}

static int follow(const char *console, const char *outpath, const char *label,
                  const struct server *s, unsigned n)
{
    char buf[8192], line[512];
    size_t used = 0;
    int in = inotify_init1(IN_CLOEXEC), fd = -1;
    unsigned long long deadline = now_ns() + 900000000000ull;
    FILE *out = fopen(outpath, "w");
    char dir[256];

    if (in < 0 || out == NULL)
        die("inotify / %s", outpath);
    snprintf(dir, sizeof(dir), "%s", console);
    *(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
    /* xenconsoled creates the log when the guest first prints. */
    if (inotify_add_watch(in, dir[0] ? dir : ".", IN_CREATE | IN_MODIFY) < 0)
        die("inotify_add_watch %s", dir);
    sample(out, label, "begin", "start", s, n);
    while (now_ns() < deadline) {
        struct pollfd p = { .fd = in, .events = POLLIN };
        ssize_t got;

        if (fd < 0)
            fd = open(console, O_RDONLY | O_CLOEXEC);
        while (fd >= 0 && (got = read(fd, buf, sizeof(buf))) > 0) {
            for (ssize_t i = 0; i < got; i++) {
                if (buf[i] != '\n') {
                    if (used < sizeof(line) - 1)
                        line[used++] = buf[i];
                    continue;
                }
                line[used] = '\0';
                used = 0;
                if (console_line(line, out, label, s, n)) {
                    sample(out, label, "finish", "end", s, n);
                    fclose(out);
                    return 0;
                }
            }
        }
        if (poll(&p, 1, 1000) > 0 && read(in, buf, sizeof(buf)) < 0 && errno != EAGAIN)
            die("inotify read");
    }
    fclose(out);
    errno = ETIMEDOUT;
    return die("no BENCH-END in %s", console);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "notify-listen") == 0)
        return notify_listen(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "exec-at") == 0 && strcmp(argv[3], "--") == 0)
        return exec_at(argv[2], argv + 4);
    if (argc >= 6 && strcmp(argv[1], "sample") == 0) {
        struct server s[MAX_SERVERS];
        unsigned n = 0;

        for (int i = 5; i < argc && n < MAX_SERVERS; i++) {
            char *eq = strchr(argv[i], '=');

            if (eq == NULL)
                break;
            *eq = '\0';
            s[n].name = argv[i];
            s[n++].pid = atoi(eq + 1);
        }
        return follow(argv[2], argv[3], argv[4], s, n);
    }
    fprintf(stderr, "usage: dom0-bench notify-listen SOCKET OUTFILE\n"
                    "       dom0-bench exec-at OUTFILE -- COMMAND ARGS...\n"
                    "       dom0-bench sample CONSOLE OUTFILE LABEL NAME=PID...\n");
    return 2;
}
