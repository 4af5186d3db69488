/* SPDX-License-Identifier: MIT */
/*
 * Running as an unprivileged user once the Xen handles are open and
 * restricted (`[dmd] user`, `--user`).  Verified, not assumed: after the
 * switch dmd checks that every uid and gid is the user's and that it can
 * no longer become root.
 */
#ifndef DMD_PRIVDROP_H
#define DMD_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

struct privdrop {
    const char *user; /* NULL: stay as started */
    uid_t uid;
    gid_t gid;
};

/* Look the user up (before anything is set up): 0, or -1 when there is no
 * such user or it is root (logged). */
int privdrop_lookup(struct privdrop *p, const char *user);

/* Before the switch, as root: create a directory the user must write if
 * it is missing (mode 0750) and give it to the user, where root can (a
 * parent only root may write to, such as /run).  Best effort: what fails
 * is left for the user to try after the switch. */
void privdrop_prepare_dir(const struct privdrop *p, const char *dir);

/* Become the user for good, then check it: 0 or -1 (logged). */
int privdrop_apply(const struct privdrop *p);

#endif
