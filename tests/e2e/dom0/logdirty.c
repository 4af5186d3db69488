/* SPDX-License-Identifier: MIT */
/*
 * logdirty: a domain's log-dirty bitmap, as migration reads it, to see
 * what XEN_DMOP_modified_memory marks (scenarios/hvm-dmop).
 *
 *   logdirty DOMID on          enable log-dirty mode
 *   logdirty DOMID clean PFN   read and clear the bitmap; prints "dirty 1"
 *                              or "dirty 0" for PFN
 *   logdirty DOMID off         leave log-dirty mode
 *
 * Exit status 0, or 1 with the call, errno and the domain on stderr.
 * Links libxenctrl: the bitmap is only reachable through
 * XEN_DOMCTL_shadow_op, no stable library offers it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

static int failed(const char *call, unsigned domid)
{
    fprintf(stderr, "logdirty: %s(domain %u): %s\n", call, domid, strerror(errno));
    return 1;
}

/* Clean the bitmap for frames 0..pfn; prints pfn's bit. */
static int clean(xc_interface *xch, unsigned domid, unsigned long pfn)
{
    unsigned long pages = pfn + 1;
    size_t bytes = (pages + 7) / 8;
    int pages_of_bitmap = (int)((bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE);
    xc_shadow_op_stats_t stats;
    long long rc;
    DECLARE_HYPERCALL_BUFFER(unsigned char, bitmap);

    bitmap = xc_hypercall_buffer_alloc_pages(xch, bitmap, pages_of_bitmap);
    if (bitmap == NULL)
        return failed("xc_hypercall_buffer_alloc_pages", domid);
    memset(bitmap, 0, bytes);
    rc = xc_logdirty_control(xch, domid, XEN_DOMCTL_SHADOW_OP_CLEAN, HYPERCALL_BUFFER(bitmap),
                             pages, 0, &stats);
    if (rc < 0) {
        int err = errno;

        xc_hypercall_buffer_free_pages(xch, bitmap, pages_of_bitmap);
        errno = err;
        return failed("xc_logdirty_control(CLEAN)", domid);
    }
    printf("dirty %d\n", (bitmap[pfn / 8] >> (pfn % 8)) & 1);
    xc_hypercall_buffer_free_pages(xch, bitmap, pages_of_bitmap);
    return 0;
}

int main(int argc, char **argv)
{
    xc_interface *xch;
    unsigned domid;
    char *end;
    int rc;

    if (argc < 3 || (strcmp(argv[2], "clean") == 0) != (argc == 4) || argc > 4) {
        fprintf(stderr, "usage: logdirty DOMID on|off|clean PFN\n");
        return 2;
    }
    domid = (unsigned)strtoul(argv[1], &end, 0);
    if (*end != '\0') {
        fprintf(stderr, "logdirty: bad domain id '%s'\n", argv[1]);
        return 2;
    }
    xch = xc_interface_open(NULL, NULL, 0);
    if (xch == NULL)
        return failed("xc_interface_open", domid);
    if (strcmp(argv[2], "on") == 0) {
        rc = xc_shadow_control(xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, NULL, 0) < 0
                 ? failed("xc_shadow_control(ENABLE_LOGDIRTY)", domid)
                 : 0;
    } else if (strcmp(argv[2], "off") == 0) {
        rc = xc_shadow_control(xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0
                 ? failed("xc_shadow_control(OFF)", domid)
                 : 0;
    } else if (strcmp(argv[2], "clean") == 0) {
        unsigned long pfn = strtoul(argv[3], &end, 0);

        if (*end != '\0' || pfn > (1ul << 30)) {
            fprintf(stderr, "logdirty: bad frame '%s'\n", argv[3]);
            rc = 2;
        } else {
            rc = clean(xch, domid, pfn);
        }
    } else {
        fprintf(stderr, "logdirty: unknown command '%s'\n", argv[2]);
        rc = 2;
    }
    xc_interface_close(xch);
    return rc;
}
