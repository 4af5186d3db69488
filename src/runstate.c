/* SPDX-License-Identifier: MIT */
/*
 * The device state file (runstate.h).  Layout, native byte order (only
 * this host's dmd reads it; a file of another layout is set aside):
 *
 *   header   magic, layout, instance count, half size, fingerprint, domid,
 *            taken[RUNSTATE_VCPUS]
 *   per instance, in config order:
 *            current (0: none, 1: half 0, 2: half 1), the wire words,
 *            then two halves: len, answer vCPU + 1 (0: none), answer seq,
 *            data and count, then the snapshot.
 */
#include "runstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/chardev.h"
#include "log.h"

#define RUNSTATE_MAGIC "DMDSTATE"
#define RUNSTATE_LAYOUT 1u

struct rs_header {
    char magic[8];
    uint32_t layout;
    uint32_t ninst;
    uint32_t half_size;
    uint32_t domid;
    uint64_t fingerprint;
    _Atomic uint64_t taken[RUNSTATE_VCPUS];
};

struct rs_half {
    uint32_t len;
    uint32_t vcpu1; /* the answer's vCPU + 1; 0: no answer */
    uint64_t seq;
    uint64_t data;
    uint32_t count;
    uint32_t pad;
    uint8_t snapshot[RUNSTATE_SNAPSHOT_MAX];
};

struct rs_inst {
    _Atomic uint32_t current; /* 0: no snapshot; 1 or 2: half 0 or 1 */
    uint32_t pad;
    struct chardev_wire wire;
    uint8_t reserved[24];
    struct rs_half half[2];
};

_Static_assert(sizeof(struct rs_half) == 16384, "a half is 16 KiB");
_Static_assert(sizeof(struct rs_inst) == 64 + 2 * 16384, "an instance is 32 KiB + 64");
_Static_assert(sizeof(struct chardev_wire) == 32, "the wire is four 64-bit words");

struct runstate {
    int fd;
    char *path;
    size_t size;
    size_t ninst;
    struct rs_header *hdr;
    struct rs_inst *inst;
    bool had_snapshots;
};

static size_t file_size(size_t ninst)
{
    return sizeof(struct rs_header) + ninst * sizeof(struct rs_inst);
}

/* Why an existing file cannot be used, or NULL when it can. */
static const char *unusable(const struct runstate *rs, const struct rs_header *h, size_t size,
                            unsigned domid, uint64_t fingerprint)
{
    if (size < sizeof(*h) || memcmp(h->magic, RUNSTATE_MAGIC, sizeof(h->magic)) != 0)
        return "not a dmd state file";
    if (h->layout != RUNSTATE_LAYOUT || h->half_size != sizeof(struct rs_half))
        return "written by another version of dmd";
    if (h->domid != domid)
        return "written for another domain";
    if (h->ninst != rs->ninst || h->fingerprint != fingerprint)
        return "written for another configuration";
    if (size != file_size(rs->ninst))
        return "damaged: wrong size";
    for (size_t i = 0; i < rs->ninst; i++) {
        const struct rs_inst *in = (const struct rs_inst *)((const uint8_t *)h + sizeof(*h)) + i;
        uint32_t cur = atomic_load_explicit(&in->current, memory_order_acquire);

        if (cur > 2 || (cur > 0 && in->half[cur - 1].len > RUNSTATE_SNAPSHOT_MAX))
            return "damaged: a snapshot header is invalid";
    }
    return NULL;
}

/* Keep a copy of an unusable file as PATH.bad for a look. */
static void set_aside(const struct runstate *rs, const void *data, size_t len, const char *why)
{
    char bad[4096];
    int fd;

    log_warn("%s: %s; kept as %s.bad, the devices start from reset", rs->path, why, rs->path);
    if (snprintf(bad, sizeof(bad), "%s.bad", rs->path) >= (int)sizeof(bad))
        return;
    fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        log_warn("cannot keep %s: %s", bad, strerror(errno));
        return;
    }
    if (write(fd, data, len) != (ssize_t)len)
        log_warn("cannot keep %s: %s", bad, strerror(errno));
    close(fd);
}

static int map_file(struct runstate *rs)
{
    void *p = mmap(NULL, rs->size, PROT_READ | PROT_WRITE, MAP_SHARED, rs->fd, 0);

    if (p == MAP_FAILED) {
        int err = errno;
        log_err("cannot map %s: %s", rs->path, strerror(err));
        return -err;
    }
    rs->hdr = p;
    rs->inst = (struct rs_inst *)((uint8_t *)p + sizeof(struct rs_header));
    return 0;
}

/* Look at what is there; false when a fresh file is needed. */
static bool take_existing(struct runstate *rs, off_t size, unsigned domid, uint64_t fingerprint)
{
    const char *why;
    void *p;

    if (size == 0)
        return false;
    p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, rs->fd, 0);
    if (p == MAP_FAILED) {
        log_warn("%s: cannot read it (%s); starting from a fresh one", rs->path,
                 strerror(errno));
        return false;
    }
    why = unusable(rs, p, (size_t)size, domid, fingerprint);
    if (why != NULL)
        set_aside(rs, p, (size_t)size, why);
    munmap(p, (size_t)size);
    return why == NULL;
}

static int make_fresh(struct runstate *rs, unsigned domid, uint64_t fingerprint)
{
    if (ftruncate(rs->fd, 0) < 0 || ftruncate(rs->fd, (off_t)rs->size) < 0) {
        int err = errno;
        log_err("cannot size %s: %s", rs->path, strerror(err));
        return -err;
    }
    if (map_file(rs) < 0)
        return -EIO;
    rs->hdr->layout = RUNSTATE_LAYOUT;
    rs->hdr->ninst = (uint32_t)rs->ninst;
    rs->hdr->half_size = sizeof(struct rs_half);
    rs->hdr->domid = domid;
    rs->hdr->fingerprint = fingerprint;
    /* The magic last: a kill before this leaves a file that is set aside. */
    atomic_thread_fence(memory_order_release);
    memcpy(rs->hdr->magic, RUNSTATE_MAGIC, sizeof(rs->hdr->magic));
    return 0;
}

static bool any_snapshot(const struct runstate *rs)
{
    for (size_t i = 0; i < rs->ninst; i++)
        if (atomic_load_explicit(&rs->inst[i].current, memory_order_acquire) != 0)
            return true;
    return false;
}

int runstate_open(struct runstate **out, const char *dir, unsigned domid, uint64_t fingerprint,
                  size_t ninst)
{
    struct runstate *rs = calloc(1, sizeof(*rs));
    struct stat st;
    int rc;

    if (rs == NULL || asprintf(&rs->path, "%s/%u.state", dir, domid) < 0) {
        free(rs);
        return -ENOMEM;
    }
    rs->ninst = ninst;
    rs->size = file_size(ninst);
    rs->fd = open(rs->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (rs->fd < 0) {
        rc = -errno;
        log_err("cannot open %s: %s", rs->path, strerror(-rc));
        goto fail;
    }
    if (flock(rs->fd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        if (rc == -EBUSY)
            log_err("%s is locked: another dmd serves domain %u", rs->path, domid);
        else
            log_err("cannot lock %s: %s", rs->path, strerror(-rc));
        goto fail;
    }
    if (fstat(rs->fd, &st) < 0) {
        rc = -errno;
        log_err("cannot stat %s: %s", rs->path, strerror(-rc));
        goto fail;
    }
    if (take_existing(rs, st.st_size, domid, fingerprint)) {
        rc = map_file(rs);
        rs->had_snapshots = rc == 0 && any_snapshot(rs);
    } else {
        rc = make_fresh(rs, domid, fingerprint);
    }
    if (rc < 0)
        goto fail;
    *out = rs;
    return 0;

fail:
    runstate_close(rs);
    return rc;
}

void runstate_close(struct runstate *rs)
{
    if (rs == NULL)
        return;
    if (rs->hdr != NULL)
        munmap(rs->hdr, rs->size);
    if (rs->fd >= 0)
        close(rs->fd); /* and with it the lock */
    free(rs->path);
    free(rs);
}

void runstate_remove(struct runstate *rs)
{
    if (rs == NULL)
        return;
    if (unlink(rs->path) < 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", rs->path, strerror(errno));
    runstate_close(rs);
}

void runstate_set_aside(struct runstate *rs, const char *why)
{
    set_aside(rs, rs->hdr, rs->size, why);
    for (size_t i = 0; i < rs->ninst; i++)
        atomic_store_explicit(&rs->inst[i].current, 0, memory_order_release);
    rs->had_snapshots = false;
}

bool runstate_has_snapshots(const struct runstate *rs)
{
    return rs->had_snapshots;
}

static const struct rs_half *current_half(const struct runstate *rs, size_t i)
{
    uint32_t cur = atomic_load_explicit(&rs->inst[i].current, memory_order_acquire);

    return cur == 1 || cur == 2 ? &rs->inst[i].half[cur - 1] : NULL;
}

const uint8_t *runstate_snapshot(const struct runstate *rs, size_t i, size_t *len)
{
    const struct rs_half *h = i < rs->ninst ? current_half(rs, i) : NULL;

    if (h == NULL || h->len > RUNSTATE_SNAPSHOT_MAX)
        return NULL;
    *len = h->len;
    return h->snapshot;
}

struct chardev_wire *runstate_wire(struct runstate *rs, size_t i)
{
    return &rs->inst[i].wire;
}

/* The half a save writes: the one that is not current. */
static struct rs_half *next_half(struct runstate *rs, size_t i)
{
    uint32_t cur = atomic_load_explicit(&rs->inst[i].current, memory_order_relaxed);

    return &rs->inst[i].half[cur == 1 ? 1 : 0];
}

uint8_t *runstate_save_buffer(struct runstate *rs, size_t i)
{
    return next_half(rs, i)->snapshot;
}

bool runstate_save_commit(struct runstate *rs, size_t i, size_t len,
                          const struct runstate_answer *answer)
{
    struct rs_half *h = next_half(rs, i);
    const struct rs_half *cur = current_half(rs, i);

    if (len > RUNSTATE_SNAPSHOT_MAX)
        return false;
    /* Unchanged: nothing to flip, even for a request's answer.  Carried
     * out again after a crash, a request that changed nothing gives the
     * same answer. */
    if (cur != NULL && cur->len == len && memcmp(cur->snapshot, h->snapshot, len) == 0)
        return false;
    h->len = (uint32_t)len;
    h->vcpu1 = answer != NULL ? answer->vcpu + 1 : 0;
    h->seq = answer != NULL ? answer->seq : 0;
    h->data = answer != NULL ? answer->data : 0;
    h->count = answer != NULL ? answer->count : 0;
    /* Everything above is in place before the half becomes current. */
    atomic_store_explicit(&rs->inst[i].current, h == &rs->inst[i].half[0] ? 1u : 2u,
                          memory_order_release);
    return true;
}

uint64_t runstate_take(struct runstate *rs, unsigned vcpu)
{
    uint64_t seq;

    if (vcpu >= RUNSTATE_VCPUS)
        return 0;
    seq = atomic_load_explicit(&rs->hdr->taken[vcpu], memory_order_relaxed) + 1;
    atomic_store_explicit(&rs->hdr->taken[vcpu], seq, memory_order_release);
    return seq;
}

bool runstate_answer(const struct runstate *rs, unsigned vcpu, uint64_t *data, uint32_t *count)
{
    uint64_t seq;

    if (vcpu >= RUNSTATE_VCPUS)
        return false;
    seq = atomic_load_explicit(&rs->hdr->taken[vcpu], memory_order_acquire);
    for (size_t i = 0; i < rs->ninst; i++) {
        const struct rs_half *h = current_half(rs, i);

        if (h != NULL && h->vcpu1 == vcpu + 1 && h->seq == seq && seq != 0) {
            *data = h->data;
            *count = h->count;
            return true;
        }
    }
    return false;
}
