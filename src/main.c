/* SPDX-License-Identifier: MIT */
/*
 * dmd: a standalone Xen IOREQ server.
 *
 * main() parses the command line and the config, then walks the start-up
 * ladder; teardown walks back down from wherever start-up stopped:
 *
 *   open Xen handles -> restrict them -> become the unprivileged user ->
 *   nr_vcpus -> lock the state file -> take over the recorded server or
 *   create one -> map ioreq pages -> create devices (claim ranges) ->
 *   restore their state (taken over) -> enable -> bind event channels ->
 *   sweep slots -> limit system calls (seccomp) -> READY=1 -> run the loop
 *
 *   disable -> answer what is READY -> destroy devices (unmap ranges) ->
 *   destroy server -> remove the record and the state file -> unmap
 *   pages -> unbind, drop the mapcache -> close handles
 *
 * A server dmd took over and could not finish starting with, or one whose
 * event channel broke while running, is left as it is (detached): the
 * next dmd takes it over again (docs/restart.md).  SIGTERM and SIGINT are
 * libev watchers that only stop the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "devices/chardev.h"
#include "devices/device.h"
#include "dmop/dmop.h"
#include "ioreq_abi.h"
#include "ioreq_loop.h"
#include "iospace.h"
#include "log.h"
#include "privdrop.h"
#include "runstate.h"
#include "sandbox.h"
#include "sd_proto.h"
#include "server_record.h"

/* Exit codes, documented in --help, README.md and dmd(8). */
enum {
    EXIT_OK = 0,      /* stopped by SIGTERM/SIGINT or the guest went away; config valid */
    EXIT_CONFIG = 1,  /* the configuration file is invalid */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_STARTUP = 3, /* start-up failed (a Xen call, a device backend) */
    EXIT_RUNTIME = 4, /* the event channel broke while running */
};

struct options {
    long domid;
    const char *config;
    const char *user;
    bool check_config;
    bool foreground;
    int log_level;
    enum log_target log_target;
};

/* Everything start-up sets up, so teardown can undo exactly that. */
struct dmd {
    const struct options *opt;
    struct dmd_config cfg;
    struct ev_loop *loop;
    struct dmop xen;
    bool xen_open;
    struct privdrop priv;
    const char *runtime_dir;
    char *record_path;
    struct runstate *rs;
    bool attached;   /* the server is one a previous dmd left */
    bool keep;       /* leave server, record and state for the next dmd */
    struct dmop_ioreq_pages pages;
    struct iospace *space;
    struct devices *devices;
    bool enabled;
    struct ioreq_loop io;
    bool io_ready;
    int ready_fd; /* daemon mode: tells the waiting parent we are up */
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: dmd --domid N --config FILE [options]\n"
            "       dmd --check-config --config FILE\n"
            "\n"
            "A standalone Xen IOREQ server: emulates the devices FILE describes for\n"
            "domain N.\n"
            "\n"
            "Options:\n"
            "  -d, --domid N           guest domain to serve (1..32751)\n"
            "  -c, --config FILE       device configuration (INI), see dmd.ini(5)\n"
            "  -n, --check-config      validate FILE and exit; makes no Xen call\n"
            "  -u, --user USER         run as USER once the Xen handles are open\n"
            "                          (overrides [dmd] user)\n"
            "  -l, --log-level LEVEL   err, warning, notice, info (default), debug\n"
            "  -t, --log-target T      journal, stderr, auto (default: journal when\n"
            "                          stderr is connected to it, else stderr)\n"
            "  -f, --foreground        do not detach (use under systemd)\n"
            "  -V, --version           print the version and exit\n"
            "  -h, --help              print this help and exit\n"
            "\n"
            "Device types:\n");
    for (size_t i = 0; device_types[i] != NULL; i++)
        fprintf(out, "  %-22s  %s\n", device_types[i]->name, device_types[i]->description);
    fprintf(out,
            "\n"
            "Exit status:\n"
            "  0  stopped by SIGTERM/SIGINT or the guest went away (--check-config: valid)\n"
            "  1  the configuration is invalid\n"
            "  2  bad command line\n"
            "  3  start-up failed\n"
            "  4  the event channel failed while running\n");
}

static bool parse_domid(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v >= DOMID_FIRST_RESERVED)
        return false;
    *out = v;
    return true;
}

/* 0: go on; >0: exit with EXIT_OK (help/version); <0: usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "domid", required_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "check-config", no_argument, NULL, 'n' },
        { "user", required_argument, NULL, 'u' },
        { "log-level", required_argument, NULL, 'l' },
        { "log-target", required_argument, NULL, 't' },
        { "foreground", no_argument, NULL, 'f' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "d:c:nu:l:t:fVh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!parse_domid(optarg, &o->domid)) {
                fprintf(stderr, "dmd: --domid: '%s' is not a domain id (1..%d)\n", optarg,
                        DOMID_FIRST_RESERVED - 1);
                return -1;
            }
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'n':
            o->check_config = true;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'l':
            o->log_level = log_level_parse(optarg);
            if (o->log_level < 0) {
                fprintf(stderr, "dmd: --log-level: '%s' is not one of err, warning, "
                                "notice, info, debug\n", optarg);
                return -1;
            }
            break;
        case 't':
            if (!log_target_parse(optarg, &o->log_target)) {
                fprintf(stderr, "dmd: --log-target: '%s' is not one of journal, stderr, "
                                "auto\n", optarg);
                return -1;
            }
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'V':
            printf("dmd %s\n", DMD_VERSION);
            return 1;
        case 'h':
            usage(stdout);
            return 1;
        default:
            fprintf(stderr, "Try 'dmd --help'.\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dmd: unexpected argument '%s'\nTry 'dmd --help'.\n", argv[optind]);
        return -1;
    }
    if (o->config == NULL) {
        fprintf(stderr, "dmd: --config FILE is required\nTry 'dmd --help'.\n");
        return -1;
    }
    if (!o->check_config && o->domid == 0) {
        fprintf(stderr, "dmd: --domid N is required\nTry 'dmd --help'.\n");
        return -1;
    }
    return 0;
}

/* [dmd] runtime_dir, else systemd's $RUNTIME_DIRECTORY (its first entry),
 * else /run/dmd. */
static const char *runtime_dir_of(const struct dmd_config *cfg)
{
    static char from_env[4096];
    const char *env = getenv("RUNTIME_DIRECTORY");
    size_t len;

    if (cfg->runtime_dir != NULL)
        return cfg->runtime_dir;
    if (env == NULL || env[0] != '/')
        return "/run/dmd";
    len = strcspn(env, ":");
    if (len >= sizeof(from_env))
        return "/run/dmd";
    memcpy(from_env, env, len);
    from_env[len] = '\0';
    return from_env;
}

static void describe_config(const struct dmd_config *cfg)
{
    printf("%s: valid: arch %s, bufioreq %s, %zu device(s)\n", cfg->path,
           config_arch_name(cfg->arch), cfg->bufioreq ? "atomic" : "off", cfg->ndevs);
    printf("  state kept in %s\n", cfg->state_dir ? cfg->state_dir : "(nowhere: state_dir unset)");
    printf("  after a crash: %s/DOMID.server and DOMID.state\n", runtime_dir_of(cfg));
    printf("  runs as %s%s\n", cfg->user ? cfg->user : "whoever starts it",
           cfg->user ? " once its Xen handles are restricted" : " (user unset)");
    printf("  system calls: %s\n", cfg->seccomp ? "limited once started (seccomp)" : "not limited");
    printf("  mapcache: %u guest page(s)%s\n", cfg->mapcache,
           cfg->mapcache == 0 ? " (each request maps and releases its own)" : "");
    for (size_t i = 0; i < cfg->ndevs; i++) {
        char what[160];

        dev_config_format(&cfg->devs[i], what, sizeof(what));
        printf("  %s: %s\n", cfg->devs[i].name, what);
    }
}

/* A stdio backend needs the terminal dmd was started on. */
static bool config_uses_stdio(const struct dmd_config *cfg)
{
    for (size_t i = 0; i < cfg->ndevs; i++) {
        const struct dev_param *p = cfg->devs[i].type->params;
        for (size_t k = 0; p != NULL && p[k].key != NULL; k++)
            if (p[k].kind == PARAM_CHARDEV && cfg->devs[i].params[k].set &&
                cfg->devs[i].params[k].chr.kind == CHARDEV_STDIO)
                return true;
    }
    return false;
}

/*
 * Detach from the terminal.  The parent waits until the child reports it is
 * ready (a 0 byte on the pipe) or failed (its exit code, or the pipe closing
 * because it died), so `dmd ...` still returns a meaningful status.
 */
static int daemonize(int *ready_fd)
{
    int p[2], null;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) < 0) {
        log_err("pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        log_err("fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        unsigned char status = EXIT_STARTUP;
        int ws;

        close(p[1]);
        if (read(p[0], &status, 1) == 1)
            _exit(status);
        if (waitpid(pid, &ws, 0) == pid && WIFEXITED(ws))
            _exit(WEXITSTATUS(ws));
        _exit(EXIT_STARTUP);
    }
    close(p[0]);
    *ready_fd = p[1];
    if (setsid() < 0)
        log_warn("setsid: %s", strerror(errno));
    if (chdir("/") < 0)
        log_warn("chdir /: %s", strerror(errno));
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    return 0;
}

static void report_to_parent(struct dmd *d, unsigned char status)
{
    if (d->ready_fd < 0)
        return;
    if (write(d->ready_fd, &status, 1) != 1)
        log_warn("cannot report start-up status to the parent process: %s", strerror(errno));
    close(d->ready_fd);
    d->ready_fd = -1;
}

static int check_vcpus(struct dmd *d, unsigned *nr)
{
    if (dmop_nr_vcpus(&d->xen, nr) < 0)
        return -1;
    if (*nr == 0 || *nr > IOREQ_MAX_VCPUS) {
        log_err("domain %u reports %u vCPUs; one ioreq page serves 1 to %zu", d->xen.domid,
                *nr, (size_t)IOREQ_MAX_VCPUS);
        return -1;
    }
    return 0;
}

/* The config accepted a directory that does not exist yet if its parent
 * does (state_dir = /var/lib/dmd/GUEST): create it, as the user dmd runs
 * as. */
static int make_dir(const char *dir)
{
    if (dir == NULL || mkdir(dir, 0750) == 0 || errno == EEXIST)
        return 0;
    log_err("cannot create %s: %s", dir, strerror(errno));
    return -1;
}

static int record_changed(void *ctx, const struct server_record *rec)
{
    struct dmd *d = ctx;

    return server_record_write(d->record_path, d->xen.domid, rec);
}

/* The recorded server, if Xen still has it for us and it can be reused:
 * taken over with its pages mapped.  Otherwise it is forgotten or
 * destroyed, and 0 is returned with no server: create one.  -1 when the
 * record cannot even be checked (a Xen error other than "no such server"). */
static int take_over(struct dmd *d)
{
    struct server_record *rec = malloc(sizeof(*rec));
    int rc;

    if (rec == NULL)
        return -1;
    rc = server_record_load(d->record_path, rec);
    if (rc < 0) {
        free(rec); /* none, or set aside: nothing to take over */
        return 0;
    }
    rc = dmop_attach_server(&d->xen, rec);
    if (rc == -ENOENT) {
        log_notice("%s names ioreq server %u, which domain %u no longer has (or not for "
                   "this emulator): forgotten", d->record_path, rec->server, d->xen.domid);
        server_record_remove(d->record_path);
        free(rec);
        return 0;
    }
    if (rc < 0) {
        free(rec);
        return -1;
    }
    if (rec->bufioreq != d->cfg.bufioreq) {
        log_notice("ioreq server %u was created with another bufioreq mode than the config "
                   "asks for: destroying it and creating a new one", rec->server);
    } else if (dmop_map_ioreq_pages(&d->xen, &d->pages) == 0) {
        d->attached = true;
        free(rec);
        return 0;
    } else {
        log_notice("cannot map the pages of ioreq server %u: destroying it and creating a "
                   "new one", rec->server);
    }
    dmop_destroy_server(&d->xen);
    server_record_remove(d->record_path);
    free(rec);
    return 0;
}

static int create_server(struct dmd *d)
{
    if (dmop_create_server(&d->xen, d->cfg.bufioreq) < 0)
        return -1;
    /* Recorded before anything else is done with it: a crash from here on
     * leaves a server the next dmd knows about. */
    if (record_changed(d, &d->xen.rec) < 0)
        return -1;
    return dmop_map_ioreq_pages(&d->xen, &d->pages) < 0 ? -1 : 0;
}

/* Open the state file, then take the recorded server over or create one. */
static int get_server(struct dmd *d)
{
    int rc = runstate_open(&d->rs, d->runtime_dir, d->xen.domid,
                           config_fingerprint(&d->cfg), d->cfg.ndevs);

    if (rc < 0)
        return -1;
    d->record_path = server_record_path(d->runtime_dir, d->xen.domid);
    if (d->record_path == NULL) {
        log_err("out of memory");
        return -1;
    }
    d->xen.record_changed = record_changed;
    d->xen.record_ctx = d;
    if (take_over(d) < 0)
        return -1;
    if (d->attached)
        return 0;
    if (runstate_has_snapshots(d->rs))
        runstate_set_aside(d->rs, "its ioreq server is gone (the guest was restarted?)");
    return create_server(d);
}

/* Devices as the guest left them when the server was taken over; as at
 * reset otherwise.  Then everything is saved once, so that every device
 * has a snapshot from here on. */
static int create_devices(struct dmd *d)
{
    d->space = iospace_new();
    if (d->space == NULL) {
        log_err("out of memory");
        return -1;
    }
    if (devices_create(&d->devices, &d->cfg, d->loop, &d->xen, d->space, d->rs) < 0)
        return -1;
    if (d->attached) {
        devices_restore(d->devices);
        dmop_release_adopted(&d->xen);
    }
    devices_save_all(d->devices);
    return 0;
}

/* The start-up ladder.  On failure the caller runs teardown(). */
static int start(struct dmd *d)
{
    unsigned nr_vcpus;
    int rc;

    if (privdrop_lookup(&d->priv, d->opt->user != NULL ? d->opt->user : d->cfg.user) < 0)
        return -1;
    if (dmop_open(&d->xen, (domid_t)d->opt->domid) < 0)
        return -1;
    d->xen_open = true;
    /* From here the handles reach this domain only, and then dmd stops
     * being root: everything else is done as the user. */
    if (dmop_restrict(&d->xen) < 0)
        return -1;
    d->runtime_dir = runtime_dir_of(&d->cfg);
    privdrop_prepare_dir(&d->priv, d->runtime_dir);
    privdrop_prepare_dir(&d->priv, d->cfg.state_dir);
    if (privdrop_apply(&d->priv) < 0)
        return -1;
    if (make_dir(d->runtime_dir) < 0 || make_dir(d->cfg.state_dir) < 0)
        return -1;
    if (check_vcpus(d, &nr_vcpus) < 0)
        return -1;
    if (get_server(d) < 0)
        return -1;
    if (create_devices(d) < 0)
        return -1;
    if (dmop_set_server_state(&d->xen, true) < 0)
        return -1;
    d->enabled = true;
    if (ioreq_loop_init(&d->io, d->loop, &d->xen, &d->pages, nr_vcpus, d->space,
                        d->devices, d->cfg.mapcache, d->rs) < 0) {
        log_err("out of memory");
        return -1;
    }
    d->io_ready = true;
    if (ioreq_loop_bind(&d->io) < 0)
        return -1;
    /* Notifications sent before a port was bound are lost, and a dead
     * predecessor may have left requests half done: look. */
    ioreq_loop_sweep(&d->io, SWEEP_STARTUP);
    if (sd_proto_close_untaken() > 0)
        log_info("closed stored descriptors no device of this config took");
    if (d->cfg.seccomp && sandbox_install() < 0)
        return -1;
    log_info("ready: serving domain %u with %zu device(s) on %u vCPU(s)%s", d->xen.domid,
             devices_count(d->devices), nr_vcpus,
             d->attached ? ", carrying on where the previous dmd stopped" : "");
    rc = sd_proto_notifyf("READY=1\nSTATUS=serving domain %u: ioreq server %u, %zu device(s)",
                          d->xen.domid, d->xen.server, devices_count(d->devices));
    if (rc < 0)
        log_warn("cannot tell the service manager that dmd is ready (NOTIFY_SOCKET=%s): %s",
                 getenv("NOTIFY_SOCKET"), strerror(-rc));
    report_to_parent(d, EXIT_OK);
    return 0;
}

/*
 * Walk back down.  A server dmd leaves for its successor (d->keep) is not
 * disabled, not unmapped, not destroyed, and its record and state stay;
 * only what this process holds goes.
 */
static void teardown(struct dmd *d)
{
    d->xen.detached = d->keep;
    if (d->enabled && !d->keep) {
        dmop_set_server_state(&d->xen, false);
        /* Requests Xen sent before the disable still wait for an answer,
         * and the vCPUs must take their answers before the server goes. */
        if (d->io_ready) {
            unsigned busy = ioreq_loop_settle(&d->io, IOREQ_LOOP_SETTLE_MS);
            if (busy > 0)
                log_notice("%u vCPU(s) had not taken their last answer after %u ms "
                           "(paused?); destroying the server anyway",
                           busy, IOREQ_LOOP_SETTLE_MS);
        }
    }
    d->enabled = false;
    if (d->keep)
        chardev_leave(); /* sockets, pty links and held output stay owed */
    devices_destroy(d->devices);
    d->devices = NULL;
    if (d->xen_open) {
        dmop_destroy_server(&d->xen);
        dmop_unmap_ioreq_pages(&d->xen, &d->pages);
    }
    if (d->keep) {
        runstate_close(d->rs);
        log_notice("left ioreq server %u and its state for the next dmd", d->xen.server);
    } else {
        server_record_remove(d->record_path);
        runstate_remove(d->rs);
    }
    d->rs = NULL;
    free(d->record_path);
    d->record_path = NULL;
    if (d->io_ready) {
        ioreq_loop_unbind(&d->io);
        ioreq_loop_fini(&d->io);
        d->io_ready = false;
    }
    iospace_free(d->space);
    d->space = NULL;
    if (d->xen_open)
        dmop_close(&d->xen);
    d->xen_open = false;
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    log_notice("received %s; stopping", w->signum == SIGTERM ? "SIGTERM" : "SIGINT");
    ev_break(loop, EVBREAK_ALL);
}

static int serve(struct dmd *d)
{
    ev_signal sigterm, sigint;
    int rc = EXIT_STARTUP, nrc;

    /* Before anything is created, so a stop request never kills us midway
     * through start-up and leaks an ioreq server. */
    ev_signal_init(&sigterm, on_stop_signal, SIGTERM);
    ev_signal_init(&sigint, on_stop_signal, SIGINT);
    ev_signal_start(d->loop, &sigterm);
    ev_signal_start(d->loop, &sigint);
    signal(SIGPIPE, SIG_IGN); /* a socket peer leaving is not fatal */

    if (start(d) == 0) {
        rc = ioreq_loop_run(&d->io) == 0 ? EXIT_OK : EXIT_RUNTIME;
        /* A broken event channel is dmd's trouble, not the guest's: the
         * next dmd carries on with the same server. */
        d->keep = rc == EXIT_RUNTIME;
        nrc = sd_proto_notify("STOPPING=1");
        if (nrc < 0)
            log_warn("cannot tell the service manager that dmd is stopping: %s",
                     strerror(-nrc));
        ioreq_loop_log_stats(&d->io);
    } else {
        d->keep = d->attached;
        log_err("start-up failed; undoing what was set up%s",
                d->keep ? " (the server taken over is left for the next dmd)" : "");
        report_to_parent(d, EXIT_STARTUP);
    }
    teardown(d);
    ev_signal_stop(d->loop, &sigterm);
    ev_signal_stop(d->loop, &sigint);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opt = { .log_level = LOG_INFO, .log_target = LOG_TARGET_AUTO };
    struct dmd d = { .opt = &opt, .ready_fd = -1 };
    int rc;

    rc = parse_args(argc, argv, &opt);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    /* Config problems are for the person who started us: stderr unless
     * the journal was asked for explicitly. */
    log_init(opt.log_target == LOG_TARGET_JOURNAL ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR,
             opt.log_level);
    if (config_load(opt.config, &d.cfg) < 0) {
        log_err("%s: configuration is invalid", opt.config);
        return EXIT_CONFIG;
    }
    if (opt.check_config) {
        describe_config(&d.cfg);
        config_free(&d.cfg);
        return EXIT_OK;
    }
    if (!opt.foreground && config_uses_stdio(&d.cfg)) {
        log_err("%s: a stdio backend needs --foreground (a daemon has no terminal)",
                opt.config);
        config_free(&d.cfg);
        return EXIT_CONFIG;
    }
    /* Descriptors the service manager kept for us across a restart. */
    if (sd_proto_listen_init() < 0)
        log_warn("LISTEN_FDS is malformed: descriptors passed by the service manager are "
                 "ignored");
    if (!opt.foreground && daemonize(&d.ready_fd) < 0) {
        config_free(&d.cfg);
        return EXIT_STARTUP;
    }
    log_init(opt.log_target == LOG_TARGET_AUTO && !opt.foreground ? LOG_TARGET_JOURNAL
                                                                  : opt.log_target,
             opt.log_level);
    log_set_domid((int)opt.domid);
    d.loop = ev_default_loop(EVFLAG_AUTO);
    if (d.loop == NULL) {
        log_err("cannot initialise libev");
        config_free(&d.cfg);
        return EXIT_STARTUP;
    }
    rc = serve(&d);
    ev_loop_destroy(d.loop);
    config_free(&d.cfg);
    return rc;
}
