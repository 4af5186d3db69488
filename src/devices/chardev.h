/* SPDX-License-Identifier: MIT */
/*
 * Character backends: the host side of a device's byte stream (a UART's
 * line, a GPIO controller's control socket).
 *
 *   null          output discarded, no input
 *   stdio         output to dmd's stdout, input from its stdin
 *   file:PATH     output appended to PATH, no input
 *   socket:PATH   listening unix stream socket, one client at a time; a new
 *                 client can connect after the previous one left
 *   pty           a pseudo-terminal; its path is logged and, when the device
 *                 sets pty_link, a symlink to it is created (and removed)
 *   journal       each output line becomes a journal entry (DMD_DEVICE=...)
 *
 * Flow control is explicit in both directions so no byte is ever dropped
 * inside dmd:
 *  - input: the backend reads from the host only as many bytes as the
 *    device's rx_room() says it can take, and stops reading (removes its
 *    watcher) when that is 0, until the device calls chardev_rx_resume();
 *  - output: chardev_write() accepts what fits in a bounded buffer and
 *    returns the count; when it returned less than asked, the backend calls
 *    the device's tx_ready() once space is free again.
 * With no client connected (socket) output is discarded, like a serial line
 * with nothing attached.
 */
#ifndef DMD_CHARDEV_H
#define DMD_CHARDEV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct snap_out;
struct snap_in;

enum chardev_kind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_SOCKET,
    CHARDEV_PTY,
    CHARDEV_JOURNAL,
};

struct chardev_spec {
    enum chardev_kind kind;
    char *path; /* file: and socket: only; owned by the config */
};

/*
 * Parse "null", "stdio", "file:PATH", "socket:PATH", "pty", "journal".
 * On success fills *out (path strdup'ed; free with chardev_spec_free) and
 * returns NULL; on failure returns a static message saying what is wrong.
 */
const char *chardev_spec_parse(const char *text, struct chardev_spec *out);
void chardev_spec_free(struct chardev_spec *spec);
const char *chardev_kind_name(enum chardev_kind kind);

/* The device side of a backend. All callbacks are optional. */
struct chardev_client {
    void *opaque;
    /* How many input bytes the device can accept right now. */
    size_t (*rx_room)(void *opaque);
    /* Deliver input; len is never more than the last rx_room() result. */
    void (*rx)(void *opaque, const uint8_t *buf, size_t len);
    /* Output space is available again after a short chardev_write(). */
    void (*tx_ready)(void *opaque);
    /* A peer connected (true) or went away (false): socket and pty. */
    void (*carrier)(void *opaque, bool connected);
};

struct chardev;

/*
 * Crash safety (docs/restart.md).  Every byte through a chardev has a
 * stream position: output in the order the device wrote it, input in the
 * order it was read.  The wire words say how far each direction has got
 * through the kernel; each is stored before the system call that moves
 * the bytes, in memory that outlives dmd (the runtime state file).  The
 * device's snapshot says how far the device had got (chardev_save()).
 * After a crash chardev_restore() puts the two together: output the
 * restarted device writes again (its snapshot predates it) is not sent
 * twice, output still held is sent once, and input the snapshot already
 * holds is not read again.
 */
struct chardev_wire {
    _Atomic uint64_t tx; /* output positions below this reached the kernel */
    _Atomic uint64_t rx; /* input positions below this left the kernel */
    /* The socket file a socket backend's listener was bound to, so the
     * next dmd reuses a stored listener only if that file is still the
     * one at the path. */
    uint64_t listen_dev, listen_ino;
};

/*
 * Open a backend.  `owner` is the device instance name used in logs and as
 * DMD_DEVICE; `pty_link` (may be NULL) is the symlink to create for a pty;
 * `wire` (may be NULL: nothing outlives dmd) is where the stream positions
 * are kept.  A socket's listener and client and a pty's master are taken
 * from the service manager's file descriptor store when a previous dmd
 * left them there, and handed to it (sd_proto.h).  Returns 0 or a
 * negative errno; failures are logged with the path at fault.
 */
int chardev_open(struct chardev **out, struct ev_loop *loop,
                 const struct chardev_spec *spec, const char *pty_link,
                 const char *owner, const struct chardev_client *client,
                 struct chardev_wire *wire);

/*
 * The chardev's part of its device's snapshot: the stream positions the
 * device reached and the output accepted but not yet written.  restore()
 * with apply false only checks (0 or -EINVAL, nothing changes); with apply
 * true it takes them and reconciles them with the wire words.
 */
void chardev_save(const struct chardev *chr, struct snap_out *out);
int chardev_restore(struct chardev *chr, struct snap_in *in, bool apply);

/* Queue output; returns how many bytes were accepted (0..len). */
size_t chardev_write(struct chardev *chr, const uint8_t *buf, size_t len);

/* The device has room for input again: start reading the host side. */
void chardev_rx_resume(struct chardev *chr);

/* Flush what can be flushed without blocking, then release everything. */
void chardev_close(struct chardev *chr);

/*
 * From now on chardev_close() hands over to the next dmd rather than
 * ending things (dmd leaves its server for a successor): socket files and
 * pty links stay, and output still held stays owed, as the device's
 * snapshot says.  For the rest of the process.
 */
void chardev_leave(void);

/*
 * Where the journal backend sends its entries (one per line, with
 * MESSAGE=, PRIORITY=, DMD_DEVICE= and SYSLOG_IDENTIFIER=):
 * sd_proto_journal_sendv unless a unit test points it at a recorder.
 */
struct iovec;
extern int (*chardev_journal_sendv)(const struct iovec *iov, int n);

#endif
