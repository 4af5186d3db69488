/* SPDX-License-Identifier: MIT */
/*
 * sd_proto_journal_sendv() for the fuzz targets (see fake_journal.h):
 * checks the entry is one log.c (or a chardev's journal backend) means to
 * send, counts it by kind, drops it.  Also the descriptor store.  The
 * targets do not link src/sd_proto.c, so these definitions are the only
 * ones.
 */
#include "fake_journal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "sd_proto.h"

#define MESSAGE_FIELD "MESSAGE="
#define DEVICE_FIELD "DMD_DEVICE="
/* A guest's line from a chardev's journal backend (chardev.c), not a log
 * message of dmd's own (SYSLOG_IDENTIFIER=dmd). */
#define GUEST_LINE_FIELD "SYSLOG_IDENTIFIER=dmd-"
#define GUEST_LINE_MAX 1024 /* chardev.c's CHARDEV_JOURNAL_LINE_MAX */

/* Kinds beyond this many are only in the total: a run that logs that
 * many different things is caught by the total anyway. */
#define MAX_KINDS 64
#define KIND_LEN 160

struct kind {
    char key[KIND_LEN]; /* "DEVICE|message with # for each number" */
    char example[KIND_LEN];
    unsigned count;
};

static unsigned entries, nkinds;
static struct kind kinds[MAX_KINDS];

void fake_journal_reset(void)
{
    entries = 0;
    nkinds = 0;
}

unsigned fake_journal_entries(void)
{
    return entries;
}

unsigned fake_journal_most_of_a_kind(const char **example)
{
    unsigned most = 0;

    *example = "";
    for (unsigned i = 0; i < nkinds; i++) {
        if (kinds[i].count > most) {
            most = kinds[i].count;
            *example = kinds[i].example;
        }
    }
    return most;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == 'x';
}

/* Append `text` to `out`, each number (decimal, or hex starting with a
 * digit: 0x1f, 3600, 12:00:00 gives #:#:#) replaced by '#'. */
static void append_blanked(char *out, size_t *n, const char *text, size_t len)
{
    for (size_t i = 0; i < len && *n + 1 < KIND_LEN;) {
        if (text[i] >= '0' && text[i] <= '9') {
            while (i < len && is_hex(text[i]))
                i++;
            out[(*n)++] = '#';
        } else {
            out[(*n)++] = text[i++];
        }
    }
    out[*n] = '\0';
}

static const struct iovec *field(const struct iovec *iov, int n, const char *name)
{
    size_t len = strlen(name);

    for (int i = 0; i < n; i++)
        if (iov[i].iov_len >= len && memcmp(iov[i].iov_base, name, len) == 0)
            return &iov[i];
    return NULL;
}

static void count_kind(const struct iovec *iov, int n)
{
    const struct iovec *msg = &iov[0], *dev = field(iov, n, DEVICE_FIELD);
    size_t mlen = strlen(MESSAGE_FIELD), dlen = strlen(DEVICE_FIELD);
    char key[KIND_LEN];
    size_t used = 0;
    unsigned i;

    if (dev != NULL)
        append_blanked(key, &used, (const char *)dev->iov_base + dlen, dev->iov_len - dlen);
    append_blanked(key, &used, "|", 1);
    append_blanked(key, &used, (const char *)msg->iov_base + mlen, msg->iov_len - mlen);
    for (i = 0; i < nkinds && strcmp(kinds[i].key, key) != 0; i++)
        continue;
    if (i == nkinds) {
        if (nkinds == MAX_KINDS)
            return;
        nkinds++;
        memcpy(kinds[i].key, key, used + 1);
        snprintf(kinds[i].example, KIND_LEN, "%.*s: %.*s",
                 dev != NULL ? (int)(dev->iov_len - dlen) : 1,
                 dev != NULL ? (const char *)dev->iov_base + dlen : "-",
                 (int)(msg->iov_len - mlen), (const char *)msg->iov_base + mlen);
        kinds[i].count = 0;
    }
    kinds[i].count++;
}

/* A guest's line is split at each \n, has its \r dropped and is sent when
 * it reaches the longest a line may be. */
static void check_guest_line(const struct iovec *msg)
{
    const char *text = (const char *)msg->iov_base + strlen(MESSAGE_FIELD);
    size_t len = msg->iov_len - strlen(MESSAGE_FIELD);

    FUZZ_CHECK(len <= GUEST_LINE_MAX, "a guest line of %zu bytes sent to the journal", len);
    FUZZ_CHECK(memchr(text, '\n', len) == NULL && memchr(text, '\r', len) == NULL,
               "a guest line sent to the journal holds a \\n or \\r: \"%.*s\"", (int)len,
               text);
}

int sd_proto_journal_sendv(const struct iovec *iov, int n)
{
    FUZZ_CHECK(n >= 2 && iov[0].iov_len >= strlen(MESSAGE_FIELD) &&
                   memcmp(iov[0].iov_base, MESSAGE_FIELD, strlen(MESSAGE_FIELD)) == 0,
               "journal entry of %d fields without MESSAGE= first", n);
    for (int i = 0; i < n; i++)
        FUZZ_CHECK(memchr(iov[i].iov_base, '=', iov[i].iov_len) != NULL,
                   "journal field %d is not FIELD=value", i);
    if (field(iov, n, GUEST_LINE_FIELD) != NULL)
        check_guest_line(&iov[0]);
    entries++;
    count_kind(iov, n);
    return 0;
}

/*
 * The descriptor store: the targets run as no service manager's child, so
 * nothing was passed and nothing dmd stores is kept (what sd_proto.c does
 * without $NOTIFY_SOCKET and LISTEN_FDS); only what a target puts there
 * itself is handed out (fake_journal.h).
 */
#define STORE_MAX 4

static struct {
    char name[64];
    int fd; /* -1: a free entry */
} store[STORE_MAX] = { { "", -1 }, { "", -1 }, { "", -1 }, { "", -1 } };

void fake_fdstore_put(const char *name, int fd)
{
    for (unsigned i = 0; i < STORE_MAX; i++) {
        if (store[i].fd < 0) {
            snprintf(store[i].name, sizeof(store[i].name), "%s", name);
            store[i].fd = fd;
            return;
        }
    }
    FUZZ_CHECK(false, "the fake descriptor store is full");
}

void fake_fdstore_clear(void)
{
    for (unsigned i = 0; i < STORE_MAX; i++) {
        if (store[i].fd >= 0)
            close(store[i].fd);
        store[i].fd = -1;
    }
}

int sd_proto_listen_init(void)
{
    return 0;
}

int sd_proto_take_fd(const char *name)
{
    for (unsigned i = 0; i < STORE_MAX; i++) {
        if (store[i].fd >= 0 && strcmp(store[i].name, name) == 0) {
            int fd = store[i].fd;

            store[i].fd = -1;
            return fd;
        }
    }
    return -1;
}

unsigned sd_proto_close_untaken(void)
{
    return 0;
}

int sd_proto_store_fd(int fd, const char *name, bool watch)
{
    (void)fd;
    (void)name;
    (void)watch;
    return 0;
}

int sd_proto_unstore_fd(const char *name)
{
    (void)name;
    return 0;
}
