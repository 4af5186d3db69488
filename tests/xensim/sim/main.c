/* SPDX-License-Identifier: MIT */
/*
 * xensim: run a program (dmd) on the fake Xen libraries against the
 * simulated hypervisor, drive a guest script through it, stop it, and
 * judge: exit status, expectations, leaks.  See ../README.md.
 *
 *   parse options and script (errors: exit 2, nothing started)
 *   start dmd -> wait for READY=1 -> run the script -> SIGTERM -> wait
 *   -> answer what dmd left queued -> report leaks -> summary line
 *
 * A script that ends in destroy-domain gets no SIGTERM: dmd must see its
 * domain go and exit 0 by itself within --timeout.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calls.h"
#include "control.h"
#include "domain.h"
#include "guest.h"
#include "host.h"
#include "hostcmd.h"
#include "ioreq.h"
#include "loop.h"
#include "script.h"
#include "sim.h"

#ifndef XENSIM_LIBDIR
#error "XENSIM_LIBDIR: the build directory of the fake libraries"
#endif

#define READY_TIMEOUT_MS 10000u
#define EXIT_TIMEOUT_MS 5000u

enum { EXIT_PASS = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct options {
    enum domain_arch arch;
    unsigned vcpus;
    unsigned domid;
    unsigned memory_mb;
    unsigned timeout_ms;
    const char *script;
    const char *libdir;
    bool expect_start_failure;
    bool stats;
    char **argv; /* the program to run */
};

enum phase { STARTING, RUNNING, STOPPING, EXITED };

struct run {
    const struct options *opt;
    enum phase phase;
    uint64_t deadline;
    pid_t pid;
    int pidfd;
    int notify_fd;
    bool ready;
    bool exited;
    bool killed;
    int status;
    char dir[96]; /* socket paths must fit in sun_path (108 bytes) */
    char ctl_path[112];
    char notify_path[112];
    struct run_stats {     /* --stats: what the program cost */
        double spawned, ready, stopped;      /* CLOCK_MONOTONIC, ms */
        double cpu_ready, cpu_stopped;       /* its CPU time so far, ms */
        long vmrss, rssanon, vmhwm;          /* kB, just before SIGTERM */
        struct rusage usage;                 /* from wait4() */
    } st;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: xensim [--arch x86|arm] [--vcpus N] [--domid D] [--memory MB]\n"
        "              [--script FILE] [--timeout MS] [--fail CALL[:NTH|:*]=ERRNO]...\n"
        "              [--expect-start-failure] [--libdir DIR] [--stats] [--verbose]\n"
        "              -- PROGRAM ARGS...\n"
        "Runs PROGRAM (dmd) on fake Xen libraries against a simulated Xen, runs\n"
        "the guest script once it is ready, stops it with SIGTERM (or, after\n"
        "destroy-domain, waits for it to exit) and checks its exit status and\n"
        "teardown.  Exit status: 0 pass, 1 failed, 2 usage or script error.\n"
        "The script language is in tests/xensim/README.md.\n");
}

static int parse_uint(const char *opt, const char *s, unsigned min, unsigned max,
                      unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (!*s || *end || errno || v < min || v > max) {
        fprintf(stderr, "xensim: %s %s: expected a number from %u to %u\n", opt, s,
                min, max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "arch", required_argument, NULL, 'a' },
        { "vcpus", required_argument, NULL, 'c' },
        { "domid", required_argument, NULL, 'd' },
        { "memory", required_argument, NULL, 'm' },
        { "script", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' },
        { "fail", required_argument, NULL, 'f' },
        { "expect-start-failure", no_argument, NULL, 'x' },
        { "libdir", required_argument, NULL, 'l' },
        { "stats", no_argument, NULL, 'S' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (strcmp(optarg, "x86") == 0)
                o->arch = DOMAIN_X86;
            else if (strcmp(optarg, "arm") == 0)
                o->arch = DOMAIN_ARM;
            else
                rc = -1, fprintf(stderr, "xensim: --arch must be x86 or arm\n");
            break;
        case 'c': rc = parse_uint("--vcpus", optarg, 1, DOMAIN_MAX_VCPUS, &o->vcpus); break;
        case 'd': rc = parse_uint("--domid", optarg, 1, DOMID_FIRST_RESERVED - 1, &o->domid); break;
        case 'm': rc = parse_uint("--memory", optarg, GUEST_MIN_MEMORY_MB, 65536, &o->memory_mb); break;
        case 't': rc = parse_uint("--timeout", optarg, 1, 3600000, &o->timeout_ms); break;
        case 's': o->script = optarg; break;
        case 'f': rc = calls_add_failure(optarg); break;
        case 'x': o->expect_start_failure = true; break;
        case 'l': o->libdir = optarg; break;
        case 'S': o->stats = true; break;
        case 'v': sim_set_verbose(true); break;
        case 'h': usage(stdout); exit(EXIT_PASS);
        default: rc = -1; break;
        }
    }
    if (rc == 0 && optind >= argc) {
        fprintf(stderr, "xensim: no program to run\n");
        rc = -1;
    }
    o->argv = argv + optind;
    return rc;
}

/* ---- --stats: what the program cost ---- */

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

/* The script is over, the program still runs: sample it. */
static void stats_stopping(struct run *r)
{
    struct run_stats *st = &r->st;
    char path[64], line[256];
    st->stopped = stats_clock_ms();
    st->cpu_stopped = stats_cpu_ms(r->pid);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)r->pid);
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

static void stats_print(const struct run *r)
{
    const struct run_stats *st = &r->st;
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

/* ---- the program under test ---- */

static void run_exec(const struct run *r)
{
    char ld[2 * PATH_MAX];
    const char *old = getenv("LD_LIBRARY_PATH");
    snprintf(ld, sizeof(ld), "%s%s%s", r->opt->libdir, old && *old ? ":" : "",
             old ? old : "");
    setenv("LD_LIBRARY_PATH", ld, 1);
    setenv("LD_BIND_NOW", "1", 1); /* a call the fakes lack fails at start */
    setenv(XENSIM_SOCKET_ENV, r->ctl_path, 1);
    setenv("NOTIFY_SOCKET", r->notify_path, 1);
    signal(SIGPIPE, SIG_DFL);
    execvp(r->opt->argv[0], r->opt->argv);
    fprintf(stderr, "xensim: cannot run %s: %s\n", r->opt->argv[0], strerror(errno));
}

static int run_spawn(struct run *r)
{
    pid_t parent = getpid();
    fflush(stdout);
    r->st.spawned = stats_clock_ms();
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        /* Die with xensim, so a killed test leaves nothing behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == parent)
            run_exec(r);
        _exit(127);
    }
    r->pidfd = pidfd_open(r->pid, 0);
    return r->pidfd < 0 ? -1 : 0;
}

static const char *run_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "status %#x", (unsigned)status);
    return buf;
}

static void run_exited(void *arg, short revents)
{
    struct run *r = arg;
    (void)revents;
    if (wait4(r->pid, &r->status, WNOHANG, &r->st.usage) == r->pid)
        r->exited = true;
}

/* sd_notify() datagrams: READY=1 is all we need. */
static void run_notified(void *arg, short revents)
{
    struct run *r = arg;
    char buf[4096];
    (void)revents;
    ssize_t n = recv(r->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (char *save, *line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        sim_trace("sd_notify: %s", line);
        if (strcmp(line, "READY=1") == 0 && !r->ready && r->opt->stats) {
            r->st.ready = stats_clock_ms();
            r->st.cpu_ready = stats_cpu_ms(r->pid);
        }
        if (strcmp(line, "READY=1") == 0)
            r->ready = true;
    }
}

static int run_sockets(struct run *r)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof(r->dir), "%s/xensim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->dir))
        return -1;
    snprintf(r->ctl_path, sizeof(r->ctl_path), "%s/xen", r->dir);
    snprintf(r->notify_path, sizeof(r->notify_path), "%s/notify", r->dir);
    if (control_init(r->ctl_path) < 0)
        return -1;

    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(r->notify_path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sun.sun_path, r->notify_path);
    r->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->notify_fd < 0 || bind(r->notify_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
        return -1;
    return 0;
}

static void run_cleanup(struct run *r)
{
    control_fini();
    if (r->notify_fd >= 0)
        close(r->notify_fd);
    if (r->pidfd >= 0)
        close(r->pidfd);
    if (r->dir[0]) {
        unlink(r->ctl_path);
        unlink(r->notify_path);
        rmdir(r->dir);
    }
}

/* Every host-spawn needs its host-wait: a result nobody checked is no test. */
static void run_unwaited(const char *name, bool running)
{
    if (name[0] == '\0')
        sim_fail("host-run: still running when the run ended (killed)");
    else
        sim_fail("host-spawn %s: never waited for (host-wait)%s", name,
                 running ? "; killed" : "");
}

/* ---- phases ---- */

/* SIGTERM, or for a destroyed domain nothing: dmd must see it go. */
static void run_stop(struct run *r, uint64_t now)
{
    r->phase = STOPPING;
    if (r->opt->stats && !r->exited)
        stats_stopping(r);
    if (domain.destroyed) {
        r->deadline = now + r->opt->timeout_ms;
        return;
    }
    kill(r->pid, SIGTERM);
    r->deadline = now + EXIT_TIMEOUT_MS;
}

static void run_stopping(struct run *r, uint64_t now)
{
    char st[64];
    if (r->exited) {
        bool clean = WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
        if (!r->killed && !clean && domain.destroyed)
            sim_fail("dmd did not exit cleanly after its domain was destroyed (%s)",
                     run_status(r->status, st, sizeof(st)));
        else if (!r->killed && !clean)
            sim_fail("dmd did not exit cleanly on SIGTERM (%s)",
                     run_status(r->status, st, sizeof(st)));
        r->phase = EXITED;
    } else if (now >= r->deadline && !r->killed) {
        if (domain.destroyed)
            sim_fail("dmd still running %u ms after its domain was destroyed: killed",
                     r->opt->timeout_ms);
        else
            sim_fail("dmd still running %u ms after SIGTERM: killed", EXIT_TIMEOUT_MS);
        kill(r->pid, SIGKILL);
        r->killed = true;
    }
}

static void run_starting(struct run *r, uint64_t now)
{
    char st[64];
    if (r->exited) {
        run_status(r->status, st, sizeof(st));
        if (!r->opt->expect_start_failure)
            sim_fail("dmd exited before READY=1 (%s)", st);
        else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) == 0)
            sim_fail("dmd was expected to fail its start-up with an error, but: %s", st);
        else
            sim_note("dmd failed to start, as expected (%s)", st);
        r->phase = EXITED;
    } else if (r->ready && r->opt->expect_start_failure) {
        sim_fail("dmd became ready although a start-up failure was expected");
        run_stop(r, now);
    } else if (r->ready) {
        sim_trace("dmd is ready");
        guest_start();
        r->phase = RUNNING;
    } else if (sim_aborted()) {
        run_stop(r, now);
    } else if (now >= r->deadline) {
        sim_fail("dmd sent no READY=1 within %u ms", READY_TIMEOUT_MS);
        run_stop(r, now);
    }
}

static void run_advance(struct run *r, uint64_t now)
{
    char st[64];
    switch (r->phase) {
    case STARTING:
        run_starting(r, now);
        break;
    case RUNNING:
        /* After destroy-domain the script is over: exiting is dmd's job. */
        if (r->exited && !domain.destroyed) {
            sim_fail("dmd exited while the script ran (%s)", run_status(r->status, st, sizeof(st)));
            r->phase = EXITED;
        } else if (guest_finished()) {
            run_stop(r, now);
        }
        break;
    case STOPPING:
        run_stopping(r, now);
        break;
    case EXITED:
        break;
    }
}

static void run_loop(struct run *r)
{
    struct loop l;
    r->phase = STARTING;
    r->deadline = sim_now() + READY_TIMEOUT_MS;
    for (;;) {
        uint64_t now = sim_now();
        enum phase before = r->phase;
        ioreq_check_timeouts(now);
        guest_step(now);
        run_advance(r, now);
        if (r->phase == EXITED)
            return;
        if (r->phase != before)
            continue; /* a new phase may have work to do at once */
        loop_begin(&l);
        control_poll(&l);
        host_poll(&l);
        hostcmd_poll(&l);
        loop_add(&l, r->notify_fd, POLLIN, run_notified, r);
        loop_add(&l, r->pidfd, POLLIN, run_exited, r);
        loop_until(&l, r->deadline);
        loop_until(&l, ioreq_deadline());
        loop_until(&l, guest_deadline(now));
        loop_wait(&l);
    }
}

int main(int argc, char **argv)
{
    struct options opt = {
        .arch = DOMAIN_X86,
        .vcpus = 1,
        .domid = 1,
        .memory_mb = 16,
        .timeout_ms = 5000,
        .libdir = XENSIM_LIBDIR,
    };
    struct script script = { 0 };
    struct run run = { .opt = &opt, .pidfd = -1, .notify_fd = -1,
                       .st = { .vmrss = -1, .rssanon = -1, .vmhwm = -1 } };

#if defined(__aarch64__) || defined(__arm__)
    opt.arch = DOMAIN_ARM; /* like dmd: the build's architecture by default */
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_options(argc, argv, &opt) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (opt.script && script_parse(opt.script, opt.arch, opt.vcpus, opt.memory_mb, &script) < 0)
        return EXIT_USAGE;
    signal(SIGPIPE, SIG_IGN);
    if (domain_init(opt.arch, (uint16_t)opt.domid, opt.vcpus, opt.memory_mb) < 0 ||
        run_sockets(&run) < 0 || run_spawn(&run) < 0) {
        perror("xensim: setting up");
        run_cleanup(&run);
        return EXIT_USAGE;
    }
    ioreq_init(guest_ioreq_done, opt.timeout_ms);
    guest_init(&script);
    run_loop(&run);

    control_drain();
    host_close_all();
    hostcmd_forget_all(run_unwaited);
    calls_report();
    if (ioreq_lose_unused())
        sim_fail_line(ioreq_lose_unused(), "lose-notify: no synchronous request followed");
    domain_report_leaks();
    if (opt.stats)
        stats_print(&run);
    bool pass = sim_failures() == 0 && sim_leaks() == 0;
    printf("xensim: %s (%u actions, %u failure%s, %u leak%s)\n", pass ? "PASS" : "FAIL",
           guest_actions_run(), sim_failures(), sim_failures() == 1 ? "" : "s",
           sim_leaks(), sim_leaks() == 1 ? "" : "s");
    run_cleanup(&run);
    script_free(&script);
    domain_fini();
    return pass ? EXIT_PASS : EXIT_FAILED;
}
