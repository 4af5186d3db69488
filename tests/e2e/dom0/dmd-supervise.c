/* SPDX-License-Identifier: MIT */
/*
 * dmd-supervise: the part of systemd's service supervision dmd@.service
 * relies on, for the e2e dom0, which has no systemd (scenarios/crash).
 *
 *   dmd-supervise NOTIFY_SOCKET PIDFILE -- COMMAND ARGS...
 *
 * It binds NOTIFY_SOCKET (a datagram socket anyone may send to, as
 * systemd's is: dmd reports after it stopped being root) and runs COMMAND
 * with NOTIFY_SOCKET set.  Of what a Type=notify service sends it honours
 * READY=1 and the file descriptor store: FDSTORE=1 keeps the descriptors
 * the message carries under FDNAME= (64 at most, FileDescriptorStoreMax=
 * in the unit; one already held is not stored twice), FDSTOREREMOVE=1
 * drops every one stored under FDNAME=, and a stored descriptor that shows
 * POLLHUP or POLLERR is dropped unless it came with FDPOLL=0.
 *
 * Whenever COMMAND dies it is started again 100 ms later (RestartSec=),
 * with the stored descriptors as 3, 4, ... and LISTEN_FDS, LISTEN_FDNAMES
 * and LISTEN_PID (the new process's pid, set in the child before exec).
 * Exit statuses 0, 1 and 2 are final (RestartPreventExitStatus=): then
 * dmd-supervise exits with that status.  SIGTERM or SIGINT stops COMMAND
 * with SIGTERM and exits with its status (128 + N for a signal N).
 *
 * PIDFILE holds the current COMMAND's pid (replaced atomically at each
 * start).  One line on stdout per event, for the test to wait on:
 *   start N pid P | ready N pid P | died N pid P: killed by signal S |
 *   died N pid P: exited with status S | stored NAME (K held) |
 *   removed NAME (K held) | dropped NAME: POLLHUP (K held) | exit S
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STORE_MAX 64       /* FileDescriptorStoreMax= in dmd@.service */
#define RESTART_MS 100     /* RestartSec= */
#define MSG_MAX 4096       /* systemd's NOTIFY_BUFFER_MAX */
#define MSG_FDS 16         /* descriptors one message may carry */
#define FIRST_FD 3         /* SD_LISTEN_FDS_START */

static struct stored {
    int fd;
    bool watch; /* drop on POLLHUP / POLLERR (not FDPOLL=0) */
    char name[256];
} store[STORE_MAX];
static unsigned nstored;

static const char *pidfile;
static char **command;
static pid_t child;      /* 0 while none runs */
static unsigned starts;
static int last_status;  /* as an exit status: 128 + N for signal N */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void die(const char *what)
{
    say("dmd-supervise: %s: %s", what, strerror(errno));
    if (child > 0)
        kill(child, SIGTERM);
    exit(1);
}

/* ---- the store ---------------------------------------------------------- */

/* The same open file description (systemd's same_fd() asks kcmp too). */
static bool held(int fd)
{
    pid_t self = getpid();

    for (unsigned i = 0; i < nstored; i++)
        if (syscall(SYS_kcmp, self, self, KCMP_FILE, store[i].fd, fd) == 0)
            return true;
    return false;
}

static void forget(unsigned i, const char *why)
{
    say("%s %s (%u held)", why, store[i].name, nstored - 1);
    close(store[i].fd);
    memmove(&store[i], &store[i + 1], (nstored - i - 1) * sizeof(store[0]));
    nstored--;
}

static void keep(int fd, const char *name, bool watch)
{
    if (nstored == STORE_MAX || held(fd)) {
        close(fd);
        return;
    }
    store[nstored].fd = fd;
    store[nstored].watch = watch;
    snprintf(store[nstored].name, sizeof(store[0].name), "%s", name);
    nstored++;
    say("stored %s (%u held)", name, nstored);
}

static void remove_named(const char *name)
{
    for (unsigned i = nstored; i-- > 0;)
        if (strcmp(store[i].name, name) == 0)
            forget(i, "removed");
}

/* What systemd does when a stored descriptor's event source fires. */
static void drop_hung(void)
{
    for (unsigned i = nstored; i-- > 0;) {
        struct pollfd p = { .fd = store[i].fd };

        if (store[i].watch && poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
            forget(i, p.revents & POLLERR ? "dropped (POLLERR)" : "dropped (POLLHUP)");
    }
}

/* ---- notifications ------------------------------------------------------ */

/* One datagram; false when none is queued. */
static bool receive(int sock)
{
    char text[MSG_MAX + 1], ctl[CMSG_SPACE(MSG_FDS * sizeof(int))];
    struct iovec iov = { .iov_base = text, .iov_len = MSG_MAX };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                         .msg_controllen = sizeof(ctl) };
    bool ready = false, fdstore = false, remove = false, watch = true;
    const char *name = "stored"; /* systemd's name when FDNAME= is missing */
    int fds[MSG_FDS];
    unsigned nfds = 0;
    ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

    if (n < 0)
        return errno == EINTR;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfds < MSG_FDS; k++)
            memcpy(&fds[nfds++], CMSG_DATA(c) + k * sizeof(int), sizeof(int));
    }
    text[n] = '\0';
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        ready |= strcmp(l, "READY=1") == 0;
        fdstore |= strcmp(l, "FDSTORE=1") == 0;
        remove |= strcmp(l, "FDSTOREREMOVE=1") == 0;
        watch &= strcmp(l, "FDPOLL=0") != 0;
        if (strncmp(l, "FDNAME=", 7) == 0)
            name = l + 7;
    }
    if (remove)
        remove_named(name);
    for (unsigned i = 0; i < nfds; i++) {
        if (fdstore)
            keep(fds[i], name, watch);
        else
            close(fds[i]); /* descriptors without FDSTORE=1 are not kept */
    }
    if (ready && child > 0)
        say("ready %u pid %d", starts, (int)child);
    return true;
}

/* ---- the service -------------------------------------------------------- */

static void write_pidfile(pid_t pid)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0 ||
        rename(tmp, pidfile) < 0)
        die(pidfile);
}

/* In the child: the environment systemd gives a service with a store. */
static void exec_command(const sigset_t *blocked)
{
    char number[16], names[STORE_MAX * 256] = "";
    int moved[STORE_MAX];

    sigprocmask(SIG_UNBLOCK, blocked, NULL);
    /* Out of the way of 3 .. 3 + n - 1 first; dup2() clears FD_CLOEXEC on
     * the copies COMMAND gets, every other descriptor goes with exec. */
    for (unsigned i = 0; i < nstored; i++)
        if ((moved[i] = fcntl(store[i].fd, F_DUPFD_CLOEXEC, FIRST_FD + STORE_MAX)) < 0)
            _exit(127);
    for (unsigned i = 0; i < nstored; i++) {
        if (dup2(moved[i], FIRST_FD + (int)i) < 0)
            _exit(127);
        if (i > 0)
            strcat(names, ":");
        strcat(names, store[i].name);
    }
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    unsetenv("LISTEN_PID");
    if (nstored > 0) {
        snprintf(number, sizeof(number), "%u", nstored);
        setenv("LISTEN_FDS", number, 1);
        setenv("LISTEN_FDNAMES", names, 1);
        snprintf(number, sizeof(number), "%d", (int)getpid());
        setenv("LISTEN_PID", number, 1);
    }
    execvp(command[0], command);
    fprintf(stderr, "dmd-supervise: %s: %s\n", command[0], strerror(errno));
    _exit(127);
}

static void start(const sigset_t *blocked)
{
    pid_t pid = fork();

    if (pid < 0)
        die("fork");
    if (pid == 0)
        exec_command(blocked);
    child = pid;
    starts++;
    write_pidfile(pid);
    say("start %u pid %d (%u descriptor(s) passed)", starts, (int)pid, nstored);
}

/* Reap COMMAND; true when it died (its status is in last_status). */
static bool reap(void)
{
    int ws;

    if (child <= 0 || waitpid(child, &ws, WNOHANG) != child)
        return false;
    if (WIFSIGNALED(ws)) {
        last_status = 128 + WTERMSIG(ws);
        say("died %u pid %d: killed by signal %d", starts, (int)child, WTERMSIG(ws));
    } else {
        last_status = WEXITSTATUS(ws);
        say("died %u pid %d: exited with status %d", starts, (int)child, last_status);
    }
    child = 0;
    return true;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int notify_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        die(path);
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0)
        die(path);
    return fd;
}

int main(int argc, char **argv)
{
    struct pollfd p[2 + STORE_MAX];
    struct signalfd_siginfo si;
    long long restart_at = -1; /* when to start COMMAND again, or -1 */
    bool stopping = false;
    sigset_t blocked;
    int sock, sig;

    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: dmd-supervise NOTIFY_SOCKET PIDFILE -- COMMAND ARGS...\n");
        return 2;
    }
    pidfile = argv[2];
    command = &argv[4];
    sock = notify_socket(argv[1]);
    setenv("NOTIFY_SOCKET", argv[1], 1);
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    if (sigprocmask(SIG_BLOCK, &blocked, NULL) < 0)
        die("sigprocmask");
    sig = signalfd(-1, &blocked, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig < 0)
        die("signalfd");
    start(&blocked);

    for (;;) {
        nfds_t n = 2;
        int timeout = -1;

        p[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = sig, .events = POLLIN };
        /* events 0: only a hang-up or an error wakes us, as systemd's
         * event source on a stored descriptor. */
        for (unsigned i = 0; i < nstored; i++)
            if (store[i].watch)
                p[n++] = (struct pollfd){ .fd = store[i].fd };
        if (restart_at >= 0)
            timeout = restart_at > now_ms() ? (int)(restart_at - now_ms()) : 0;
        if (poll(p, n, timeout) < 0 && errno != EINTR)
            die("poll");
        while (receive(sock))
            ;
        drop_hung();
        while (read(sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            if (si.ssi_signo == SIGCHLD)
                continue;
            say("received signal %u: stopping", si.ssi_signo);
            stopping = true;
            restart_at = -1;
            if (child > 0)
                kill(child, SIGTERM);
        }
        if (reap()) {
            /* What it sent before it died still counts (FDSTORE=1), and
             * what a dead client left hung is closed: before the restart. */
            while (receive(sock))
                ;
            drop_hung();
            if (stopping || last_status <= 2)
                break;
            restart_at = now_ms() + RESTART_MS;
        }
        if (stopping && child == 0)
            break;
        if (restart_at >= 0 && now_ms() >= restart_at) {
            restart_at = -1;
            start(&blocked);
        }
    }
    unlink(argv[1]);
    say("exit %d", last_status);
    return last_status;
}
