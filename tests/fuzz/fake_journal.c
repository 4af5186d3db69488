/* SPDX-License-Identifier: MIT */
/*
 * sd_journal_sendv() for the fuzz targets (see fake_journal.h): checks the
 * entry is one log.c means to send, counts it, drops it.
 */
#include "fake_journal.h"

#include <string.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "fuzz_check.h"

#define MESSAGE_FIELD "MESSAGE="

static unsigned entries;

void fake_journal_reset(void)
{
    entries = 0;
}

unsigned fake_journal_entries(void)
{
    return entries;
}

int sd_journal_sendv(const struct iovec *iov, int n)
{
    FUZZ_CHECK(n >= 2 && iov[0].iov_len >= strlen(MESSAGE_FIELD) &&
                   memcmp(iov[0].iov_base, MESSAGE_FIELD, strlen(MESSAGE_FIELD)) == 0,
               "journal entry of %d fields without MESSAGE= first", n);
    for (int i = 0; i < n; i++)
        FUZZ_CHECK(memchr(iov[i].iov_base, '=', iov[i].iov_len) != NULL,
                   "journal field %d is not FIELD=value", i);
    entries++;
    return 0;
}
