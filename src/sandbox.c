/* SPDX-License-Identifier: MIT */
/*
 * The system call allow-list (sandbox.h).
 *
 * Names, not numbers: libseccomp resolves them for the architecture dmd
 * runs on, and a name that architecture lacks (open, poll on arm64) is
 * skipped.  The list is what the loop and teardown use, measured with
 * strace under xensim and on real Xen: the Xen libraries speak ioctl,
 * read, write and mmap on their device nodes; libev epoll (it makes a new
 * epoll set when a closed descriptor's number comes back), an eventfd and
 * signals; backends and the journal unix sockets and files; state files
 * open, write, fsync, rename and unlink.  socket() is limited to AF_UNIX
 * and mmap to mappings that are not executable.
 */
#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <seccomp.h>

#include "log.h"
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif

static const char *const allowed[] = {
    /* files and descriptors */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "close", "fstat",
    "newfstatat", "fstatat64", "statx", "stat", "lstat", "lseek", "_llseek", "openat",
    "open", "rename", "renameat", "renameat2", "unlink", "unlinkat", "fsync",
    "fdatasync", "ftruncate", "fcntl", "fcntl64", "dup", "dup3", "readlink",
    "readlinkat", "ioctl", "flock",
    /* memory (malloc, guest mappings) */
    "munmap", "mremap", "brk", "madvise",
    /* the event loop, timers, signals */
    "epoll_wait", "epoll_pwait", "epoll_ctl", "epoll_create1", "epoll_create", "poll",
    "ppoll", "eventfd2", "nanosleep",
    "clock_nanosleep", "clock_gettime", "clock_gettime64", "gettimeofday",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall", "futex",
    "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
    /* unix sockets: backends, the journal, sd_notify */
    "connect", "sendto", "sendmsg", "recvfrom", "recvmsg", "accept", "accept4",
    "getsockopt", "getsockname", "shutdown",
    /* leaving, or dumping core on a bug */
    "exit", "exit_group", "tgkill",
#ifdef SANITIZED
    /* The sanitizers' runtimes: reports, and LeakSanitizer stopping the
     * process with a ptrace()ing helper thread at exit. */
    "clone", "clone3", "ptrace", "wait4", "waitid", "prctl", "sched_yield",
    "sigaltstack", "getppid", "sched_getaffinity", "pipe2",
    "setsockopt", "kill", "getdents64", "getdents", "tkill",
#endif
    NULL,
};

static int allow_name(scmp_filter_ctx ctx, const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);

    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture */
    return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* socket(AF_UNIX, ...) only; mmap and mprotect without PROT_EXEC. */
static int allow_with_arguments(scmp_filter_ctx ctx)
{
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));

    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    return rc;
}

/*
 * A refused call traps here: say which one on stderr (the journal under
 * systemd), then die of SIGSYS as an uncaught one would, core and all.
 * Only async-signal-safe calls, all on the list.
 */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    static const char head[] = "dmd: system call ";
    static const char tail[] = " is not on the seccomp allow-list; stopping\n";
    char num[16];
    size_t n = sizeof(num);
    unsigned v = si != NULL && si->si_syscall >= 0 ? (unsigned)si->si_syscall : 0;
    struct sigaction dfl = { .sa_handler = SIG_DFL };

    (void)ctx;
    do {
        num[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n > 0);
    if (write(STDERR_FILENO, head, sizeof(head) - 1) < 0 ||
        write(STDERR_FILENO, num + n, sizeof(num) - n) < 0 ||
        write(STDERR_FILENO, tail, sizeof(tail) - 1) < 0) {
        /* nothing more to try */
    }
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

static int catch_refusals(void)
{
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSYS, &sa, NULL);
}

int sandbox_install(void)
{
    scmp_filter_ctx ctx;
    int rc = 0;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        log_err("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
        return -1;
    }
    if (catch_refusals() < 0) {
        log_err("sigaction(SIGSYS): %s", strerror(errno));
        return -1;
    }
    ctx = seccomp_init(SCMP_ACT_TRAP);
    if (ctx == NULL) {
        log_err("seccomp_init: out of memory");
        return -1;
    }
    for (size_t i = 0; rc == 0 && allowed[i] != NULL; i++)
        rc = allow_name(ctx, allowed[i]);
    if (rc == 0)
        rc = allow_with_arguments(ctx);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        log_err("cannot install the system call filter (seccomp): %s", strerror(-rc));
        return -1;
    }
    log_info("system calls limited to what the loop needs (seccomp)");
    return 0;
}
