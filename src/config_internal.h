/* SPDX-License-Identifier: MIT */
/*
 * Shared by config.c (phases 1 and 2: read and interpret) and
 * config_check.c (phase 3: validate); nothing else includes it.
 */
#ifndef DMD_CONFIG_INTERNAL_H
#define DMD_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "config_ini.h"

/* Longest message text, before "PATH:LINE: " is prepended. */
#define MSG_MAX 1024
#define PORT_LAST 0xffffu

/* Per device, beside cfg.devs: what the validation passes may rely on. */
struct dev_state {
    bool usable;          /* its section had no error: size is known */
    bool placed;          /* check_windows() accepted [first, last] */
    uint64_t first, last; /* port or address range; PCI: the SBDF */
};

struct loader {
    const char *path;
    int errors;
    struct ini_doc doc;  /* phase 1 */
    struct dmd_config cfg;
    struct dev_state *state; /* parallel to cfg.devs */
    int arch_line, bufioreq_line; /* 0: not set in the file */
};

/* "PATH:LINE: message" (line 0: about the whole file); errors are counted. */
__attribute__((format(printf, 3, 4)))
void config_error(struct loader *ld, int line, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void config_warn(struct loader *ld, int line, const char *fmt, ...);

/* The attach keys by enum attach_kind: "none", "port", "mmio", "pci". */
extern const char *const config_attach_keys[];

/* Phase 3: every validation pass, each reporting all it finds. */
void config_validate(struct loader *ld);

#endif
