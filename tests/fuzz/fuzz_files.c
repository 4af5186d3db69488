/* SPDX-License-Identifier: MIT */
#include "fuzz_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const uint8_t *p = data;

    FUZZ_CHECK(fd >= 0, "open %s: %m", path);
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        FUZZ_CHECK(n > 0, "write %s: %m", path);
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

uint8_t *fuzz_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf;
    size_t done = 0;

    if (fd < 0) {
        FUZZ_CHECK(errno == ENOENT, "open %s: %m", path);
        return NULL;
    }
    FUZZ_CHECK(fstat(fd, &st) == 0, "fstat %s: %m", path);
    buf = malloc((size_t)st.st_size + 1); /* an empty file is a buffer too */
    FUZZ_CHECK(buf != NULL, "out of memory");
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

        FUZZ_CHECK(n > 0, "read %s: %m", path);
        done += (size_t)n;
    }
    close(fd);
    *len = done;
    return buf;
}
