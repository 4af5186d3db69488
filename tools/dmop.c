/* SPDX-License-Identifier: MIT */
/*
 * dmop: issue any of Xen's device-model operations (DMOPs) against a
 * domain, with typed, validated arguments and readable results.
 *
 *   dmop DOMID COMMAND [ARGS...]      (dmop --help lists the commands)
 *
 * Exit status (dmop(8)): 0 done, 1 the DMOP failed (the message names the
 * call, its arguments and errno), 2 bad command line (no Xen call made).
 *
 * One flat function per command, as in Xen's tools/libs/devicemodel:
 * each parses all its arguments first (exit 2 on any error), then opens
 * libxendevicemodel and makes its one call (`servers` makes eight).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xendevicemodel.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sched.h>

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define DOMID_MAX 32751u /* DOMID_FIRST_RESERVED - 1 */
#define SERVERS_MAX 8u   /* Xen's MAX_NR_IOREQ_SERVERS */

static const char *prog = "dmop";
static const char *cmd_name = "";
static domid_t domid;
static xendevicemodel_handle *dmod;

/* ---- errors --------------------------------------------------------------- */

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: %s%s", prog, cmd_name, *cmd_name ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    exit(EXIT_USAGE);
}

/* A failed call: `CALL(domain D, ARGS): strerror(errno)`, exit 1. */
__attribute__((format(printf, 2, 3), noreturn))
static void call_failed(const char *call, const char *fmt, ...)
{
    int err = errno;
    va_list ap;

    fprintf(stderr, "%s(domain %u", call, (unsigned)domid);
    char args[256];

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    if (*args)
        fprintf(stderr, ", %s", args);
    fprintf(stderr, "): %s\n", strerror(err));
    if (dmod)
        xendevicemodel_close(dmod);
    exit(EXIT_FAILED);
}

static void open_dm(void)
{
    dmod = xendevicemodel_open(NULL, 0);
    if (!dmod) {
        int err = errno;
        fprintf(stderr, "xendevicemodel_open: %s\n", strerror(err));
        exit(EXIT_FAILED);
    }
}

static int done(void)
{
    xendevicemodel_close(dmod);
    return EXIT_DONE;
}

/* ---- argument parsing ------------------------------------------------------ */

/* A C integer literal (decimal, 0x hex, 0 octal) within [min, max]. */
static uint64_t num(const char *what, const char *text, uint64_t min, uint64_t max)
{
    char *end;
    unsigned long long v;

    if (*text < '0' || *text > '9')
        usage_error("%s '%s' is not a number", what, text);
    errno = 0;
    v = strtoull(text, &end, 0);
    if (*end != '\0')
        usage_error("%s '%s' is not a number", what, text);
    if (errno == ERANGE || v < min || v > max) {
        if (max <= 0xffff)
            usage_error("%s %s is out of range (%" PRIu64 "..%" PRIu64 ")", what, text, min, max);
        usage_error("%s %s is out of range (0x%" PRIx64 "..0x%" PRIx64 ")", what, text, min, max);
    }
    return (uint64_t)v;
}

struct name_value {
    const char *name;
    unsigned value;
};

static unsigned lookup(const char *what, const char *text, const struct name_value *names)
{
    for (const struct name_value *n = names; n->name; n++)
        if (strcmp(n->name, text) == 0)
            return n->value;
    fprintf(stderr, "%s: %s: unknown %s '%s'; one of:", prog, cmd_name, what, text);
    for (const struct name_value *n = names; n->name; n++)
        fprintf(stderr, " %s", n->name);
    fprintf(stderr, "\n");
    exit(EXIT_USAGE);
}

static const char *name_of(unsigned value, const struct name_value *names)
{
    for (const struct name_value *n = names; n->name; n++)
        if (n->value == value)
            return n->name;
    return "?";
}

static const struct name_value bufioreq_names[] = {
    {"off", HVM_IOREQSRV_BUFIOREQ_OFF}, {"legacy", HVM_IOREQSRV_BUFIOREQ_LEGACY},
    {"atomic", HVM_IOREQSRV_BUFIOREQ_ATOMIC}, {NULL, 0}};
static const struct name_value shutdown_names[] = {
    {"poweroff", SHUTDOWN_poweroff}, {"reboot", SHUTDOWN_reboot}, {"suspend", SHUTDOWN_suspend},
    {"crash", SHUTDOWN_crash}, {"watchdog", SHUTDOWN_watchdog}, {"soft_reset", SHUTDOWN_soft_reset},
    {NULL, 0}};
static const struct name_value mem_type_names[] = {
    {"ram_rw", HVMMEM_ram_rw}, {"ram_ro", HVMMEM_ram_ro}, {"mmio_dm", HVMMEM_mmio_dm},
    {"unused", HVMMEM_unused},
    {"ioreq_server", HVMMEM_ioreq_server}, {NULL, 0}};
static const struct name_value cacheattr_names[] = {
    {"uc", XEN_DMOP_MEM_CACHEATTR_UC}, {"wc", XEN_DMOP_MEM_CACHEATTR_WC},
    {"wt", XEN_DMOP_MEM_CACHEATTR_WT}, {"wp", XEN_DMOP_MEM_CACHEATTR_WP},
    {"wb", XEN_DMOP_MEM_CACHEATTR_WB}, {"uc-", XEN_DMOP_MEM_CACHEATTR_UCM},
    {"delete", 0xffffffffu}, {NULL, 0}};
static const struct name_value event_names[] = {
    {"ext-interrupt", XEN_DMOP_EVENT_ext_int}, {"nmi", XEN_DMOP_EVENT_nmi},
    {"hw-exception", XEN_DMOP_EVENT_hw_exc}, {"sw-interrupt", XEN_DMOP_EVENT_sw_int},
    {"pri-sw-exception", XEN_DMOP_EVENT_pri_sw_exc}, {"sw-exception", XEN_DMOP_EVENT_sw_exc},
    {NULL, 0}};
static const struct name_value access_names[] = {
    {"none", 0}, {"write", XEN_DMOP_IOREQ_MEM_ACCESS_WRITE}, {NULL, 0}};
static const struct name_value state_names[] = {{"off", 0}, {"on", 1}, {NULL, 0}};
static const struct name_value kind_names[] = {{"port", 0}, {"mmio", 1}, {"pci", 2}, {NULL, 0}};

static void nargs(int argc, char **argv, int min, int max)
{
    if (argc < min)
        usage_error("too few arguments");
    if (argc > max)
        usage_error("unexpected argument '%s'", argv[max]);
}

static ioservid_t server_id(const char *text)
{
    return (ioservid_t)num("server id", text, 0, SERVERS_MAX - 1);
}

/* [SEG:]BB:DD.F */
static void parse_sbdf(const char *text, uint16_t *seg, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    unsigned s = 0, b, d, f;
    int n = -1;

    if (sscanf(text, "%4x:%2x:%2x.%1x%n", &s, &b, &d, &f, &n) == 4 && n == (int)strlen(text)) {
        /* with a segment */
    } else if (s = 0, n = -1,
               sscanf(text, "%2x:%2x.%1x%n", &b, &d, &f, &n) == 3 && n == (int)strlen(text)) {
        /* without */
    } else {
        usage_error("'%s' is not a PCI address [SEG:]BB:DD.F", text);
    }
    if (d > 31 || f > 7 || strchr(text, '-') || strchr(text, '+') || strchr(text, ' '))
        usage_error("'%s' is not a PCI address [SEG:]BB:DD.F (device <= 1f, function <= 7)", text);
    *seg = (uint16_t)s;
    *bus = (uint8_t)b;
    *dev = (uint8_t)d;
    *fn = (uint8_t)f;
}

/* ---- the commands: one per DMOP -------------------------------------------- */

static int cmd_create_server(int argc, char **argv)
{
    unsigned bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
    ioservid_t id;

    nargs(argc, argv, 0, 1);
    if (argc == 1)
        bufioreq = lookup("bufioreq", argv[0], bufioreq_names);
    open_dm();
    if (xendevicemodel_create_ioreq_server(dmod, domid, (int)bufioreq, &id) < 0)
        call_failed("xendevicemodel_create_ioreq_server", "bufioreq %s", name_of(bufioreq, bufioreq_names));
    printf("server %u\n", (unsigned)id);
    return done();
}

static int cmd_server_info(int argc, char **argv)
{
    ioservid_t id;
    xen_pfn_t ioreq_gfn = 0, bufioreq_gfn = 0;
    evtchn_port_t port = 0;
    bool gfns = false;

    nargs(argc, argv, 1, 2);
    id = server_id(argv[0]);
    if (argc == 2) {
        if (strcmp(argv[1], "--gfns") != 0)
            usage_error("unexpected argument '%s' (only --gfns)", argv[1]);
        gfns = true;
    }
    open_dm();
    if (xendevicemodel_get_ioreq_server_info(dmod, domid, id, gfns ? &ioreq_gfn : NULL,
                                             gfns ? &bufioreq_gfn : NULL, &port) < 0)
        call_failed("xendevicemodel_get_ioreq_server_info", "server %u", (unsigned)id);
    printf("server %u\n", (unsigned)id);
    printf("bufioreq-port %u\n", (unsigned)port);
    if (gfns) {
        printf("ioreq-gfn 0x%" PRIx64 "\n", (uint64_t)ioreq_gfn);
        printf("bufioreq-gfn 0x%" PRIx64 "\n", (uint64_t)bufioreq_gfn);
    }
    return done();
}

/* map-range / unmap-range ID port|mmio START [END] | ID pci [SEG:]BB:DD.F */
static int range_cmd(int argc, char **argv, bool map)
{
    ioservid_t id;
    unsigned kind;
    uint64_t start = 0, end = 0;
    uint16_t seg = 0;
    uint8_t bus = 0, dev = 0, fn = 0;
    int rc;

    nargs(argc, argv, 3, 4);
    id = server_id(argv[0]);
    kind = lookup("range kind", argv[1], kind_names);
    if (kind == 2) {
        if (argc != 3)
            usage_error("pci takes one address BB:DD.F");
        parse_sbdf(argv[2], &seg, &bus, &dev, &fn);
    } else {
        uint64_t max = kind == 0 ? 0xffff : UINT64_MAX;
        start = num("start", argv[2], 0, max);
        end = argc == 4 ? num("end", argv[3], start, max) : start;
    }
    open_dm();
    if (kind == 2) {
        rc = map ? xendevicemodel_map_pcidev_to_ioreq_server(dmod, domid, id, seg, bus, dev, fn)
                 : xendevicemodel_unmap_pcidev_from_ioreq_server(dmod, domid, id, seg, bus, dev, fn);
        if (rc < 0)
            call_failed(map ? "xendevicemodel_map_pcidev_to_ioreq_server"
                            : "xendevicemodel_unmap_pcidev_from_ioreq_server",
                        "server %u, %04x:%02x:%02x.%x", (unsigned)id, (unsigned)seg, (unsigned)bus,
                        (unsigned)dev, (unsigned)fn);
    } else {
        rc = map ? xendevicemodel_map_io_range_to_ioreq_server(dmod, domid, id, (int)kind, start, end)
                 : xendevicemodel_unmap_io_range_from_ioreq_server(dmod, domid, id, (int)kind, start, end);
        if (rc < 0)
            call_failed(map ? "xendevicemodel_map_io_range_to_ioreq_server"
                            : "xendevicemodel_unmap_io_range_from_ioreq_server",
                        "server %u, %s 0x%" PRIx64 "-0x%" PRIx64, (unsigned)id, argv[1], start, end);
    }
    return done();
}

static int cmd_map_range(int argc, char **argv) { return range_cmd(argc, argv, true); }
static int cmd_unmap_range(int argc, char **argv) { return range_cmd(argc, argv, false); }

static int cmd_set_server_state(int argc, char **argv)
{
    ioservid_t id;
    unsigned on;

    nargs(argc, argv, 2, 2);
    id = server_id(argv[0]);
    on = lookup("state", argv[1], state_names);
    open_dm();
    if (xendevicemodel_set_ioreq_server_state(dmod, domid, id, (int)on) < 0)
        call_failed("xendevicemodel_set_ioreq_server_state", "server %u, %s", (unsigned)id, argv[1]);
    return done();
}

static int cmd_destroy_server(int argc, char **argv)
{
    ioservid_t id;

    nargs(argc, argv, 1, 1);
    id = server_id(argv[0]);
    open_dm();
    if (xendevicemodel_destroy_ioreq_server(dmod, domid, id) < 0)
        call_failed("xendevicemodel_destroy_ioreq_server", "server %u", (unsigned)id);
    return done();
}

static int cmd_track_dirty_vram(int argc, char **argv)
{
    uint64_t first;
    uint32_t nr;
    unsigned long *bitmap = NULL;
    const unsigned bits = (unsigned)(8 * sizeof(unsigned long));

    nargs(argc, argv, 2, 2);
    first = num("first gfn", argv[0], 0, UINT64_MAX);
    nr = (uint32_t)num("nr", argv[1], 0, 1u << 18); /* 1 GiB of pages, Xen's limit */
    if (nr) {
        bitmap = calloc((nr + bits - 1) / bits, sizeof(*bitmap));
        if (!bitmap) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return EXIT_FAILED;
        }
    }
    open_dm();
    if (xendevicemodel_track_dirty_vram(dmod, domid, first, nr, bitmap) < 0) {
        int err = errno;

        free(bitmap);
        /* libxendevicemodel hands the kernel an empty buffer for nr 0, and
         * Linux's privcmd refuses to pin zero pages. */
        if (nr == 0 && err == EFAULT)
            fprintf(stderr, "%s: track-dirty-vram: stopping (nr 0) is refused by the dom0 "
                    "kernel (Linux's privcmd takes no empty buffer); the tracked range "
                    "stays until another replaces it or the domain dies\n", prog);
        errno = err;
        call_failed("xendevicemodel_track_dirty_vram", "gfn 0x%" PRIx64 ", nr %u", first, (unsigned)nr);
    }
    for (uint32_t i = 0; i < nr; i++)
        if (bitmap[i / bits] & (1ul << (i % bits)))
            printf("dirty 0x%" PRIx64 "\n", first + i);
    free(bitmap);
    return done();
}

static int cmd_set_pci_intx_level(int argc, char **argv)
{
    uint16_t seg;
    uint8_t bus, dev, fn, pin;
    unsigned level;

    nargs(argc, argv, 3, 3);
    parse_sbdf(argv[0], &seg, &bus, &dev, &fn);
    pin = (uint8_t)lookup("pin", argv[1], (const struct name_value[]){
        {"a", 0}, {"b", 1}, {"c", 2}, {"d", 3}, {"0", 0}, {"1", 1}, {"2", 2}, {"3", 3}, {NULL, 0}});
    level = (unsigned)num("level", argv[2], 0, 1);
    open_dm();
    if (xendevicemodel_set_pci_intx_level(dmod, domid, seg, bus, dev, pin, level) < 0)
        call_failed("xendevicemodel_set_pci_intx_level", "%04x:%02x:%02x, INT%c, level %u",
                    (unsigned)seg, (unsigned)bus, (unsigned)dev, 'A' + pin, level);
    return done();
}

static int cmd_set_isa_irq_level(int argc, char **argv)
{
    uint8_t irq;
    unsigned level;

    nargs(argc, argv, 2, 2);
    irq = (uint8_t)num("isa irq", argv[0], 0, 15);
    level = (unsigned)num("level", argv[1], 0, 1);
    open_dm();
    if (xendevicemodel_set_isa_irq_level(dmod, domid, irq, level) < 0)
        call_failed("xendevicemodel_set_isa_irq_level", "irq %u, level %u", (unsigned)irq, level);
    return done();
}

static int cmd_set_pci_link_route(int argc, char **argv)
{
    uint8_t link, irq;

    nargs(argc, argv, 2, 2);
    link = (uint8_t)num("link", argv[0], 0, 3);
    irq = (uint8_t)num("isa irq", argv[1], 0, 15);
    open_dm();
    if (xendevicemodel_set_pci_link_route(dmod, domid, link, irq) < 0)
        call_failed("xendevicemodel_set_pci_link_route", "link %u, irq %u", (unsigned)link, (unsigned)irq);
    return done();
}

static int cmd_modified_memory(int argc, char **argv)
{
    uint64_t first;
    uint32_t nr;

    nargs(argc, argv, 2, 2);
    first = num("first gfn", argv[0], 0, UINT64_MAX);
    nr = (uint32_t)num("nr", argv[1], 1, UINT32_MAX);
    open_dm();
    if (xendevicemodel_modified_memory(dmod, domid, first, nr) < 0)
        call_failed("xendevicemodel_modified_memory", "gfn 0x%" PRIx64 ", nr %u", first, (unsigned)nr);
    return done();
}

static int cmd_set_mem_type(int argc, char **argv)
{
    unsigned type;
    uint64_t first;
    uint32_t nr;

    nargs(argc, argv, 3, 3);
    type = lookup("memory type", argv[0], mem_type_names);
    first = num("first gfn", argv[1], 0, UINT64_MAX);
    nr = (uint32_t)num("nr", argv[2], 1, UINT32_MAX);
    open_dm();
    if (xendevicemodel_set_mem_type(dmod, domid, (hvmmem_type_t)type, first, nr) < 0)
        call_failed("xendevicemodel_set_mem_type", "%s, gfn 0x%" PRIx64 ", nr %u", argv[0], first, (unsigned)nr);
    return done();
}

/* inject-event VCPU TYPE [VECTOR [ERROR_CODE [INSN_LEN [CR2]]]] */
static int cmd_inject_event(int argc, char **argv)
{
    unsigned vcpu, type;
    uint8_t vector, insn_len = 0;
    uint32_t error_code = 0xffffffffu; /* ~0: none */
    uint64_t cr2 = 0;

    nargs(argc, argv, 2, 6);
    vcpu = (unsigned)num("vcpu", argv[0], 0, INT32_MAX);
    type = lookup("event type", argv[1], event_names);
    if (type == XEN_DMOP_EVENT_nmi)
        vector = (uint8_t)(argc > 2 ? num("vector", argv[2], 0, 255) : 2);
    else if (argc > 2)
        vector = (uint8_t)num("vector", argv[2], 0, 255);
    else
        usage_error("%s needs a VECTOR", argv[1]);
    if (argc > 3)
        error_code = (uint32_t)num("error code", argv[3], 0, UINT32_MAX);
    if (argc > 4)
        insn_len = (uint8_t)num("instruction length", argv[4], 0, 15);
    if (argc > 5)
        cr2 = num("cr2", argv[5], 0, UINT64_MAX);
    if ((type == XEN_DMOP_EVENT_sw_int || type == XEN_DMOP_EVENT_pri_sw_exc ||
         type == XEN_DMOP_EVENT_sw_exc) && insn_len == 0)
        usage_error("%s needs an INSN_LEN of 1..15", argv[1]);
    open_dm();
    if (xendevicemodel_inject_event(dmod, domid, (int)vcpu, vector, (uint8_t)type, error_code,
                                    insn_len, cr2) < 0) {
        if (type == XEN_DMOP_EVENT_nmi && argc == 2)
            call_failed("xendevicemodel_inject_event", "vcpu %u, nmi", vcpu);
        call_failed("xendevicemodel_inject_event",
                    "vcpu %u, %s, vector %u, error code 0x%x, insn len %u, cr2 0x%" PRIx64, vcpu,
                    argv[1], (unsigned)vector, (unsigned)error_code, (unsigned)insn_len, cr2);
    }
    return done();
}

static int cmd_inject_msi(int argc, char **argv)
{
    uint64_t addr;
    uint32_t data;

    nargs(argc, argv, 2, 2);
    addr = num("address", argv[0], 0, UINT64_MAX);
    data = (uint32_t)num("data", argv[1], 0, UINT32_MAX);
    open_dm();
    if (xendevicemodel_inject_msi(dmod, domid, addr, data) < 0)
        call_failed("xendevicemodel_inject_msi", "address 0x%" PRIx64 ", data 0x%x", addr, (unsigned)data);
    return done();
}

static int cmd_map_mem_type(int argc, char **argv)
{
    ioservid_t id;
    unsigned flags;

    nargs(argc, argv, 2, 2);
    id = server_id(argv[0]);
    flags = lookup("access", argv[1], access_names);
    open_dm();
    if (xendevicemodel_map_mem_type_to_ioreq_server(dmod, domid, id, HVMMEM_ioreq_server, flags) < 0)
        call_failed("xendevicemodel_map_mem_type_to_ioreq_server", "server %u, ioreq_server, %s",
                    (unsigned)id, argv[1]);
    return done();
}

static int cmd_shutdown(int argc, char **argv)
{
    unsigned reason;

    nargs(argc, argv, 1, 1);
    reason = lookup("shutdown reason", argv[0], shutdown_names);
    open_dm();
    if (xendevicemodel_shutdown(dmod, domid, reason) < 0)
        call_failed("xendevicemodel_shutdown", "%s", argv[0]);
    return done();
}

static int cmd_relocate_memory(int argc, char **argv)
{
    uint32_t size;
    uint64_t src, dst;

    nargs(argc, argv, 3, 3);
    size = (uint32_t)num("size", argv[0], 0, UINT32_MAX);
    src = num("source gfn", argv[1], 0, UINT64_MAX);
    dst = num("destination gfn", argv[2], 0, UINT64_MAX);
    open_dm();
    if (xendevicemodel_relocate_memory(dmod, domid, size, src, dst) < 0)
        call_failed("xendevicemodel_relocate_memory", "%u pages, gfn 0x%" PRIx64 " to 0x%" PRIx64,
                    (unsigned)size, src, dst);
    return done();
}

static int cmd_pin_cacheattr(int argc, char **argv)
{
    uint64_t start, end;
    unsigned type;

    nargs(argc, argv, 3, 3);
    start = num("start gfn", argv[0], 0, (1ull << 52) - 1);
    end = num("end gfn", argv[1], start, (1ull << 52) - 1);
    type = lookup("cache attribute", argv[2], cacheattr_names);
    open_dm();
    if (xendevicemodel_pin_memory_cacheattr(dmod, domid, start, end, type) < 0)
        call_failed("xendevicemodel_pin_memory_cacheattr", "gfn 0x%" PRIx64 "-0x%" PRIx64 ", %s",
                    start, end, argv[2]);
    return done();
}

static int cmd_set_irq_level(int argc, char **argv)
{
    unsigned irq, level;

    nargs(argc, argv, 2, 2);
    irq = (unsigned)num("irq", argv[0], 0, 1019);
    level = (unsigned)num("level", argv[1], 0, 1);
    open_dm();
    if (xendevicemodel_set_irq_level(dmod, domid, irq, level) < 0)
        call_failed("xendevicemodel_set_irq_level", "irq %u, level %u", irq, level);
    return done();
}

static int cmd_nr_vcpus(int argc, char **argv)
{
    unsigned vcpus;

    (void)argv;
    nargs(argc, argv, 0, 0);
    open_dm();
    if (xendevicemodel_nr_vcpus(dmod, domid, &vcpus) < 0)
        call_failed("xendevicemodel_nr_vcpus", "%s", "");
    printf("vcpus %u\n", vcpus);
    return done();
}

/* What get_ioreq_server_info says for ids 0..7. */
static int cmd_servers(int argc, char **argv)
{
    (void)argv;
    nargs(argc, argv, 0, 0);
    open_dm();
    for (unsigned id = 0; id < SERVERS_MAX; id++) {
        evtchn_port_t port = 0;

        if (xendevicemodel_get_ioreq_server_info(dmod, domid, (ioservid_t)id, NULL, NULL, &port) == 0)
            printf("server %u ours bufioreq-port %u\n", id, (unsigned)port);
        else if (errno == EPERM)
            printf("server %u not-ours\n", id);
        else if (errno == ENOENT)
            printf("server %u none\n", id);
        else
            call_failed("xendevicemodel_get_ioreq_server_info", "server %u", id);
    }
    return done();
}

struct command {
    const char *name;
    const char *args;
    int (*fn)(int argc, char **argv);
    const char *what;
};

static const struct command commands[] = {
    {"create-server", "[off|legacy|atomic]", cmd_create_server, "create an ioreq server (bufioreq off by default)"},
    {"server-info", "ID [--gfns]", cmd_server_info, "its buffered port (and legacy page GFNs)"},
    {"map-range", "ID port|mmio START [END] | ID pci [SEG:]BB:DD.F", cmd_map_range, "claim a range for a server"},
    {"unmap-range", "ID port|mmio START [END] | ID pci [SEG:]BB:DD.F", cmd_unmap_range, "release it"},
    {"set-server-state", "ID on|off", cmd_set_server_state, "enable or disable a server"},
    {"destroy-server", "ID", cmd_destroy_server, "destroy a server"},
    {"track-dirty-vram", "GFN NR", cmd_track_dirty_vram, "track NR pages (0: stop); prints the dirty ones"},
    {"set-pci-intx-level", "[SEG:]BB:DD.F a|b|c|d 0|1", cmd_set_pci_intx_level, "a PCI INTx line"},
    {"set-isa-irq-level", "IRQ 0|1", cmd_set_isa_irq_level, "an ISA line, 0..15"},
    {"set-pci-link-route", "LINK IRQ", cmd_set_pci_link_route, "route PCI link 0..3 to ISA irq 0..15"},
    {"modified-memory", "GFN NR", cmd_modified_memory, "report NR pages written"},
    {"set-mem-type", "TYPE GFN NR", cmd_set_mem_type, "ram_rw ram_ro mmio_dm unused ioreq_server"},
    {"inject-event", "VCPU TYPE [VECTOR [ERROR [INSN_LEN [CR2]]]]", cmd_inject_event,
     "ext-interrupt nmi hw-exception sw-interrupt pri-sw-exception sw-exception"},
    {"inject-msi", "ADDRESS DATA", cmd_inject_msi, "inject an MSI"},
    {"map-mem-type", "ID write|none", cmd_map_mem_type, "claim (write) or release (none) ioreq_server pages"},
    {"shutdown", "REASON", cmd_shutdown, "poweroff reboot suspend crash watchdog soft_reset"},
    {"relocate-memory", "SIZE SRC_GFN DST_GFN", cmd_relocate_memory, "move SIZE pages"},
    {"pin-cacheattr", "START_GFN END_GFN ATTR", cmd_pin_cacheattr, "uc wc wt wp wb uc- delete"},
    {"set-irq-level", "IRQ 0|1", cmd_set_irq_level, "an Arm SPI line (32..1019)"},
    {"nr-vcpus", "", cmd_nr_vcpus, "the domain's vCPU count"},
    {"servers", "", cmd_servers, "ids 0..7: ours, not-ours (EPERM) or none"},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: dmop DOMID COMMAND [ARGS...]\n"
               "       dmop --help | --version\n"
               "Issues one of Xen's device-model operations against domain DOMID (0..32751).\n"
               "Numbers are C literals (42, 0x2a, 052).  Commands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-18s %s\n  %-18s   %s\n", c->name, c->args, "", c->what);
    fprintf(f, "Exit status: 0 done, 1 the DMOP failed, 2 bad command line.  See dmop(8).\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return EXIT_DONE;
    }
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("dmop %s\n", DMD_VERSION);
        return EXIT_DONE;
    }
    if (argc < 3)
        usage_error("expected DOMID COMMAND [ARGS...]");
    domid = (domid_t)num("domain id", argv[1], 0, DOMID_MAX);
    for (const struct command *c = commands; c->name; c++) {
        if (strcmp(c->name, argv[2]) == 0) {
            cmd_name = c->name;
            return c->fn(argc - 3, argv + 3);
        }
    }
    usage_error("unknown command '%s'", argv[2]);
}
