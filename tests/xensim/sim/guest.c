/* SPDX-License-Identifier: MIT */
#include "guest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "calls.h"
#include "domain.h"
#include "host.h"
#include "hostcmd.h"
#include "ioreq.h"
#include "notify.h"
#include "program.h"
#include "sim.h"

#define GUEST_STEP_BUDGET 256  /* actions per step before the loop runs again */
#define GUEST_POLL_MS 20       /* retry interval of host-connect, file-expect */
#define GUEST_CONNECT_MS 2000
#define GUEST_OUTPUT_SHOWN 600 /* a host command's output in messages, escaped */
/* Rep buffers straddle a page boundary, one boundary per vCPU. */
#define GUEST_REP_BASE 0x100000u
#define GUEST_REP_STRIDE 0x2000u
/* Xen's instruction emulator clips a rep to this many elements per request
 * (hvmemul_linear_to_phys) and re-executes the instruction for the rest. */
#define XEN_MAX_REPS 4096u

struct program {
    const struct action *a;
    size_t n, pc;
    unsigned vcpu;
    bool active;
    bool started;     /* the current action has begun waiting */
    bool spawned;     /* start-dmd: the new program is running */
    uint64_t until;   /* ... until then */
    uint64_t left[SCRIPT_MAX_DEPTH]; /* iterations left in each open repeat */
    unsigned depth;
};

/* What a vCPU is doing for the script. */
struct vcpu_op {
    const struct action *act; /* NULL: idle */
    ioreq_t req;              /* the last request of a rep */
    uint32_t done;            /* rep elements completed */
    uint64_t gpa;             /* rep buffer */
    bool sent;                /* invalidate: some server got it */
};

static struct program guest_early, guest_main;
static struct vcpu_op guest_vcpu[DOMAIN_MAX_VCPUS];
static bool guest_yielded;
static bool guest_started;
static unsigned guest_nr_actions;
static unsigned guest_timeout_ms;

void guest_init(const struct script *s, unsigned timeout_ms)
{
    guest_timeout_ms = timeout_ms;
    guest_early = (struct program){ .a = s->early, .n = s->n_early };
    guest_main = (struct program){ .a = s->main, .n = s->n_main };
}

void guest_server_enabled(void)
{
    static bool triggered;
    if (!triggered && guest_early.n)
        guest_early.active = true;
    triggered = true;
}

void guest_start(void)
{
    guest_started = true;
    guest_main.active = true;
}

static bool guest_busy(unsigned v)
{
    return guest_vcpu[v].act != NULL;
}

static bool guest_all_idle(void)
{
    for (unsigned v = 0; v < domain.vcpus; v++)
        if (guest_busy(v))
            return false;
    return true;
}

unsigned guest_actions_run(void)
{
    return guest_nr_actions;
}

/* ---- printing and checking ---- */

/* C-escape `s` for printing; "..." when it does not fit. */
static void guest_escape(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (o + 8 > cap) { /* an escape is 4 bytes at most: "..." fits */
            strcpy(out + o, "...");
            return;
        }
        unsigned char c = (unsigned char)s[i];
        const char *esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" :
                          c == '\\' ? "\\\\" : c == '"' ? "\\\"" : NULL;
        if (esc)
            o += (size_t)snprintf(out + o, cap - o, "%s", esc);
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

/* Print "WHAT -> VALUE"; FAIL if the expectation does not hold. */
static void guest_result(const struct action *a, const char *what, uint64_t value,
                         unsigned size)
{
    char got[20], want[20], mask[20];
    printf("%s -> %s\n", what, sim_hex(value, size, got));
    fflush(stdout);
    const struct expect *e = &a->expect;
    if (!e->set || (value & e->mask) == e->value)
        return;
    if (e->mask == ~0ull)
        sim_fail_line(a->line, "%s -> %s, expected == %s", what, got,
                      sim_hex(e->value, size, want));
    else
        sim_fail_line(a->line, "%s -> %s, expected & %s == %s", what, got,
                      sim_hex(e->mask, size, mask), sim_hex(e->value, size, want));
}

static void guest_report_access(const struct action *a, uint64_t data)
{
    char what[64];
    if (a->type == IOREQ_TYPE_PCI_CONFIG) {
        unsigned sbdf = (unsigned)(a->addr >> 32);
        snprintf(what, sizeof(what), "%s %02x:%02x.%u 0x%x", a->op, sbdf >> 8 & 0xff,
                 sbdf >> 3 & 0x1f, sbdf & 7, (unsigned)(a->addr & 0xfff));
    } else {
        snprintf(what, sizeof(what), "%s 0x%llx", a->op, (unsigned long long)a->addr);
    }
    uint64_t mask = a->size < 8 ? (1ull << (a->size * 8)) - 1 : ~0ull;
    guest_result(a, what, data & mask, a->size);
}

static void guest_report_ins(const struct action *a, uint64_t gpa)
{
    char got[160], want[160], what[64], at[32] = "";
    const char *bytes = (const char *)domain_ram(gpa, a->value);
    if (a->has_gpa)
        snprintf(at, sizeof(at), " at 0x%llx", (unsigned long long)gpa);
    snprintf(what, sizeof(what), "%s 0x%llx%s", a->op, (unsigned long long)a->addr, at);
    guest_escape(got, sizeof(got), bytes, a->value);
    printf("%s -> \"%s\"\n", what, got);
    fflush(stdout);
    if (a->has_text && memcmp(bytes, a->text, a->text_len) != 0) {
        guest_escape(want, sizeof(want), a->text, a->text_len);
        sim_fail_line(a->line, "%s -> \"%s\", expected \"%s\"", what, got, want);
    }
}

static void guest_report_irq(const struct action *a)
{
    char what[64];
    uint64_t level = 0;
    if (a->kind == ACT_MSI_COUNT) {
        guest_result(a, "msi-count", domain.msi_count, 0);
        return;
    }
    if (a->kind == ACT_IRQ_EDGES) {
        bool isa = a->irq == IRQ_ISA;
        snprintf(what, sizeof(what), "irq-edges %s %llu", isa ? "isa" : "spi",
                 (unsigned long long)a->addr);
        guest_result(a, what, isa ? domain.isa_edges[a->addr] : domain.spi_edges[a->addr], 0);
        return;
    }
    if (a->kind == ACT_DIRTY_COUNT) {
        guest_result(a, "dirty-count", domain.modified_pages, 0);
        return;
    }
    if (a->kind == ACT_MAP_COUNT) {
        guest_result(a, "map-count", calls_ram_mapped(NULL), 0);
        return;
    }
    if (a->kind == ACT_MAP_CALLS) {
        guest_result(a, "map-calls", calls_map_calls(), 0);
        return;
    }
    if (a->kind == ACT_SERVERS) {
        guest_result(a, "servers", domain_nr_servers(), 0);
        return;
    }
    if (a->kind == ACT_RANGES) {
        static const char *const names[] = { "port", "mmio", "pci" };
        snprintf(what, sizeof(what), "ranges %s", names[a->addr]);
        guest_result(a, what, domain_nr_ranges((unsigned)a->addr), 0);
        return;
    }
    if (a->kind == ACT_FDSTORE) {
        guest_result(a, "fdstore", fdstore_count(), 0);
        return;
    }
    switch (a->irq) {
    case IRQ_ISA:
        level = domain.isa[a->addr];
        snprintf(what, sizeof(what), "irq isa %llu", (unsigned long long)a->addr);
        break;
    case IRQ_SPI:
        level = domain.spi[a->addr];
        snprintf(what, sizeof(what), "irq spi %llu", (unsigned long long)a->addr);
        break;
    case IRQ_INTX: {
        /* Xen has no function in an INTx line: any pin of the device. */
        unsigned bus = (unsigned)(a->addr >> 8), dev = (unsigned)(a->addr >> 3 & 0x1f);
        for (unsigned pin = 0; bus == 0 && pin < 4; pin++)
            level |= domain.intx[dev][pin];
        snprintf(what, sizeof(what), "irq intx %02x:%02x.%u", bus, dev,
                 (unsigned)(a->addr & 7));
        break;
    }
    }
    guest_result(a, what, level, 0);
}

/* event, mem-type, cacheattr, ...: what the DMOPs did to the guest */
static void guest_report_state(const struct action *a)
{
    char what[96];
    uint64_t v = 0;
    unsigned long long n = (unsigned long long)a->addr;
    switch (a->state) {
    case STATE_EVENT: {
        const struct vcpu_event *e = &domain.event[a->addr];
        const uint64_t fields[] = { e->pending, e->vector, e->type, e->error_code,
                                    e->insn_len, e->extra, e->count };
        v = fields[a->value];
        snprintf(what, sizeof(what), "event %llu %s", n, script_event_fields[a->value]);
        break;
    }
    case STATE_MEM_TYPE:
        v = domain.mem_type[a->addr];
        snprintf(what, sizeof(what), "mem-type 0x%llx", n);
        break;
    case STATE_MEM_TYPE_MAP: {
        const uint64_t fields[] = {
            domain.mem_server < 0 ? 0xffff : (uint64_t)domain.mem_server,
            domain.mem_flags, domain_ioreq_mem_pages(),
        };
        v = fields[a->value];
        snprintf(what, sizeof(what), "mem-type-map %s", script_mem_map_fields[a->value]);
        break;
    }
    case STATE_CACHEATTR:
        v = domain_cacheattr(a->addr);
        snprintf(what, sizeof(what), "cacheattr 0x%llx", n);
        break;
    case STATE_DIRTY_VRAM: {
        bool on = domain.vram_tracking;
        const uint64_t fields[] = {
            domain.vram_dirty, domain.vram_calls, on ? domain.vram_begin : 0,
            on ? domain.vram_end - domain.vram_begin : 0,
        };
        v = fields[a->value];
        snprintf(what, sizeof(what), "dirty-vram %s", script_vram_fields[a->value]);
        break;
    }
    case STATE_RELOCATED:
        v = domain.relocated;
        snprintf(what, sizeof(what), "relocated");
        break;
    case STATE_SHUTDOWN:
        v = domain.shut_down ? domain.shutdown_reason : 0xffffffffu;
        snprintf(what, sizeof(what), "shutdown-reason");
        break;
    case STATE_LINK_ROUTE:
        v = domain.link_route[a->addr];
        snprintf(what, sizeof(what), "link-route %llu", n);
        break;
    }
    guest_result(a, what, v, 0);
}

/* "raw pio read 1 1 0x3ff 0x0 ptr" */
static void guest_describe_raw(const struct action *a, char *buf, size_t len)
{
    const ioreq_t *r = &a->raw;
    const char *name = script_raw_type_name(r->type);
    char type[16];
    if (name)
        snprintf(type, sizeof(type), "%s", name);
    else
        snprintf(type, sizeof(type), "%u", r->type);
    snprintf(buf, len, "raw %s %s %u %u 0x%llx 0x%llx%s%s", type,
             r->dir == IOREQ_READ ? "read" : "write", r->size, r->count,
             (unsigned long long)r->addr, (unsigned long long)r->data,
             r->data_is_ptr ? " ptr" : "", r->df ? " df" : "");
}

/* A raw request is one request, whatever dmd makes of it: a changed count
 * is shown, never re-issued or failed. */
static void guest_report_raw(const struct action *a, const ioreq_t *resp)
{
    char what[128];
    guest_describe_raw(a, what, sizeof(what));
    if (resp->count != a->raw.count) {
        printf("%s: count written back %u\n", what, resp->count);
        fflush(stdout);
    }
    if (a->raw.dir == IOREQ_READ && !a->raw.data_is_ptr)
        guest_result(a, what, resp->data, 0);
}

static unsigned guest_level(const struct action *a)
{
    return a->irq == IRQ_ISA ? domain.isa[a->addr] : domain.spi[a->addr];
}

/* ---- guest accesses ---- */

static void guest_complete(unsigned v, const ioreq_t *resp);

static void guest_after_send(unsigned v, enum ioreq_status st, const ioreq_t *p)
{
    const struct action *a = guest_vcpu[v].act;
    switch (st) {
    case IOREQ_PENDING:
        break;
    case IOREQ_COMPLETED:
        guest_complete(v, p);
        break;
    case IOREQ_NO_SERVER:
        sim_fail_line(a->line, "%s: no enabled ioreq server to send it to", a->op);
        guest_vcpu[v].act = NULL;
        break;
    case IOREQ_FAILED:
        guest_vcpu[v].act = NULL;
        break;
    }
}

static uint32_t guest_rep_total(const struct action *a)
{
    return (uint32_t)a->value;
}

/* Every server answered the INVALIDATE, which Xen sends when the guest's
 * p2m lost RAM: a mapcache must have dropped every mapping by then. */
static void guest_check_invalidated(const struct action *a)
{
    uint64_t gfn = 0, pages = calls_ram_mapped(&gfn);
    if (pages)
        sim_fail_line(a->line, "invalidate: answered while the program still maps %llu "
                      "page(s) of guest RAM (gfn 0x%llx among them); a mapcache must drop "
                      "every mapping before it answers", (unsigned long long)pages,
                      (unsigned long long)gfn);
}

/* Issue (the rest of) a rep outsb/insb, as Xen re-executes the insn. */
static void guest_send_rep(unsigned v)
{
    struct vcpu_op *op = &guest_vcpu[v];
    const struct action *a = op->act;
    uint32_t left = guest_rep_total(a) - op->done;
    ioreq_t p = {
        .addr = a->addr,
        .data = op->gpa + op->done,
        .count = left < XEN_MAX_REPS ? left : XEN_MAX_REPS,
        .size = 1,
        .data_is_ptr = 1,
        .dir = a->kind == ACT_OUTS ? IOREQ_WRITE : IOREQ_READ,
        .type = IOREQ_TYPE_PIO,
    };
    op->req = p;
    guest_after_send(v, ioreq_send(v, &p), &p);
}

static void guest_complete(unsigned v, const ioreq_t *resp)
{
    struct vcpu_op *op = &guest_vcpu[v];
    const struct action *a = op->act;

    if (a->kind == ACT_ACCESS && a->dir == IOREQ_READ)
        guest_report_access(a, resp->data);
    if (a->kind == ACT_RAW)
        guest_report_raw(a, resp);
    if (a->kind == ACT_OUTS || a->kind == ACT_INS) {
        /* Xen copies back only data (hvm_wait_for_io): whatever count the
         * emulator writes, all elements count as done.  A changed count
         * means the emulator dropped elements the guest thinks moved. */
        if (resp->count != op->req.count)
            sim_fail_line(a->line, "%s: dmd wrote back count %u for a request of %u "
                          "elements; Xen ignores it and takes all %u as done",
                          a->op, resp->count, op->req.count, op->req.count);
        op->done += op->req.count;
        if (op->done < guest_rep_total(a)) {
            guest_send_rep(v);
            return;
        }
        if (a->kind == ACT_INS)
            guest_report_ins(a, op->gpa);
    }
    if (a->kind == ACT_INVALIDATE && op->sent)
        guest_check_invalidated(a);
    op->act = NULL;
}

void guest_ioreq_done(unsigned vcpu, const ioreq_t *resp)
{
    if (guest_vcpu[vcpu].act)
        guest_complete(vcpu, resp);
}

/* At `at GPA`, else one that crosses a page boundary whenever it is 2
 * bytes or more.  outsb "TEXT" puts the text there, outsb COUNT sends what
 * is there already, insb clears it first. */
static uint64_t guest_rep_buffer(unsigned v, const struct action *a)
{
    uint32_t len = guest_rep_total(a);
    uint64_t gpa = a->has_gpa ? a->gpa
                              : GUEST_REP_BASE + (uint64_t)v * GUEST_REP_STRIDE - (len + 1) / 2;
    uint8_t *ram = domain_ram(gpa, len);
    if (a->kind == ACT_INS || a->has_text)
        domain_guest_wrote(gpa, len);
    if (a->kind == ACT_INS)
        memset(ram, 0, len);
    else if (a->has_text)
        memcpy(ram, a->text, len);
    return gpa;
}

static void guest_issue(unsigned v, const struct action *a)
{
    struct vcpu_op *op = &guest_vcpu[v];
    ioreq_t p = {
        .addr = a->addr,
        .data = a->value,
        .count = 1,
        .size = a->size,
        .dir = a->dir & 1u,
        .type = a->type,
    };
    *op = (struct vcpu_op){ .act = a };
    domain_vcpu_runs(v); /* hvm_do_resume: a pending event is injected */
    switch (a->kind) {
    case ACT_ACCESS:
        guest_after_send(v, ioreq_send(v, &p), &p);
        break;
    case ACT_BUFWRITE:
        guest_after_send(v, ioreq_send_buffered(v, &p), &p);
        break;
    case ACT_RAW:
        p = a->raw;
        guest_after_send(v, ioreq_send_raw(v, &p), &p);
        break;
    case ACT_OUTS:
    case ACT_INS:
        op->gpa = guest_rep_buffer(v, a);
        guest_send_rep(v);
        break;
    case ACT_INVALIDATE: {
        enum ioreq_status st = ioreq_invalidate(v);
        op->sent = st == IOREQ_PENDING;
        guest_after_send(v, st, &p);
        break;
    }
    default:
        op->act = NULL;
        break;
    }
}

/* ---- actions that wait ---- */

static bool guest_timed_out(struct program *pg, const struct action *a, uint64_t now)
{
    if (!pg->started) {
        pg->started = true;
        pg->until = now + (a->kind == ACT_HOST_CONNECT ? GUEST_CONNECT_MS :
                           a->kind == ACT_START_DMD ? guest_timeout_ms : a->ms);
    }
    return now >= pg->until;
}

static bool guest_file_contains(const struct action *a)
{
    static char buf[1 << 20];
    FILE *f = fopen(a->path, "rb");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return memmem(buf, n, a->text, a->text_len) != NULL;
}

static void guest_host_expect_failed(const struct action *a)
{
    char got[160], want[160];
    size_t len;
    bool eof;
    const char *pending = host_pending(a->name, &len, &eof);
    guest_escape(got, sizeof(got), pending, len);
    guest_escape(want, sizeof(want), a->text, a->text_len);
    sim_fail_line(a->line, "host-expect %s \"%s\": %s; received \"%s\"", a->name, want,
                  eof ? "connection closed" : "not received in time", got);
}

/* ---- host commands ---- */

/* host-run uses the nameless command; the others name theirs. */
static const char *guest_hostcmd_key(const struct action *a)
{
    return a->kind == ACT_HOST_RUN ? "" : a->name;
}

/* `host-run "COMMAND"`, `host-spawn NAME`, `host-wait NAME` */
static void guest_hostcmd_label(const struct action *a, char *buf, size_t len)
{
    char cmd[200];
    if (a->kind != ACT_HOST_RUN) {
        snprintf(buf, len, "%s %s", a->op, a->name);
        return;
    }
    guest_escape(cmd, sizeof(cmd), a->command, strlen(a->command));
    snprintf(buf, len, "host-run \"%s\"", cmd);
}

static void guest_hostcmd_output(const struct action *a, char *buf, size_t cap)
{
    size_t len;
    const char *out = hostcmd_output(guest_hostcmd_key(a), &len);
    guest_escape(buf, cap, out, len);
}

static bool guest_hostcmd_start(const struct action *a)
{
    char label[256];
    int rc = hostcmd_start(guest_hostcmd_key(a), a->command);
    if (rc == 0)
        return true;
    guest_hostcmd_label(a, label, sizeof(label));
    sim_fail_line(a->line, "%s: %s", label,
                  rc == -EBUSY ? "a command of that name was not waited for yet"
                               : strerror(-rc));
    return false;
}

/* It exited: judge its status and output, then forget it. */
static void guest_hostcmd_judge(const struct action *a, int status)
{
    char label[256], out[GUEST_OUTPUT_SHOWN], want[200], st[64];
    size_t len;
    const char *text = hostcmd_output(guest_hostcmd_key(a), &len);

    guest_hostcmd_label(a, label, sizeof(label));
    guest_hostcmd_output(a, out, sizeof(out));
    if (WIFSIGNALED(status))
        snprintf(st, sizeof(st), "killed by signal %d", WTERMSIG(status));
    else
        snprintf(st, sizeof(st), "exit status %d", WEXITSTATUS(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        sim_fail_line(a->line, "%s: %s; output \"%s\"", label, st, out);
    } else if (a->has_text && !memmem(text, len, a->text, a->text_len)) {
        guest_escape(want, sizeof(want), a->text, a->text_len);
        sim_fail_line(a->line, "%s: output lacks \"%s\"; output \"%s\"", label, want, out);
    } else {
        printf("%s -> %s, \"%s\"\n", label, st, out);
    }
    hostcmd_forget(guest_hostcmd_key(a));
}

/* host-run, host-wait: until it exits or the time is up (then kill it). */
static bool guest_hostcmd_wait(struct program *pg, const struct action *a, uint64_t now)
{
    char label[256], out[GUEST_OUTPUT_SHOWN];
    int status;

    if (hostcmd_exited(guest_hostcmd_key(a), &status)) {
        guest_hostcmd_judge(a, status);
        return true;
    }
    if (!guest_timed_out(pg, a, now))
        return false;
    guest_hostcmd_label(a, label, sizeof(label));
    guest_hostcmd_output(a, out, sizeof(out));
    sim_fail_line(a->line, "%s: still running after %u ms (killed); output \"%s\"", label,
                  a->ms, out);
    hostcmd_forget(guest_hostcmd_key(a));
    return true;
}

/* host-spawn with TEXT: until the command has printed it. */
static bool guest_hostcmd_ready(struct program *pg, const struct action *a, uint64_t now)
{
    char want[200], out[GUEST_OUTPUT_SHOWN];
    size_t len;
    const char *text = hostcmd_output(a->name, &len);
    int status;
    bool exited;

    guest_escape(want, sizeof(want), a->text, a->text_len);
    if (memmem(text, len, a->text, a->text_len)) {
        printf("host-spawn %s -> \"%s\"\n", a->name, want);
        return true;
    }
    exited = hostcmd_exited(a->name, &status);
    if (!exited && !guest_timed_out(pg, a, now))
        return false;
    guest_hostcmd_output(a, out, sizeof(out));
    sim_fail_line(a->line, "host-spawn %s: \"%s\" not printed %s; output \"%s\"", a->name,
                  want, exited ? "before the command exited" : "in time", out);
    return true;
}

static bool guest_hostcmd_action(struct program *pg, const struct action *a, uint64_t now)
{
    switch (a->kind) {
    case ACT_HOST_RUN:
        if (!pg->started && !guest_hostcmd_start(a))
            return true;
        return guest_hostcmd_wait(pg, a, now);
    case ACT_HOST_SPAWN:
        if (!pg->started && !guest_hostcmd_start(a))
            return true;
        return !a->has_text || guest_hostcmd_ready(pg, a, now);
    default: /* ACT_HOST_WAIT */
        if (hostcmd_known(a->name))
            return guest_hostcmd_wait(pg, a, now);
        sim_fail_line(a->line, "host-wait %s: no such command (it did not start, or was "
                      "waited for already)", a->name);
        return true;
    }
}

/* ---- the program ---- */

/* start-dmd, first half: the last program must be gone (a --kill-at may
 * not have fired yet); then start the next. */
static bool guest_start_program(struct program *pg, const struct action *a, uint64_t now)
{
    if (program_state() == PROGRAM_EXITED)
        return false; /* a death nobody asked for: main.c ends the run */
    if (program_running()) {
        if (!guest_timed_out(pg, a, now))
            return false;
        sim_abort_line(a->line, "start-dmd: the program (pid %d) still runs after %u ms; "
                       "only kill-dmd or a --kill-at that fires ends it",
                       (int)program_pid(), guest_timeout_ms);
        return true;
    }
    if (program_start(a->line) < 0) {
        sim_abort_line(a->line, "start-dmd: %s", strerror(errno));
        return true;
    }
    pg->spawned = true;
    pg->started = true;
    pg->until = now + PROGRAM_READY_TIMEOUT_MS;
    return false;
}

/* start-dmd: over once the new program is ready, like the first start. */
static bool guest_start_dmd(struct program *pg, const struct action *a, uint64_t now)
{
    if (!pg->spawned)
        return guest_start_program(pg, a, now);
    switch (program_state()) {
    case PROGRAM_READY:
        return true;
    case PROGRAM_NONE: /* a --kill-at killed it in its start-up */
        return true;
    case PROGRAM_EXITED:
        return false; /* main.c fails the run */
    case PROGRAM_STARTING:
        break;
    }
    if (now < pg->until)
        return false;
    sim_abort_line(a->line, "start-dmd: dmd sent no READY=1 within %u ms",
                   PROGRAM_READY_TIMEOUT_MS);
    return true;
}

/* true when the action is over; false to try again later. */
static bool guest_wait_action(struct program *pg, const struct action *a, uint64_t now)
{
    int rc;
    switch (a->kind) {
    case ACT_START_DMD:
        return guest_start_dmd(pg, a, now);
    case ACT_WAIT_IRQ:
        if (guest_level(a) == a->value)
            return true;
        if (!guest_timed_out(pg, a, now))
            return false;
        sim_fail_line(a->line, "wait-irq %s %llu %llu: level still %u after %u ms",
                      a->irq == IRQ_ISA ? "isa" : "spi", (unsigned long long)a->addr,
                      (unsigned long long)a->value, guest_level(a), a->ms);
        return true;
    case ACT_WAIT_SHUTDOWN:
        if (domain.shut_down && domain.shutdown_reason == a->value) {
            printf("wait-shutdown -> %llu\n", (unsigned long long)a->value);
            return true;
        }
        if (!guest_timed_out(pg, a, now))
            return false;
        sim_fail_line(a->line, "wait-shutdown %llu: %s after %u ms",
                      (unsigned long long)a->value,
                      domain.shut_down ? "another reason" : "no shutdown", a->ms);
        return true;
    case ACT_SLEEP:
        return guest_timed_out(pg, a, now);
    case ACT_HOST_CONNECT:
        rc = host_connect(a->name, a->path);
        if (rc == 0)
            return true;
        if (!guest_timed_out(pg, a, now))
            return false;
        sim_fail_line(a->line, "host-connect %s %s: %s", a->name, a->path, strerror(-rc));
        return true;
    case ACT_HOST_EXPECT: {
        size_t len;
        bool eof;
        if (host_match(a->name, a->text, a->text_len)) {
            char got[256];
            guest_escape(got, sizeof(got), a->text, a->text_len);
            printf("host-expect %s -> \"%s\"\n", a->name, got);
            return true;
        }
        host_pending(a->name, &len, &eof);
        if (!eof && !guest_timed_out(pg, a, now))
            return false;
        guest_host_expect_failed(a);
        return true;
    }
    case ACT_FILE_EXPECT:
        if (guest_file_contains(a))
            return true;
        if (!guest_timed_out(pg, a, now))
            return false;
        sim_fail_line(a->line, "file-expect %s: text not found within %u ms",
                      a->path, a->ms);
        return true;
    case ACT_HOST_RUN:
    case ACT_HOST_SPAWN:
    case ACT_HOST_WAIT:
        return guest_hostcmd_action(pg, a, now);
    default:
        return true;
    }
}

/* Actions that need every vCPU idle and do not wait. */
static void guest_run_action(struct program *pg, const struct action *a)
{
    int rc;
    switch (a->kind) {
    case ACT_INVALIDATE:
        guest_issue(pg->vcpu, a);
        break;
    case ACT_TIMEOFFSET:
        ioreq_timeoffset(a->value);
        break;
    case ACT_IRQ:
    case ACT_IRQ_EDGES:
    case ACT_MSI_COUNT:
    case ACT_DIRTY_COUNT:
    case ACT_MAP_COUNT:
    case ACT_MAP_CALLS:
    case ACT_SERVERS:
    case ACT_RANGES:
    case ACT_FDSTORE:
        guest_report_irq(a);
        break;
    case ACT_STATE:
        guest_report_state(a);
        break;
    case ACT_TOUCH:
        domain_vcpu_runs(pg->vcpu);
        domain_guest_wrote(a->addr * DOMAIN_PAGE, a->value * DOMAIN_PAGE);
        break;
    case ACT_KILL_DMD:
        program_kill(a->line);
        break;
    case ACT_STOP_DMD:
        program_stop(a->line);
        break;
    case ACT_CONT_DMD:
        program_cont(a->line);
        break;
    case ACT_LOSE_NOTIFY:
        ioreq_lose_next_notify(a->line);
        break;
    case ACT_DESTROY_DOMAIN: {
        unsigned servers = domain_destroy();
        sim_note("domain %u destroyed (xl destroy): %u ioreq server(s) torn down; "
                 "dmd must notice and exit by itself", domain.domid, servers);
        break;
    }
    case ACT_HOST_SEND:
        rc = host_send(a->name, a->text, a->text_len);
        if (rc < 0)
            sim_fail_line(a->line, "host-send %s: %s", a->name, strerror(-rc));
        break;
    case ACT_HOST_CLOSE:
        host_close(a->name);
        break;
    case ACT_ECHO:
        printf("%.*s\n", (int)a->text_len, a->text);
        break;
    default:
        break;
    }
}

/* ---- the program counter ---- */

static bool guest_next(struct program *pg)
{
    pg->pc++;
    pg->started = false;
    pg->spawned = false;
    guest_nr_actions++;
    return true;
}

static bool guest_control(struct program *pg, const struct action *a)
{
    if (a->kind == ACT_VCPU) {
        pg->vcpu = (unsigned)a->value;
    } else if (a->kind == ACT_REPEAT) {
        if (a->value == 0) {
            pg->pc = a->jump;
            return true;
        }
        pg->left[pg->depth++] = a->value;
    } else if (--pg->left[pg->depth - 1] > 0) { /* ACT_END */
        pg->pc = a->jump + 1;
        return true;
    } else {
        pg->depth--;
    }
    return guest_next(pg);
}

/* An action waits for an answer: with no program to give it (killed, not
 * started again; the vCPUs' timeout is paused) it never would. */
static bool guest_blocked(const struct action *a)
{
    if (program_state() == PROGRAM_NONE)
        sim_abort_line(a->line, "%s waits for a vCPU's answer, but no program runs (killed "
                       "by %s): start-dmd first", a->op, program_killed_by());
    return false;
}

/*
 * servers, ranges and fdstore wait for the vCPUs like map-count, but only
 * while a program can answer them: with none (killed) or a stopped one
 * the wait would not end, and nothing changes what they count meanwhile.
 */
static bool guest_waits_idle(const struct action *a)
{
    if (a->kind == ACT_SERVERS || a->kind == ACT_RANGES || a->kind == ACT_FDSTORE)
        return program_answering();
    return script_waits_idle(a);
}

/* One action: true if it is done (pc moved), false if it must wait. */
static bool guest_exec(struct program *pg, uint64_t now)
{
    const struct action *a = &pg->a[pg->pc];

    if (a->kind == ACT_VCPU || a->kind == ACT_REPEAT || a->kind == ACT_END)
        return guest_control(pg, a);
    if (script_is_io(a)) {
        if (guest_busy(pg->vcpu))
            return guest_blocked(a);
        guest_issue(pg->vcpu, a);
        return guest_next(pg);
    }
    if (guest_waits_idle(a) && !guest_all_idle())
        return guest_blocked(a);
    if (!guest_wait_action(pg, a, now))
        return false;
    guest_run_action(pg, a);
    return guest_next(pg);
}

static void guest_run(struct program *pg, uint64_t now, unsigned *budget)
{
    while (pg->active && pg->pc < pg->n && !sim_aborted()) {
        if (*budget == 0) {
            guest_yielded = true;
            return;
        }
        (*budget)--;
        if (!guest_exec(pg, now))
            return;
    }
    if (pg == &guest_early && pg->pc == pg->n)
        pg->active = false;
}

void guest_step(uint64_t now)
{
    unsigned budget = GUEST_STEP_BUDGET;
    guest_yielded = false;
    if (sim_aborted())
        return;
    guest_run(&guest_early, now, &budget);
    if (!guest_early.active)
        guest_run(&guest_main, now, &budget);
}

static uint64_t guest_program_deadline(const struct program *pg, uint64_t now)
{
    if (!pg->active || pg->pc >= pg->n || !pg->started)
        return UINT64_MAX;
    enum action_kind kind = pg->a[pg->pc].kind;
    if (kind == ACT_HOST_CONNECT || kind == ACT_FILE_EXPECT || kind == ACT_HOST_RUN ||
        kind == ACT_HOST_SPAWN || kind == ACT_HOST_WAIT)
        return now + GUEST_POLL_MS < pg->until ? now + GUEST_POLL_MS : pg->until;
    return pg->until;
}

uint64_t guest_deadline(uint64_t now)
{
    if (guest_yielded)
        return now;
    uint64_t a = guest_program_deadline(&guest_early, now);
    uint64_t b = guest_program_deadline(&guest_main, now);
    return a < b ? a : b;
}

bool guest_script_over(void)
{
    if (sim_aborted())
        return true;
    return guest_started && !guest_early.active && guest_main.pc == guest_main.n;
}

bool guest_finished(void)
{
    return sim_aborted() || (guest_script_over() && guest_all_idle());
}
