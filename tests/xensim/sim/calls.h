/* SPDX-License-Identifier: MIT */
/*
 * The library calls of proto.h, answered the way Linux and Xen would:
 * privcmd / evtchn restriction, the hypercalls on the domain, event
 * channels, foreign and resource mappings.  Also the bookkeeping: call
 * counts and --fail injection, open handles and live mappings for the
 * leak report.
 */
#ifndef XENSIM_CALLS_H
#define XENSIM_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../proto.h"

enum handle_kind {
    HANDLE_NONE,          /* connected, not opened yet */
    HANDLE_DEVICEMODEL,
    HANDLE_FOREIGNMEMORY,
    HANDLE_EVTCHN,
    HANDLE_ONESHOT,       /* xentoolcore_restrict_all */
};

/* One library handle, i.e. one connection. */
struct handle {
    enum handle_kind kind;
    unsigned serial;          /* "handle #N" in messages */
    pid_t pid;                /* the process that opened it (0: unknown) */
    bool closed;              /* its close call came */
    uint32_t restrict_domid;  /* DOMID_INVALID until restricted */
    int evfd;                 /* evtchn: our end of the event socket */
};

/* What a reply carries besides the header. */
struct reply {
    void *payload;     /* XENSIM_MAX_PAYLOAD bytes */
    uint32_t len;
    int fd;            /* to pass with SCM_RIGHTS, or -1 */
    bool none;         /* --kill-at: the caller is being killed, no reply */
};

void calls_handle_init(struct handle *h, pid_t pid);

/*
 * Answer `msg` (op, flags, arg; `len` payload bytes; `fd_in` passed with
 * it or -1, now owned by the handle or closed) in place.
 */
void calls_dispatch(struct handle *h, struct xensim_msg *msg,
                    const void *payload, int fd_in, struct reply *rep);

/* The connection ended: a handle never closed is a leak. */
void calls_disconnect(struct handle *h);
/*
 * Its process died: close the handle as the kernel does (ports closed,
 * restriction gone), without a leak report.
 */
void calls_release(struct handle *h);
/* ... and drop every foreign and resource mapping that process held:
 * they were in its address space.  Returns how many there were. */
unsigned calls_unmap_process(pid_t pid);

/* --fail CALL[:NTH|:*]=ERRNO; -1 with a message on stderr if malformed. */
int calls_add_failure(const char *spec);
/* --kill-at CALL[:NTH]: the NTH call of CALL kills its caller (SIGKILL)
 * before it has any effect; -1 with a message on stderr if malformed. */
int calls_add_kill(const char *spec);

/*
 * Guest RAM pages the program holds mapped now (xenforeignmemory_map of
 * RAM gfns; not the ioreq pages, not pages whose err was set), and in
 * *gfn one of them when there are any.
 */
uint64_t calls_ram_mapped(uint64_t *gfn);
/* xenforeignmemory_map and _map2 calls so far (failed ones too). */
uint64_t calls_map_calls(void);

/* After dmd is gone: LEAK for each live mapping, FAIL for each unused
 * --fail and --kill-at. */
void calls_report(void);

#endif
