/* SPDX-License-Identifier: MIT */
/*
 * The device state file, RUNTIME_DIR/DOMID.state: what a restarted dmd
 * needs to carry on where a crashed one stopped (docs/restart.md).
 *
 * The file is mapped shared, so every store into it outlives the process:
 * nothing is ever written with write(2) on the request path.  It holds:
 *
 *  - per vCPU, the sequence number of the request last taken from its slot;
 *  - per device instance, two halves and a word saying which one is
 *    current.  A save writes the other half, then flips the word with a
 *    release store, so a kill at any instruction leaves one complete
 *    snapshot.  A half carries the device's snapshot (device.c frames it)
 *    and, when a request produced it, that request's answer;
 *  - per instance, the chardev wire words (chardev.h), stored in place.
 *
 * The file is locked while dmd runs (a second dmd for the domain is
 * refused) and checked when opened: one from another config (fingerprint),
 * another layout or damaged is kept as DOMID.state.bad for a look, with a
 * log line, and dmd starts from a fresh one.  Its content is never trusted:
 * snapshots are checked by the devices before anything is applied.
 */
#ifndef DMD_RUNSTATE_H
#define DMD_RUNSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runstate;
struct chardev_wire;

/* One slot per vCPU of a shared ioreq page. */
#define RUNSTATE_VCPUS 128
/* The largest snapshot one instance may save. */
#define RUNSTATE_SNAPSHOT_MAX (16384u - 32u)

/* The answer a snapshot was saved with: the request that produced it. */
struct runstate_answer {
    unsigned vcpu;
    uint64_t seq;   /* runstate_take()'s number for it */
    uint64_t data;  /* what the slot is answered with */
    uint32_t count;
};

/*
 * Open or create DIR/DOMID.state for `ninst` instances of a config with
 * this fingerprint, and lock it.  0, -EBUSY when another process holds the
 * lock (logged: another dmd serves the domain), or another -errno (logged
 * with the path).  A file that cannot be used is set aside as described
 * above, never an error.
 */
int runstate_open(struct runstate **out, const char *dir, unsigned domid, uint64_t fingerprint,
                  size_t ninst);
/* Remove the file (a clean stop: nothing is left to take over), then
 * close.  NULL is accepted. */
void runstate_remove(struct runstate *rs);
/* Unmap and unlock, keeping the file (start-up failed after a crash: the
 * next dmd may still take over).  NULL is accepted. */
void runstate_close(struct runstate *rs);

/* The snapshots cannot be used after all (a device rejected its own):
 * keep a copy as DOMID.state.bad with a log line saying why, and forget
 * them.  The wire words and request counts stay. */
void runstate_set_aside(struct runstate *rs, const char *why);

/* The file held snapshots from a previous dmd. */
bool runstate_has_snapshots(const struct runstate *rs);
/* Instance i's current snapshot (untrusted), NULL when it has none. */
const uint8_t *runstate_snapshot(const struct runstate *rs, size_t i, size_t *len);
/* Instance i's chardev wire words, in the file. */
struct chardev_wire *runstate_wire(struct runstate *rs, size_t i);

/*
 * Saving instance i: serialize into the buffer runstate_save_buffer()
 * returns (RUNSTATE_SNAPSHOT_MAX bytes), then runstate_save_commit() with
 * the length.  The half becomes current, with the answer, unless it equals
 * the current one: then nothing the guest could see changed, and a request
 * carried out again after a crash gives the same answer without one.
 * Returns true when it became current.
 */
uint8_t *runstate_save_buffer(struct runstate *rs, size_t i);
bool runstate_save_commit(struct runstate *rs, size_t i, size_t len,
                          const struct runstate_answer *answer);

/* Count a request taken from vcpu's slot: its sequence number, stored in
 * the file before the slot is marked INPROCESS. */
uint64_t runstate_take(struct runstate *rs, unsigned vcpu);
/* Whether a current snapshot answers the request last taken on vcpu, and
 * with what. */
bool runstate_answer(const struct runstate *rs, unsigned vcpu, uint64_t *data, uint32_t *count);

#endif
