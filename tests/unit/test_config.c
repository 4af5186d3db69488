/* SPDX-License-Identifier: MIT */
/*
 * The configuration loader: INI text is written to a temporary file,
 * config_load() reads it, and what it logged (to stderr) is captured and
 * checked line by line, with the exact "PATH:LINE:" prefix an operator sees.
 *
 * The device types are test-only; this file provides device_types[] since
 * the test does not link src/devices/registry.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "config.h"
#include "devices/device.h"
#include "log.h"

/* ---- Test device types ---- */

/* A UART-like device: 8 registers, spaced by 1 << reg_shift bytes. */
static uint64_t tuart_window(const struct dev_config *dc)
{
    return (uint64_t)8 << dev_config_u64(dc, "reg_shift");
}

static const char *const tuart_modes[] = { "fast", "slow", NULL };

static const struct dev_param tuart_params[] = {
    { .key = "reg_shift", .kind = PARAM_U64, .min = 0, .max = 2, .def = "0" },
    { .key = "backend", .kind = PARAM_CHARDEV, .def = "null" },
    { .key = "fifo", .kind = PARAM_BOOL, .def = "yes" },
    { .key = "mode", .kind = PARAM_ENUM, .choices = tuart_modes, .def = "slow" },
    { .key = "label", .kind = PARAM_STRING },
    { .key = NULL },
};

static const struct device_type tuart = {
    .name = "tuart",
    .attach = DEVICE_ATTACH(ATTACH_PORT) | DEVICE_ATTACH(ATTACH_MMIO),
    .params = tuart_params,
    .window_size = tuart_window,
    .max_access = 1,
};

/* A window of any size, attachable anywhere. */
static uint64_t twin_window(const struct dev_config *dc)
{
    return dev_config_u64(dc, "size");
}

static const struct dev_param twin_params[] = {
    { .key = "size", .kind = PARAM_U64, .min = 0, .max = UINT64_MAX, .def = "0x10" },
    { .key = NULL },
};

static const struct device_pci_id twin_pci = { .vendor = 0x1234, .device = 0x0001 };

/* A device with no PCI ids of its own. */
static const struct device_pci_id tnoid_pci = { .class_code = 0x088000 };

static const struct device_type tnoid = {
    .name = "tnoid",
    .attach = DEVICE_ATTACH(ATTACH_MMIO) | DEVICE_ATTACH(ATTACH_PCI),
    .params = twin_params,
    .window_size = twin_window,
    .max_access = 4,
    .pci = &tnoid_pci,
};

/* A device table bug: it accepts pci but says nothing of what it is. */
static const struct device_type tpcibug = {
    .name = "tpcibug",
    .attach = DEVICE_ATTACH(ATTACH_PCI),
    .params = twin_params,
    .window_size = twin_window,
    .max_access = 4,
};

static const struct device_type twin = {
    .name = "twin",
    .pci = &twin_pci,
    .attach = DEVICE_ATTACH(ATTACH_PORT) | DEVICE_ATTACH(ATTACH_MMIO) |
              DEVICE_ATTACH(ATTACH_PCI),
    .params = twin_params,
    .window_size = twin_window,
    .max_access = 4,
};

/* A device table bug: its default is outside its own range. */
static uint64_t tbad_window(const struct dev_config *dc)
{
    (void)dc;
    return 0x10;
}

static const struct dev_param tbad_params[] = {
    { .key = "x", .kind = PARAM_U64, .min = 1, .max = 5, .def = "9" },
    { .key = NULL },
};

static const struct device_type tbad = {
    .name = "tbad",
    .attach = DEVICE_ATTACH(ATTACH_MMIO),
    .params = tbad_params,
    .window_size = tbad_window,
    .max_access = 4,
};

const struct device_type *const device_types[] = { &tuart, &twin, &tbad, &tnoid, &tpcibug,
                                                    NULL };

/* ---- Harness ---- */

struct run {
    char path[64];
    int rc;
    struct dmd_config cfg;
    char log[1 << 20];
};

static int setup(void **state)
{
    struct run *r = calloc(1, sizeof(*r));
    int fd;

    assert_non_null(r);
    strcpy(r->path, "/tmp/dmd-test-config-XXXXXX");
    fd = mkstemp(r->path);
    assert_true(fd >= 0);
    close(fd);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct run *r = *state;

    config_free(&r->cfg);
    unlink(r->path);
    free(r);
    return 0;
}

/* config_load(path, cfg) with stderr captured into r->log. */
static int capture(struct run *r, const char *path, struct dmd_config *cfg)
{
    char logpath[] = "/tmp/dmd-test-log-XXXXXX";
    int logfd = mkstemp(logpath), saved, rc;
    ssize_t n;

    assert_true(logfd >= 0);
    unlink(logpath);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(logfd, STDERR_FILENO) >= 0);
    rc = config_load(path, cfg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(lseek(logfd, 0, SEEK_SET), 0);
    n = read(logfd, r->log, sizeof(r->log) - 1);
    assert_true(n >= 0);
    r->log[n] = '\0';
    close(logfd);
    return rc;
}

static int load_path(struct run *r, const char *path)
{
    r->rc = capture(r, path, &r->cfg);
    return r->rc;
}

static int load(struct run *r, const char *text)
{
    FILE *f = fopen(r->path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return load_path(r, r->path);
}

/*
 * Is there a log line "dmd[LEVEL]: PATH:LINE: ..." (line 0: "PATH: ...")
 * containing every fragment?  NULL ends the fragments.  Prints the log when
 * not, so a failing test shows what was said instead.
 */
static bool logged_at(const struct run *r, const char *path, const char *level, int line, ...)
{
    char prefix[256];
    const char *p = r->log;

    if (line > 0)
        snprintf(prefix, sizeof(prefix), "dmd[%s]: %s:%d: ", level, path, line);
    else
        snprintf(prefix, sizeof(prefix), "dmd[%s]: %s: ", level, path);
    while (*p != '\0') {
        const char *end = strchr(p, '\n');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char text[4096];
        bool all = true;
        const char *frag;
        va_list ap;

        snprintf(text, sizeof(text), "%.*s", (int)len, p);
        if (strncmp(text, prefix, strlen(prefix)) == 0) {
            va_start(ap, line);
            while ((frag = va_arg(ap, const char *)) != NULL)
                if (strstr(text, frag) == NULL)
                    all = false;
            va_end(ap);
            if (all)
                return true;
        }
        p += len + (end != NULL);
    }
    print_message("no line starting with \"%s\" has the expected text; the log:\n%s", prefix,
                  r->log);
    return false;
}

#define logged(r, level, line, ...) logged_at((r), (r)->path, (level), (line), __VA_ARGS__, NULL)

static int count_level(const struct run *r, const char *level)
{
    char prefix[32];
    int n = 0;

    snprintf(prefix, sizeof(prefix), "dmd[%s]: ", level);
    for (const char *p = r->log; (p = strstr(p, prefix)) != NULL; p++)
        n++;
    return n;
}

/* Errors make config_load fail and leave *cfg untouched (zero here). */
static void assert_failed(const struct run *r)
{
    assert_int_equal(r->rc, -1);
    assert_null(r->cfg.devs);
    assert_null(r->cfg.path);
    assert_true(count_level(r, "err") > 0);
}

static const struct dev_config *dev(const struct run *r, const char *name)
{
    for (size_t i = 0; i < r->cfg.ndevs; i++)
        if (strcmp(r->cfg.devs[i].name, name) == 0)
            return &r->cfg.devs[i];
    fail_msg("no device [%s]", name);
    return NULL;
}

/* ---- Valid configurations ---- */

static void test_full_valid_config(void **state)
{
    struct run *r = *state;
    const struct dev_config *d;
    const struct chardev_spec *chr;

    load(r, "[dmd]\n"                                  /* 1 */
            "arch = x86\n"                             /* 2 */
            "bufioreq = off\n"                         /* 3 */
            "\n"                                       /* 4 */
            "; a comment\n"                            /* 5 */
            "# another comment\n"                      /* 6 */
            "[uart0]\n"                                /* 7 */
            "type = tuart\n"                           /* 8 */
            "port = 0x3f8 ; COM1\n"                    /* 9 */
            "irq = isa:4\n"                            /* 10 */
            "reg_shift = 1\n"                          /* 11 */
            "backend = socket:/run/dmd/u0.sock\n"      /* 12 */
            "fifo = off\n"                             /* 13 */
            "mode = fast\n"                            /* 14 */
            "label = console\n"                        /* 15 */
            "[uart1]\n"                                /* 16 */
            "type = tuart\n"                           /* 17 */
            "mmio = 0x10000000\n"                      /* 18 */
            "[nic0]\n"                                 /* 19 */
            "type = twin\n"                            /* 20 */
            "pci = 00:05.0\n"                          /* 21 */
            "irq = intx\n"                             /* 22 */
            "size = 0x100\n"                           /* 23 */
            "[nic1]\n"                                 /* 24 */
            "type = twin\n"                            /* 25 */
            "pci = ff:1f.7\n"                          /* 26 */
            "irq = msi\n");                            /* 27 */
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->log, ""); /* no error, no warning */
    assert_string_equal(r->cfg.path, r->path);
    assert_int_equal(r->cfg.arch, DMD_ARCH_X86);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_OFF);
    assert_int_equal(r->cfg.ndevs, 4);

    d = dev(r, "uart0");
    assert_int_equal(d->line, 7);
    assert_ptr_equal(d->type, &tuart);
    assert_int_equal(d->attach.kind, ATTACH_PORT);
    assert_int_equal(d->attach.base, 0x3f8);
    assert_int_equal(d->attach.line, 9);
    assert_int_equal(d->irq.kind, IRQ_ISA);
    assert_int_equal(d->irq.num, 4);
    assert_int_equal(d->irq_line, 10);
    assert_int_equal(d->size, 16);
    assert_int_equal(dev_config_u64(d, "reg_shift"), 1);
    assert_int_equal(dev_config_param(d, "reg_shift")->line, 11);
    chr = dev_config_chardev(d, "backend");
    assert_non_null(chr);
    assert_int_equal(chr->kind, CHARDEV_SOCKET);
    assert_string_equal(chr->path, "/run/dmd/u0.sock");
    assert_int_equal(dev_config_u64(d, "fifo"), 0);
    assert_int_equal(dev_config_u64(d, "mode"), 0);
    assert_string_equal(dev_config_str(d, "label"), "console");
    assert_null(dev_config_chardev(d, "label")); /* not a backend */
    assert_null(dev_config_param(d, "no_such_key"));
    assert_int_equal(dev_config_u64(d, "no_such_key"), 0);

    /* Defaults, marked with line 0. */
    d = dev(r, "uart1");
    assert_int_equal(d->attach.kind, ATTACH_MMIO);
    assert_int_equal(d->attach.base, 0x10000000);
    assert_int_equal(d->irq.kind, IRQ_NONE);
    assert_int_equal(d->size, 8);
    assert_int_equal(dev_config_u64(d, "reg_shift"), 0);
    assert_int_equal(dev_config_param(d, "reg_shift")->line, 0);
    assert_int_equal(dev_config_chardev(d, "backend")->kind, CHARDEV_NULL);
    assert_int_equal(dev_config_u64(d, "fifo"), 1);
    assert_int_equal(dev_config_u64(d, "mode"), 1);
    assert_null(dev_config_param(d, "label")); /* no default */
    assert_null(dev_config_str(d, "label"));

    d = dev(r, "nic0");
    assert_int_equal(d->attach.kind, ATTACH_PCI);
    assert_int_equal(d->attach.pci.bus, 0);
    assert_int_equal(d->attach.pci.dev, 5);
    assert_int_equal(d->attach.pci.fn, 0);
    assert_int_equal(d->irq.kind, IRQ_INTX);
    assert_int_equal(d->size, 0x100);

    d = dev(r, "nic1");
    assert_int_equal(d->attach.pci.bus, 0xff);
    assert_int_equal(d->attach.pci.dev, 0x1f);
    assert_int_equal(d->attach.pci.fn, 7);
    assert_int_equal(d->irq.kind, IRQ_MSI);
    assert_int_equal(d->size, 0x10);
}

static void test_numbers_hex_octal_decimal(void **state)
{
    struct run *r = *state;

    load(r, "[dec]\ntype = twin\nport = 1024\nsize = 16\n"
            "[hex]\ntype = twin\nport = 0x500\nsize = 0X10\n"
            "[oct]\ntype = twin\nport = 03000\nsize = 020\n"
            "[zero]\ntype = twin\nmmio = 0\nsize = 1\n"
            "[max]\ntype = twin\nmmio = 0xffffffffffffff00\nsize = 0x100\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(dev(r, "dec")->attach.base, 1024);
    assert_int_equal(dev(r, "dec")->size, 16);
    assert_int_equal(dev(r, "hex")->attach.base, 0x500);
    assert_int_equal(dev(r, "hex")->size, 16);
    assert_int_equal(dev(r, "oct")->attach.base, 03000);
    assert_int_equal(dev(r, "oct")->size, 16);
    assert_int_equal(dev(r, "zero")->attach.base, 0);
    /* The window may end exactly at the top of the address space. */
    assert_int_equal(dev(r, "max")->attach.base, 0xffffffffffffff00u);
}

static void test_arm_mmio_spi(void **state)
{
    struct run *r = *state;
    const struct dev_config *d;

    load(r, "[dmd]\narch = arm\n"
            "[gpio0]\ntype = twin\nmmio = 0x09030000\nirq = spi:39\n"
            "[uart0]\ntype = tuart\nmmio = 0x09000000\nirq = spi:1019\nreg_shift = 2\n"
            "[quiet]\ntype = twin\nmmio = 0xfee00000\n");
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->log, ""); /* no x86 HVM warning for 0xfee00000 on Arm */
    assert_int_equal(r->cfg.arch, DMD_ARCH_ARM);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_OFF);
    d = dev(r, "gpio0");
    assert_int_equal(d->irq.kind, IRQ_SPI);
    assert_int_equal(d->irq.num, 39);
    assert_int_equal(d->attach.base, 0x09030000);
    assert_int_equal(dev(r, "uart0")->size, 32);
}

static void test_bufioreq_defaults(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = x86\n[u]\ntype = tuart\nport = 0x3f8\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    config_free(&r->cfg);

    load(r, "[dmd]\narch = arm\n[u]\ntype = tuart\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_OFF);
    config_free(&r->cfg);

    load(r, "[dmd]\narch = arm\nbufioreq = off\n[u]\ntype = tuart\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_OFF);
    config_free(&r->cfg);

    load(r, "[dmd]\narch = x86\nbufioreq = atomic\n[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.bufioreq, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    config_free(&r->cfg);

    /* Without [dmd]: the build's architecture and its default. */
    load(r, "[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.arch, DMD_ARCH_DEFAULT);
    assert_int_equal(r->cfg.bufioreq, DMD_ARCH_DEFAULT == DMD_ARCH_ARM
                                          ? HVM_IOREQSRV_BUFIOREQ_OFF
                                          : HVM_IOREQSRV_BUFIOREQ_ATOMIC);
}

static void test_bom_crlf_and_comments(void **state)
{
    struct run *r = *state;

    load(r, "\xef\xbb\xbf; dmd config\r\n"
            "[u]   ; the console\r\n"
            "type = tuart\r\n"
            "   ; an indented comment\r\n"
            "port : 0x2f8\r\n" /* inih also takes ':' */
            "label = a;b\r\n"); /* ';' without a space before it is text */
    assert_int_equal(r->rc, 0);
    assert_int_equal(dev(r, "u")->attach.base, 0x2f8);
    assert_string_equal(dev_config_str(dev(r, "u"), "label"), "a;b");
}

static void test_empty_file_warns(void **state)
{
    struct run *r = *state;

    load(r, "");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.ndevs, 0);
    assert_true(logged(r, "warning", 0, "the file is empty", "no devices"));
}

static void test_no_devices_warns(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = x86\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.ndevs, 0);
    assert_int_equal(count_level(r, "err"), 0);
    assert_true(logged(r, "warning", 0, "no device sections", "no devices"));
}

static void test_xen_emulated_ranges_warn(void **state)
{
    struct run *r = *state;

    load(r, "[rtc]\ntype = twin\nport = 0x70\nsize = 2\n"          /* 1-4 */
            "[cf8]\ntype = twin\nport = 0xcf0\nsize = 0x10\n"      /* 5-8 */
            "[pm]\ntype = twin\nport = 0xb008\nsize = 4\n"         /* 9-12 */
            "[lapic]\ntype = twin\nmmio = 0xfee00000\n"            /* 13-15 */
            "[hpet]\ntype = twin\nmmio = 0xfec00000\nsize = 0x100400\n" /* 16-19 */
            "[ok]\ntype = twin\nport = 0x3f8\nsize = 8\n");
    assert_int_equal(r->rc, 0); /* warnings only */
    assert_int_equal(count_level(r, "err"), 0);
    assert_true(logged(r, "warning", 3, "[rtc] `port` 0x70-0x71", "the RTC", "HVM", "PVH"));
    assert_true(logged(r, "warning", 7, "[cf8] `port`", "PCI configuration"));
    assert_true(logged(r, "warning", 11, "[pm] `port`", "ACPI PM"));
    assert_true(logged(r, "warning", 15, "[lapic] `mmio`", "local APIC"));
    /* One window over two emulated ranges gets one warning each. */
    assert_true(logged(r, "warning", 18, "[hpet] `mmio`", "the IOAPIC"));
    assert_true(logged(r, "warning", 18, "[hpet] `mmio`", "the HPET"));
    assert_int_equal(count_level(r, "warning"), 6);
}

/* ---- File-level errors ---- */

static void test_cannot_open(void **state)
{
    struct run *r = *state;

    load_path(r, "/nonexistent/dmd.ini");
    assert_failed(r);
    assert_true(logged_at(r, "/nonexistent/dmd.ini", "err", 0, "cannot open",
                          "No such file or directory", NULL));
}

static void test_read_error(void **state)
{
    struct run *r = *state;

    load_path(r, "/tmp"); /* a directory opens, but cannot be read */
    assert_failed(r);
    assert_true(logged_at(r, "/tmp", "err", 0, "read error", "Is a directory", NULL));
    assert_int_equal(count_level(r, "warning"), 0); /* not "the file is empty" */
}

/* ---- Syntax ---- */

static void test_syntax_errors(void **state)
{
    struct run *r = *state;
    char text[1024];

    snprintf(text, sizeof(text),
             "[u]\n"                         /* 1 */
             "type = tuart\n"                /* 2 */
             "port = 0x3f8\n"                /* 3 */
             "this line has no equals\n"     /* 4 */
             "  irq = isa:4\n"               /* 5: continuation */
             "= value\n"                     /* 6 */
             "label = %0250d\n"              /* 7: too long */
             "[unterminated\n"               /* 8 */
             "ignored = 1\n"                 /* 9 */
             "[bad name!]\n"                 /* 10 */
             "ignored = 1\n"                 /* 11 */
             "[]\n"                          /* 12 */
             "[v] junk\n"                    /* 13 */
             "[w]\n"                         /* 14 */
             "type = twin\n"                 /* 15 */
             "mmio = 0x1000\n",              /* 16 */
             0);
    load(r, text);
    assert_failed(r);
    assert_true(logged(r, "err", 4, "expected `key = value`"));
    assert_true(logged(r, "err", 5, "indented line"));
    assert_true(logged(r, "err", 6, "missing key name"));
    assert_true(logged(r, "err", 7, "longer than 198 characters"));
    assert_true(logged(r, "err", 8, "without a closing `]`"));
    assert_true(logged(r, "err", 10, "section name `bad name!`"));
    assert_true(logged(r, "err", 12, "section name ``"));
    assert_true(logged(r, "err", 13, "unexpected text after"));
    /* Keys under broken headers are not reported again. */
    assert_int_equal(count_level(r, "err"), 8);
}

static void test_key_before_section(void **state)
{
    struct run *r = *state;

    load(r, "arch = x86\n[dmd]\n");
    assert_failed(r);
    assert_true(logged(r, "err", 1, "`arch` is outside any section"));
    assert_int_equal(count_level(r, "warning"), 0); /* "no devices" is noise here */
}

static void test_duplicate_key(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\nport = 0x3f8\nlabel = a\nlabel = b\n"
            "[dmd]\narch = x86\narch = arm\n");
    assert_failed(r);
    assert_true(logged(r, "err", 5, "[u] duplicate key `label` (first set on line 4)"));
    assert_true(logged(r, "err", 8, "[dmd] duplicate key `arch` (first set on line 7)"));
    assert_int_equal(count_level(r, "err"), 2);
}

static void test_duplicate_section(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\nport = 0x3f8\n"
            "[dmd]\n"
            "[u]\ntype = tuart\nport = 0x2f8\n"
            "[dmd]\n");
    assert_failed(r);
    assert_true(logged(r, "err", 5, "duplicate section [u] (first defined on line 1)"));
    assert_true(logged(r, "err", 8, "duplicate section [dmd] (first defined on line 4)"));
    assert_int_equal(count_level(r, "err"), 2);
}

/* ---- Keys ---- */

static void test_unknown_key_dmd(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = x86\nverbose = 1\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[dmd] unknown key `verbose`; valid keys: arch, bufioreq"));
}

static void test_unknown_key_device(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\nport = 0x3f8\nbaud = 9600\n");
    assert_failed(r);
    assert_true(logged(r, "err", 4, "[u] unknown key `baud`; valid keys: type, port, mmio, "
                       "pci, irq, reg_shift, backend, fifo, mode, label"));
}

static void test_unknown_type(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = ns16551\nport = 0x3f8\nbaud = 9600\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[u] `type` = `ns16551` is not a known device type",
                       "known types: tuart, twin, tbad"));
    /* Without a type its own keys cannot be judged: nothing about baud. */
    assert_int_equal(count_level(r, "err"), 1);
}

static void test_missing_type(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\n\n[u]\nport = 0x3f8\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[u] has no `type`", "known types: tuart, twin, tbad"));
}

static void test_missing_attach(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\nirq = isa:4\n");
    assert_failed(r);
    assert_true(logged(r, "err", 1, "[u] has no attach point; set one of: port, mmio"));
}

static void test_two_attach_keys(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = twin\nport = 0x3f8\nmmio = 0x1000\n");
    assert_failed(r);
    assert_true(logged(r, "err", 4, "[u] `mmio`", "already attached with `port` on line 3"));
    assert_int_equal(count_level(r, "err"), 1);
}

static void test_attach_not_allowed(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\npci = 00:05.0\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[u] `pci`: device type tuart cannot be attached",
                       "it accepts: port, mmio"));
}

static void test_bad_numbers(void **state)
{
    struct run *r = *state;

    load(r, "[a]\ntype = tuart\nport = 0x3g8\n"                 /* 3 */
            "[b]\ntype = twin\nmmio = 0x10000000000000000\n"     /* 6 */
            "[c]\ntype = twin\nmmio = -1\n"                      /* 9 */
            "[d]\ntype = twin\nport = 12abc\n"                   /* 12 */
            "[e]\ntype = twin\nport = 08\n"                      /* 15 */
            "[f]\ntype = twin\nport = 0x10000\n"                 /* 18 */
            "[g]\ntype = tuart\nport = 0x3f8\nreg_shift = 3\n"   /* 22 */
            "[h]\ntype = twin\nport = 0x100\nsize = 0x\n"        /* 26 */
            "[i]\ntype = twin\nport = 0x200\nsize = +1\n"        /* 30 */
            "[j]\ntype = twin\nport = \n");                      /* 33 */
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[a] `port` = `0x3g8` is not a number"));
    assert_true(logged(r, "err", 6, "[b] `mmio` = `0x10000000000000000` does not fit in 64 bits"));
    assert_true(logged(r, "err", 9, "[c] `mmio` = `-1` is negative"));
    assert_true(logged(r, "err", 12, "[d] `port` = `12abc` is not a number"));
    assert_true(logged(r, "err", 15, "[e] `port` = `08` is not a number"));
    assert_true(logged(r, "err", 18, "[f] `port` = `0x10000` is above the last I/O port 0xffff"));
    assert_true(logged(r, "err", 22, "[g] `reg_shift` = `3` is out of range (0 to 2)"));
    assert_true(logged(r, "err", 26, "[h] `size` = `0x` is not a number"));
    assert_true(logged(r, "err", 30, "[i] `size` = `+1` is not a number"));
    assert_true(logged(r, "err", 33, "[j] `port` has no value"));
    assert_int_equal(count_level(r, "err"), 10);
}

static void test_bad_param_values(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = tuart\nport = 0x3f8\n"
            "fifo = maybe\n"                   /* 4 */
            "mode = turbo\n"                   /* 5 */
            "backend = tcp:1234\n"             /* 6 */
            "label =\n"                        /* 7 */
            "[v]\ntype = tuart\nport = 0x2f8\n"
            "fifo = YES\n"                     /* 11: accepted */
            "backend = file:\n");              /* 12 */
    assert_failed(r);
    assert_true(logged(r, "err", 4, "[u] `fifo` = `maybe` is not a boolean"));
    assert_true(logged(r, "err", 5, "[u] `mode` = `turbo` is not one of: fast, slow"));
    assert_true(logged(r, "err", 6, "[u] `backend` = `tcp:1234` is not a backend", "unknown backend"));
    assert_true(logged(r, "err", 7, "[u] `label` has no value"));
    assert_true(logged(r, "err", 12, "[v] `backend` = `file:` is not a backend", "needs a path"));
    assert_int_equal(count_level(r, "err"), 5);
}

static void test_bad_pci(void **state)
{
    struct run *r = *state;

    load(r, "[a]\ntype = twin\npci = 00:20.0\n"
            "[b]\ntype = twin\npci = 00:05.8\n"
            "[c]\ntype = twin\npci = 0000:00:05.0\n"
            "[d]\ntype = twin\npci = 100:00.0\n"
            "[e]\ntype = twin\npci = 00:05\n"
            "[f]\ntype = twin\npci = 00:.0\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[a] `pci` = `00:20.0` has a device number above 0x1f"));
    assert_true(logged(r, "err", 6, "[b] `pci` = `00:05.8` has a function number above 7"));
    assert_true(logged(r, "err", 9, "[c] `pci` = `0000:00:05.0` is not a PCI address"));
    assert_true(logged(r, "err", 12, "[d] `pci` = `100:00.0` is not a PCI address"));
    assert_true(logged(r, "err", 15, "[e] `pci` = `00:05` is not a PCI address"));
    assert_true(logged(r, "err", 18, "[f] `pci` = `00:.0` is not a PCI address"));
    assert_int_equal(count_level(r, "err"), 6);
}

static void test_bad_irq(void **state)
{
    struct run *r = *state;

    load(r, "[a]\ntype = twin\nport = 0x100\nirq = isa:16\n"
            "[b]\ntype = twin\nmmio = 0x1000\nirq = spi:31\n"
            "[c]\ntype = twin\nmmio = 0x2000\nirq = spi:1020\n"
            "[d]\ntype = twin\nport = 0x200\nirq = level\n"
            "[e]\ntype = twin\nport = 0x300\nirq = isa:x\n");
    assert_failed(r);
    assert_true(logged(r, "err", 4, "[a] `irq` = `isa:16` is not an ISA interrupt"));
    assert_true(logged(r, "err", 8, "[b] `irq` = `spi:31` is not a GIC SPI"));
    assert_true(logged(r, "err", 12, "[c] `irq` = `spi:1020` is not a GIC SPI"));
    assert_true(logged(r, "err", 16, "[d] `irq` = `level` is not an interrupt line"));
    assert_true(logged(r, "err", 20, "[e] `irq` = `isa:x` is not an ISA interrupt"));
    assert_int_equal(count_level(r, "err"), 5);
}

static void test_spi_trigger(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = arm\n"
            "[a]\ntype = twin\nmmio = 0x1000\nirq = spi:39:edge\n"
            "[b]\ntype = twin\nmmio = 0x2000\nirq = spi:40:level\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(dev(r, "a")->irq.num, 39);
    assert_true(dev(r, "a")->irq.edge);
    assert_int_equal(dev(r, "b")->irq.num, 40);
    assert_false(dev(r, "b")->irq.edge);
    config_free(&r->cfg);

    load(r, "[dmd]\narch = arm\n"
            "[a]\ntype = twin\nmmio = 0x1000\nirq = spi:39:rising\n"
            "[b]\ntype = twin\nmmio = 0x2000\nirq = spi::edge\n");
    assert_failed(r);
    assert_true(logged(r, "err", 6, "`spi:39:rising` is not a GIC SPI"));
    assert_true(logged(r, "err", 10, "`spi::edge` is not a GIC SPI"));
}

static void test_pci_identity_overrides(void **state)
{
    struct run *r = *state;
    const struct dev_config *d;

    load(r, "[a]\ntype = twin\npci = 00:05.0\npci_vendor = 0x8086\npci_class = 0x070002\n"
            "pci_revision = 3\n");
    assert_int_equal(r->rc, 0);
    d = dev(r, "a");
    assert_true(d->pci_id.set[PCI_ID_VENDOR]);
    assert_int_equal(d->pci_id.value[PCI_ID_VENDOR], 0x8086);
    assert_int_equal(d->pci_id.value[PCI_ID_CLASS], 0x070002);
    assert_int_equal(d->pci_id.value[PCI_ID_REVISION], 3);
    assert_false(d->pci_id.set[PCI_ID_DEVICE]);
    config_free(&r->cfg);

    load(r, "[a]\ntype = twin\npci = 00:05.0\npci_vendor = 0xffff\npci_revision = 0x100\n"
            "[b]\ntype = twin\nport = 0x100\npci_device = 0x1\n");
    assert_failed(r);
    assert_true(logged(r, "err", 4, "[a] `pci_vendor` = `0xffff` is out of range (0 to 0xfffe)"));
    assert_true(logged(r, "err", 5, "[a] `pci_revision` = `0x100` is out of range (0 to 0xff)"));
    assert_true(logged(r, "err", 9, "[b] `pci_device` only applies to a device attached with "
                                    "`pci`"));
    assert_int_equal(count_level(r, "err"), 3);
}

static void test_pci_without_own_ids(void **state)
{
    struct run *r = *state;

    load(r, "[a]\ntype = tnoid\npci = 00:05.0\npci_vendor = 0x1234\n"
            "[b]\ntype = tnoid\npci = 00:06.0\npci_vendor = 0x1234\npci_device = 0x2\n"
            "[c]\ntype = tnoid\nmmio = 0x1000\n"
            "[d]\ntype = tpcibug\npci = 00:07.0\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[a] `pci`: device type tnoid has no PCI vendor and device "
                                    "id of its own; set pci_vendor and pci_device"));
    assert_true(logged(r, "err", 14, "[d] device type tpcibug accepts pci but has no PCI "
                                     "identity: this is a bug in dmd's device table"));
    assert_int_equal(count_level(r, "err"), 2);
}

static void test_bad_dmd_values(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = riscv\nbufioreq = legacy\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `arch` = `riscv` is not an architecture"));
    assert_true(logged(r, "err", 3, "[dmd] `bufioreq` = `legacy` is not atomic or off"));
}

static void test_mapcache(void **state)
{
    struct run *r = *state;

    load(r, "[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.mapcache, CONFIG_MAPCACHE_DEFAULT);
    assert_int_equal(r->cfg.mapcache, 64);
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = 0\n[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.mapcache, 0);
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = 0x1000\n[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.mapcache, 4096);
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = 7\n[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->cfg.mapcache, 7);
}

static void test_bad_mapcache(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\nmapcache = 4097\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `mapcache` = `4097` is out of range (0 to 4096 "
                                    "guest pages)"));
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = -1\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `mapcache` = `-1` is negative"));
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = lots\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `mapcache` = `lots` is not a number"));
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache = 99999999999999999999\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `mapcache` = `99999999999999999999` does not fit "
                                    "in 64 bits"));
    config_free(&r->cfg);

    load(r, "[dmd]\nmapcache =\nmapcache = 8\nmapcache = 9\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "[dmd] `mapcache` has no value"));
    assert_true(logged(r, "err", 4, "[dmd] duplicate key `mapcache` (first set on line 2)"));
}

static void test_state_dir(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\nstate_dir = /tmp\n[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->cfg.state_dir, "/tmp");
    config_free(&r->cfg);

    load(r, "[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    assert_null(r->cfg.state_dir);
    config_free(&r->cfg);

    /* dmd creates the last component at start-up */
    load(r, "[dmd]\nstate_dir = /tmp/dmd-test-state-that-does-not-exist\n"
            "[u]\ntype = twin\nmmio = 0x1000\n");
    assert_int_equal(r->rc, 0);
    config_free(&r->cfg);

    load(r, "[dmd]\nstate_dir = var/lib/dmd\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "`state_dir` = `var/lib/dmd` is not an absolute path"));

    load(r, "[dmd]\nstate_dir = /nonexistent/dmd\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "`state_dir` = `/nonexistent/dmd` cannot be used: "
                                    "No such file or directory"));

    load(r, "[dmd]\nstate_dir = /dev/null\n");
    assert_failed(r);
    assert_true(logged(r, "err", 2, "`state_dir` = `/dev/null` is not a directory"));
}

static void test_bad_default_is_reported(void **state)
{
    struct run *r = *state;

    load(r, "[b]\ntype = tbad\nmmio = 0x1000\n");
    assert_failed(r);
    assert_true(logged(r, "err", 1, "[b] device type tbad", "default `x` = `9`",
                       "out of range (1 to 5)", "bug in dmd's device table"));
    config_free(&r->cfg);

    /* A value from the file means the default is not needed. */
    load(r, "[b]\ntype = tbad\nmmio = 0x1000\nx = 3\n");
    assert_int_equal(r->rc, 0);
    assert_int_equal(dev_config_u64(dev(r, "b"), "x"), 3);
}

/* ---- Windows ---- */

static void test_zero_size_window(void **state)
{
    struct run *r = *state;

    load(r, "[z]\ntype = twin\nmmio = 0x1000\nsize = 0\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[z] `mmio`", "empty register window"));
}

static void test_window_wraps(void **state)
{
    struct run *r = *state;

    load(r, "[w]\ntype = twin\nmmio = 0xfffffffffffffff0\nsize = 0x20\n");
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[w] `mmio` = 0xfffffffffffffff0", "wraps past 2^64"));
}

static void test_port_window_past_ffff(void **state)
{
    struct run *r = *state;

    load(r, "[p]\ntype = twin\nport = 0xfff8\nsize = 0x10\n"
            "[q]\ntype = twin\nport = 0xfff0\nsize = 0x10\n"); /* ends at 0xffff: fine */
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[p] `port` = 0xfff8", "ends at 0x10007",
                       "past the last I/O port 0xffff"));
    assert_int_equal(count_level(r, "err"), 1);
}

static void test_overlaps(void **state)
{
    struct run *r = *state;

    load(r, "[a]\ntype = tuart\nport = 0x3f8\n"               /* 1-3: 0x3f8-0x3ff */
            "[b]\ntype = twin\nport = 0x3fc\nsize = 8\n"      /* 4-7: 0x3fc-0x403 */
            "[c]\ntype = twin\nport = 0x400\nsize = 1\n"      /* 8-11: inside b */
            "[d]\ntype = twin\nmmio = 0x3f8\nsize = 8\n"      /* 12-15: other space */
            "[e]\ntype = twin\nmmio = 0x3ff\nsize = 1\n"      /* 16-19 */
            "[f]\ntype = twin\npci = 00:05.0\n"               /* 20-22 */
            "[g]\ntype = twin\npci = 00:05.1\n"               /* 23-25 */
            "[h]\ntype = twin\npci = 00:05.0\n");             /* 26-28 */
    assert_failed(r);
    assert_true(logged(r, "err", 6, "[b] `port` 0x3fc-0x403 overlaps [a] `port` 0x3f8-0x3ff (line 3)"));
    assert_true(logged(r, "err", 10, "[c] `port` 0x400-0x400 overlaps [b] `port` 0x3fc-0x403 (line 6)"));
    assert_true(logged(r, "err", 18, "[e] `mmio` 0x3ff-0x3ff overlaps [d] `mmio` 0x3f8-0x3ff (line 14)"));
    assert_true(logged(r, "err", 28, "[h] `pci` 00:05.0 overlaps [f] `pci` 00:05.0 (line 22)"));
    assert_int_equal(count_level(r, "err"), 4);
}

static void test_too_many_ranges(void **state)
{
    struct run *r = *state;
    size_t len = 300 * 64;
    char *text = malloc(len);
    size_t used = 0;

    assert_non_null(text);
    text[0] = '\0';
    /* 4 lines per device: device k is attached on line 4k + 3. */
    for (int k = 0; k < CONFIG_MAX_RANGES_PER_TYPE + 2; k++)
        used += (size_t)snprintf(text + used, len - used,
                                 "[d%d]\ntype = twin\nport = %d\nsize = 1\n", k, 0x1000 + k);
    /* Another space keeps its own count. */
    snprintf(text + used, len - used, "[m]\ntype = twin\nmmio = 0x1000\n");
    load(r, text);
    free(text);
    assert_failed(r);
    assert_true(logged(r, "err", 4 * CONFIG_MAX_RANGES_PER_TYPE + 3, "[d256] `port`",
                       "more than 256 port ranges", "at most 256 per ioreq server"));
    assert_int_equal(count_level(r, "err"), 1);
}

/* ---- Architecture ---- */

static void test_arm_rejects_x86_things(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = arm\nbufioreq = atomic\n"           /* 3 */
            "[a]\ntype = twin\nport = 0x3f8\n"                 /* 6 */
            "[b]\ntype = twin\npci = 00:05.0\nirq = intx\n"    /* 9, 10 */
            "[c]\ntype = twin\nmmio = 0x1000\nirq = isa:4\n"   /* 14 */
            "[d]\ntype = twin\nmmio = 0x2000\nirq = msi\n");   /* 18 */
    assert_failed(r);
    assert_true(logged(r, "err", 3, "[dmd] `bufioreq` = atomic", "Xen on Arm rejects buffered"));
    assert_true(logged(r, "err", 6, "[a] `port`", "Arm has no I/O ports"));
    assert_true(logged(r, "err", 9, "[b] `pci`", "not available on Arm"));
    assert_true(logged(r, "err", 10, "[b] `irq` = intx", "not available on Arm"));
    assert_true(logged(r, "err", 14, "[c] `irq` = isa:4", "Arm has no ISA interrupts"));
    assert_true(logged(r, "err", 18, "[d] `irq` = msi", "not available on Arm"));
    assert_int_equal(count_level(r, "err"), 6);
}

static void test_x86_rejects_arm_things(void **state)
{
    struct run *r = *state;

    load(r, "[dmd]\narch = x86\n"
            "[a]\ntype = twin\nmmio = 0x1000\nirq = spi:40\n"   /* 6 */
            "[b]\ntype = twin\nport = 0x100\nirq = intx\n"      /* 10 */
            "[c]\ntype = twin\nmmio = 0x2000\nirq = msi\n"      /* 14 */
            "[d]\ntype = twin\npci = 00:03.0\nirq = isa:5\n");  /* fine */
    assert_failed(r);
    assert_true(logged(r, "err", 6, "[a] `irq` = spi:40", "SPIs are Arm GIC interrupts"));
    assert_true(logged(r, "err", 10, "[b] `irq` = intx needs the device attached with `pci`"));
    assert_true(logged(r, "err", 14, "[c] `irq` = msi needs the device attached with `pci`"));
    assert_int_equal(count_level(r, "err"), 3);
}

/* ---- Everything at once ---- */

static void test_all_errors_reported(void **state)
{
    struct run *r = *state;
    struct dmd_config cfg = { .ndevs = 42 };

    load(r, "early = 1\n"                                   /* 1 */
            "[dmd]\nmode = fast\n"                          /* 2-3 */
            "[a]\ntype = tuart\nport = 0x3f8\n"             /* 4-6 */
            "[b]\ntype = tuart\nport = 0x3f8\n"             /* 7-9: overlaps a */
            "[c]\nport = 0x100\n"                           /* 10-11: no type */
            "[d]\ntype = twin\nmmio = 0x1000\nsize = 0\n"   /* 12-15: empty window */
            "[e]\ntype = twin\nirq = spi:40\n"              /* 16-18: no attach, spi */
            "[f]\ntype = tuart\nport = 0x500\nfifo = 2\n"   /* 19-22 */
            "bad line\n");                                  /* 23 */
    assert_failed(r);
    assert_true(logged(r, "err", 1, "`early` is outside any section"));
    assert_true(logged(r, "err", 3, "[dmd] unknown key `mode`"));
    assert_true(logged(r, "err", 9, "[b] `port`", "overlaps [a]", "(line 6)"));
    assert_true(logged(r, "err", 10, "[c] has no `type`"));
    assert_true(logged(r, "err", 14, "[d] `mmio`", "empty register window"));
    assert_true(logged(r, "err", 16, "[e] has no attach point"));
    assert_true(logged(r, "err", 18, "[e] `irq` = spi:40"));
    assert_true(logged(r, "err", 22, "[f] `fifo` = `2` is not a boolean"));
    assert_true(logged(r, "err", 23, "expected `key = value`"));
    assert_int_equal(count_level(r, "err"), 9);

    /* *cfg is filled only on success. */
    assert_int_equal(capture(r, r->path, &cfg), -1);
    assert_int_equal(cfg.ndevs, 42);
    assert_null(cfg.devs);
}

/* ---- Small functions ---- */

static void test_config_free(void **state)
{
    struct run *r = *state;
    struct dmd_config zero = { 0 };

    config_free(&zero); /* a zeroed struct is fine */
    config_free(&zero);
    load(r, "[u]\ntype = tuart\nport = 0x3f8\nbackend = file:/tmp/x\nlabel = l\n");
    assert_int_equal(r->rc, 0);
    config_free(&r->cfg);
    assert_null(r->cfg.devs);
    assert_null(r->cfg.path);
    assert_int_equal(r->cfg.ndevs, 0);
    config_free(&r->cfg); /* and again, as teardown does */
}

static void test_device_type_find(void **state)
{
    (void)state;
    assert_ptr_equal(device_type_find("tuart"), &tuart);
    assert_ptr_equal(device_type_find("twin"), &twin);
    assert_null(device_type_find("tua"));
    assert_null(device_type_find(""));
}

static void test_arch_name(void **state)
{
    (void)state;
    assert_string_equal(config_arch_name(DMD_ARCH_X86), "x86");
    assert_string_equal(config_arch_name(DMD_ARCH_ARM), "arm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_full_valid_config),
        T(test_numbers_hex_octal_decimal),
        T(test_arm_mmio_spi),
        T(test_bufioreq_defaults),
        T(test_bom_crlf_and_comments),
        T(test_empty_file_warns),
        T(test_no_devices_warns),
        T(test_xen_emulated_ranges_warn),
        T(test_cannot_open),
        T(test_read_error),
        T(test_syntax_errors),
        T(test_key_before_section),
        T(test_duplicate_key),
        T(test_duplicate_section),
        T(test_unknown_key_dmd),
        T(test_unknown_key_device),
        T(test_unknown_type),
        T(test_missing_type),
        T(test_missing_attach),
        T(test_two_attach_keys),
        T(test_attach_not_allowed),
        T(test_bad_numbers),
        T(test_bad_param_values),
        T(test_bad_pci),
        T(test_bad_irq),
        T(test_bad_dmd_values),
        T(test_mapcache),
        T(test_bad_mapcache),
        T(test_state_dir),
        T(test_spi_trigger),
        T(test_pci_identity_overrides),
        T(test_pci_without_own_ids),
        T(test_bad_default_is_reported),
        T(test_zero_size_window),
        T(test_window_wraps),
        T(test_port_window_past_ffff),
        T(test_overlaps),
        T(test_too_many_ranges),
        T(test_arm_rejects_x86_things),
        T(test_x86_rejects_arm_things),
        T(test_all_errors_reported),
        T(test_config_free),
        T(test_device_type_find),
        T(test_arch_name),
#undef T
    };

    log_init(LOG_TARGET_STDERR, LOG_DEBUG);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
