/* SPDX-License-Identifier: MIT */
#include "unix_listen.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../log.h"

static int failed(const char *owner, const char *what, const char *action, const char *path)
{
    int err = errno != 0 ? errno : EIO;

    log_dev(LOG_ERR, owner, "%s: %s %s: %s", what, action, path, strerror(err));
    return -err;
}

/* Replace a socket left by an earlier run; refuse to touch anything else. */
static int remove_stale(const char *path, const char *owner, const char *what)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : failed(owner, what, "cannot stat", path);
    if (!S_ISSOCK(st.st_mode)) {
        log_dev(LOG_ERR, owner, "%s: %s exists and is not a socket; not replacing it", what,
                path);
        return -EEXIST;
    }
    if (unlink(path) < 0)
        return failed(owner, what, "cannot remove the stale socket", path);
    log_dev(LOG_NOTICE, owner, "%s: replaced the stale socket %s", what, path);
    return 0;
}

int unix_listen(const char *path, int backlog, const char *owner, const char *what,
                struct stat *bound)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    mode_t old_umask;
    int fd, rc;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return failed(owner, what, "cannot use", path);
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    rc = remove_stale(path, owner, what);
    if (rc < 0)
        return rc;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed(owner, what, "cannot create a socket for", path);
    old_umask = umask(0117); /* the socket file is created 0660 */
    rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
    umask(old_umask);
    if (rc < 0) {
        rc = failed(owner, what, "cannot bind", path);
        close(fd);
        return rc;
    }
    if (lstat(path, bound) < 0) {
        rc = failed(owner, what, "cannot stat", path);
        close(fd);
        return rc;
    }
    if (listen(fd, backlog) < 0) {
        rc = failed(owner, what, "cannot listen on", path);
        unix_listen_remove(path, bound);
        close(fd);
        return rc;
    }
    return fd;
}

static bool keep_files;

void unix_listen_keep(void)
{
    keep_files = true;
}

void unix_listen_remove(const char *path, const struct stat *bound)
{
    struct stat st;

    if (path != NULL && !keep_files && lstat(path, &st) == 0 && st.st_dev == bound->st_dev &&
        st.st_ino == bound->st_ino)
        unlink(path);
}
