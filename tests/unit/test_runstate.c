/* SPDX-License-Identifier: MIT */
/*
 * runstate.c: the device state file on a real file system, with real
 * processes: the lock (held by an open runstate, released when its
 * process dies however it dies), snapshots and answers that outlive the
 * process, a kill at random moments during saves, and files that cannot
 * be used (another config, another domain, damage) set aside as .bad.
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/chardev.h"
#include "log.h"
#include "runstate.h"

#define DOMID 5u
#define FP 0x1234567890abcdefull

/* The file's layout (runstate.c), to damage it on purpose. */
#define HEADER_SIZE (8 + 4 * 4 + 8 + RUNSTATE_VCPUS * 8)
#define INST_SIZE (64 + 2 * 16384)
#define INST_OFF(i) (HEADER_SIZE + (size_t)(i) * INST_SIZE)

struct fx {
    char dir[64];
    char path[128]; /* DIR/5.state */
    char bad[160];  /* DIR/5.state.bad */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    strcpy(f->dir, "/tmp/dmd-runstate-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/%u.state", f->dir, DOMID);
    snprintf(f->bad, sizeof(f->bad), "%s.bad", f->path);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[96];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static struct runstate *open_ok(struct fx *f, unsigned domid, uint64_t fp, size_t ninst)
{
    struct runstate *rs = NULL;

    assert_int_equal(runstate_open(&rs, f->dir, domid, fp, ninst), 0);
    assert_non_null(rs);
    return rs;
}

/* Save LEN bytes of DATA as instance i's snapshot. */
static bool save(struct runstate *rs, size_t i, const void *data, size_t len,
                 const struct runstate_answer *answer)
{
    uint8_t *buf = runstate_save_buffer(rs, i);

    assert_non_null(buf);
    memcpy(buf, data, len);
    return runstate_save_commit(rs, i, len, answer);
}

static void assert_snapshot(const struct runstate *rs, size_t i, const void *data, size_t len)
{
    size_t got = 0;
    const uint8_t *snap = runstate_snapshot(rs, i, &got);

    assert_non_null(snap);
    assert_int_equal(got, len);
    assert_memory_equal(snap, data, len);
}

static void assert_no_snapshot(const struct runstate *rs, size_t i)
{
    size_t got = 0;

    assert_null(runstate_snapshot(rs, i, &got));
}

static off_t file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    return st.st_size;
}

static void *read_file(const char *path, size_t *len)
{
    off_t size = file_size(path);
    uint8_t *buf;
    int fd;

    assert_true(size >= 0);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, (size_t)size), size);
    close(fd);
    *len = (size_t)size;
    return buf;
}

static void poke(const char *path, off_t off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
    close(fd);
}

/* ---- basics ------------------------------------------------------------- */

static void test_create_fresh(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 3);
    struct stat st;

    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, INST_OFF(3));
    assert_false(runstate_has_snapshots(rs));
    for (size_t i = 0; i < 3; i++) {
        struct chardev_wire *w = runstate_wire(rs, i);

        assert_no_snapshot(rs, i);
        assert_int_equal(atomic_load(&w->tx), 0);
        assert_int_equal(atomic_load(&w->rx), 0);
    }
    assert_no_snapshot(rs, 3); /* past the last instance */
    assert_int_equal(access(f->bad, F_OK), -1);
    runstate_close(rs);
    /* Closed without removing: the file stays for a successor. */
    assert_int_equal(access(f->path, F_OK), 0);
}

static void test_second_open_is_refused(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 1), *rs2 = NULL;

    assert_true(save(rs, 0, "kept", 4, NULL));
    assert_int_equal(runstate_open(&rs2, f->dir, DOMID, FP, 1), -EBUSY);
    assert_null(rs2);
    /* Even with another config: refused, and nothing set aside or reset. */
    assert_int_equal(runstate_open(&rs2, f->dir, DOMID, FP + 1, 2), -EBUSY);
    assert_int_equal(access(f->bad, F_OK), -1);
    assert_snapshot(rs, 0, "kept", 4);
    runstate_close(rs);

    /* Free again once closed; the snapshot survived the refused opens. */
    rs = open_ok(f, DOMID, FP, 1);
    assert_true(runstate_has_snapshots(rs));
    assert_snapshot(rs, 0, "kept", 4);
    runstate_close(rs);
}

static void test_snapshot_outlives_close(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 3);
    uint8_t big[RUNSTATE_SNAPSHOT_MAX];

    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 3);
    assert_true(save(rs, 1, "first", 5, NULL));
    assert_true(save(rs, 1, "second!", 7, NULL));
    assert_true(save(rs, 2, big, sizeof(big), NULL));
    assert_snapshot(rs, 1, "second!", 7);
    /* Saved in this process: the flag is about a previous dmd's. */
    assert_false(runstate_has_snapshots(rs));
    atomic_store(&runstate_wire(rs, 1)->tx, 1234);
    atomic_store(&runstate_wire(rs, 2)->rx, 99);
    runstate_close(rs);

    rs = open_ok(f, DOMID, FP, 3);
    assert_true(runstate_has_snapshots(rs));
    assert_no_snapshot(rs, 0);
    assert_snapshot(rs, 1, "second!", 7);
    assert_snapshot(rs, 2, big, sizeof(big));
    assert_int_equal(atomic_load(&runstate_wire(rs, 1)->tx), 1234);
    assert_int_equal(atomic_load(&runstate_wire(rs, 2)->rx), 99);
    assert_int_equal(access(f->bad, F_OK), -1);

    /* A save over it replaces it; the other instances keep theirs. */
    assert_true(save(rs, 2, "", 0, NULL));
    assert_snapshot(rs, 2, "", 0);
    assert_snapshot(rs, 1, "second!", 7);
    /* Too large for a half: refused, the current one stays. */
    assert_false(runstate_save_commit(rs, 1, RUNSTATE_SNAPSHOT_MAX + 1, NULL));
    assert_snapshot(rs, 1, "second!", 7);
    runstate_close(rs);
}

static void test_identical_save_does_not_flip(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 2);
    struct runstate_answer ans = { .vcpu = 0, .data = 0x55, .count = 1 };
    const uint8_t *before, *after;
    uint64_t data;
    uint32_t count;
    size_t len;

    assert_true(save(rs, 0, "state A", 7, NULL));
    before = runstate_snapshot(rs, 0, &len);
    assert_false(save(rs, 0, "state A", 7, NULL));
    after = runstate_snapshot(rs, 0, &len);
    assert_ptr_equal(before, after); /* still the same half */
    assert_snapshot(rs, 0, "state A", 7);

    /* Same bytes, another length: a change. */
    assert_true(save(rs, 0, "state A", 6, NULL));
    assert_snapshot(rs, 0, "state A", 6);
    before = runstate_snapshot(rs, 0, &len);

    /* Same bytes with an answer: the request changed nothing, so nothing
     * flips and no answer is recorded (carried out again after a crash it
     * gives the same one). */
    ans.seq = runstate_take(rs, 0);
    assert_false(save(rs, 0, "state A", 6, &ans));
    after = runstate_snapshot(rs, 0, &len);
    assert_ptr_equal(before, after);
    assert_snapshot(rs, 0, "state A", 6);
    assert_false(runstate_answer(rs, 0, &data, &count));

    /* A different snapshot flips with or without an answer. */
    assert_true(save(rs, 0, "state B", 7, NULL));
    assert_snapshot(rs, 0, "state B", 7);
    ans.seq = runstate_take(rs, 0);
    assert_true(save(rs, 0, "state C", 7, &ans));
    assert_snapshot(rs, 0, "state C", 7);
    assert_true(runstate_answer(rs, 0, &data, &count));
    assert_int_equal(data, 0x55);
    /* The first save of an instance always counts, even of nothing. */
    assert_true(save(rs, 1, "", 0, NULL));
    assert_snapshot(rs, 1, "", 0);
    runstate_close(rs);
}

/* ---- the request in flight ---------------------------------------------- */

static void test_take_and_answer(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 2);
    struct runstate_answer ans = { .vcpu = 3, .data = 0xfeedfacecafe, .count = 2 };
    uint64_t data = 0, seq;
    uint32_t count = 0;

    /* Nothing taken yet: nothing answers. */
    assert_false(runstate_answer(rs, 3, &data, &count));
    assert_int_equal(runstate_take(rs, 3), 1);
    assert_int_equal(runstate_take(rs, 3), 2);
    assert_int_equal(runstate_take(rs, 4), 1); /* each vCPU counts its own */
    assert_int_equal(runstate_take(rs, RUNSTATE_VCPUS), 0);
    assert_false(runstate_answer(rs, RUNSTATE_VCPUS, &data, &count));
    assert_false(runstate_answer(rs, 3, &data, &count)); /* taken, not saved */

    seq = runstate_take(rs, 3);
    assert_int_equal(seq, 3);
    ans.seq = seq;
    assert_true(save(rs, 1, "after", 5, &ans));
    assert_true(runstate_answer(rs, 3, &data, &count));
    assert_int_equal(data, 0xfeedfacecafe);
    assert_int_equal(count, 2);
    /* Not for another vCPU, even one whose count matches. */
    for (unsigned v = 0; v < 6; v++)
        if (v != 3)
            assert_int_equal(runstate_take(rs, v), v == 4 ? 2 : 1);
    runstate_take(rs, 4); /* vCPU 4 at 3 too */
    assert_false(runstate_answer(rs, 4, &data, &count));
    assert_false(runstate_answer(rs, 0, &data, &count));

    /* The answer outlives the process: a successor finds it. */
    runstate_close(rs);
    rs = open_ok(f, DOMID, FP, 2);
    data = 0;
    count = 0;
    assert_true(runstate_answer(rs, 3, &data, &count));
    assert_int_equal(data, 0xfeedfacecafe);
    assert_int_equal(count, 2);

    /* Another request taken on that vCPU: the old answer is not its. */
    assert_int_equal(runstate_take(rs, 3), seq + 1);
    assert_false(runstate_answer(rs, 3, &data, &count));
    /* Its answer, saved in another instance, is found. */
    ans.seq = seq + 1;
    ans.data = 7;
    ans.count = 1;
    assert_true(save(rs, 0, "x", 1, &ans));
    assert_true(runstate_answer(rs, 3, &data, &count));
    assert_int_equal(data, 7);
    assert_int_equal(count, 1);
    /* A later save without an answer replaces the half that held it. */
    assert_true(save(rs, 0, "y", 1, NULL));
    assert_false(runstate_answer(rs, 3, &data, &count));
    /* And the counts outlive the process too. */
    runstate_close(rs);
    rs = open_ok(f, DOMID, FP, 2);
    assert_int_equal(runstate_take(rs, 3), seq + 2);
    assert_int_equal(runstate_take(rs, 4), 4);
    runstate_close(rs);
}

/* ---- a kill at any moment ------------------------------------------------ */

/* Snapshot k is LEN(v) copies of v = 1 + k % 251, with v's answer. */
static size_t kill_len(uint8_t v)
{
    return (size_t)v * 61u % RUNSTATE_SNAPSHOT_MAX + 1;
}

static void saver(const char *dir, int ready)
{
    struct runstate *rs = NULL;
    static uint8_t data[RUNSTATE_SNAPSHOT_MAX];

    alarm(30); /* the parent kills it long before; this is if it failed */
    if (runstate_open(&rs, dir, DOMID, FP, 2) != 0)
        _exit(2);
    if (write(ready, "r", 1) != 1)
        _exit(3);
    for (uint64_t k = 0;; k++) {
        uint8_t v = (uint8_t)(1 + k % 251);
        size_t len = kill_len(v);
        struct runstate_answer ans = { .vcpu = 1, .data = v, .count = (uint32_t)len };

        memset(data, v, len);
        ans.seq = runstate_take(rs, 1);
        memcpy(runstate_save_buffer(rs, k & 1), data, len);
        runstate_save_commit(rs, k & 1, len, k % 3 == 0 ? NULL : &ans);
    }
}

static void check_instance(const struct runstate *rs, size_t i)
{
    size_t len = 0;
    const uint8_t *snap = runstate_snapshot(rs, i, &len);

    if (snap == NULL)
        return;
    assert_true(len > 0);
    assert_int_equal(len, kill_len(snap[0]));
    for (size_t k = 0; k < len; k++)
        if (snap[k] != snap[0])
            fail_msg("instance %zu: byte %zu is %u, byte 0 is %u", i, k, snap[k], snap[0]);
}

static void test_kill_leaves_a_complete_snapshot(void **state)
{
    struct fx *f = *state;
    unsigned seen = 0;

    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int round = 0; round < 25; round++) {
        struct runstate *rs;
        uint64_t data;
        uint32_t count;
        int pipefd[2], status;
        char c;
        pid_t pid;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pipefd[0]);
            saver(f->dir, pipefd[1]);
        }
        close(pipefd[1]);
        assert_int_equal(read(pipefd[0], &c, 1), 1);
        close(pipefd[0]);
        usleep((useconds_t)(rand() % 20000));
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        rs = open_ok(f, DOMID, FP, 2);
        assert_int_equal(access(f->bad, F_OK), -1);
        if (runstate_has_snapshots(rs))
            seen++;
        check_instance(rs, 0);
        check_instance(rs, 1);
        /* An answer found is the one saved with its snapshot. */
        if (runstate_answer(rs, 1, &data, &count)) {
            size_t len = 0;
            const uint8_t *a = runstate_snapshot(rs, 0, &len), *b;
            size_t lenb = 0;

            b = runstate_snapshot(rs, 1, &lenb);
            assert_true((a != NULL && data == a[0] && count == len) ||
                        (b != NULL && data == b[0] && count == lenb));
        }
        runstate_close(rs);
    }
    assert_true(seen > 0);
}

/* ---- the lock and a dying process --------------------------------------- */

static void test_lock_released_when_holder_dies(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = NULL;
    int to_parent[2], to_child[2], status;
    char c;
    pid_t pid;

    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct runstate *mine = NULL;

        close(to_parent[0]);
        close(to_child[1]);
        alarm(30); /* should the parent fail before it lets go */
        if (runstate_open(&mine, f->dir, DOMID, FP, 1) != 0)
            _exit(2);
        memcpy(runstate_save_buffer(mine, 0), "child", 5);
        runstate_save_commit(mine, 0, 5, NULL);
        if (write(to_parent[1], "r", 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(3);
        _exit(0); /* no runstate_close */
    }
    close(to_parent[1]);
    close(to_child[0]);
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    /* The child holds it. */
    assert_int_equal(runstate_open(&rs, f->dir, DOMID, FP, 1), -EBUSY);
    assert_int_equal(write(to_child[1], "x", 1), 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(to_parent[0]);
    close(to_child[1]);

    rs = open_ok(f, DOMID, FP, 1);
    assert_true(runstate_has_snapshots(rs));
    assert_snapshot(rs, 0, "child", 5);
    runstate_close(rs);
}

/* ---- files that cannot be used ------------------------------------------ */

/* A file with a snapshot in instance 0 and wire words, closed. */
static void make_used_file(struct fx *f, unsigned domid, size_t ninst)
{
    struct runstate *rs = open_ok(f, domid, FP, ninst);

    assert_true(save(rs, 0, "previous", 8, NULL));
    atomic_store(&runstate_wire(rs, 0)->tx, 77);
    runstate_take(rs, 0);
    runstate_close(rs);
}

/* Opening gives a fresh file and keeps the old one, byte for byte, as .bad. */
static void assert_set_aside_on_open(struct fx *f, unsigned domid, uint64_t fp, size_t ninst)
{
    char path[160], bad[170];
    size_t old_len, bad_len;
    void *old, *kept;
    struct runstate *rs;

    snprintf(path, sizeof(path), "%s/%u.state", f->dir, domid);
    snprintf(bad, sizeof(bad), "%s.bad", path);
    unlink(bad);
    old = read_file(path, &old_len);
    rs = open_ok(f, domid, fp, ninst);
    kept = read_file(bad, &bad_len);
    assert_int_equal(bad_len, old_len);
    assert_memory_equal(kept, old, old_len);
    assert_false(runstate_has_snapshots(rs));
    for (size_t i = 0; i < ninst; i++) {
        uint64_t data;
        uint32_t count;

        assert_no_snapshot(rs, i);
        assert_int_equal(atomic_load(&runstate_wire(rs, i)->tx), 0);
        assert_false(runstate_answer(rs, 0, &data, &count));
    }
    assert_int_equal(file_size(path), INST_OFF(ninst));
    assert_int_equal(runstate_take(rs, 0), 1); /* counts start again */
    /* The fresh file works: saved and found by a successor. */
    assert_true(save(rs, 0, "fresh", 5, NULL));
    runstate_close(rs);
    rs = open_ok(f, domid, fp, ninst);
    assert_true(runstate_has_snapshots(rs));
    assert_snapshot(rs, 0, "fresh", 5);
    assert_int_equal(access(bad, F_OK), 0);
    runstate_close(rs);
    free(old);
    free(kept);
}

static void test_other_config_is_set_aside(void **state)
{
    struct fx *f = *state;

    make_used_file(f, DOMID, 2);
    assert_set_aside_on_open(f, DOMID, FP ^ 1, 2); /* another fingerprint */
    make_used_file(f, DOMID, 2);
    assert_set_aside_on_open(f, DOMID, FP, 3); /* more instances */
    make_used_file(f, DOMID, 2);
    assert_set_aside_on_open(f, DOMID, FP, 1); /* fewer */
}

static void test_other_domain_is_set_aside(void **state)
{
    struct fx *f = *state;
    char other[160], cmd[400];

    /* Domain 5's file where domain 6's is looked for. */
    make_used_file(f, DOMID, 1);
    snprintf(other, sizeof(other), "%s/%u.state", f->dir, DOMID + 1);
    snprintf(cmd, sizeof(cmd), "cp %s %s", f->path, other);
    assert_int_equal(system(cmd), 0);
    assert_set_aside_on_open(f, DOMID + 1, FP, 1);
}

static void test_damaged_header_is_set_aside(void **state)
{
    struct fx *f = *state;
    uint32_t seven = 7, huge = RUNSTATE_SNAPSHOT_MAX + 1, layout = 2, one = 1;

    /* Bad magic. */
    make_used_file(f, DOMID, 2);
    poke(f->path, 0, "DMDSTATX", 8);
    assert_set_aside_on_open(f, DOMID, FP, 2);

    /* Another layout. */
    make_used_file(f, DOMID, 2);
    poke(f->path, 8, &layout, 4);
    assert_set_aside_on_open(f, DOMID, FP, 2);

    /* An instance whose current half is 7. */
    make_used_file(f, DOMID, 2);
    poke(f->path, (off_t)INST_OFF(1), &seven, 4);
    assert_set_aside_on_open(f, DOMID, FP, 2);

    /* The current half's length too large. */
    make_used_file(f, DOMID, 2);
    poke(f->path, (off_t)INST_OFF(0), &one, 4);
    poke(f->path, (off_t)INST_OFF(0) + 64, &huge, 4);
    assert_set_aside_on_open(f, DOMID, FP, 2);

    /* Cut short, and grown. */
    make_used_file(f, DOMID, 2);
    assert_int_equal(truncate(f->path, (off_t)INST_OFF(2) - 1), 0);
    assert_set_aside_on_open(f, DOMID, FP, 2);
    make_used_file(f, DOMID, 2);
    assert_int_equal(truncate(f->path, (off_t)INST_OFF(2) + 4096), 0);
    assert_set_aside_on_open(f, DOMID, FP, 2);

    /* Shorter than a header, and not a state file at all. */
    make_used_file(f, DOMID, 2);
    assert_int_equal(truncate(f->path, 20), 0);
    assert_set_aside_on_open(f, DOMID, FP, 2);
}

/* A file whose magic is not there yet (a kill while creating it) is not
 * taken as an empty file of the right config. */
static void test_half_created_file_is_set_aside(void **state)
{
    struct fx *f = *state;
    static const char zero[8];

    make_used_file(f, DOMID, 1);
    poke(f->path, 0, zero, 8);
    assert_set_aside_on_open(f, DOMID, FP, 1);
}

static void test_set_aside_keeps_wire_and_counts(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 2);
    struct runstate_answer ans = { .vcpu = 2, .data = 9, .count = 4 };
    size_t old_len, bad_len;
    void *old, *kept;
    uint64_t data;
    uint32_t count;

    atomic_store(&runstate_wire(rs, 0)->tx, 100);
    atomic_store(&runstate_wire(rs, 0)->rx, 50);
    atomic_store(&runstate_wire(rs, 1)->tx, 7);
    ans.seq = runstate_take(rs, 2);
    runstate_take(rs, 2);
    ans.seq = runstate_take(rs, 2);
    assert_true(save(rs, 0, "zero", 4, NULL));
    assert_true(save(rs, 1, "one", 3, &ans));
    runstate_close(rs);

    rs = open_ok(f, DOMID, FP, 2);
    assert_true(runstate_has_snapshots(rs));
    assert_true(runstate_answer(rs, 2, &data, &count));
    old = read_file(f->path, &old_len);
    runstate_set_aside(rs, "a device refused its snapshot");
    kept = read_file(f->bad, &bad_len);
    assert_int_equal(bad_len, old_len);
    assert_memory_equal(kept, old, old_len);

    assert_false(runstate_has_snapshots(rs));
    assert_no_snapshot(rs, 0);
    assert_no_snapshot(rs, 1);
    assert_false(runstate_answer(rs, 2, &data, &count));
    assert_int_equal(atomic_load(&runstate_wire(rs, 0)->tx), 100);
    assert_int_equal(atomic_load(&runstate_wire(rs, 0)->rx), 50);
    assert_int_equal(atomic_load(&runstate_wire(rs, 1)->tx), 7);
    assert_int_equal(runstate_take(rs, 2), 4);
    runstate_close(rs);

    /* Forgotten in the file too; the words stay there. */
    rs = open_ok(f, DOMID, FP, 2);
    assert_false(runstate_has_snapshots(rs));
    assert_no_snapshot(rs, 0);
    assert_int_equal(atomic_load(&runstate_wire(rs, 0)->tx), 100);
    assert_int_equal(runstate_take(rs, 2), 5);
    runstate_close(rs);
    free(old);
    free(kept);
}

static void test_remove_deletes_the_file(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = open_ok(f, DOMID, FP, 1);

    assert_true(save(rs, 0, "gone", 4, NULL));
    runstate_remove(rs);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_int_equal(errno, ENOENT);
    runstate_remove(NULL);
    runstate_close(NULL);

    /* Next start: nothing to take over, and the lock is free. */
    rs = open_ok(f, DOMID, FP, 1);
    assert_false(runstate_has_snapshots(rs));
    assert_no_snapshot(rs, 0);
    runstate_close(rs);
}

static void test_open_errors(void **state)
{
    struct fx *f = *state;
    struct runstate *rs = NULL;
    char missing[128];

    snprintf(missing, sizeof(missing), "%s/no/such/dir", f->dir);
    assert_int_equal(runstate_open(&rs, missing, DOMID, FP, 1), -ENOENT);
    assert_null(rs);
    /* A symlink where the file goes is not followed. */
    assert_int_equal(symlink("/etc/passwd", f->path), 0);
    assert_int_equal(runstate_open(&rs, f->dir, DOMID, FP, 1), -ELOOP);
    assert_null(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_fresh, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_second_open_is_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_outlives_close, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_identical_save_does_not_flip, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_take_and_answer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_kill_leaves_a_complete_snapshot, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_lock_released_when_holder_dies, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_other_config_is_set_aside, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_other_domain_is_set_aside, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_header_is_set_aside, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_half_created_file_is_set_aside, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_set_aside_keeps_wire_and_counts, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_remove_deletes_the_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, fx_setup, fx_teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
