/* SPDX-License-Identifier: MIT */
/*
 * page-probe: one locked page of the guest's RAM, for dom0 to aim DMOPs at
 * (scenarios/hvm-dmop).  It reads commands on stdin, one per line, and
 * answers each with one line on stdout (both are dmd's COM2, raw):
 *
 *   pfn       "pfn 0xN": the page's guest frame, from /proc/self/pagemap
 *   write V   stores byte V (0..255) at the page's start and reads it
 *             back: "byte R" (R differs when Xen dropped the store)
 *   read      "byte R"
 *   count ROW "ROW N": interrupts of that /proc/interrupts row (NMI, SPU,
 *             ...) taken so far, summed over the CPUs; -1 if no such row
 *   quit      "bye", then exits 0
 *
 * Anything else gets "error ...".  Static, so it needs nothing from the
 * guest's initramfs.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

/* The guest frame of the page at addr: bit 63 of its pagemap entry says
 * present, bits 0-54 are the frame (root only). */
static int page_frame(const void *addr, uint64_t *frame)
{
    uint64_t entry;
    off_t at = (off_t)((uintptr_t)addr / PAGE * sizeof(entry));
    int fd = open("/proc/self/pagemap", O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = pread(fd, &entry, sizeof(entry), at);
    close(fd);
    if (n != (ssize_t)sizeof(entry) || !(entry >> 63))
        return -1;
    *frame = entry & ((UINT64_C(1) << 55) - 1);
    return *frame != 0 ? 0 : -1;
}

/* Row `name` of /proc/interrupts ("NMI", "SPU", ...), summed over the
 * CPUs; -1 if there is none. */
static long irq_count(const char *name)
{
    size_t len = strlen(name);
    char line[1024];
    long total = -1;
    FILE *f = fopen("/proc/interrupts", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;

        while (*p == ' ')
            p++;
        if (strncmp(p, name, len) != 0 || p[len] != ':')
            continue;
        total = 0;
        p += len + 1;
        for (long v = strtol(p, &end, 10); end != p; v = strtol(p, &end, 10)) {
            total += v;
            p = end;
        }
        break;
    }
    fclose(f);
    return total;
}

int main(void)
{
    volatile uint8_t *page;
    char line[128], row[16];
    uint64_t frame;

    setvbuf(stdout, NULL, _IOLBF, 0);
    page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || mlock((const void *)page, PAGE) != 0) {
        printf("error cannot lock a page\n");
        return 1;
    }
    page[0] = 0; /* the page exists from here on, at one frame */
    while (fgets(line, sizeof(line), stdin) != NULL) {
        unsigned value;

        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "pfn") == 0) {
            if (page_frame((const void *)page, &frame) == 0)
                printf("pfn 0x%" PRIx64 "\n", frame);
            else
                printf("error no frame\n");
        } else if (sscanf(line, "write %u", &value) == 1 && value <= 255) {
            page[0] = (uint8_t)value;
            printf("byte %u\n", (unsigned)page[0]);
        } else if (strcmp(line, "read") == 0) {
            printf("byte %u\n", (unsigned)page[0]);
        } else if (sscanf(line, "count %15s", row) == 1) {
            printf("%s %ld\n", row, irq_count(row));
        } else if (strcmp(line, "quit") == 0) {
            printf("bye\n");
            return 0;
        } else {
            printf("error unknown command\n");
        }
    }
    return 1;
}
