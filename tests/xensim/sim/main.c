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
 * domain go and exit 0 by itself within --timeout.  The script may kill
 * dmd and start it again (program.c); the one running when it ends is the
 * one stopped and judged.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calls.h"
#include "control.h"
#include "domain.h"
#include "guest.h"
#include "host.h"
#include "hostcmd.h"
#include "ioreq.h"
#include "loop.h"
#include "notify.h"
#include "program.h"
#include "script.h"
#include "sim.h"

#ifndef XENSIM_LIBDIR
#error "XENSIM_LIBDIR: the build directory of the fake libraries"
#endif

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
    bool killed; /* by xensim: it did not stop in time */
    char dir[96]; /* socket paths must fit in sun_path (108 bytes) */
    char ctl_path[112];
    char notify_path[112];
    char runtime_dir[112]; /* "": RUNTIME_DIRECTORY comes from our caller */
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: xensim [--arch x86|arm] [--vcpus N] [--domid D] [--memory MB]\n"
        "              [--script FILE] [--timeout MS] [--fail CALL[:NTH|:*]=ERRNO]...\n"
        "              [--kill-at CALL[:NTH]]... [--expect-start-failure] [--libdir DIR]\n"
        "              [--stats] [--verbose]\n"
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

static int parse_options(int argc, char **argv, struct options *o, bool *kill_at)
{
    static const struct option longopts[] = {
        { "arch", required_argument, NULL, 'a' },
        { "vcpus", required_argument, NULL, 'c' },
        { "domid", required_argument, NULL, 'd' },
        { "memory", required_argument, NULL, 'm' },
        { "script", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' },
        { "fail", required_argument, NULL, 'f' },
        { "kill-at", required_argument, NULL, 'k' },
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
        case 'k': rc = calls_add_kill(optarg), *kill_at = true; break;
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
    if (rc == 0 && *kill_at && o->expect_start_failure) {
        fprintf(stderr, "xensim: --kill-at and --expect-start-failure do not go together: "
                "a killed program neither fails nor starts\n");
        rc = -1;
    }
    o->argv = argv + optind;
    return rc;
}

/* ---- the run's directory: sockets, and the program's runtime directory ---- */

static int run_directory(struct run *r)
{
    const char *tmp = getenv("TMPDIR");
    const char *rd = getenv("RUNTIME_DIRECTORY");
    snprintf(r->dir, sizeof(r->dir), "%s/xensim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    /* Searchable by others: a program that drops to another user (dmd
     * --user) must still reach the notify socket, as systemd's is. */
    if (!mkdtemp(r->dir) || chmod(r->dir, 0711) < 0)
        return -1;
    snprintf(r->ctl_path, sizeof(r->ctl_path), "%s/xen", r->dir);
    snprintf(r->notify_path, sizeof(r->notify_path), "%s/notify", r->dir);
    /* systemd's RuntimeDirectory=: one per run, so parallel tests never
     * share one, and the same for every program of the run. */
    if (!rd || !*rd) {
        snprintf(r->runtime_dir, sizeof(r->runtime_dir), "%s/run", r->dir);
        if (mkdir(r->runtime_dir, 0755) < 0 || chmod(r->runtime_dir, 0755) < 0)
            return -1;
    }
    if (control_init(r->ctl_path) < 0 || notify_init(r->notify_path) < 0)
        return -1;
    /* Host commands reach the simulated Xen too: a tool on the fake
     * libraries (dmop) run by host-run talks to the same domain. */
    setenv(XENSIM_SOCKET_ENV, r->ctl_path, 1);
    return 0;
}

static int run_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void run_cleanup(struct run *r)
{
    control_fini();
    notify_fini();
    program_fini();
    if (r->dir[0]) {
        unlink(r->ctl_path);
        unlink(r->notify_path);
        /* What a killed program left in its runtime directory goes too. */
        if (r->runtime_dir[0])
            nftw(r->runtime_dir, run_remove, 16, FTW_DEPTH | FTW_PHYS);
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

/* SIGTERM, or for a destroyed domain nothing: dmd must see it go. */
static void run_stop(struct run *r, uint64_t now)
{
    r->phase = STOPPING;
    if (program_state() == PROGRAM_NONE) {
        /* Killed and not started again: there is nothing to stop or judge. */
        if (!sim_aborted())
            sim_fail("the script ended while no program runs (the last one was killed "
                     "by %s): a start-dmd must follow", program_killed_by());
        r->phase = EXITED;
        return;
    }
    if (r->opt->stats)
        program_stats_sample();
    if (domain.destroyed) {
        r->deadline = now + r->opt->timeout_ms;
        return;
    }
    program_terminate();
    r->deadline = now + EXIT_TIMEOUT_MS;
}

static void run_stopping(struct run *r, uint64_t now)
{
    char st[64];
    int status = program_status();
    if (program_state() == PROGRAM_EXITED) {
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!r->killed && !clean && domain.destroyed)
            sim_fail("dmd did not exit cleanly after its domain was destroyed (%s)",
                     run_status(status, st, sizeof(st)));
        else if (!r->killed && !clean)
            sim_fail("dmd did not exit cleanly on SIGTERM (%s)",
                     run_status(status, st, sizeof(st)));
        r->phase = EXITED;
    } else if (program_state() == PROGRAM_NONE) {
        r->phase = EXITED; /* a --kill-at killed it on its way out */
    } else if (now >= r->deadline && !r->killed) {
        if (domain.destroyed)
            sim_fail("dmd still running %u ms after its domain was destroyed: killed",
                     r->opt->timeout_ms);
        else
            sim_fail("dmd still running %u ms after SIGTERM: killed", EXIT_TIMEOUT_MS);
        program_force_kill();
        r->killed = true;
    }
}

/* The first program, until READY=1. */
static void run_starting(struct run *r, uint64_t now)
{
    char st[64];
    switch (program_state()) {
    case PROGRAM_EXITED:
        run_status(program_status(), st, sizeof(st));
        if (!r->opt->expect_start_failure)
            sim_fail("dmd exited before READY=1 (%s)", st);
        else if (!WIFEXITED(program_status()) || WEXITSTATUS(program_status()) == 0)
            sim_fail("dmd was expected to fail its start-up with an error, but: %s", st);
        else
            sim_note("dmd failed to start, as expected (%s)", st);
        r->phase = EXITED;
        break;
    case PROGRAM_NONE:
        /* A --kill-at killed it in its start-up: the script goes on, and
         * a start-dmd in it starts the next one. */
        guest_start();
        r->phase = RUNNING;
        break;
    case PROGRAM_READY:
        if (r->opt->expect_start_failure) {
            sim_fail("dmd became ready although a start-up failure was expected");
            run_stop(r, now);
            break;
        }
        guest_start();
        r->phase = RUNNING;
        break;
    case PROGRAM_STARTING:
        if (sim_aborted()) {
            run_stop(r, now);
        } else if (now >= r->deadline) {
            sim_fail("dmd sent no READY=1 within %u ms", PROGRAM_READY_TIMEOUT_MS);
            run_stop(r, now);
        }
        break;
    }
}

/* A death nobody asked for while the script runs fails the run. */
static void run_running(struct run *r, uint64_t now)
{
    char st[64];
    /* After destroy-domain the script is over: exiting is dmd's job. */
    if (program_state() == PROGRAM_EXITED && !domain.destroyed) {
        run_status(program_status(), st, sizeof(st));
        if (program_start_line() && !program_was_ready())
            sim_fail("dmd exited before READY=1 (start-dmd at line %u; %s)",
                     program_start_line(), st);
        else
            sim_fail("dmd exited while the script ran (%s)", st);
        r->phase = EXITED;
    } else if (guest_finished() ||
               (program_state() == PROGRAM_NONE && guest_script_over())) {
        run_stop(r, now);
    }
}

static void run_advance(struct run *r, uint64_t now)
{
    switch (r->phase) {
    case STARTING:
        run_starting(r, now);
        break;
    case RUNNING:
        run_running(r, now);
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
    r->deadline = sim_now() + PROGRAM_READY_TIMEOUT_MS;
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
        notify_poll(&l);
        program_poll(&l);
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
    struct run run = { .opt = &opt };
    bool kill_at = false;

#if defined(__aarch64__) || defined(__arm__)
    opt.arch = DOMAIN_ARM; /* like dmd: the build's architecture by default */
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_options(argc, argv, &opt, &kill_at) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (opt.script && script_parse(opt.script, opt.arch, opt.vcpus, opt.memory_mb, &script) < 0)
        return EXIT_USAGE;
    signal(SIGPIPE, SIG_IGN);
    ioreq_init(guest_ioreq_done, opt.timeout_ms);
    guest_init(&script, opt.timeout_ms);
    struct program_config prog = {
        .argv = opt.argv,
        .libdir = opt.libdir,
        .ctl_path = run.ctl_path,
        .notify_path = run.notify_path,
        .runtime_dir = run.runtime_dir,
        .stats = opt.stats,
    };
    program_init(&prog);
    if (domain_init(opt.arch, (uint16_t)opt.domid, opt.vcpus, opt.memory_mb) < 0 ||
        run_directory(&run) < 0 || program_start(0) < 0) {
        perror("xensim: setting up");
        run_cleanup(&run);
        return EXIT_USAGE;
    }
    run_loop(&run);

    control_drain();
    host_close_all();
    hostcmd_forget_all(run_unwaited);
    calls_report();
    if (ioreq_lose_unused())
        sim_fail_line(ioreq_lose_unused(), "lose-notify: no synchronous request followed");
    domain_report_leaks();
    if (opt.stats)
        program_stats_print();
    bool pass = sim_failures() == 0 && sim_leaks() == 0;
    printf("xensim: %s (%u actions, %u failure%s, %u leak%s)\n", pass ? "PASS" : "FAIL",
           guest_actions_run(), sim_failures(), sim_failures() == 1 ? "" : "s",
           sim_leaks(), sim_leaks() == 1 ? "" : "s");
    run_cleanup(&run);
    script_free(&script);
    domain_fini();
    return pass ? EXIT_PASS : EXIT_FAILED;
}
