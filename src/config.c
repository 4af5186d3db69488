/* SPDX-License-Identifier: MIT */
/*
 * Loading the INI configuration (schema in config.h).
 *
 * Three phases, so that every problem is reported and nothing depends on the
 * order of keys in a section:
 *  1. read (config_ini.c): inih splits the file into sections and
 *     `key = value` pairs, kept as text with their line numbers;
 *  2. interpret: each section goes to its handler ([dmd] or a device), which
 *     turns the text into typed values and applies the types' defaults;
 *  3. validate: one pass per rule over all devices (windows, overlaps,
 *     range counts, architecture, ranges Xen emulates itself).
 *
 * Phase 1 lives in config_ini.c, which explains how line numbers are kept;
 * phase 3 in config_check.c.  config_internal.h is what they share.
 *
 * Messages come out phase by phase (syntax, then values, then validation),
 * each naming its line, so they are not always in line order.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_op.h>

#include "config_internal.h"
#include "devices/device.h"
#include "log.h"
#include "mapcache.h"

__attribute__((format(printf, 4, 0)))
static void report(const struct loader *ld, int prio, int line, const char *fmt, va_list ap)
{
    char msg[MSG_MAX];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (line > 0)
        log_emit(prio, NULL, "%s:%d: %s", ld->path, line, msg);
    else
        log_emit(prio, NULL, "%s: %s", ld->path, msg);
}

void config_error(struct loader *ld, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(ld, LOG_ERR, line, fmt, ap);
    va_end(ap);
    ld->errors++;
}

void config_warn(struct loader *ld, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(ld, LOG_WARNING, line, fmt, ap);
    va_end(ap);
}

/* Append `word` to a ", "-separated list in buf. */
static void list_add(char *buf, size_t len, const char *word)
{
    size_t used = strlen(buf);

    snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", word);
}

/* Phase 1 (config_ini.c) reports through this. */
static void on_ini_error(void *ctx, int line, const char *msg)
{
    config_error(ctx, line, "%s", msg);
}

/* ------------------------------------------------------------------------
 * Phase 2: values.  Parsers return NULL on success or what is wrong with
 * the text, phrased to follow "`key` = `text` ".
 */

static const char *parse_number(const char *text, uint64_t *out)
{
    unsigned long long v;
    char *end;

    if (text[0] == '-')
        return "is negative";
    if (!isdigit((unsigned char)text[0]))
        return "is not a number (write decimal, 0x hex or 0-prefixed octal)";
    errno = 0;
    v = strtoull(text, &end, 0);
    if (*end != '\0')
        return "is not a number (write decimal, 0x hex or 0-prefixed octal)";
    if (errno == ERANGE)
        return "does not fit in 64 bits";
    *out = v;
    return NULL;
}

/* Index of text in a NULL-terminated list, or -1. */
static int choice_index(const char *const *choices, const char *text)
{
    for (int i = 0; choices != NULL && choices[i] != NULL; i++)
        if (strcmp(choices[i], text) == 0)
            return i;
    return -1;
}

static void choices_list(const char *const *choices, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; choices != NULL && choices[i] != NULL; i++)
        list_add(buf, len, choices[i]);
}

/* Up to `max_digits` hex digits at *p, advancing *p; false if none. */
static bool parse_hex_field(const char **p, int max_digits, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    int n = 0;

    for (; n < max_digits && isxdigit((unsigned char)*s); n++, s++)
        v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0'
                                                           : tolower((unsigned char)*s) - 'a' + 10);
    *p = s;
    *out = v;
    return n > 0;
}

static const char *parse_pci(const char *text, struct pci_addr *out)
{
    static const char format[] = "is not a PCI address (write BB:DD.F in hex, as in 00:05.0)";
    unsigned bus, dev, fn;
    const char *p = text;

    if (!parse_hex_field(&p, 2, &bus) || *p++ != ':' || !parse_hex_field(&p, 2, &dev) ||
        *p++ != '.' || !parse_hex_field(&p, 1, &fn) || *p != '\0')
        return format;
    if (dev > 0x1f)
        return "has a device number above 0x1f";
    if (fn > 7)
        return "has a function number above 7";
    *out = (struct pci_addr){ .bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn };
    return NULL;
}

/* "39", "39:level" or "39:edge": the trigger must match the guest's DT. */
static const char *parse_spi(const char *text, struct irq_spec *out)
{
    static const char bad[] = "is not a GIC SPI (spi:32 to spi:1019, optionally :edge or :level)";
    const char *colon = strchr(text, ':');
    char num[32];
    uint64_t n;
    bool edge = false;

    if (colon != NULL) {
        if (strcmp(colon + 1, "edge") == 0)
            edge = true;
        else if (strcmp(colon + 1, "level") != 0)
            return bad;
    }
    snprintf(num, sizeof(num), "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
    if (parse_number(num, &n) != NULL || n < 32 || n > 1019)
        return bad;
    *out = (struct irq_spec){ .kind = IRQ_SPI, .num = (uint32_t)n, .edge = edge };
    return NULL;
}

static const char *parse_irq(const char *text, struct irq_spec *out)
{
    static const struct {
        const char *word;
        enum irq_kind kind;
    } words[] = { { "none", IRQ_NONE }, { "intx", IRQ_INTX }, { "msi", IRQ_MSI } };
    uint64_t n;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(text, words[i].word) == 0) {
            *out = (struct irq_spec){ .kind = words[i].kind };
            return NULL;
        }
    }
    if (strncmp(text, "isa:", 4) == 0) {
        if (parse_number(text + 4, &n) != NULL || n > 15)
            return "is not an ISA interrupt (isa:0 to isa:15)";
        *out = (struct irq_spec){ .kind = IRQ_ISA, .num = (uint32_t)n };
        return NULL;
    }
    if (strncmp(text, "spi:", 4) == 0)
        return parse_spi(text + 4, out);
    return "is not an interrupt line (write isa:N, spi:N[:edge], intx, msi or none)";
}

/* Device-specific keys, one parser per kind; `why` gets the problem. */
typedef bool param_parser(const struct dev_param *p, const char *text,
                          struct param_value *v, char *why, size_t len);

static bool param_u64(const struct dev_param *p, const char *text, struct param_value *v,
                      char *why, size_t len)
{
    const char *bad = parse_number(text, &v->num);

    if (bad != NULL) {
        snprintf(why, len, "%s", bad);
        return false;
    }
    if (v->num < p->min || v->num > p->max) {
        snprintf(why, len, "is out of range (%" PRIu64 " to %" PRIu64 ")", p->min, p->max);
        return false;
    }
    return true;
}

static bool param_bool(const struct dev_param *p, const char *text, struct param_value *v,
                       char *why, size_t len)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {
        { "true", true }, { "yes", true }, { "on", true },   { "1", true },
        { "false", false }, { "no", false }, { "off", false }, { "0", false },
    };

    (void)p;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(text, words[i].word) == 0) {
            v->num = words[i].value;
            return true;
        }
    }
    snprintf(why, len, "is not a boolean (true/false, yes/no, on/off, 1/0)");
    return false;
}

static bool param_string(const struct dev_param *p, const char *text, struct param_value *v,
                         char *why, size_t len)
{
    (void)p;
    if (text[0] == '\0') {
        snprintf(why, len, "is empty");
        return false;
    }
    v->str = strdup(text);
    if (v->str == NULL) {
        snprintf(why, len, "cannot be stored: out of memory");
        return false;
    }
    return true;
}

static bool param_enum(const struct dev_param *p, const char *text, struct param_value *v,
                       char *why, size_t len)
{
    char choices[MSG_MAX / 2];
    int i = choice_index(p->choices, text);

    if (i < 0) {
        choices_list(p->choices, choices, sizeof(choices));
        snprintf(why, len, "is not one of: %s", choices);
        return false;
    }
    v->num = (uint64_t)i;
    return true;
}

static bool param_chardev(const struct dev_param *p, const char *text, struct param_value *v,
                          char *why, size_t len)
{
    const char *bad = chardev_spec_parse(text, &v->chr);

    (void)p;
    if (bad != NULL) {
        snprintf(why, len, "is not a backend: %s", bad);
        return false;
    }
    return true;
}

static param_parser *const param_parsers[] = {
    [PARAM_U64] = param_u64,       [PARAM_BOOL] = param_bool, [PARAM_STRING] = param_string,
    [PARAM_ENUM] = param_enum,     [PARAM_CHARDEV] = param_chardev,
};

static bool param_parse(const struct dev_param *p, const char *text, struct param_value *v,
                        char *why, size_t len)
{
    if ((size_t)p->kind >= sizeof(param_parsers) / sizeof(param_parsers[0])) {
        snprintf(why, len, "has a kind dmd does not know (a bug in the device table)");
        return false;
    }
    if (!param_parsers[p->kind](p, text, v, why, len))
        return false;
    v->set = true;
    return true;
}

static size_t param_count(const struct device_type *type)
{
    size_t n = 0;

    while (type->params != NULL && type->params[n].key != NULL)
        n++;
    return n;
}

static int param_index(const struct device_type *type, const char *key)
{
    size_t n = param_count(type);

    for (size_t i = 0; i < n && i < DEV_MAX_PARAMS; i++)
        if (strcmp(type->params[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------------------
 * Phase 2: sections
 */

const char *const config_attach_keys[] = {
    [ATTACH_NONE] = "none", [ATTACH_PORT] = "port", [ATTACH_MMIO] = "mmio", [ATTACH_PCI] = "pci",
};

static void bad_value(struct loader *ld, const struct ini_section *sec,
                      const struct ini_entry *e, const char *why)
{
    config_error(ld, e->line, "[%s] `%s` = `%s` %s", sec->name, e->key, e->value, why);
}

static bool number_value(struct loader *ld, const struct ini_section *sec,
                         const struct ini_entry *e, uint64_t *out)
{
    const char *why = parse_number(e->value, out);

    if (why != NULL)
        bad_value(ld, sec, e, why);
    return why == NULL;
}

static bool bool_value(struct loader *ld, const struct ini_section *sec,
                       const struct ini_entry *e, bool *out)
{
    struct param_value v = { 0 };
    char why[96];

    if (!param_bool(NULL, e->value, &v, why, sizeof(why))) {
        bad_value(ld, sec, e, why);
        return false;
    }
    *out = v.num != 0;
    return true;
}

/* A later entry with the same key as an earlier one is reported, skipped. */
static bool is_duplicate(struct loader *ld, const struct ini_section *sec, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(sec->entries[j].key, sec->entries[i].key) == 0) {
            config_error(ld, sec->entries[i].line, "[%s] duplicate key `%s` (first set on line %d)",
                      sec->name, sec->entries[i].key, sec->entries[j].line);
            return true;
        }
    }
    return false;
}

static bool has_value(struct loader *ld, const struct ini_section *sec, const struct ini_entry *e)
{
    if (e->value[0] != '\0')
        return true;
    config_error(ld, e->line, "[%s] `%s` has no value", sec->name, e->key);
    return false;
}

static void unknown_key(struct loader *ld, const struct ini_section *sec,
                        const struct ini_entry *e, const char *valid)
{
    config_error(ld, e->line, "[%s] unknown key `%s`; valid keys: %s", sec->name, e->key, valid);
}

/* [dmd] */

static void set_arch(struct loader *ld, const struct ini_section *sec, const struct ini_entry *e)
{
    static const char *const names[] = { [DMD_ARCH_X86] = "x86", [DMD_ARCH_ARM] = "arm", NULL };
    int i = choice_index(names, e->value);

    if (i < 0) {
        bad_value(ld, sec, e, "is not an architecture (x86 or arm)");
        return;
    }
    ld->cfg.arch = i == DMD_ARCH_ARM ? DMD_ARCH_ARM : DMD_ARCH_X86;
    ld->arch_line = e->line;
}

static void set_bufioreq(struct loader *ld, const struct ini_section *sec,
                         const struct ini_entry *e)
{
    if (strcmp(e->value, "atomic") == 0) {
        ld->cfg.bufioreq = HVM_IOREQSRV_BUFIOREQ_ATOMIC;
    } else if (strcmp(e->value, "off") == 0) {
        ld->cfg.bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
    } else {
        bad_value(ld, sec, e, "is not atomic or off");
        return;
    }
    ld->bufioreq_line = e->line;
}

/* Does the directory that would hold `path` exist?  (dmd creates the last
 * component itself: systemd's StateDirectory= makes only /var/lib/dmd.) */
static bool parent_is_dir(const char *path)
{
    char parent[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat st;

    if (slash == NULL || (size_t)(slash - path) >= sizeof(parent))
        return false;
    snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
    return stat(parent, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A directory dmd keeps files in: an existing one, or one dmd can create
 * in an existing one.  Checked here so a typo is a config error, not a
 * silent loss of state later.  Stores a copy in *out. */
static void directory_value(struct loader *ld, const struct ini_section *sec,
                            const struct ini_entry *e, char **out)
{
    struct stat st;

    if (e->value[0] != '/') {
        bad_value(ld, sec, e, "is not an absolute path");
        return;
    }
    if (stat(e->value, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            bad_value(ld, sec, e, "is not a directory");
            return;
        }
    } else if (errno != ENOENT || !parent_is_dir(e->value)) {
        char why[MSG_MAX / 2];
        snprintf(why, sizeof(why), "cannot be used: %s", strerror(errno));
        bad_value(ld, sec, e, why);
        return;
    }
    free(*out);
    *out = strdup(e->value);
    if (*out == NULL)
        config_error(ld, e->line, "out of memory");
}

/* Where devices keep what must survive a restart (an RTC's offset and CMOS
 * RAM). */
static void set_state_dir(struct loader *ld, const struct ini_section *sec,
                          const struct ini_entry *e)
{
    directory_value(ld, sec, e, &ld->cfg.state_dir);
}

/* Where the server record and the device state live between a crash and
 * the restart (docs/restart.md). */
static void set_runtime_dir(struct loader *ld, const struct ini_section *sec,
                            const struct ini_entry *e)
{
    directory_value(ld, sec, e, &ld->cfg.runtime_dir);
}

/* The user dmd runs as once its Xen handles are open: it must exist now,
 * so a typo is reported with its line rather than at start-up. */
static void set_user(struct loader *ld, const struct ini_section *sec, const struct ini_entry *e)
{
    struct passwd *pw;

    errno = 0;
    pw = getpwnam(e->value);
    if (pw == NULL) {
        bad_value(ld, sec, e, errno != 0 ? strerror(errno) : "is not a user on this system");
        return;
    }
    if (pw->pw_uid == 0) {
        bad_value(ld, sec, e, "is root: name an unprivileged user");
        return;
    }
    free(ld->cfg.user);
    ld->cfg.user = strdup(e->value);
    if (ld->cfg.user == NULL)
        config_error(ld, e->line, "out of memory");
}

/* The system call filter (sandbox.h): yes (the default) or no. */
static void set_seccomp(struct loader *ld, const struct ini_section *sec,
                        const struct ini_entry *e)
{
    bool on;

    if (!bool_value(ld, sec, e, &on))
        return;
    ld->cfg.seccomp = on;
}

/* Guest pages kept mapped for rep ins/outs (mapcache.h); 0: none. */
static void set_mapcache(struct loader *ld, const struct ini_section *sec,
                         const struct ini_entry *e)
{
    char why[64];
    uint64_t n;

    if (!number_value(ld, sec, e, &n))
        return;
    if (n > MAPCACHE_MAX_PAGES) {
        snprintf(why, sizeof(why), "is out of range (0 to %u guest pages)", MAPCACHE_MAX_PAGES);
        bad_value(ld, sec, e, why);
        return;
    }
    ld->cfg.mapcache = (unsigned)n;
}

static const struct dmd_key {
    const char *key;
    void (*set)(struct loader *ld, const struct ini_section *sec, const struct ini_entry *e);
} dmd_keys[] = {
    { "arch", set_arch },
    { "bufioreq", set_bufioreq },
    { "state_dir", set_state_dir },
    { "runtime_dir", set_runtime_dir },
    { "user", set_user },
    { "seccomp", set_seccomp },
    { "mapcache", set_mapcache },
};

#define N_DMD_KEYS (sizeof(dmd_keys) / sizeof(dmd_keys[0]))

static void load_dmd_section(struct loader *ld, const struct ini_section *sec)
{
    char valid[MSG_MAX / 2] = "";

    for (size_t k = 0; k < N_DMD_KEYS; k++)
        list_add(valid, sizeof(valid), dmd_keys[k].key);
    for (size_t i = 0; i < sec->nentries; i++) {
        const struct ini_entry *e = &sec->entries[i];
        size_t k = 0;

        if (is_duplicate(ld, sec, i) || !has_value(ld, sec, e))
            continue;
        while (k < N_DMD_KEYS && strcmp(dmd_keys[k].key, e->key) != 0)
            k++;
        if (k == N_DMD_KEYS)
            unknown_key(ld, sec, e, valid);
        else
            dmd_keys[k].set(ld, sec, e);
    }
}

/* Device sections: the keys every device has. */

static bool claim_attach(struct loader *ld, const struct ini_section *sec,
                         struct dev_config *dc, const struct ini_entry *e, enum attach_kind kind)
{
    if (dc->attach.kind != ATTACH_NONE) {
        config_error(ld, e->line,
                  "[%s] `%s`: the device is already attached with `%s` on line %d; "
                  "give exactly one of port, mmio, pci",
                  sec->name, e->key, config_attach_keys[dc->attach.kind], dc->attach.line);
        return false;
    }
    dc->attach.kind = kind;
    dc->attach.line = e->line;
    return true;
}

static void set_port(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                     const struct ini_entry *e)
{
    uint64_t v;

    if (!claim_attach(ld, sec, dc, e, ATTACH_PORT) || !number_value(ld, sec, e, &v))
        return;
    if (v > PORT_LAST)
        bad_value(ld, sec, e, "is above the last I/O port 0xffff");
    else
        dc->attach.base = v;
}

static void set_mmio(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                     const struct ini_entry *e)
{
    uint64_t v;

    if (claim_attach(ld, sec, dc, e, ATTACH_MMIO) && number_value(ld, sec, e, &v))
        dc->attach.base = v;
}

static void set_pci(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                    const struct ini_entry *e)
{
    const char *why;

    if (!claim_attach(ld, sec, dc, e, ATTACH_PCI))
        return;
    why = parse_pci(e->value, &dc->attach.pci);
    if (why != NULL)
        bad_value(ld, sec, e, why);
}

static void set_irq(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                    const struct ini_entry *e)
{
    const char *why = parse_irq(e->value, &dc->irq);

    if (why != NULL)
        bad_value(ld, sec, e, why);
    else
        dc->irq_line = e->line;
}

/* PCI identity overrides, in enum pci_id_field order, with their widths. */
static const struct {
    const char *key;
    uint32_t max;
} pci_id_keys[PCI_ID_FIELDS] = {
    [PCI_ID_VENDOR] = { "pci_vendor", 0xfffe }, /* 0xffff reads as "no device" */
    [PCI_ID_DEVICE] = { "pci_device", 0xffff },
    [PCI_ID_CLASS] = { "pci_class", 0xffffff },
    [PCI_ID_REVISION] = { "pci_revision", 0xff },
    [PCI_ID_SUBSYSTEM_VENDOR] = { "pci_subsystem_vendor", 0xffff },
    [PCI_ID_SUBSYSTEM] = { "pci_subsystem", 0xffff },
};

static void set_pci_id(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                       const struct ini_entry *e)
{
    char why[64];
    uint64_t v;
    int f = 0;

    while (strcmp(pci_id_keys[f].key, e->key) != 0)
        f++;
    if (!number_value(ld, sec, e, &v))
        return;
    if (v > pci_id_keys[f].max) {
        snprintf(why, sizeof(why), "is out of range (0 to %#" PRIx32 ")", pci_id_keys[f].max);
        bad_value(ld, sec, e, why);
        return;
    }
    dc->pci_id.set[f] = true;
    dc->pci_id.value[f] = (uint32_t)v;
}

static const struct dev_key {
    const char *key;
    void (*set)(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                const struct ini_entry *e);
} dev_keys[] = {
    { "type", NULL }, /* read before the others, by find_type() */
    { "port", set_port },
    { "mmio", set_mmio },
    { "pci", set_pci },
    { "irq", set_irq },
    { "pci_vendor", set_pci_id },
    { "pci_device", set_pci_id },
    { "pci_class", set_pci_id },
    { "pci_revision", set_pci_id },
    { "pci_subsystem_vendor", set_pci_id },
    { "pci_subsystem", set_pci_id },
};

#define N_DEV_KEYS (sizeof(dev_keys) / sizeof(dev_keys[0]))

static const struct ini_entry *find_entry(const struct ini_section *sec, const char *key)
{
    for (size_t i = 0; i < sec->nentries; i++)
        if (strcmp(sec->entries[i].key, key) == 0)
            return &sec->entries[i];
    return NULL;
}

static void known_types(char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; device_types[i] != NULL; i++)
        list_add(buf, len, device_types[i]->name);
}

/* A device table mistake dmd can report instead of tripping over. */
static const char *type_table_problem(const struct device_type *type)
{
    if (param_count(type) > DEV_MAX_PARAMS)
        return "declares more keys than DEV_MAX_PARAMS";
    if (type->window_size == NULL)
        return "has no window_size()";
    if ((type->attach & DEVICE_ATTACH(ATTACH_PCI)) && type->pci == NULL)
        return "accepts pci but has no PCI identity";
    return NULL;
}

static const struct device_type *find_type(struct loader *ld, const struct ini_section *sec)
{
    const struct ini_entry *e = find_entry(sec, "type");
    const struct device_type *type;
    char types[MSG_MAX / 2];
    const char *bug;

    known_types(types, sizeof(types));
    if (e == NULL) {
        config_error(ld, sec->line, "[%s] has no `type`; known types: %s", sec->name, types);
        return NULL;
    }
    if (e->value[0] == '\0')
        return NULL; /* reported as a key without value */
    type = device_type_find(e->value);
    if (type == NULL) {
        config_error(ld, e->line, "[%s] `type` = `%s` is not a known device type; known types: %s",
                  sec->name, e->value, types);
        return NULL;
    }
    bug = type_table_problem(type);
    if (bug != NULL) {
        config_error(ld, e->line, "[%s] device type %s %s: this is a bug in dmd's device table",
                  sec->name, type->name, bug);
        return NULL;
    }
    return type;
}

static void device_keys_list(const struct device_type *type, char *buf, size_t len)
{
    size_t n = param_count(type);

    buf[0] = '\0';
    for (size_t k = 0; k < N_DEV_KEYS; k++)
        if (dev_keys[k].set != set_pci_id || (type->attach & DEVICE_ATTACH(ATTACH_PCI)))
            list_add(buf, len, dev_keys[k].key);
    for (size_t i = 0; i < n; i++)
        list_add(buf, len, type->params[i].key);
}

static void set_param(struct loader *ld, const struct ini_section *sec, struct dev_config *dc,
                      size_t idx, const struct ini_entry *e)
{
    char why[MSG_MAX / 2];

    if (!param_parse(&dc->type->params[idx], e->value, &dc->params[idx], why, sizeof(why)))
        bad_value(ld, sec, e, why);
    else
        dc->params[idx].line = e->line;
}

static void load_device_key(struct loader *ld, const struct ini_section *sec,
                            struct dev_config *dc, size_t i)
{
    const struct ini_entry *e = &sec->entries[i];
    char valid[MSG_MAX / 2];
    int idx;

    if (is_duplicate(ld, sec, i) || !has_value(ld, sec, e))
        return;
    for (size_t k = 0; k < N_DEV_KEYS; k++) {
        if (strcmp(dev_keys[k].key, e->key) == 0) {
            if (dev_keys[k].set != NULL)
                dev_keys[k].set(ld, sec, dc, e);
            return;
        }
    }
    if (dc->type == NULL)
        return; /* without a type its own keys cannot be checked */
    idx = param_index(dc->type, e->key);
    if (idx >= 0) {
        set_param(ld, sec, dc, (size_t)idx, e);
        return;
    }
    device_keys_list(dc->type, valid, sizeof(valid));
    unknown_key(ld, sec, e, valid);
}

/* Defaults are config text too; one that does not parse is dmd's bug. */
static void apply_defaults(struct loader *ld, const struct ini_section *sec,
                           struct dev_config *dc)
{
    size_t n = param_count(dc->type);
    char why[MSG_MAX / 2];

    for (size_t i = 0; i < n; i++) {
        const struct dev_param *p = &dc->type->params[i];

        if (dc->params[i].set || p->def == NULL)
            continue;
        if (!param_parse(p, p->def, &dc->params[i], why, sizeof(why)))
            config_error(ld, sec->line,
                      "[%s] device type %s: the built-in default `%s` = `%s` %s; "
                      "this is a bug in dmd's device table",
                      sec->name, dc->type->name, p->key, p->def, why);
        dc->params[i].line = 0;
    }
}

static bool has_attach_key(const struct ini_section *sec)
{
    for (int kind = ATTACH_PORT; kind <= ATTACH_PCI; kind++)
        if (find_entry(sec, config_attach_keys[kind]) != NULL)
            return true;
    return false;
}

static void allowed_attach_list(const struct device_type *type, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int kind = ATTACH_PORT; kind <= ATTACH_PCI; kind++)
        if (type->attach & DEVICE_ATTACH(kind))
            list_add(buf, len, config_attach_keys[kind]);
}

/* A device with no PCI ids of its own needs them from the config. */
static void check_pci_identity(struct loader *ld, const struct dev_config *dc)
{
    const struct device_pci_id *id = dc->type->pci;

    if (id == NULL || id->vendor != 0 || !(dc->type->attach & DEVICE_ATTACH(ATTACH_PCI)))
        return;
    if (!dc->pci_id.set[PCI_ID_VENDOR] || !dc->pci_id.set[PCI_ID_DEVICE])
        config_error(ld, dc->attach.line,
                  "[%s] `pci`: device type %s has no PCI vendor and device id of its own; "
                  "set pci_vendor and pci_device to the ids the guest's driver matches",
                  dc->name, dc->type->name);
}

static void check_attach(struct loader *ld, const struct ini_section *sec,
                         const struct dev_config *dc)
{
    char allowed[64];

    allowed_attach_list(dc->type, allowed, sizeof(allowed));
    if (dc->attach.kind == ATTACH_NONE && has_attach_key(sec))
        return; /* there is one, but its value was reported as bad */
    if (dc->attach.kind == ATTACH_NONE)
        config_error(ld, sec->line, "[%s] has no attach point; set one of: %s", sec->name,
                  allowed);
    else if (!(dc->type->attach & DEVICE_ATTACH(dc->attach.kind)))
        config_error(ld, dc->attach.line,
                  "[%s] `%s`: device type %s cannot be attached that way; it accepts: %s",
                  sec->name, config_attach_keys[dc->attach.kind], dc->type->name, allowed);
    if (dc->attach.kind == ATTACH_PCI) {
        check_pci_identity(ld, dc);
        return;
    }
    for (int f = 0; f < PCI_ID_FIELDS; f++) {
        const struct ini_entry *e = find_entry(sec, pci_id_keys[f].key);

        if (dc->pci_id.set[f] && e != NULL)
            config_error(ld, e->line, "[%s] `%s` only applies to a device attached with `pci`",
                      sec->name, pci_id_keys[f].key);
    }
}

static struct dev_config *add_device(struct loader *ld, const struct ini_section *sec)
{
    size_t n = ld->cfg.ndevs;
    struct dev_config *devs = reallocarray(ld->cfg.devs, n + 1, sizeof(*devs));
    struct dev_state *state;

    if (devs == NULL)
        goto oom;
    ld->cfg.devs = devs;
    state = reallocarray(ld->state, n + 1, sizeof(*state));
    if (state == NULL)
        goto oom;
    ld->state = state;
    devs[n] = (struct dev_config){ .name = strdup(sec->name), .line = sec->line };
    state[n] = (struct dev_state){ .usable = false };
    if (devs[n].name == NULL)
        goto oom;
    ld->cfg.ndevs++;
    return &devs[n];
oom:
    config_error(ld, sec->line, "out of memory");
    return NULL;
}

static void load_device_section(struct loader *ld, const struct ini_section *sec)
{
    int errors = ld->errors;
    struct dev_config *dc = add_device(ld, sec);

    if (dc == NULL)
        return;
    dc->type = find_type(ld, sec);
    for (size_t i = 0; i < sec->nentries; i++)
        load_device_key(ld, sec, dc, i);
    if (dc->type == NULL)
        return;
    apply_defaults(ld, sec, dc);
    check_attach(ld, sec, dc);
    if (ld->errors == errors) {
        dc->size = dc->type->window_size(dc);
        ld->state[ld->cfg.ndevs - 1].usable = true;
    }
}

/* Sections with a meaning of their own; every other one is a device. */
static const struct {
    const char *name;
    void (*load)(struct loader *ld, const struct ini_section *sec);
} special_sections[] = {
    { "dmd", load_dmd_section },
};

static void load_section(struct loader *ld, const struct ini_section *sec)
{
    for (size_t i = 0; i < sizeof(special_sections) / sizeof(special_sections[0]); i++) {
        if (strcmp(special_sections[i].name, sec->name) == 0) {
            special_sections[i].load(ld, sec);
            return;
        }
    }
    load_device_section(ld, sec);
}

static void load_sections(struct loader *ld)
{
    for (size_t i = 0; i < ld->doc.nsecs; i++) {
        const struct ini_section *sec = &ld->doc.secs[i];
        size_t j = 0;

        while (strcmp(ld->doc.secs[j].name, sec->name) != 0)
            j++;
        if (j < i)
            config_error(ld, sec->line, "duplicate section [%s] (first defined on line %d)",
                      sec->name, ld->doc.secs[j].line);
        else
            load_section(ld, sec);
    }
}

static void apply_dmd_defaults(struct loader *ld)
{
    if (ld->bufioreq_line == 0)
        ld->cfg.bufioreq = ld->cfg.arch == DMD_ARCH_ARM ? HVM_IOREQSRV_BUFIOREQ_OFF
                                                        : HVM_IOREQSRV_BUFIOREQ_ATOMIC;
}

/* ------------------------------------------------------------------------
 * Public interface
 */

const struct device_type *device_type_find(const char *name)
{
    for (size_t i = 0; device_types[i] != NULL; i++)
        if (strcmp(device_types[i]->name, name) == 0)
            return device_types[i];
    return NULL;
}

int config_load(const char *path, struct dmd_config *cfg)
{
    struct loader ld = { .path = path,
                         .cfg = { .arch = DMD_ARCH_DEFAULT, .mapcache = CONFIG_MAPCACHE_DEFAULT,
                                  .seccomp = true } };

    if (ini_doc_read(path, &ld.doc, on_ini_error, &ld) == 0) {
        load_sections(&ld);
        apply_dmd_defaults(&ld);
        config_validate(&ld);
    }
    ini_doc_free(&ld.doc);
    free(ld.state);
    ld.cfg.path = strdup(path);
    if (ld.cfg.path == NULL)
        config_error(&ld, 0, "out of memory");
    if (ld.errors > 0) {
        config_free(&ld.cfg);
        return -1;
    }
    *cfg = ld.cfg;
    return 0;
}

void config_free(struct dmd_config *cfg)
{
    for (size_t i = 0; i < cfg->ndevs; i++) {
        struct dev_config *dc = &cfg->devs[i];

        for (size_t p = 0; p < DEV_MAX_PARAMS; p++) {
            free(dc->params[p].str);
            chardev_spec_free(&dc->params[p].chr);
        }
        free(dc->name);
    }
    free(cfg->devs);
    free(cfg->path);
    free(cfg->state_dir);
    free(cfg->runtime_dir);
    free(cfg->user);
    memset(cfg, 0, sizeof(*cfg));
}

const struct param_value *dev_config_param(const struct dev_config *dc, const char *key)
{
    int i;

    if (dc->type == NULL)
        return NULL;
    i = param_index(dc->type, key);
    if (i < 0 || !dc->params[i].set)
        return NULL;
    return &dc->params[i];
}

uint64_t dev_config_u64(const struct dev_config *dc, const char *key)
{
    const struct param_value *v = dev_config_param(dc, key);

    return v != NULL ? v->num : 0;
}

const char *dev_config_str(const struct dev_config *dc, const char *key)
{
    const struct param_value *v = dev_config_param(dc, key);

    return v != NULL ? v->str : NULL;
}

const struct chardev_spec *dev_config_chardev(const struct dev_config *dc, const char *key)
{
    const struct param_value *v = dev_config_param(dc, key);

    /* dev_config_param() found the key, so dc->type is set. */
    if (v == NULL || dc->type->params[v - dc->params].kind != PARAM_CHARDEV)
        return NULL;
    return &v->chr;
}

const char *config_arch_name(enum dmd_arch arch)
{
    return arch == DMD_ARCH_ARM ? "arm" : "x86";
}

/* "isa:4", "spi:39", "intx", "msi", "none": what `irq =` says. */
static void irq_spec_format(const struct irq_spec *spec, char *buf, size_t len)
{
    switch (spec->kind) {
    case IRQ_ISA:
        snprintf(buf, len, "isa:%u", spec->num);
        return;
    case IRQ_SPI:
        snprintf(buf, len, "spi:%u%s", spec->num, spec->edge ? ":edge" : "");
        return;
    case IRQ_INTX:
        snprintf(buf, len, "intx");
        return;
    case IRQ_MSI:
        snprintf(buf, len, "msi");
        return;
    case IRQ_NONE:
        break;
    }
    snprintf(buf, len, "none");
}

/* ---- fingerprint -------------------------------------------------------- */

/* FNV-1a, 64-bit: not cryptographic, only "is this the same config". */
#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static void fp_bytes(uint64_t *h, const void *data, size_t len)
{
    const uint8_t *p = data;

    for (size_t i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= FNV_PRIME;
    }
}

static void fp_u64(uint64_t *h, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        fp_bytes(h, &b, 1);
    }
}

/* A string with its terminator, so "ab"+"c" differs from "a"+"bc". */
static void fp_str(uint64_t *h, const char *s)
{
    fp_bytes(h, s != NULL ? s : "", s != NULL ? strlen(s) + 1 : 1);
}

static void fp_params(uint64_t *h, const struct dev_config *dc)
{
    const struct dev_param *p = dc->type->params;

    for (size_t k = 0; p != NULL && p[k].key != NULL; k++) {
        const struct param_value *v = &dc->params[k];

        fp_str(h, p[k].key);
        fp_u64(h, v->set);
        fp_u64(h, v->num);
        fp_str(h, v->str);
        fp_u64(h, v->chr.kind);
        fp_str(h, v->chr.path);
    }
}

uint64_t config_fingerprint(const struct dmd_config *cfg)
{
    uint64_t h = FNV_OFFSET;

    fp_u64(&h, cfg->arch);
    fp_u64(&h, (uint64_t)cfg->bufioreq);
    fp_u64(&h, cfg->ndevs);
    for (size_t i = 0; i < cfg->ndevs; i++) {
        const struct dev_config *dc = &cfg->devs[i];

        fp_str(&h, dc->name);
        fp_str(&h, dc->type->name);
        fp_u64(&h, dc->type->state_version);
        fp_u64(&h, dc->attach.kind);
        fp_u64(&h, dc->attach.base);
        fp_u64(&h, (uint64_t)dc->attach.pci.bus << 16 | dc->attach.pci.dev << 8 |
                       dc->attach.pci.fn);
        fp_u64(&h, dc->size);
        fp_u64(&h, dc->irq.kind);
        fp_u64(&h, dc->irq.num);
        fp_u64(&h, dc->irq.edge);
        for (unsigned f = 0; f < PCI_ID_FIELDS; f++) {
            fp_u64(&h, dc->pci_id.set[f]);
            fp_u64(&h, dc->pci_id.value[f]);
        }
        fp_params(&h, dc);
    }
    return h;
}

void dev_config_format(const struct dev_config *dc, char *buf, size_t len)
{
    const struct attach_spec *at = &dc->attach;
    char irq[32];

    irq_spec_format(&dc->irq, irq, sizeof(irq));
    if (at->kind == ATTACH_PCI)
        snprintf(buf, len, "%s at pci %02x:%02x.%x, irq %s", dc->type->name, at->pci.bus,
                 at->pci.dev, at->pci.fn, irq);
    else
        snprintf(buf, len, "%s at %s %#" PRIx64 "-%#" PRIx64 ", irq %s", dc->type->name,
                 at->kind == ATTACH_PORT ? "port" : "mmio", at->base,
                 at->base + dc->size - 1, irq);
}
