/* SPDX-License-Identifier: MIT */
/*
 * The registry every Xen tools library handle joins, as in Xen's
 * tools/libs/toolcore/include/xentoolcore_internal.h.  The layout is Xen's
 * (a callback, then a BSD list entry), so real libraries that register with
 * libxentoolcore.so.1 (libxencall, libxenstore) work with the fake one.
 */
#ifndef XENSIM_TOOLCORE_INTERNAL_H
#define XENSIM_TOOLCORE_INTERNAL_H

#include <xentoolcore.h>

typedef struct Xentoolcore__Active_Handle Xentoolcore__Active_Handle;

typedef int Xentoolcore__Restrict_Callback(Xentoolcore__Active_Handle *ah,
                                           domid_t domid);

struct Xentoolcore__Active_Handle {
    Xentoolcore__Restrict_Callback *restrict_callback;
    struct {
        Xentoolcore__Active_Handle *le_next;
        Xentoolcore__Active_Handle **le_prev;
    } entry;
};

void xentoolcore__register_active_handle(Xentoolcore__Active_Handle *ah);
void xentoolcore__deregister_active_handle(Xentoolcore__Active_Handle *ah);
int xentoolcore__restrict_by_dup2_null(int fd);

/* The enclosing handle of a registered Xentoolcore__Active_Handle. */
#define TOOLCORE_CONTAINER(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
