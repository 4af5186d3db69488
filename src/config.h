/* SPDX-License-Identifier: MIT */
/*
 * The INI configuration, parsed with inih into typed values and validated
 * before any Xen call is made.  Every error names FILE:LINE and the key.
 *
 *   [dmd]                     daemon-wide keys
 *   arch     = x86 | arm      default: the build's architecture
 *   bufioreq = atomic | off   default: atomic on x86, off on Arm (Arm: off only)
 *   state_dir = /var/lib/dmd/NAME   where devices keep state across restarts
 *                             (created at start-up if its parent exists);
 *                             unset: state is not kept
 *   runtime_dir = /run/dmd    where the server record and the device state
 *                             outlive a crash (default: $RUNTIME_DIRECTORY,
 *                             else /run/dmd)
 *   user     = dmd            run as this user once the Xen handles are
 *                             open and restricted (unset: as started)
 *   seccomp  = yes            limit system calls once started (sandbox.h)
 *   mapcache = 64             guest pages kept mapped for rep ins/outs,
 *                             0..4096; 0: each request maps and releases
 *                             its own
 *
 *   [NAME]                    one device instance; NAME is used in logs
 *   type     = ns16550 | ...  a registered device type
 *   port     = 0x3f8          attach point, exactly one of port / mmio / pci
 *   mmio     = 0x09000000
 *   pci      = 00:05.0        BB:DD.F on segment 0
 *   irq      = isa:N | spi:N[:edge|:level] | intx | msi | none   (default none)
 *   pci_vendor, pci_device, pci_class, pci_revision, pci_subsystem_vendor,
 *   pci_subsystem = N   with `pci`: override the type's PCI identity
 *   ...      device-specific keys, declared by the device type's params
 */
#ifndef DMD_CONFIG_H
#define DMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/chardev.h"
#include "irq.h"

struct device_type;

enum dmd_arch { DMD_ARCH_X86, DMD_ARCH_ARM };

#if defined(__aarch64__) || defined(__arm__)
#define DMD_ARCH_DEFAULT DMD_ARCH_ARM
#else
#define DMD_ARCH_DEFAULT DMD_ARCH_X86
#endif

/* Xen allows this many ranges per type (port, memory, PCI) per server. */
#define CONFIG_MAX_RANGES_PER_TYPE 256
/* `[dmd] mapcache` when unset: guest pages kept mapped (mapcache.h). */
#define CONFIG_MAPCACHE_DEFAULT 64
/* A device type declares at most this many specific keys. */
#define DEV_MAX_PARAMS 16

enum attach_kind { ATTACH_NONE, ATTACH_PORT, ATTACH_MMIO, ATTACH_PCI };

struct pci_addr {
    uint8_t bus, dev, fn; /* segment is always 0 */
};

/* The PCI header fields the config may override (`pci_vendor = ...`). */
enum pci_id_field {
    PCI_ID_VENDOR,
    PCI_ID_DEVICE,
    PCI_ID_CLASS, /* class << 16 | subclass << 8 | prog-if */
    PCI_ID_REVISION,
    PCI_ID_SUBSYSTEM_VENDOR,
    PCI_ID_SUBSYSTEM,
    PCI_ID_FIELDS
};

struct pci_id_override {
    bool set[PCI_ID_FIELDS];
    uint32_t value[PCI_ID_FIELDS];
};

struct attach_spec {
    enum attach_kind kind;
    uint64_t base;       /* port or MMIO guest-physical address */
    struct pci_addr pci; /* ATTACH_PCI */
    int line;
};

/* Kinds of device-specific keys. */
enum param_kind {
    PARAM_U64,     /* C literal (0x.., 0.., decimal), within [min, max] */
    PARAM_BOOL,    /* true/false, yes/no, on/off, 1/0 */
    PARAM_STRING,  /* any non-empty text */
    PARAM_ENUM,    /* one of choices[]; the value is its index */
    PARAM_CHARDEV, /* a backend: null | stdio | file:PATH | socket:PATH | pty | journal */
};

struct dev_param {
    const char *key; /* NULL ends the table */
    enum param_kind kind;
    uint64_t min, max;          /* PARAM_U64 */
    const char *const *choices; /* PARAM_ENUM, NULL-terminated */
    const char *def;            /* default, parsed like config text; NULL: unset */
    const char *help;           /* one line for --help / the man page */
};

struct param_value {
    bool set; /* from the file or from the default */
    int line; /* 0 when the default was used */
    uint64_t num;            /* U64, BOOL (0/1), ENUM (index) */
    char *str;               /* STRING */
    struct chardev_spec chr; /* CHARDEV */
};

struct dev_config {
    char *name; /* section name */
    int line;   /* line of the [section] header */
    const struct device_type *type;
    struct attach_spec attach;
    struct irq_spec irq;
    int irq_line;
    struct pci_id_override pci_id; /* only with attach.kind == ATTACH_PCI */
    uint64_t size; /* register window, from the type's window_size() */
    struct param_value params[DEV_MAX_PARAMS]; /* indexed like type->params */
};

struct dmd_config {
    char *path;
    enum dmd_arch arch;
    int bufioreq; /* HVM_IOREQSRV_BUFIOREQ_OFF or _ATOMIC */
    char *state_dir; /* NULL when unset */
    char *runtime_dir; /* NULL when unset: $RUNTIME_DIRECTORY or /run/dmd */
    char *user;      /* NULL when unset: keep running as started */
    bool seccomp;    /* install the system call filter (sandbox.h) */
    unsigned mapcache; /* guest pages kept mapped; 0: none across requests */
    struct dev_config *devs;
    size_t ndevs;
};

/*
 * Parse and validate `path`.  Every problem is logged (log_err for errors,
 * log_warn for warnings) as "PATH:LINE: ..." naming the key at fault; all of
 * them are reported, not just the first.  Returns 0 when the file is valid
 * (warnings allowed), -1 otherwise; *cfg is filled only on success.
 */
int config_load(const char *path, struct dmd_config *cfg);
void config_free(struct dmd_config *cfg);

/* Device-specific values, looked up by key (NULL/0 when unset or unknown). */
const struct param_value *dev_config_param(const struct dev_config *dc, const char *key);
uint64_t dev_config_u64(const struct dev_config *dc, const char *key);
const char *dev_config_str(const struct dev_config *dc, const char *key);
const struct chardev_spec *dev_config_chardev(const struct dev_config *dc, const char *key);

const char *config_arch_name(enum dmd_arch arch);

/*
 * A fingerprint of everything that shapes the devices' state: each
 * instance's name, type (and its state_version), attach point, window,
 * interrupt, PCI identity and parameters, the architecture and bufioreq.
 * A state file saved under another fingerprint is not restored.
 */
uint64_t config_fingerprint(const struct dmd_config *cfg);

/* "ns16550 at port 0x3f8-0x3ff, irq isa:4" / "... at pci 00:05.0, irq intx":
 * one instance as --check-config and the start-up log show it. */
void dev_config_format(const struct dev_config *dc, char *buf, size_t len);

#endif
