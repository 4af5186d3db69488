/* SPDX-License-Identifier: MIT */
#include "hostcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOSTCMD_MAX 16
#define HOSTCMD_KEEP (64 * 1024)

struct hostcmd {
    bool used;
    char name[64];
    pid_t pid;
    int pidfd;     /* readable once the command exited */
    int out;       /* read end of its stdout/stderr pipe; -1 at its end */
    bool exited;
    int status;
    size_t len;
    char buf[HOSTCMD_KEEP];
};

static struct hostcmd hostcmd_table[HOSTCMD_MAX];

static struct hostcmd *hostcmd_find(const char *name)
{
    for (unsigned i = 0; i < HOSTCMD_MAX; i++)
        if (hostcmd_table[i].used && strcmp(hostcmd_table[i].name, name) == 0)
            return &hostcmd_table[i];
    return NULL;
}

/* In the child: the command's stdio, a group of its own, death with us. */
static void hostcmd_exec(const char *command, int out, pid_t parent)
{
    int null = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
        dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
        _exit(127);
    signal(SIGPIPE, SIG_DFL); /* xensim ignores it; a command must not */
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    fprintf(stderr, "xensim: cannot run /bin/sh: %s\n", strerror(errno));
    _exit(127);
}

/* Keep the newest bytes when the buffer is full. */
static bool hostcmd_read(struct hostcmd *c)
{
    if (c->len == HOSTCMD_KEEP) {
        memmove(c->buf, c->buf + HOSTCMD_KEEP / 2, HOSTCMD_KEEP / 2);
        c->len = HOSTCMD_KEEP / 2;
    }
    ssize_t n = read(c->out, c->buf + c->len, HOSTCMD_KEEP - c->len);
    if (n > 0) {
        c->len += (size_t)n;
        return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(c->out);
        c->out = -1;
    }
    return false;
}

static void hostcmd_readable(void *arg, short revents)
{
    (void)revents;
    hostcmd_read(arg);
}

/* The command exited: take what it wrote before it went. */
static void hostcmd_reap(void *arg, short revents)
{
    struct hostcmd *c = arg;
    (void)revents;
    if (waitpid(c->pid, &c->status, WNOHANG) != c->pid)
        return;
    c->exited = true;
    while (c->out >= 0 && hostcmd_read(c))
        ;
}

bool hostcmd_exited(const char *name, int *status)
{
    struct hostcmd *c = hostcmd_find(name);
    if (c && !c->exited)
        hostcmd_reap(c, 0); /* in case the loop has not looked yet */
    if (!c || !c->exited)
        return false;
    *status = c->status;
    return true;
}

int hostcmd_start(const char *name, const char *command)
{
    struct hostcmd *c = hostcmd_find(name);
    pid_t parent = getpid();
    int pipefd[2];

    if (c)
        return -EBUSY; /* its result was not collected yet */
    if (strlen(name) >= sizeof(hostcmd_table[0].name))
        return -ENAMETOOLONG;
    for (unsigned i = 0; !c && i < HOSTCMD_MAX; i++)
        if (!hostcmd_table[i].used)
            c = &hostcmd_table[i];
    if (!c)
        return -EMFILE;
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return -err;
    }
    if (pid == 0)
        hostcmd_exec(command, pipefd[1], parent);
    setpgid(pid, pid); /* also here: kill(-pid) must work at once */
    close(pipefd[1]);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    *c = (struct hostcmd){ .used = true, .pid = pid, .pidfd = pidfd_open(pid, 0),
                           .out = pipefd[0] };
    strcpy(c->name, name);
    return 0;
}

const char *hostcmd_output(const char *name, size_t *len)
{
    struct hostcmd *c = hostcmd_find(name);
    *len = c ? c->len : 0;
    return c ? c->buf : "";
}

bool hostcmd_known(const char *name)
{
    return hostcmd_find(name) != NULL;
}

void hostcmd_forget(const char *name)
{
    struct hostcmd *c = hostcmd_find(name);
    if (!c)
        return;
    kill(-c->pid, SIGKILL); /* what it left in the background, too */
    if (!c->exited)
        waitpid(c->pid, &c->status, 0);
    if (c->pidfd >= 0)
        close(c->pidfd);
    if (c->out >= 0)
        close(c->out);
    c->used = false;
}

void hostcmd_forget_all(void (*report)(const char *name, bool running))
{
    for (unsigned i = 0; i < HOSTCMD_MAX; i++) {
        struct hostcmd *c = &hostcmd_table[i];
        if (!c->used)
            continue;
        report(c->name, !c->exited);
        hostcmd_forget(c->name);
    }
}

void hostcmd_poll(struct loop *l)
{
    for (unsigned i = 0; i < HOSTCMD_MAX; i++) {
        struct hostcmd *c = &hostcmd_table[i];
        if (!c->used)
            continue;
        if (c->out >= 0)
            loop_add(l, c->out, POLLIN, hostcmd_readable, c);
        if (!c->exited && c->pidfd >= 0)
            loop_add(l, c->pidfd, POLLIN, hostcmd_reap, c);
    }
}
