/* SPDX-License-Identifier: MIT */
/*
 * The two systemd protocols dmd speaks, without libsystemd.
 *
 * notify (sd_notify(3), "NOTIFY_SOCKET"): a state string such as
 * "READY=1\nSTATUS=..." is sent as one datagram, its bytes without a
 * terminating NUL, to the AF_UNIX socket $NOTIFY_SOCKET names: a
 * filesystem path ('/' first) or a name in the abstract namespace ('@'
 * first, sent with a leading NUL byte instead).  A socket is opened for
 * each message and closed again (messages are rare: READY, one WATCHDOG
 * per sweep, STOPPING).  The variable is read each time and never unset.
 *
 * journal (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): one entry is one
 * datagram to /run/systemd/journal/socket.  A field whose value holds no
 * newline is sent as "FIELD=value\n"; one whose value does is sent in the
 * binary form: FIELD, "\n", the value's length as a little-endian 64-bit
 * integer, the value, "\n".  One unconnected socket is kept for the
 * process (opened on first use, close-on-exec) and every entry names the
 * address, so a restarted journald is reached without reopening.
 *
 * Neither send ever blocks (MSG_DONTWAIT): a full socket is an error
 * (-EAGAIN) the caller handles, which for the journal means log.c prints
 * the message on stderr instead.  MSG_NOSIGNAL is passed too.
 *
 * file descriptor store (sd_notify(3) FDSTORE=1, sd_listen_fds(3)): a
 * descriptor dmd wants back after a crash (a backend's listening socket,
 * its connected client, a pty master) is sent to $NOTIFY_SOCKET with
 * SCM_RIGHTS in a "FDSTORE=1\nFDNAME=NAME" datagram; "FDSTOREREMOVE=1\n
 * FDNAME=NAME" drops it again.  With FileDescriptorStoreMax= the service
 * manager keeps them while the service restarts and passes them to the
 * next dmd as descriptors 3, 4, ... with LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES, which sd_proto_listen_init() reads once.
 *
 * Left out, because dmd needs none of it: explicit credentials (the kernel attaches the
 * sender's when systemd asks for them with SO_PASSCRED), vsock notify
 * addresses ("vsock:CID:PORT"), unsetting NOTIFY_SOCKET, the notify
 * barrier (BARRIER=1 with a pipe), and journal entries larger than one
 * datagram (libsystemd passes those in a sealed memfd): an entry over
 * SD_PROTO_JOURNAL_MAX bytes fails with -EMSGSIZE rather than being cut.
 */
#ifndef DMD_SD_PROTO_H
#define DMD_SD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

struct iovec;

/* The largest state string sd_proto_notifyf() formats, NUL included. */
#define SD_PROTO_NOTIFY_MAX 1024
/* The largest journal datagram sent: every entry of dmd's fits with room
 * to spare (log.c caps a message at 2048 bytes, a UART line is 1024). */
#define SD_PROTO_JOURNAL_MAX 8192

/*
 * Send STATE to $NOTIFY_SOCKET.  Returns 1 when it was sent, 0 when the
 * variable is unset or empty (not run by a service manager: nothing to
 * do), or -errno: -EAFNOSUPPORT for an address that is neither a path nor
 * abstract, -ENAMETOOLONG for one too long for a unix socket address,
 * -EINVAL for a NULL state, or the error of socket() or sendto() (-ENOENT,
 * -ECONNREFUSED, -EAGAIN, ...).  Never fatal.
 */
int sd_proto_notify(const char *state);
/* The same with a printf-like format; -EMSGSIZE when the formatted state
 * would not fit in SD_PROTO_NOTIFY_MAX bytes (nothing is sent). */
int sd_proto_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Send one journal entry: N fields, each iov[i] holding "FIELD=value"
 * (no terminating NUL; the value may hold any byte), as sd_journal_sendv()
 * takes them.  Returns 0 or -errno: -EINVAL for no fields or a field that
 * is not NAME=value with NAME made of 1 to 64 of A-Z, 0-9 and '_', not
 * starting with a digit or '_' (journald would drop it; nothing is sent),
 * -EMSGSIZE for an entry over SD_PROTO_JOURNAL_MAX bytes (nothing is sent),
 * or the error of socket() or sendto() (-ENOENT when journald is not
 * running, -EAGAIN when its socket is full, ...).
 */
int sd_proto_journal_sendv(const struct iovec *iov, int n);

/*
 * Take the descriptors the service manager passed (LISTEN_PID must be this
 * process), mark them close-on-exec and unset the three variables.
 * Returns how many there are (0 when none were passed), or -EINVAL when
 * the variables are malformed (then none are used).  At most
 * SD_PROTO_PASSED_MAX are kept; the rest are closed.  Call once, early.
 */
#define SD_PROTO_PASSED_MAX 64
int sd_proto_listen_init(void);
/* A passed descriptor named NAME not taken yet (it is the caller's now),
 * or -1. */
int sd_proto_take_fd(const char *name);
/* Close every passed descriptor nobody took and drop it from the store;
 * returns how many there were. */
unsigned sd_proto_close_untaken(void);

/*
 * Hand FD to the service manager's store under NAME (printable ASCII
 * without ':', 1..255 bytes), or drop every descriptor stored under NAME.
 * The manager drops a stored descriptor by itself once it reports a
 * hang-up or an error, unless `watch` is false (FDPOLL=0: a pty master
 * shows a hang-up whenever nobody has the pty open, and must stay).
 * 1 when sent, 0 when $NOTIFY_SOCKET is unset, or -errno as
 * sd_proto_notify() (-EINVAL for a bad name).
 */
int sd_proto_store_fd(int fd, const char *name, bool watch);
int sd_proto_unstore_fd(const char *name);

/*
 * For the unit tests only: send journal entries to PATH instead of
 * /run/systemd/journal/socket (NULL: back to it).  Returns 0, or
 * -ENAMETOOLONG (the address is left unchanged).  dmd never calls it.
 */
int sd_proto_journal_set_socket(const char *path);

#endif
