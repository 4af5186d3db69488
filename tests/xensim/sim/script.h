/* SPDX-License-Identifier: MIT */
/*
 * The guest script: one action per line, parsed and checked completely
 * (syntax, ranges, architecture) before dmd is started.  The language is
 * described in ../README.md.
 */
#ifndef XENSIM_SCRIPT_H
#define XENSIM_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define SCRIPT_MAX_DEPTH 8 /* nested repeat blocks */

enum action_kind {
    ACT_VCPU,         /* value = vCPU */
    ACT_ACCESS,       /* one read or write: type, dir, size, addr, value */
    ACT_OUTS,         /* rep outsb: addr = port, value = count, text (opt.), gpa (opt.) */
    ACT_INS,          /* rep insb: addr = port, value = count, text (opt.), gpa (opt.) */
    ACT_BUFWRITE,     /* size, addr, value */
    ACT_RAW,          /* raw: the request exactly as written, expect */
    ACT_INVALIDATE,
    ACT_TIMEOFFSET,   /* value */
    ACT_IRQ,          /* irq, addr = line or PCI device */
    ACT_IRQ_EDGES,    /* irq, addr = line */
    ACT_MSI_COUNT,
    ACT_DIRTY_COUNT,
    ACT_MAP_COUNT,
    ACT_MAP_CALLS,
    ACT_SERVERS,
    ACT_RANGES,       /* addr = XEN_DMOP_IO_RANGE_* */
    ACT_FDSTORE,
    ACT_STATE,        /* state = STATE_*, addr = vCPU, gfn or link, value = field */
    ACT_TOUCH,        /* the guest writes pages: addr = gfn, value = count */
    ACT_LOSE_NOTIFY,
    ACT_DESTROY_DOMAIN,
    ACT_KILL_DMD,
    ACT_START_DMD,
    ACT_STOP_DMD,
    ACT_CONT_DMD,
    ACT_WAIT_IRQ,     /* irq, addr = line, value = level, ms */
    ACT_WAIT_SHUTDOWN, /* value = reason, ms */
    ACT_SLEEP,        /* ms */
    ACT_HOST_CONNECT, /* name, path */
    ACT_HOST_SEND,    /* name, text */
    ACT_HOST_EXPECT,  /* name, text, ms */
    ACT_HOST_CLOSE,   /* name */
    ACT_FILE_EXPECT,  /* path, text, ms */
    ACT_HOST_RUN,     /* command, text (opt.), ms */
    ACT_HOST_SPAWN,   /* name, command, text (opt.), ms */
    ACT_HOST_WAIT,    /* name, text (opt.), ms */
    ACT_ECHO,         /* text */
    ACT_REPEAT,       /* value = count, jump = index after the matching end */
    ACT_END,          /* jump = index of the matching repeat */
};

enum irq_space { IRQ_ISA, IRQ_SPI, IRQ_INTX };

/* What ACT_STATE reports (the effects of DMOPs that change the guest). */
enum state_kind {
    STATE_EVENT,        /* event N FIELD */
    STATE_MEM_TYPE,     /* mem-type GFN */
    STATE_MEM_TYPE_MAP, /* mem-type-map FIELD */
    STATE_CACHEATTR,    /* cacheattr GFN */
    STATE_DIRTY_VRAM,   /* dirty-vram FIELD */
    STATE_RELOCATED,    /* relocated */
    STATE_SHUTDOWN,     /* shutdown-reason */
    STATE_LINK_ROUTE,   /* link-route N */
};

/* `== V` or `& MASK == V` */
struct expect {
    bool set;
    uint64_t mask;
    uint64_t value;
};

struct action {
    enum action_kind kind;
    unsigned line;
    const char *op;       /* the command word, for messages */
    uint8_t type;         /* IOREQ_TYPE_* */
    uint8_t dir;          /* IOREQ_READ / IOREQ_WRITE */
    uint8_t size;         /* bytes */
    enum irq_space irq;
    enum state_kind state;
    uint64_t addr;
    uint64_t value;
    uint64_t gpa;         /* outsb, insb: `at GPA` */
    bool has_gpa;
    struct expect expect;
    char *text;
    size_t text_len;
    bool has_text;
    char *name;
    char *path;
    char *command;        /* host-run, host-spawn: for /bin/sh -c */
    unsigned ms;
    size_t jump;
    ioreq_t raw;          /* ACT_RAW */
};

struct script {
    struct action *main;   /* run after READY=1 */
    size_t n_main;
    struct action *early;  /* the `early` block: run when a server is enabled */
    size_t n_early;
};

/*
 * Parse `file` for a guest of this architecture, vCPU count and RAM size.
 * On error prints "FILE:LINE: message" on stderr and returns -1.
 */
int script_parse(const char *file, enum domain_arch arch, unsigned vcpus,
                 unsigned memory_mb, struct script *out);
void script_free(struct script *s);

/* Does an I/O action (one that occupies a vCPU)? */
bool script_is_io(const struct action *a);
/* Must every vCPU be idle before a (non-I/O) action runs?  Not for those
 * that control the program: a request may be in flight across them. */
bool script_waits_idle(const struct action *a);

/* Field names of `event`, `mem-type-map` and `dirty-vram`. */
#define SCRIPT_EVENT_FIELDS 7
#define SCRIPT_MEM_MAP_FIELDS 3
#define SCRIPT_VRAM_FIELDS 4
extern const char *const script_event_fields[SCRIPT_EVENT_FIELDS];
extern const char *const script_mem_map_fields[SCRIPT_MEM_MAP_FIELDS];
extern const char *const script_vram_fields[SCRIPT_VRAM_FIELDS];

/* The name `raw` knows an ioreq type by (pio, copy, ...), or NULL. */
const char *script_raw_type_name(uint8_t type);

#endif
