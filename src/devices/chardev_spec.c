/* SPDX-License-Identifier: MIT */
/*
 * Parsing the `backend =` text of a character backend.  Kept apart from
 * chardev.c (the runtime) so the config parser can use it alone.
 */
#include "chardev.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    [CHARDEV_NULL] = "null",     [CHARDEV_STDIO] = "stdio",
    [CHARDEV_FILE] = "file",     [CHARDEV_SOCKET] = "socket",
    [CHARDEV_PTY] = "pty",       [CHARDEV_JOURNAL] = "journal",
};

const char *chardev_kind_name(enum chardev_kind kind)
{
    if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
        return "?";
    return kind_names[kind];
}

/* "file:PATH" / "socket:PATH": the path must be non-empty and absolute or
 * relative, but must fit a unix socket address for socket:. */
static const char *parse_path(const char *text, enum chardev_kind kind,
                              struct chardev_spec *out)
{
    const char *path = strchr(text, ':') + 1;

    if (*path == '\0')
        return kind == CHARDEV_FILE ? "file: needs a path, as in file:/var/log/dmd/uart0.log"
                                    : "socket: needs a path, as in socket:/run/dmd/uart0.sock";
    /* sun_path is 108 bytes including the terminating NUL. */
    if (kind == CHARDEV_SOCKET && strlen(path) > 107)
        return "socket path is longer than 107 bytes (the unix socket limit)";
    out->path = strdup(path);
    if (out->path == NULL)
        return "out of memory";
    out->kind = kind;
    return NULL;
}

const char *chardev_spec_parse(const char *text, struct chardev_spec *out)
{
    out->kind = CHARDEV_NULL;
    out->path = NULL;
    if (strcmp(text, "null") == 0)
        out->kind = CHARDEV_NULL;
    else if (strcmp(text, "stdio") == 0)
        out->kind = CHARDEV_STDIO;
    else if (strcmp(text, "pty") == 0)
        out->kind = CHARDEV_PTY;
    else if (strcmp(text, "journal") == 0)
        out->kind = CHARDEV_JOURNAL;
    else if (strncmp(text, "file:", 5) == 0)
        return parse_path(text, CHARDEV_FILE, out);
    else if (strncmp(text, "socket:", 7) == 0)
        return parse_path(text, CHARDEV_SOCKET, out);
    else
        return "unknown backend; expected null, stdio, file:PATH, socket:PATH, pty or journal";
    return NULL;
}

void chardev_spec_free(struct chardev_spec *spec)
{
    free(spec->path);
    spec->path = NULL;
}
