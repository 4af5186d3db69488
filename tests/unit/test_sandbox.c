/* SPDX-License-Identifier: MIT */
/*
 * The system call filter (src/sandbox.c), installed for real in a forked
 * child: what the loop needs still works, anything else kills the child
 * with SIGSYS after it said which call it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sandbox.h"

enum { CHILD_OK = 0, CHILD_BROKEN = 1 };

/* Run fn in a child with the filter installed; its wait status.  The
 * child's stderr goes to err_fd (the refusal message is checked there). */
static int run_sandboxed(void (*fn)(void), int err_fd)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(err_fd, STDERR_FILENO);
        log_init(LOG_TARGET_STDERR, LOG_ERR);
        if (sandbox_install() < 0)
            _exit(CHILD_BROKEN);
        fn();
        _exit(CHILD_OK);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void make_inet_socket(void)
{
    socket(AF_INET, SOCK_STREAM, 0);
    _exit(CHILD_BROKEN); /* never reached */
}

static void run_a_program(void)
{
    char *argv[] = { (char *)"/bin/true", NULL };

    execv(argv[0], argv);
    _exit(CHILD_BROKEN);
}

static void map_executable(void)
{
    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    _exit(CHILD_BROKEN);
}

static void become_root(void)
{
    setuid(0);
    _exit(CHILD_BROKEN);
}

/* Not something the loop ever does: it is off the list. */
static void pair_of_sockets(void)
{
    int sv[2];

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    _exit(CHILD_BROKEN);
}

/* What the loop does: files, unix sockets, memory, time. */
static void allowed_calls(void)
{
    char path[] = "/tmp/dmd-sandbox-XXXXXX";
    int fd = mkstemp(path), pfd;
    struct timespec ts;
    void *p;

    if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) < 0 || close(fd) < 0 ||
        unlink(path) < 0)
        _exit(CHILD_BROKEN);
    pfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (pfd < 0 || close(pfd) < 0)
        _exit(CHILD_BROKEN);
    p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p, 8192) < 0)
        _exit(CHILD_BROKEN);
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        _exit(CHILD_BROKEN);
    free(malloc(1 << 20));
}

static FILE *scratch_stderr(void)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    return f;
}

static char *contents(FILE *f)
{
    static char buf[512];
    size_t n;

    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    return buf;
}

static void test_loop_calls_still_work(void **state)
{
    FILE *err = scratch_stderr();
    int status = run_sandboxed(allowed_calls, fileno(err));

    (void)state;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
    assert_null(strstr(contents(err), "not on the seccomp allow-list"));
    fclose(err);
}

/* A refused call: the child says which one and dies of SIGSYS. */
static void expect_refused(void (*fn)(void), long nr)
{
    FILE *err = scratch_stderr();
    int status = run_sandboxed(fn, fileno(err));
    char want[64];

    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSYS);
    snprintf(want, sizeof(want), "dmd: system call %ld is not on the seccomp allow-list", nr);
    assert_non_null(strstr(contents(err), want));
    fclose(err);
}

static void test_inet_socket_kills(void **state)
{
    (void)state;
    expect_refused(make_inet_socket, SYS_socket);
}

static void test_exec_kills(void **state)
{
    (void)state;
    expect_refused(run_a_program, SYS_execve);
}

static void test_executable_mapping_kills(void **state)
{
    (void)state;
    expect_refused(map_executable, SYS_mmap);
}

static void test_setuid_kills(void **state)
{
    (void)state;
    expect_refused(become_root, SYS_setuid);
}

static void test_socketpair_kills(void **state)
{
    (void)state;
    expect_refused(pair_of_sockets, SYS_socketpair);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_calls_still_work),
        cmocka_unit_test(test_inet_socket_kills),
        cmocka_unit_test(test_exec_kills),
        cmocka_unit_test(test_executable_mapping_kills),
        cmocka_unit_test(test_setuid_kills),
        cmocka_unit_test(test_socketpair_kills),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
