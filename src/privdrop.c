/* SPDX-License-Identifier: MIT */
/*
 * Dropping privileges (privdrop.h).
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int privdrop_lookup(struct privdrop *p, const char *user)
{
    struct passwd *pw;

    p->user = user;
    if (user == NULL)
        return 0;
    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL) {
        log_err("user %s: %s", user, errno != 0 ? strerror(errno) : "no such user");
        return -1;
    }
    if (pw->pw_uid == 0) {
        log_err("user %s is root: name an unprivileged user", user);
        return -1;
    }
    p->uid = pw->pw_uid;
    p->gid = pw->pw_gid;
    return 0;
}

void privdrop_prepare_dir(const struct privdrop *p, const char *dir)
{
    /* EEXIST: the operator's (or tmpfiles'), left as it is; anything else
     * (root without CAP_DAC_OVERRIDE in the user's own directory): the user
     * makes it after the switch, or says why not. */
    if (dir == NULL || mkdir(dir, 0750) < 0)
        return;
    if (p->user != NULL && geteuid() == 0 && chown(dir, p->uid, p->gid) < 0) {
        log_debug("cannot give %s to user %s (%s): leaving it to the user", dir, p->user,
                  strerror(errno));
        rmdir(dir);
    }
}

/* Every id is the user's, and root is out of reach. */
static int verify(const struct privdrop *p)
{
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;

    if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0) {
        log_err("getresuid: %s", strerror(errno));
        return -1;
    }
    if (ruid != p->uid || euid != p->uid || suid != p->uid || rgid != p->gid ||
        egid != p->gid || sgid != p->gid) {
        log_err("after switching to user %s the ids are uid %u/%u/%u gid %u/%u/%u", p->user,
                ruid, euid, suid, rgid, egid, sgid);
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        log_err("user %s could become root again: refusing to run", p->user);
        return -1;
    }
    return 0;
}

int privdrop_apply(const struct privdrop *p)
{
    if (p->user == NULL)
        return 0;
    if (getuid() != p->uid || geteuid() != p->uid) {
        if (geteuid() != 0) {
            log_err("cannot become user %s: dmd runs as uid %u, not as root", p->user,
                    geteuid());
            return -1;
        }
        if (initgroups(p->user, p->gid) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
            setresuid(p->uid, p->uid, p->uid) < 0) {
            log_err("cannot become user %s (uid %u, gid %u): %s", p->user, p->uid, p->gid,
                    strerror(errno));
            return -1;
        }
    }
    if (verify(p) < 0)
        return -1;
    log_info("running as user %s (uid %u, gid %u); root is out of reach", p->user, p->uid,
             p->gid);
    return 0;
}
