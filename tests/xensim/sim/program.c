/* SPDX-License-Identifier: MIT */
#include "program.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../proto.h"
#include "control.h"
#include "ioreq.h"
#include "notify.h"
#include "sim.h"

struct program_stats {     /* --stats: what the first program cost */
    double spawned, ready, stopped;      /* CLOCK_MONOTONIC, ms */
    double cpu_ready, cpu_stopped;       /* its CPU time so far, ms */
    long vmrss, rssanon, vmhwm;          /* kB, just before SIGTERM */
    struct rusage usage;                 /* from wait4() */
};

static struct {
    const struct program_config *cfg;
    enum program_state state;
    pid_t pid;
    int pidfd;
    int status;
    bool stopped;      /* SIGSTOP sent, no SIGCONT yet */
    bool was_ready;    /* READY=1 came from it */
    unsigned starts;   /* 1: the first program */
    unsigned line;     /* of its start-dmd */
    char kill[96];     /* who asked for its death; "" if nobody */
    char killed_by[96];/* ... of the last one killed */
    struct program_stats st;
} prog = {
    .pidfd = -1,
    .st = { .vmrss = -1, .rssanon = -1, .vmhwm = -1 },
};

void program_init(const struct program_config *c)
{
    prog.cfg = c;
}

enum program_state program_state(void)
{
    return prog.state;
}

bool program_running(void)
{
    return prog.state == PROGRAM_STARTING || prog.state == PROGRAM_READY;
}

bool program_answering(void)
{
    return program_running() && !prog.stopped;
}

pid_t program_pid(void)
{
    return prog.pid;
}

int program_status(void)
{
    return prog.status;
}

bool program_was_ready(void)
{
    return prog.was_ready;
}

unsigned program_start_line(void)
{
    return prog.line;
}

const char *program_killed_by(void)
{
    return prog.killed_by;
}

/* ---- --stats ---- */

static double stats_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time (user + system) the program's main thread used so far, in ms:
 * the scheduler's run time in ns, finer than rusage's ticks; -1 if none. */
static double stats_cpu_ms(pid_t pid)
{
    char path[64];
    unsigned long long ns;
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = fscanf(f, "%llu", &ns);
    fclose(f);
    return n == 1 ? (double)ns / 1e6 : -1;
}

void program_stats_sample(void)
{
    struct program_stats *st = &prog.st;
    char path[64], line[256];
    if (prog.starts != 1 || !program_running())
        return; /* the first program is gone: its values stay unmeasured */
    st->stopped = stats_clock_ms();
    st->cpu_stopped = stats_cpu_ms(prog.pid);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)prog.pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        sscanf(line, "VmRSS: %ld", &st->vmrss);
        sscanf(line, "RssAnon: %ld", &st->rssanon);
        sscanf(line, "VmHWM: %ld", &st->vmhwm);
    }
    fclose(f);
}

/* A value or "-" for one never measured. */
static const char *stats_fmt(char *buf, size_t len, bool known, int decimals, double v)
{
    if (known)
        snprintf(buf, len, "%.*f", decimals, v);
    else
        snprintf(buf, len, "-");
    return buf;
}

void program_stats_print(void)
{
    const struct program_stats *st = &prog.st;
    const struct rusage *ru = &st->usage;
    bool ready = st->ready > 0, stopped = ready && st->stopped > 0;
    bool cpu = stopped && st->cpu_ready >= 0 && st->cpu_stopped >= 0;
    char a[32], b[32], c[32];

    printf("xensim: stats: ready_ms=%s\n",
           stats_fmt(a, sizeof(a), ready, 3, st->ready - st->spawned));
    printf("xensim: stats: user_ms=%.3f system_ms=%.3f\n",
           (double)ru->ru_utime.tv_sec * 1e3 + (double)ru->ru_utime.tv_usec / 1e3,
           (double)ru->ru_stime.tv_sec * 1e3 + (double)ru->ru_stime.tv_usec / 1e3);
    printf("xensim: stats: vmrss_kb=%s rssanon_kb=%s vmhwm_kb=%s\n",
           stats_fmt(a, sizeof(a), st->vmrss >= 0, 0, (double)st->vmrss),
           stats_fmt(b, sizeof(b), st->rssanon >= 0, 0, (double)st->rssanon),
           stats_fmt(c, sizeof(c), st->vmhwm >= 0, 0, (double)st->vmhwm));
    printf("xensim: stats: script_ms=%s script_cpu_ms=%s\n",
           stats_fmt(a, sizeof(a), stopped, 3, st->stopped - st->ready),
           stats_fmt(b, sizeof(b), cpu, 3, st->cpu_stopped - st->cpu_ready));
}

/* ---- starting ---- */

/* In the child: the environment systemd and xensim give it. */
static void program_exec(void)
{
    const struct program_config *c = prog.cfg;
    char ld[2 * PATH_MAX];
    const char *old = getenv("LD_LIBRARY_PATH");
    snprintf(ld, sizeof(ld), "%s%s%s", c->libdir, old && *old ? ":" : "", old ? old : "");
    setenv("LD_LIBRARY_PATH", ld, 1);
    setenv("LD_BIND_NOW", "1", 1); /* a call the fakes lack fails at start */
    setenv(XENSIM_SOCKET_ENV, c->ctl_path, 1);
    setenv("NOTIFY_SOCKET", c->notify_path, 1);
    if (c->runtime_dir && *c->runtime_dir)
        setenv("RUNTIME_DIRECTORY", c->runtime_dir, 1);
    if (fdstore_pass() < 0) {
        fprintf(stderr, "xensim: passing the fd store: %s\n", strerror(errno));
        return;
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(c->argv[0], c->argv);
    fprintf(stderr, "xensim: cannot run %s: %s\n", c->argv[0], strerror(errno));
}

int program_start(unsigned line)
{
    pid_t parent = getpid();

    /* What the last program sent before it died counts (FDSTORE=1); then
     * what systemd would close is closed. */
    notify_drain();
    fdstore_drop_hung();
    fflush(stdout);
    prog.starts++;
    prog.line = line;
    prog.kill[0] = '\0';
    prog.stopped = false;
    prog.was_ready = false;
    if (prog.starts == 1)
        prog.st.spawned = stats_clock_ms();
    prog.pid = fork();
    if (prog.pid < 0)
        return -1;
    if (prog.pid == 0) {
        /* Die with xensim, so a killed test leaves nothing behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == parent)
            program_exec();
        _exit(127);
    }
    prog.state = PROGRAM_STARTING;
    prog.pidfd = pidfd_open(prog.pid, 0);
    return prog.pidfd < 0 ? -1 : 0;
}

void program_ready(void)
{
    if (prog.state != PROGRAM_STARTING)
        return; /* a late word of a dead program, or READY=1 again */
    if (prog.starts == 1 && prog.cfg->stats) {
        prog.st.ready = stats_clock_ms();
        prog.st.cpu_ready = stats_cpu_ms(prog.pid);
    }
    prog.state = PROGRAM_READY;
    prog.was_ready = true;
    sim_trace("dmd (pid %d) is ready", (int)prog.pid);
    if (prog.line)
        sim_note("start-dmd: dmd (pid %d) is ready", (int)prog.pid);
    ioreq_resume(sim_now());
}

/* ---- ending ---- */

/* The death was asked for: what the kernel releases goes, what belongs to
 * the domain stays, and the vCPUs wait for the next program. */
static void program_released(void)
{
    prog.state = PROGRAM_NONE;
    snprintf(prog.killed_by, sizeof(prog.killed_by), "%s", prog.kill);
    unsigned handles = control_release(prog.pid);
    ioreq_pause();
    sim_note("dmd (pid %d) killed by %s: %u library handle(s) closed by the kernel",
             (int)prog.pid, prog.kill, handles);
}

/* wait4() with `options`: reap it if it is dead. */
static void program_reap(int options)
{
    struct rusage ru;
    int status;
    pid_t pid;

    do
        pid = wait4(prog.pid, &status, options, &ru);
    while (pid < 0 && errno == EINTR);
    if (pid != prog.pid)
        return;
    close(prog.pidfd);
    prog.pidfd = -1;
    prog.stopped = false;
    if (prog.starts == 1)
        prog.st.usage = ru;
    if (prog.kill[0] && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
        program_released();
        return;
    }
    prog.status = status;
    prog.state = PROGRAM_EXITED;
}

static void program_exited(void *arg, short revents)
{
    (void)arg;
    (void)revents;
    program_reap(WNOHANG);
}

void program_poll(struct loop *l)
{
    if (prog.pidfd >= 0)
        loop_add(l, prog.pidfd, POLLIN, program_exited, NULL);
}

bool program_killing(const char *spec, pid_t pid)
{
    /* Only the program: another pid may be a process long gone (a call
     * left queued by a dead program) whose number was given again. */
    if (!program_running() || (pid && pid != prog.pid)) {
        sim_note("--kill-at %s: fired in a call of process %d, which is not the "
                 "running program: not killed", spec, (int)pid);
        return false;
    }
    snprintf(prog.kill, sizeof(prog.kill), "--kill-at %s", spec);
    kill(prog.pid, SIGKILL);
    return true;
}

bool program_dying(pid_t pid)
{
    return program_running() && prog.kill[0] && pid == prog.pid;
}

/* The script wants a program and there is none: say why. */
static bool program_missing(unsigned line, const char *what)
{
    if (program_running())
        return false;
    if (prog.state == PROGRAM_NONE && prog.killed_by[0])
        sim_fail_line(line, "%s: no program runs (killed by %s)", what, prog.killed_by);
    else
        sim_fail_line(line, "%s: no program runs", what);
    return true;
}

void program_kill(unsigned line)
{
    if (program_missing(line, "kill-dmd"))
        return;
    snprintf(prog.kill, sizeof(prog.kill), "kill-dmd at line %u", line);
    kill(prog.pid, SIGKILL);
    program_reap(0);
}

void program_stop(unsigned line)
{
    siginfo_t si;
    if (program_missing(line, "stop-dmd"))
        return;
    kill(prog.pid, SIGSTOP);
    /* Stopped before the next action: a request issued now is not answered
     * until cont-dmd.  (A death is left for program_exited() to reap.) */
    memset(&si, 0, sizeof(si));
    while (waitid(P_PID, (id_t)prog.pid, &si, WSTOPPED | WEXITED | WNOWAIT) < 0 &&
           errno == EINTR)
        ;
    prog.stopped = si.si_code == CLD_STOPPED;
}

void program_cont(unsigned line)
{
    if (program_missing(line, "cont-dmd"))
        return;
    kill(prog.pid, SIGCONT);
    prog.stopped = false;
}

void program_terminate(void)
{
    if (!program_running())
        return;
    kill(prog.pid, SIGTERM);
    if (prog.stopped)
        kill(prog.pid, SIGCONT);
    prog.stopped = false;
}

void program_force_kill(void)
{
    if (!program_running())
        return;
    prog.kill[0] = '\0';
    kill(prog.pid, SIGKILL);
}

void program_fini(void)
{
    if (prog.pidfd >= 0)
        close(prog.pidfd);
    prog.pidfd = -1;
}
