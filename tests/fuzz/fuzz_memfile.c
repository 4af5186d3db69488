/* SPDX-License-Identifier: MIT */
/*
 * In-memory files for the fuzz targets (see fuzz_memfile.h).  A memfd
 * never touches the disk, so a fuzzer can rewrite it for every input.
 */
#include "fuzz_memfile.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int fuzz_memfile_open(struct fuzz_memfile *f)
{
    f->fd = memfd_create("dmd-fuzz", MFD_CLOEXEC);
    if (f->fd < 0)
        return -1;
    snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
    return 0;
}

int fuzz_memfile_set(struct fuzz_memfile *f, const void *data, size_t len)
{
    const char *p = data;
    size_t done = 0;

    if (ftruncate(f->fd, 0) < 0)
        return -1;
    while (done < len) {
        ssize_t n = pwrite(f->fd, p + done, len - done, (off_t)done);

        if (n <= 0) /* a memfd never takes 0 bytes; do not spin if it did */
            return -1;
        done += (size_t)n;
    }
    return 0;
}
