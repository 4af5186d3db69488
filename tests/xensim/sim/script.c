/* SPDX-License-Identifier: MIT */
#include "script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/dm_op.h>

#define SCRIPT_MAX_TOKENS 14
#define SCRIPT_MAX_HOSTS 16
#define SCRIPT_MAX_TEXT 4096   /* outsb / insb: one page at most */
#define SCRIPT_MAX_MS 3600000u
#define SCRIPT_MAX_SPAWNS 8
#define SCRIPT_HOSTCMD_MS 5000 /* host-run, host-spawn, host-wait */

struct token {
    char *s;
    size_t len;
    bool quoted;
};

struct action_list {
    struct action *a;
    size_t n, cap;
};

struct parser {
    const char *file;
    unsigned line;
    enum domain_arch arch;
    unsigned vcpus;
    uint64_t ram; /* bytes of guest RAM, from 0 */
    struct token tok[SCRIPT_MAX_TOKENS];
    unsigned ntok;
    struct action_list main, early, *cur;
    bool had_early;
    struct {
        size_t index;    /* of the repeat in cur; (size_t)-1 for early */
        unsigned line;
    } open[SCRIPT_MAX_DEPTH];
    unsigned depth;
    const char *hosts[SCRIPT_MAX_HOSTS];
    unsigned nhosts;
    const char *spawns[SCRIPT_MAX_SPAWNS]; /* host-spawn names */
    unsigned nspawns;
    unsigned destroy_line; /* of destroy-domain, which ends the script */
};

__attribute__((format(printf, 2, 3)))
static int script_error(const struct parser *p, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%u: ", p->file, p->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* ---- tokens ---- */

static int script_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode the string starting after `"` in place; *pos ends after `"`. */
static int script_string(struct parser *p, char *line, size_t *pos, struct token *t)
{
    char *w = line + *pos;
    size_t i = *pos;
    t->s = w;
    t->quoted = true;
    for (;;) {
        char c = line[i++];
        if (c == '\0' || c == '\n')
            return script_error(p, "unterminated string");
        if (c == '"')
            break;
        if (c != '\\') {
            *w++ = c;
            continue;
        }
        c = line[i++];
        switch (c) {
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case '\\': *w++ = '\\'; break;
        case '"': *w++ = '"'; break;
        case 'x': {
            int hi = script_hex_digit(line[i]);
            int lo = hi < 0 ? -1 : script_hex_digit(line[i + 1]);
            if (lo < 0)
                return script_error(p, "\\x needs two hex digits");
            *w++ = (char)(hi << 4 | lo);
            i += 2;
            break;
        }
        default:
            return script_error(p, "unknown escape \\%c in string", c ? c : '0');
        }
    }
    t->len = (size_t)(w - t->s);
    *w = '\0';
    *pos = i;
    return 0;
}

static bool script_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int script_tokenize(struct parser *p, char *line)
{
    size_t i = 0;
    p->ntok = 0;
    for (;;) {
        while (script_space(line[i]))
            i++;
        if (line[i] == '\0' || line[i] == '#')
            return 0;
        if (p->ntok == SCRIPT_MAX_TOKENS)
            return script_error(p, "too many words");
        struct token *t = &p->tok[p->ntok++];
        if (line[i] == '"') {
            i++;
            if (script_string(p, line, &i, t) < 0)
                return -1;
            if (line[i] && !script_space(line[i]) && line[i] != '#')
                return script_error(p, "expected a space after the string");
            continue;
        }
        t->s = line + i;
        t->quoted = false;
        while (line[i] && !script_space(line[i]) && line[i] != '"' && line[i] != '#')
            i++;
        t->len = (size_t)(line + i - t->s);
        if (line[i] == '"')
            return script_error(p, "unexpected '\"' in %.*s", (int)t->len, t->s);
        if (line[i] == '#') {
            line[i] = '\0';
            return 0;
        }
        if (line[i])
            line[i++] = '\0';
    }
}

/* ---- values ---- */

static int script_number(struct parser *p, unsigned i, const char *what, uint64_t *v)
{
    const struct token *t = &p->tok[i];
    char *end;
    if (t->quoted || t->s[0] < '0' || t->s[0] > '9')
        return script_error(p, "%s: expected a number, got \"%s\"", what, t->s);
    errno = 0;
    *v = strtoull(t->s, &end, 0);
    if (*end || errno)
        return script_error(p, "%s: bad number \"%s\"", what, t->s);
    return 0;
}

static int script_ranged(struct parser *p, unsigned i, const char *what,
                         uint64_t min, uint64_t max, uint64_t *v)
{
    if (script_number(p, i, what, v) < 0)
        return -1;
    if (*v >= min && *v <= max)
        return 0;
    if (max < 0x1000) /* counts, lines, vCPUs: decimal reads better */
        return script_error(p, "%s %s is out of range (%llu..%llu)", what, p->tok[i].s,
                            (unsigned long long)min, (unsigned long long)max);
    return script_error(p, "%s %s is out of range (0x%llx..0x%llx)", what, p->tok[i].s,
                        (unsigned long long)min, (unsigned long long)max);
}

static int script_ms(struct parser *p, unsigned i, unsigned dflt, unsigned *ms)
{
    uint64_t v = dflt;
    if (i < p->ntok && script_ranged(p, i, "milliseconds", 0, SCRIPT_MAX_MS, &v) < 0)
        return -1;
    *ms = (unsigned)v;
    return 0;
}

static int script_value(struct parser *p, unsigned i, unsigned size, uint64_t *v)
{
    if (script_number(p, i, "value", v) < 0)
        return -1;
    if (size < 8 && *v >> (size * 8))
        return script_error(p, "value %#llx does not fit in %u byte(s)",
                            (unsigned long long)*v, size);
    return 0;
}

static int script_size(struct parser *p, unsigned i, bool allow8, uint8_t *size)
{
    uint64_t v;
    if (script_number(p, i, "size", &v) < 0)
        return -1;
    if (v != 1 && v != 2 && v != 4 && !(allow8 && v == 8))
        return script_error(p, "size must be 1, 2, 4%s", allow8 ? " or 8" : "");
    *size = (uint8_t)v;
    return 0;
}

/* `== V` or `& MASK == V` from token i on, or nothing. */
static int script_expect(struct parser *p, unsigned i, struct expect *e)
{
    const struct token *t = p->tok;
    if (i == p->ntok)
        return 0;
    e->set = true;
    e->mask = ~0ull;
    if (!t[i].quoted && strcmp(t[i].s, "&") == 0 && i + 1 < p->ntok) {
        if (script_number(p, i + 1, "mask", &e->mask) < 0)
            return -1;
        i += 2;
    }
    if (i + 2 != p->ntok || t[i].quoted || strcmp(t[i].s, "==") != 0)
        return script_error(p, "expected `== VALUE` or `& MASK == VALUE`");
    return script_number(p, i + 1, "expected value", &e->value);
}

/* BB:DD.F (hex) as a segment-0 SBDF. */
static int script_bdf(struct parser *p, unsigned i, uint64_t *sbdf)
{
    const char *s = p->tok[i].s;
    char *end;
    unsigned long bus = strtoul(s, &end, 16);
    if (end == s || *end != ':')
        goto bad;
    s = end + 1;
    unsigned long dev = strtoul(s, &end, 16);
    if (end == s || *end != '.')
        goto bad;
    s = end + 1;
    unsigned long fn = strtoul(s, &end, 16);
    if (end == s || *end || bus > 0xff || dev > 0x1f || fn > 7)
        goto bad;
    *sbdf = bus << 8 | dev << 3 | fn;
    return 0;
bad:
    return script_error(p, "bad PCI address \"%s\": expected BB:DD.F", p->tok[i].s);
}

static int script_text(struct parser *p, unsigned i, struct action *a)
{
    const struct token *t = &p->tok[i];
    if (!t->quoted)
        return script_error(p, "expected a \"string\", got %s", t->s);
    a->text = malloc(t->len + 1);
    if (!a->text)
        return script_error(p, "out of memory");
    memcpy(a->text, t->s, t->len + 1);
    a->text_len = t->len;
    a->has_text = true;
    return 0;
}

static char *script_strdup(struct parser *p, unsigned i)
{
    char *s = strdup(p->tok[i].s);
    if (!s)
        script_error(p, "out of memory");
    return s;
}

/* ---- commands ---- */

static int script_args(struct parser *p, unsigned min, unsigned max, const char *usage)
{
    unsigned n = p->ntok - 1;
    if (n < min || n > max)
        return script_error(p, "usage: %s", usage);
    return 0;
}

static int script_x86(struct parser *p, const char *what)
{
    if (p->arch != DOMAIN_X86)
        return script_error(p, "%s: %s does not exist on Arm", p->tok[0].s, what);
    return 0;
}

static int parse_vcpu(struct parser *p, struct action *a)
{
    if (script_args(p, 1, 1, "vcpu N") < 0)
        return -1;
    return script_ranged(p, 1, "vCPU", 0, p->vcpus - 1, &a->value);
}

static int parse_pio(struct parser *p, struct action *a)
{
    bool out = p->tok[0].s[0] == 'o';
    if (script_x86(p, "port I/O") < 0 ||
        script_args(p, out ? 2 : 1, out ? 2 : 5,
                    out ? "outb|outw|outl PORT VALUE" : "inb|inw|inl PORT [EXPECT]") < 0 ||
        script_ranged(p, 1, "port", 0, 0x10000 - a->size, &a->addr) < 0)
        return -1;
    a->type = IOREQ_TYPE_PIO;
    a->dir = out ? IOREQ_WRITE : IOREQ_READ;
    return out ? script_value(p, 2, a->size, &a->value) : script_expect(p, 2, &a->expect);
}

static int parse_mmio(struct parser *p, struct action *a)
{
    bool write = p->tok[0].s[0] == 'w';
    if (script_args(p, write ? 2 : 1, write ? 2 : 5,
                    write ? "writeb|writew|writel|writeq ADDR VALUE"
                          : "readb|readw|readl|readq ADDR [EXPECT]") < 0 ||
        script_number(p, 1, "address", &a->addr) < 0)
        return -1;
    a->type = IOREQ_TYPE_COPY;
    a->dir = write ? IOREQ_WRITE : IOREQ_READ;
    return write ? script_value(p, 2, a->size, &a->value) : script_expect(p, 2, &a->expect);
}

static int parse_cfg(struct parser *p, struct action *a)
{
    bool write = strcmp(p->tok[0].s, "cfgwrite") == 0;
    uint64_t sbdf, reg;
    if (script_x86(p, "PCI config space (use MMIO for ECAM)") < 0 ||
        script_args(p, write ? 4 : 3, write ? 4 : 7,
                    write ? "cfgwrite BB:DD.F REG SIZE VALUE"
                          : "cfgread BB:DD.F REG SIZE [EXPECT]") < 0 ||
        script_bdf(p, 1, &sbdf) < 0 ||
        script_ranged(p, 2, "register", 0, 0xfff, &reg) < 0 ||
        script_size(p, 3, false, &a->size) < 0)
        return -1;
    a->type = IOREQ_TYPE_PCI_CONFIG;
    a->dir = write ? IOREQ_WRITE : IOREQ_READ;
    a->addr = sbdf << 32 | reg;
    return write ? script_value(p, 4, a->size, &a->value) : script_expect(p, 4, &a->expect);
}

/* `at GPA` from token *i, if it is there: the rep buffer, a->value bytes,
 * at GPA instead of across xensim's page boundary.  *i moves past it. */
static int script_at(struct parser *p, unsigned *i, struct action *a)
{
    const char *op = p->tok[0].s;
    if (*i >= p->ntok || p->tok[*i].quoted || strcmp(p->tok[*i].s, "at") != 0)
        return 0;
    if (*i + 1 == p->ntok)
        return script_error(p, "%s: `at` needs a guest address", op);
    if (script_number(p, *i + 1, "guest address", &a->gpa) < 0)
        return -1;
    if (a->gpa >= p->ram || a->value > p->ram - a->gpa)
        return script_error(p, "%s: a buffer of %llu byte(s) at 0x%llx is not inside guest "
                            "RAM (0x0-0x%llx)", op, (unsigned long long)a->value,
                            (unsigned long long)a->gpa, (unsigned long long)(p->ram - 1));
    a->has_gpa = true;
    *i += 2;
    return 0;
}

/* outsb PORT "TEXT"|COUNT [at GPA] */
static int parse_outsb(struct parser *p, struct action *a)
{
    static const char usage[] = "outsb PORT \"TEXT\"|COUNT [at GPA]";
    const struct token *what = p->ntok > 2 ? &p->tok[2] : NULL;
    unsigned next = 3;
    if (script_x86(p, "port I/O") < 0 ||
        script_args(p, 2, 4, usage) < 0 ||
        script_ranged(p, 1, "port", 0, 0xffff, &a->addr) < 0)
        return -1;
    if (what->quoted) {
        if (script_text(p, 2, a) < 0)
            return -1;
        if (a->text_len == 0 || a->text_len > SCRIPT_MAX_TEXT)
            return script_error(p, "outsb: text must have 1 to %u bytes", SCRIPT_MAX_TEXT);
        a->value = a->text_len;
    } else if (what->s[0] < '0' || what->s[0] > '9') {
        return script_error(p, "outsb: expected a \"TEXT\" or a COUNT, got %s", what->s);
    } else if (script_ranged(p, 2, "count", 1, SCRIPT_MAX_TEXT, &a->value) < 0) {
        return -1;
    }
    if (script_at(p, &next, a) < 0)
        return -1;
    if (next != p->ntok)
        return script_error(p, "usage: %s", usage);
    a->size = 1;
    return 0;
}

/* insb PORT COUNT [at GPA] [== "TEXT"] */
static int parse_insb(struct parser *p, struct action *a)
{
    static const char usage[] = "insb PORT COUNT [at GPA] [== \"TEXT\"]";
    unsigned next = 3;
    if (script_x86(p, "port I/O") < 0 ||
        script_args(p, 2, 6, usage) < 0 ||
        script_ranged(p, 1, "port", 0, 0xffff, &a->addr) < 0 ||
        script_ranged(p, 2, "count", 1, SCRIPT_MAX_TEXT, &a->value) < 0 ||
        script_at(p, &next, a) < 0)
        return -1;
    a->size = 1;
    if (next == p->ntok)
        return 0;
    if (next + 2 != p->ntok || p->tok[next].quoted || strcmp(p->tok[next].s, "==") != 0)
        return script_error(p, "usage: %s", usage);
    if (script_text(p, next + 1, a) < 0)
        return -1;
    if (a->text_len != a->value)
        return script_error(p, "insb: expected text has %zu bytes, COUNT is %llu",
                            a->text_len, (unsigned long long)a->value);
    return 0;
}

static int parse_bufwrite(struct parser *p, struct action *a)
{
    if (script_x86(p, "the buffered ioreq ring") < 0 ||
        script_args(p, 3, 3, "bufwrite ADDR SIZE VALUE") < 0 ||
        script_ranged(p, 1, "address", 0, 0xfffff, &a->addr) < 0 ||
        script_size(p, 2, true, &a->size) < 0 ||
        script_value(p, 3, a->size, &a->value) < 0)
        return -1;
    a->type = IOREQ_TYPE_COPY;
    a->dir = IOREQ_WRITE;
    return 0;
}

static int parse_invalidate(struct parser *p, struct action *a)
{
    (void)a;
    return script_args(p, 0, 0, "invalidate");
}

static int parse_timeoffset(struct parser *p, struct action *a)
{
    if (script_x86(p, "the buffered ioreq ring") < 0 ||
        script_args(p, 1, 1, "timeoffset VALUE") < 0)
        return -1;
    return script_number(p, 1, "value", &a->value);
}

/* The names `raw` accepts for a TYPE; any number 0..255 works too. */
static const struct {
    const char *name;
    uint8_t type;
} script_raw_types[] = {
    { "pio", IOREQ_TYPE_PIO },
    { "copy", IOREQ_TYPE_COPY },
    { "pci", IOREQ_TYPE_PCI_CONFIG },
    { "timeoffset", IOREQ_TYPE_TIMEOFFSET },
    { "invalidate", IOREQ_TYPE_INVALIDATE },
};

const char *script_raw_type_name(uint8_t type)
{
    for (size_t i = 0; i < sizeof(script_raw_types) / sizeof(script_raw_types[0]); i++)
        if (script_raw_types[i].type == type)
            return script_raw_types[i].name;
    return NULL;
}

static int script_raw_type(struct parser *p, unsigned i, uint8_t *type)
{
    for (size_t k = 0; k < sizeof(script_raw_types) / sizeof(script_raw_types[0]); k++) {
        if (!p->tok[i].quoted && strcmp(p->tok[i].s, script_raw_types[k].name) == 0) {
            *type = script_raw_types[k].type;
            return 0;
        }
    }
    const char *t = p->tok[i].s;
    char *end;
    errno = 0;
    uint64_t v = strtoull(t, &end, 0);
    if (p->tok[i].quoted || t[0] < '0' || t[0] > '9' || *end || errno || v > 255)
        return script_error(p, "raw: TYPE is a number 0..255 or pio, copy, pci, "
                            "timeoffset, invalidate; got %s", t);
    *type = (uint8_t)v;
    return 0;
}

/* `ptr` and `df`, each at most once, from token i on; returns the first
 * token after them. */
static unsigned script_raw_flags(struct parser *p, unsigned i, ioreq_t *r)
{
    for (; i < p->ntok && !p->tok[i].quoted; i++) {
        if (strcmp(p->tok[i].s, "ptr") == 0 && !r->data_is_ptr)
            r->data_is_ptr = 1;
        else if (strcmp(p->tok[i].s, "df") == 0 && !r->df)
            r->df = 1;
        else
            break;
    }
    return i;
}

/* raw TYPE DIR SIZE COUNT ADDR DATA [ptr] [df] [EXPECT]: no rule applies,
 * neither Xen's nor the architecture's; robustness tests want exactly that. */
static int parse_raw(struct parser *p, struct action *a)
{
    static const char usage[] = "raw TYPE read|write SIZE COUNT ADDR DATA [ptr] [df] [EXPECT]";
    ioreq_t *r = &a->raw;
    uint64_t size, count;
    const char *dir = p->ntok > 2 ? p->tok[2].s : "";

    if (script_args(p, 6, SCRIPT_MAX_TOKENS - 1, usage) < 0 ||
        script_raw_type(p, 1, &r->type) < 0)
        return -1;
    if (p->tok[2].quoted || (strcmp(dir, "read") != 0 && strcmp(dir, "write") != 0))
        return script_error(p, "raw: direction must be read or write, got %s", dir);
    if (script_ranged(p, 3, "size", 0, UINT32_MAX, &size) < 0 ||
        script_ranged(p, 4, "count", 0, UINT32_MAX, &count) < 0 ||
        script_number(p, 5, "address", &r->addr) < 0 ||
        script_number(p, 6, "data", &r->data) < 0)
        return -1;
    r->dir = strcmp(dir, "read") == 0 ? IOREQ_READ : IOREQ_WRITE;
    r->size = (uint32_t)size;
    r->count = (uint32_t)count;
    unsigned next = script_raw_flags(p, 7, r);
    if (next == p->ntok)
        return 0;
    const char *word = p->tok[next].quoted ? "" : p->tok[next].s;
    if (strcmp(word, "ptr") == 0 || strcmp(word, "df") == 0)
        return script_error(p, "raw: %s given twice", word);
    if (r->dir != IOREQ_READ || r->data_is_ptr)
        return script_error(p, "raw: only a read without ptr has a value to expect");
    return script_expect(p, next, &a->expect);
}

/* isa N (x86), spi N (Arm) */
static int script_line(struct parser *p, struct action *a)
{
    const char *space = p->tok[1].s;
    if (strcmp(space, "isa") == 0) {
        a->irq = IRQ_ISA;
        return script_x86(p, "ISA interrupts") < 0 ? -1 :
               script_ranged(p, 2, "ISA irq", 0, 15, &a->addr);
    }
    if (strcmp(space, "spi") == 0) {
        a->irq = IRQ_SPI;
        if (p->arch != DOMAIN_ARM)
            return script_error(p, "%s: SPIs exist on Arm only", p->tok[0].s);
        return script_ranged(p, 2, "SPI", 32, DOMAIN_NR_SPIS - 1, &a->addr);
    }
    return script_error(p, "%s: expected isa or spi, got %s", p->tok[0].s, space);
}

static int parse_irq(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 6, "irq isa|spi N [EXPECT] or irq intx BB:DD.F [EXPECT]") < 0)
        return -1;
    if (strcmp(p->tok[1].s, "intx") == 0) {
        a->irq = IRQ_INTX;
        if (script_x86(p, "PCI INTx") < 0 || script_bdf(p, 2, &a->addr) < 0)
            return -1;
    } else if (script_line(p, a) < 0) {
        return -1;
    }
    return script_expect(p, 3, &a->expect);
}

static int parse_irq_edges(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 6, "irq-edges isa|spi N [EXPECT]") < 0 || script_line(p, a) < 0)
        return -1;
    return script_expect(p, 3, &a->expect);
}

static int parse_msi_count(struct parser *p, struct action *a)
{
    if (script_x86(p, "MSI") < 0 || script_args(p, 0, 4, "msi-count [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_dirty_count(struct parser *p, struct action *a)
{
    if (script_x86(p, "modified_memory (log-dirty)") < 0 ||
        script_args(p, 0, 4, "dirty-count [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_map_count(struct parser *p, struct action *a)
{
    if (script_args(p, 0, 4, "map-count [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_map_calls(struct parser *p, struct action *a)
{
    if (script_args(p, 0, 4, "map-calls [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

/* FIELD at token i: one of names[0 .. n - 1], its index into a->value. */
static int script_field(struct parser *p, unsigned i, const char *const *names,
                        unsigned n, struct action *a)
{
    for (unsigned f = 0; f < n; f++) {
        if (!p->tok[i].quoted && strcmp(p->tok[i].s, names[f]) == 0) {
            a->value = f;
            return 0;
        }
    }
    return script_error(p, "%s: unknown field %s", p->tok[0].s, p->tok[i].s);
}

const char *const script_event_fields[SCRIPT_EVENT_FIELDS] = {
    "pending", "vector", "type", "error-code", "insn-len", "extra", "count",
};
const char *const script_mem_map_fields[SCRIPT_MEM_MAP_FIELDS] = {
    "id", "flags", "pages",
};
const char *const script_vram_fields[SCRIPT_VRAM_FIELDS] = {
    "pages", "calls", "first", "nr",
};

static int parse_event(struct parser *p, struct action *a)
{
    a->state = STATE_EVENT;
    if (script_x86(p, "inject_event") < 0 ||
        script_args(p, 2, 6, "event N pending|vector|type|error-code|insn-len|extra|count "
                    "[EXPECT]") < 0 ||
        script_ranged(p, 1, "vCPU", 0, p->vcpus - 1, &a->addr) < 0 ||
        script_field(p, 2, script_event_fields, SCRIPT_EVENT_FIELDS, a) < 0)
        return -1;
    return script_expect(p, 3, &a->expect);
}

static int parse_gfn_state(struct parser *p, struct action *a, enum state_kind k,
                           const char *usage)
{
    a->state = k;
    if (script_x86(p, p->tok[0].s) < 0 || script_args(p, 1, 5, usage) < 0 ||
        script_ranged(p, 1, "gfn", 0, k == STATE_CACHEATTR ? UINT64_MAX : p->ram / DOMAIN_PAGE - 1,
                      &a->addr) < 0)
        return -1;
    return script_expect(p, 2, &a->expect);
}

static int parse_mem_type(struct parser *p, struct action *a)
{
    return parse_gfn_state(p, a, STATE_MEM_TYPE, "mem-type GFN [EXPECT]");
}

static int parse_cacheattr(struct parser *p, struct action *a)
{
    return parse_gfn_state(p, a, STATE_CACHEATTR, "cacheattr GFN [EXPECT]");
}

static int parse_mem_type_map(struct parser *p, struct action *a)
{
    a->state = STATE_MEM_TYPE_MAP;
    if (script_x86(p, "map_mem_type_to_ioreq_server") < 0 ||
        script_args(p, 1, 5, "mem-type-map id|flags|pages [EXPECT]") < 0 ||
        script_field(p, 1, script_mem_map_fields, SCRIPT_MEM_MAP_FIELDS, a) < 0)
        return -1;
    return script_expect(p, 2, &a->expect);
}

static int parse_dirty_vram(struct parser *p, struct action *a)
{
    a->state = STATE_DIRTY_VRAM;
    if (script_x86(p, "track_dirty_vram") < 0 ||
        script_args(p, 1, 5, "dirty-vram pages|calls|first|nr [EXPECT]") < 0 ||
        script_field(p, 1, script_vram_fields, SCRIPT_VRAM_FIELDS, a) < 0)
        return -1;
    return script_expect(p, 2, &a->expect);
}

static int parse_relocated(struct parser *p, struct action *a)
{
    a->state = STATE_RELOCATED;
    if (script_x86(p, "relocate_memory") < 0 ||
        script_args(p, 0, 4, "relocated [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_shutdown_reason(struct parser *p, struct action *a)
{
    a->state = STATE_SHUTDOWN;
    if (script_x86(p, "shutdown") < 0 ||
        script_args(p, 0, 4, "shutdown-reason [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_link_route(struct parser *p, struct action *a)
{
    a->state = STATE_LINK_ROUTE;
    if (script_x86(p, "set_pci_link_route") < 0 ||
        script_args(p, 1, 5, "link-route N [EXPECT]") < 0 ||
        script_ranged(p, 1, "link", 0, 3, &a->addr) < 0)
        return -1;
    return script_expect(p, 2, &a->expect);
}

/* touch GFN [NR]: the current vCPU writes to guest pages (log-dirty) */
static int parse_touch(struct parser *p, struct action *a)
{
    a->value = 1;
    if (script_x86(p, "log-dirty") < 0 || script_args(p, 1, 2, "touch GFN [NR]") < 0 ||
        script_ranged(p, 1, "gfn", 0, p->ram / DOMAIN_PAGE - 1, &a->addr) < 0 ||
        (p->ntok > 2 &&
         script_ranged(p, 2, "page count", 1, p->ram / DOMAIN_PAGE - a->addr, &a->value) < 0))
        return -1;
    return 0;
}

static int parse_servers(struct parser *p, struct action *a)
{
    if (script_args(p, 0, 4, "servers [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

static int parse_ranges(struct parser *p, struct action *a)
{
    static const char *const types[] = {
        [XEN_DMOP_IO_RANGE_PORT] = "port",
        [XEN_DMOP_IO_RANGE_MEMORY] = "mmio",
        [XEN_DMOP_IO_RANGE_PCI] = "pci",
    };
    if (script_args(p, 1, 5, "ranges port|mmio|pci [EXPECT]") < 0)
        return -1;
    for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        if (!p->tok[1].quoted && strcmp(p->tok[1].s, types[t]) == 0) {
            a->addr = t;
            return script_expect(p, 2, &a->expect);
        }
    }
    return script_error(p, "ranges: expected port, mmio or pci, got %s", p->tok[1].s);
}

static int parse_fdstore(struct parser *p, struct action *a)
{
    if (script_args(p, 0, 4, "fdstore [EXPECT]") < 0)
        return -1;
    return script_expect(p, 1, &a->expect);
}

/* kill-dmd, start-dmd, stop-dmd, cont-dmd: no arguments. */
static int parse_program(struct parser *p, struct action *a)
{
    return script_args(p, 0, 0, a->op);
}

static int parse_lose_notify(struct parser *p, struct action *a)
{
    (void)a;
    return script_args(p, 0, 0, "lose-notify");
}

/* The guest is gone afterwards: nothing may follow, nothing may repeat it. */
static int parse_destroy_domain(struct parser *p, struct action *a)
{
    (void)a;
    if (script_args(p, 0, 0, "destroy-domain") < 0)
        return -1;
    if (p->depth)
        return script_error(p, "destroy-domain: not allowed in a repeat or early block");
    p->destroy_line = p->line;
    return 0;
}

static int parse_wait_irq(struct parser *p, struct action *a)
{
    if (script_args(p, 3, 4, "wait-irq isa|spi N LEVEL [MS]") < 0 ||
        script_line(p, a) < 0 ||
        script_ranged(p, 3, "level", 0, 1, &a->value) < 0)
        return -1;
    return script_ms(p, 4, 1000, &a->ms);
}

static int parse_wait_shutdown(struct parser *p, struct action *a)
{
    if (script_x86(p, "shutdown") < 0 ||
        script_args(p, 1, 2, "wait-shutdown REASON [MS]") < 0 ||
        script_ranged(p, 1, "reason", 0, UINT32_MAX, &a->value) < 0)
        return -1;
    return script_ms(p, 2, 5000, &a->ms);
}

static int parse_sleep(struct parser *p, struct action *a)
{
    if (script_args(p, 1, 1, "sleep MS") < 0)
        return -1;
    return script_ms(p, 1, 0, &a->ms);
}

static int script_host_name(struct parser *p, struct action *a, bool define)
{
    const char *name = p->tok[1].s;
    bool known = false;
    for (unsigned i = 0; i < p->nhosts; i++)
        known = known || strcmp(p->hosts[i], name) == 0;
    if (!known && !define)
        return script_error(p, "%s: no host-connect %s before this line",
                            p->tok[0].s, name);
    if (!known && p->nhosts == SCRIPT_MAX_HOSTS)
        return script_error(p, "too many host connections");
    a->name = script_strdup(p, 1);
    if (!a->name)
        return -1;
    if (!known)
        p->hosts[p->nhosts++] = a->name;
    return 0;
}

static int parse_host_connect(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 2, "host-connect NAME PATH") < 0 ||
        script_host_name(p, a, true) < 0)
        return -1;
    a->path = script_strdup(p, 2);
    return a->path ? 0 : -1;
}

static int parse_host_send(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 2, "host-send NAME \"TEXT\"") < 0 ||
        script_host_name(p, a, false) < 0)
        return -1;
    return script_text(p, 2, a);
}

static int parse_host_expect(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 3, "host-expect NAME \"TEXT\" [MS]") < 0 ||
        script_host_name(p, a, false) < 0 ||
        script_text(p, 2, a) < 0)
        return -1;
    return script_ms(p, 3, 2000, &a->ms);
}

static int parse_host_close(struct parser *p, struct action *a)
{
    if (script_args(p, 1, 1, "host-close NAME") < 0)
        return -1;
    return script_host_name(p, a, false);
}

static int parse_echo(struct parser *p, struct action *a)
{
    if (script_args(p, 1, 1, "echo \"TEXT\"") < 0)
        return -1;
    return script_text(p, 1, a);
}

static int parse_file_expect(struct parser *p, struct action *a)
{
    if (script_args(p, 2, 3, "file-expect PATH \"TEXT\" [MS]") < 0)
        return -1;
    a->path = script_strdup(p, 1);
    if (!a->path || script_text(p, 2, a) < 0)
        return -1;
    return script_ms(p, 3, 2000, &a->ms);
}

/* A command line for /bin/sh -c: a non-empty string without NUL bytes. */
static int script_command(struct parser *p, unsigned i, struct action *a)
{
    const struct token *t = &p->tok[i];
    if (!t->quoted || t->len == 0 || strlen(t->s) != t->len)
        return script_error(p, "%s: the command must be a non-empty \"string\"",
                            p->tok[0].s);
    a->command = script_strdup(p, i);
    return a->command ? 0 : -1;
}

/* ["TEXT"] [MS] from token i to the end of the line. */
static int script_text_ms(struct parser *p, unsigned i, struct action *a, const char *usage)
{
    if (i < p->ntok && p->tok[i].quoted) {
        if (script_text(p, i, a) < 0)
            return -1;
        i++;
    }
    if (i + 1 < p->ntok)
        return script_error(p, "usage: %s", usage);
    return script_ms(p, i, SCRIPT_HOSTCMD_MS, &a->ms);
}

static int script_spawn_name(struct parser *p, struct action *a, bool define)
{
    const char *name = p->tok[1].s;
    bool known = false;
    if (p->tok[1].quoted)
        return script_error(p, "%s: NAME is a word, not a \"string\"", p->tok[0].s);
    for (unsigned i = 0; i < p->nspawns; i++)
        known = known || strcmp(p->spawns[i], name) == 0;
    if (!known && !define)
        return script_error(p, "%s: no host-spawn %s before this line", p->tok[0].s, name);
    if (!known && p->nspawns == SCRIPT_MAX_SPAWNS)
        return script_error(p, "more than %d host-spawn names", SCRIPT_MAX_SPAWNS);
    a->name = script_strdup(p, 1);
    if (!a->name)
        return -1;
    if (!known)
        p->spawns[p->nspawns++] = a->name;
    return 0;
}

static int parse_host_run(struct parser *p, struct action *a)
{
    static const char usage[] = "host-run \"COMMAND\" [\"TEXT\"] [MS]";
    if (script_args(p, 1, 3, usage) < 0 || script_command(p, 1, a) < 0)
        return -1;
    return script_text_ms(p, 2, a, usage);
}

static int parse_host_spawn(struct parser *p, struct action *a)
{
    static const char usage[] = "host-spawn NAME \"COMMAND\" [\"TEXT\" [MS]]";
    if (script_args(p, 2, 4, usage) < 0 || script_spawn_name(p, a, true) < 0 ||
        script_command(p, 2, a) < 0 || script_text_ms(p, 3, a, usage) < 0)
        return -1;
    if (!a->has_text && p->ntok == 4)
        return script_error(p, "usage: %s", usage);
    return 0;
}

static int parse_host_wait(struct parser *p, struct action *a)
{
    static const char usage[] = "host-wait NAME [\"TEXT\"] [MS]";
    if (script_args(p, 1, 3, usage) < 0 || script_spawn_name(p, a, false) < 0)
        return -1;
    return script_text_ms(p, 2, a, usage);
}

static int parse_repeat(struct parser *p, struct action *a)
{
    if (script_args(p, 1, 1, "repeat N") < 0 ||
        script_ranged(p, 1, "count", 0, 1000000, &a->value) < 0)
        return -1;
    if (p->depth == SCRIPT_MAX_DEPTH)
        return script_error(p, "repeat blocks nest too deep");
    if (p->cur == &p->early)
        return script_error(p, "repeat is not allowed in an early block");
    p->open[p->depth].index = p->cur->n;
    p->open[p->depth++].line = p->line;
    return 0;
}

/* `early` starts a block of its own; `end` of it adds no action. */
static int parse_early(struct parser *p, struct action *a)
{
    (void)a;
    if (script_args(p, 0, 0, "early") < 0)
        return -1;
    if (p->had_early || p->depth)
        return script_error(p, "one early block only, outside repeat blocks");
    p->had_early = true;
    p->open[p->depth].index = (size_t)-1;
    p->open[p->depth++].line = p->line;
    p->cur = &p->early;
    return 1; /* no action */
}

static int parse_end(struct parser *p, struct action *a)
{
    if (script_args(p, 0, 0, "end") < 0)
        return -1;
    if (p->depth == 0)
        return script_error(p, "end without repeat or early");
    size_t start = p->open[--p->depth].index;
    if (start == (size_t)-1) {
        p->cur = &p->main;
        return 1; /* no action */
    }
    a->jump = start;
    p->cur->a[start].jump = p->cur->n + 1;
    return 0;
}

static const struct command {
    const char *name;
    enum action_kind kind;
    uint8_t size;
    int (*parse)(struct parser *p, struct action *a);
} script_commands[] = {
    { "vcpu", ACT_VCPU, 0, parse_vcpu },
    { "outb", ACT_ACCESS, 1, parse_pio },
    { "outw", ACT_ACCESS, 2, parse_pio },
    { "outl", ACT_ACCESS, 4, parse_pio },
    { "inb", ACT_ACCESS, 1, parse_pio },
    { "inw", ACT_ACCESS, 2, parse_pio },
    { "inl", ACT_ACCESS, 4, parse_pio },
    { "writeb", ACT_ACCESS, 1, parse_mmio },
    { "writew", ACT_ACCESS, 2, parse_mmio },
    { "writel", ACT_ACCESS, 4, parse_mmio },
    { "writeq", ACT_ACCESS, 8, parse_mmio },
    { "readb", ACT_ACCESS, 1, parse_mmio },
    { "readw", ACT_ACCESS, 2, parse_mmio },
    { "readl", ACT_ACCESS, 4, parse_mmio },
    { "readq", ACT_ACCESS, 8, parse_mmio },
    { "cfgwrite", ACT_ACCESS, 0, parse_cfg },
    { "cfgread", ACT_ACCESS, 0, parse_cfg },
    { "outsb", ACT_OUTS, 0, parse_outsb },
    { "insb", ACT_INS, 0, parse_insb },
    { "bufwrite", ACT_BUFWRITE, 0, parse_bufwrite },
    { "raw", ACT_RAW, 0, parse_raw },
    { "invalidate", ACT_INVALIDATE, 0, parse_invalidate },
    { "timeoffset", ACT_TIMEOFFSET, 0, parse_timeoffset },
    { "irq", ACT_IRQ, 0, parse_irq },
    { "irq-edges", ACT_IRQ_EDGES, 0, parse_irq_edges },
    { "msi-count", ACT_MSI_COUNT, 0, parse_msi_count },
    { "dirty-count", ACT_DIRTY_COUNT, 0, parse_dirty_count },
    { "map-count", ACT_MAP_COUNT, 0, parse_map_count },
    { "map-calls", ACT_MAP_CALLS, 0, parse_map_calls },
    { "servers", ACT_SERVERS, 0, parse_servers },
    { "ranges", ACT_RANGES, 0, parse_ranges },
    { "fdstore", ACT_FDSTORE, 0, parse_fdstore },
    { "event", ACT_STATE, 0, parse_event },
    { "mem-type", ACT_STATE, 0, parse_mem_type },
    { "mem-type-map", ACT_STATE, 0, parse_mem_type_map },
    { "cacheattr", ACT_STATE, 0, parse_cacheattr },
    { "dirty-vram", ACT_STATE, 0, parse_dirty_vram },
    { "relocated", ACT_STATE, 0, parse_relocated },
    { "shutdown-reason", ACT_STATE, 0, parse_shutdown_reason },
    { "link-route", ACT_STATE, 0, parse_link_route },
    { "touch", ACT_TOUCH, 0, parse_touch },
    { "kill-dmd", ACT_KILL_DMD, 0, parse_program },
    { "start-dmd", ACT_START_DMD, 0, parse_program },
    { "stop-dmd", ACT_STOP_DMD, 0, parse_program },
    { "cont-dmd", ACT_CONT_DMD, 0, parse_program },
    { "lose-notify", ACT_LOSE_NOTIFY, 0, parse_lose_notify },
    { "destroy-domain", ACT_DESTROY_DOMAIN, 0, parse_destroy_domain },
    { "wait-irq", ACT_WAIT_IRQ, 0, parse_wait_irq },
    { "wait-shutdown", ACT_WAIT_SHUTDOWN, 0, parse_wait_shutdown },
    { "sleep", ACT_SLEEP, 0, parse_sleep },
    { "host-connect", ACT_HOST_CONNECT, 0, parse_host_connect },
    { "host-send", ACT_HOST_SEND, 0, parse_host_send },
    { "host-expect", ACT_HOST_EXPECT, 0, parse_host_expect },
    { "host-close", ACT_HOST_CLOSE, 0, parse_host_close },
    { "file-expect", ACT_FILE_EXPECT, 0, parse_file_expect },
    { "host-run", ACT_HOST_RUN, 0, parse_host_run },
    { "host-spawn", ACT_HOST_SPAWN, 0, parse_host_spawn },
    { "host-wait", ACT_HOST_WAIT, 0, parse_host_wait },
    { "echo", ACT_ECHO, 0, parse_echo },
    { "repeat", ACT_REPEAT, 0, parse_repeat },
    { "end", ACT_END, 0, parse_end },
    { "early", ACT_END, 0, parse_early },
};

bool script_is_io(const struct action *a)
{
    return a->kind == ACT_ACCESS || a->kind == ACT_OUTS || a->kind == ACT_INS ||
           a->kind == ACT_BUFWRITE || a->kind == ACT_RAW;
}

bool script_waits_idle(const struct action *a)
{
    switch (a->kind) {
    case ACT_KILL_DMD:
    case ACT_START_DMD:
    case ACT_STOP_DMD:
    case ACT_CONT_DMD:
        return false;
    default:
        return !script_is_io(a);
    }
}

static void script_free_action(struct action *a)
{
    free(a->text);
    free(a->name);
    free(a->path);
    free(a->command);
}

static int script_append(struct parser *p, const struct action *a)
{
    struct action_list *l = p->cur;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct action *grown = realloc(l->a, cap * sizeof(*grown));
        if (!grown)
            return script_error(p, "out of memory");
        l->a = grown;
        l->cap = cap;
    }
    l->a[l->n++] = *a;
    return 0;
}

static int script_parse_line(struct parser *p, char *line)
{
    if (script_tokenize(p, line) < 0)
        return -1;
    if (p->ntok == 0)
        return 0;
    if (p->destroy_line)
        return script_error(p, "nothing may follow destroy-domain (line %u): the guest "
                            "is gone", p->destroy_line);
    const struct command *c = NULL;
    for (size_t i = 0; i < sizeof(script_commands) / sizeof(script_commands[0]); i++)
        if (!p->tok[0].quoted && strcmp(script_commands[i].name, p->tok[0].s) == 0)
            c = &script_commands[i];
    if (!c)
        return script_error(p, "unknown command \"%s\"", p->tok[0].s);

    struct action a = { .kind = c->kind, .line = p->line, .op = c->name, .size = c->size };
    int rc = c->parse(p, &a);
    if (rc == 0 && p->cur == &p->early && a.kind != ACT_VCPU && !script_is_io(&a) &&
        a.kind != ACT_END)
        rc = script_error(p, "%s: only vcpu and I/O actions may be in an early block",
                          a.op);
    if (rc == 0 && script_append(p, &a) < 0)
        rc = -1;
    if (rc != 0)
        script_free_action(&a);
    return rc < 0 ? -1 : 0;
}

static void script_free_list(struct action *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        script_free_action(&a[i]);
    free(a);
}

int script_parse(const char *file, enum domain_arch arch, unsigned vcpus,
                 unsigned memory_mb, struct script *out)
{
    struct parser p = { .file = file, .arch = arch, .vcpus = vcpus,
                        .ram = (uint64_t)memory_mb << 20 };
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;

    p.cur = &p.main;
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", file, strerror(errno));
        return -1;
    }
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        p.line++;
        rc = script_parse_line(&p, line);
    }
    if (rc == 0 && p.depth) {
        p.line = p.open[p.depth - 1].line;
        rc = script_error(&p, "block has no end");
    }
    free(line);
    fclose(f);
    if (rc < 0) {
        script_free_list(p.main.a, p.main.n);
        script_free_list(p.early.a, p.early.n);
        return -1;
    }
    *out = (struct script){ p.main.a, p.main.n, p.early.a, p.early.n };
    return 0;
}

void script_free(struct script *s)
{
    script_free_list(s->main, s->n_main);
    script_free_list(s->early, s->n_early);
    *s = (struct script){ 0 };
}
