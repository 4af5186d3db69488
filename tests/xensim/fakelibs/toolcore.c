/* SPDX-License-Identifier: MIT */
/*
 * Fake libxentoolcore.so.1: the handle registry and restrict_all, as in
 * Xen.  xentoolcore_restrict_all first tells the simulator (so it can be
 * counted and made to fail with --fail), then restricts every registered
 * handle through its callback, which for the fake libraries is one
 * restrict call per handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

#include "client.h"
#include "toolcore_internal.h"

static Xentoolcore__Active_Handle *toolcore_handles;

void xentoolcore__register_active_handle(Xentoolcore__Active_Handle *ah)
{
    ah->entry.le_next = toolcore_handles;
    if (toolcore_handles)
        toolcore_handles->entry.le_prev = &ah->entry.le_next;
    toolcore_handles = ah;
    ah->entry.le_prev = &toolcore_handles;
}

void xentoolcore__deregister_active_handle(Xentoolcore__Active_Handle *ah)
{
    if (ah->entry.le_next)
        ah->entry.le_next->entry.le_prev = ah->entry.le_prev;
    *ah->entry.le_prev = ah->entry.le_next;
}

int xentoolcore_restrict_all(domid_t domid)
{
    if (client_oneshot(XENSIM_TC_RESTRICT_ALL, domid) < 0)
        return -1;
    for (Xentoolcore__Active_Handle *ah = toolcore_handles; ah;
         ah = ah->entry.le_next)
        if (ah->restrict_callback(ah, domid) < 0)
            return -1;
    return 0;
}

/* How libxencall and libxenstore neuter their fds; kept for them. */
int xentoolcore__restrict_by_dup2_null(int fd)
{
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nullfd < 0)
        return -1;
    int rc = dup2(nullfd, fd);
    int saved = errno;
    close(nullfd);
    errno = saved;
    return rc < 0 ? -1 : 0;
}
