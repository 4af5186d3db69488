/* SPDX-License-Identifier: MIT */
/*
 * ioreq-servers DOMID: how many ioreq servers the domain has.
 *
 * Xen 4.17 gives a domain at most 8 (MAX_NR_IOREQ_SERVERS), with ids 0..7,
 * and has no call that lists them, so each id is asked for with
 * get_ioreq_server_info: success means the id exists and belongs to an
 * emulator in this domain (dom0), EPERM that it exists but another
 * domain emulates it (ioreq_server_get_info() checks the emulator after
 * finding the server), ENOENT that no server has the id.  Both of the
 * first two are counted: a leaked server is a server, whoever runs it.
 * No GFN pointers are passed (XEN_DMOP_no_gfns): asking for them would
 * map the server's pages into the guest the legacy way and change it.
 *
 * Prints "servers N ids I,J,..." and exits 0; 1 on any other error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xendevicemodel.h>

#define MAX_SERVERS 8

int main(int argc, char **argv)
{
    xendevicemodel_handle *dm;
    char ids[256] = "";
    unsigned count = 0;
    long domid;
    int rc = 0;

    if (argc != 2 || (domid = strtol(argv[1], NULL, 0)) <= 0) {
        fprintf(stderr, "usage: ioreq-servers DOMID\n");
        return 2;
    }
    dm = xendevicemodel_open(NULL, 0);
    if (dm == NULL) {
        perror("xendevicemodel_open");
        return 1;
    }
    for (unsigned id = 0; id < MAX_SERVERS; id++) {
        int err = xendevicemodel_get_ioreq_server_info(dm, (domid_t)domid, (ioservid_t)id,
                                                       NULL, NULL, NULL) == 0 ? 0 : errno;

        if (err == 0 || err == EPERM) {
            snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%u%s", count ? "," : "",
                     id, err == EPERM ? "(another emulator's)" : "");
            count++;
        } else if (err != ENOENT) {
            fprintf(stderr, "ioreq-servers: domain %ld, server %u: %s\n", domid, id,
                    strerror(err));
            rc = 1;
        }
    }
    xendevicemodel_close(dm);
    printf("servers %u ids %s\n", count, count ? ids : "none");
    return rc;
}
