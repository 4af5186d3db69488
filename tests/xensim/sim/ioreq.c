/* SPDX-License-Identifier: MIT */
#include "ioreq.h"

#include <stdio.h>
#include <string.h>

#include <xen/hvm/hvm_op.h>

#include "domain.h"
#include "events.h"
#include "sim.h"

/* state:4, data_is_ptr, dir and df share the byte at offset 30. */
#define IOREQ_STATE_BYTE 30
#define IOREQ_STATE_MASK 0x0fu

_Static_assert(sizeof(ioreq_t) == 32, "ioreq_t layout");
_Static_assert(sizeof(buffered_iopage_t) <= DOMAIN_PAGE, "buffered page");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "read_pointer is the low half of the pointer pair");

/* Xen's view of one vCPU: which servers owe it an answer. */
struct vcpu_wait {
    bool pending[DOMAIN_MAX_SERVERS];
    uint8_t prev_state[DOMAIN_MAX_SERVERS];
    ioreq_t req;  /* the last request sent, for messages */
    ioreq_t resp; /* the last answer taken */
    uint64_t deadline;
};

static struct vcpu_wait ioreq_vcpu[DOMAIN_MAX_VCPUS];
static ioreq_done_fn *ioreq_done;
static unsigned ioreq_timeout_ms;
static unsigned ioreq_lose_count; /* notifications still to drop */
static unsigned ioreq_lose_line;  /* the last lose-notify, for the report */
static bool ioreq_paused;         /* no program runs: no vCPU times out */

void ioreq_init(ioreq_done_fn *done, unsigned timeout_ms)
{
    ioreq_done = done;
    ioreq_timeout_ms = timeout_ms;
}

static uint8_t *ioreq_state_byte(ioreq_t *slot)
{
    return (uint8_t *)slot + IOREQ_STATE_BYTE;
}

static unsigned ioreq_load_state(ioreq_t *slot)
{
    return __atomic_load_n(ioreq_state_byte(slot), __ATOMIC_ACQUIRE) &
           IOREQ_STATE_MASK;
}

static const char *ioreq_state_name(unsigned state)
{
    static const char *const names[] = { "NONE", "READY", "INPROCESS", "IORESP_READY" };
    return state < 4 ? names[state] : "(invalid)";
}

static const char *ioreq_describe(const ioreq_t *p, char *buf, size_t len)
{
    static const char *const types[] = {
        [IOREQ_TYPE_PIO] = "PIO", [IOREQ_TYPE_COPY] = "MMIO",
        [IOREQ_TYPE_PCI_CONFIG] = "PCI config", [IOREQ_TYPE_TIMEOFFSET] = "TIMEOFFSET",
        [IOREQ_TYPE_INVALIDATE] = "INVALIDATE",
    };
    char type[16];
    if (p->type < sizeof(types) / sizeof(types[0]) && types[p->type])
        snprintf(type, sizeof(type), "%s", types[p->type]);
    else
        snprintf(type, sizeof(type), "type %u", p->type);
    snprintf(buf, len, "%s %s of %#llx (size %u, count %u%s)", type,
             p->dir == IOREQ_READ ? "read" : "write", (unsigned long long)p->addr,
             p->size, p->count, p->data_is_ptr ? ", data_is_ptr" : "");
    return buf;
}

bool ioreq_busy(unsigned vcpu)
{
    for (unsigned id = 0; id < DOMAIN_MAX_SERVERS; id++)
        if (ioreq_vcpu[vcpu].pending[id])
            return true;
    return false;
}

/* domain_crash(): the run fails and no vCPU waits any more. */
static void ioreq_crash(void)
{
    domain.crashed = true;
    memset(ioreq_vcpu, 0, sizeof(ioreq_vcpu));
}

/* ioreq_send() for one server: the slot must be free and carry our port. */
static bool ioreq_send_to(unsigned vcpu, unsigned id, const ioreq_t *p)
{
    struct server *s = &domain.server[id];
    char what[96];

    if (s->pages == PAGES_UNUSED) {
        sim_abort("domain_crash: %s on vCPU %u for ioreq server %u, whose "
                  "pages were never mapped", ioreq_describe(p, what, sizeof(what)),
                  vcpu, id);
        ioreq_crash();
        return false;
    }
    ioreq_t *slot = domain_slot(id, vcpu);
    unsigned state = ioreq_load_state(slot);
    if (state != STATE_IOREQ_NONE || slot->vp_eport != s->vcpu_port[vcpu]) {
        sim_abort("domain_crash: device model set bad IO state %s / event channel "
                  "%u (expected %u) in server %u vCPU %u", ioreq_state_name(state),
                  slot->vp_eport, s->vcpu_port[vcpu], id, vcpu);
        ioreq_crash();
        return false;
    }
    ioreq_t q = *p;
    q.vp_eport = s->vcpu_port[vcpu];
    q.state = STATE_IOREQ_READY;
    uint8_t bytes[sizeof(q)];
    memcpy(bytes, &q, sizeof(q));
    /* Contents first, then READY with a release store. */
    memcpy(slot, bytes, IOREQ_STATE_BYTE);
    memcpy(ioreq_state_byte(slot) + 1, bytes + IOREQ_STATE_BYTE + 1,
           sizeof(q) - IOREQ_STATE_BYTE - 1);
    __atomic_store_n(ioreq_state_byte(slot), bytes[IOREQ_STATE_BYTE], __ATOMIC_RELEASE);

    struct vcpu_wait *w = &ioreq_vcpu[vcpu];
    w->pending[id] = true;
    w->prev_state[id] = STATE_IOREQ_READY;
    w->req = *p;
    w->deadline = sim_now() + ioreq_timeout_ms;
    sim_trace("vCPU %u: %s -> server %u", vcpu, ioreq_describe(p, what, sizeof(what)), id);
    if (ioreq_lose_count == 0) {
        events_send(s->vcpu_port[vcpu]);
        return true;
    }
    ioreq_lose_count--;
    sim_note("lose-notify: the notification of vCPU %u's %s to ioreq server %u is "
             "dropped", vcpu, ioreq_describe(p, what, sizeof(what)), id);
    return true;
}

void ioreq_lose_next_notify(unsigned line)
{
    ioreq_lose_count++;
    ioreq_lose_line = line;
}

unsigned ioreq_lose_unused(void)
{
    return ioreq_lose_count ? ioreq_lose_line : 0;
}

/* The null handler: reads see all-ones, writes vanish. */
static void ioreq_unclaimed(ioreq_t *p)
{
    if (p->dir != IOREQ_READ)
        return;
    if (!p->data_is_ptr) {
        p->data = p->size < 8 ? (1ull << (p->size * 8)) - 1 : ~0ull;
        return;
    }
    uint64_t bytes = (uint64_t)p->count * p->size;
    uint64_t start = p->df ? p->data - (bytes - p->size) : p->data;
    uint8_t *ram = domain_ram(start, bytes);
    if (ram)
        memset(ram, 0xff, bytes);
}

enum ioreq_status ioreq_send(unsigned vcpu, ioreq_t *p)
{
    if (domain.crashed)
        return IOREQ_FAILED;
    int id = domain_route(p);
    if (id < 0) {
        ioreq_unclaimed(p);
        return IOREQ_COMPLETED;
    }
    return ioreq_send_to(vcpu, (unsigned)id, p) ? IOREQ_PENDING : IOREQ_FAILED;
}

enum ioreq_status ioreq_send_raw(unsigned vcpu, ioreq_t *p)
{
    if (domain.crashed)
        return IOREQ_FAILED;
    int id = domain_first_enabled();
    if (id < 0)
        return IOREQ_NO_SERVER;
    return ioreq_send_to(vcpu, (unsigned)id, p) ? IOREQ_PENDING : IOREQ_FAILED;
}

/* Xen canonicalises the pointer pair in one cmpxchg (BUFIOREQ_ATOMIC). */
static void ioreq_canonicalise(buffered_iopage_t *pg, unsigned qw)
{
    uint64_t *pair = (uint64_t *)(void *)pg;
    while (qw++ < IOREQ_BUFFER_SLOT_NUM &&
           __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE) >= IOREQ_BUFFER_SLOT_NUM) {
        uint64_t old = __atomic_load_n(pair, __ATOMIC_ACQUIRE);
        uint32_t rp = (uint32_t)old, wp = (uint32_t)(old >> 32);
        uint32_t n = rp / IOREQ_BUFFER_SLOT_NUM * IOREQ_BUFFER_SLOT_NUM;
        uint64_t canon = (uint64_t)(wp - n) << 32 | (rp - n);
        if (__atomic_compare_exchange_n(pair, &old, canon, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            sim_trace("buffered ring pointers %u/%u canonicalised to %u/%u", rp, wp,
                      rp - n, wp - n);
    }
}

/* ioreq_send_buffered(): false means "send it the synchronous way". */
static bool ioreq_buffer(unsigned id, const ioreq_t *p)
{
    struct server *s = &domain.server[id];
    if (!s->bufioreq || s->pages == PAGES_UNUSED)
        return false;
    /* Xen quietly drops what the ring cannot encode (it returns "handled"). */
    if (p->addr > 0xfffff || p->data_is_ptr || p->count != 1)
        return true;
    unsigned code;
    switch (p->size) {
    case 1: code = 0; break;
    case 2: code = 1; break;
    case 4: code = 2; break;
    case 8: code = 3; break;
    default: return false;
    }
    unsigned qw = p->size == 8;
    buffered_iopage_t *pg = domain_bufpage(id);
    uint32_t wp = __atomic_load_n(&pg->write_pointer, __ATOMIC_RELAXED);
    uint32_t rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
    if (wp - rp >= IOREQ_BUFFER_SLOT_NUM - qw)
        return false; /* full */

    buf_ioreq_t bp = {
        .type = p->type,
        .dir = p->dir & 1u,
        .size = code & 3u,
        .addr = (uint32_t)p->addr & 0xfffffu,
        .data = (uint32_t)p->data,
    };
    pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM] = bp;
    if (qw) {
        bp.data = (uint32_t)(p->data >> 32);
        pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
    }
    __atomic_store_n(&pg->write_pointer, wp + 1 + qw, __ATOMIC_RELEASE);
    if (s->bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC)
        ioreq_canonicalise(pg, qw);
    events_send(s->buf_port);
    return true;
}

enum ioreq_status ioreq_send_buffered(unsigned vcpu, ioreq_t *p)
{
    if (domain.crashed)
        return IOREQ_FAILED;
    int id = domain_route(p);
    if (id < 0)
        return IOREQ_COMPLETED; /* nobody claims it: dropped */
    if (ioreq_buffer((unsigned)id, p))
        return IOREQ_COMPLETED;
    return ioreq_send_to(vcpu, (unsigned)id, p) ? IOREQ_PENDING : IOREQ_FAILED;
}

enum ioreq_status ioreq_invalidate(unsigned vcpu)
{
    ioreq_t p = {
        .type = IOREQ_TYPE_INVALIDATE,
        .size = 4,
        .count = 1,
        .dir = IOREQ_WRITE,
        .data = ~0ull,
    };
    bool sent = false;

    if (domain.crashed)
        return IOREQ_FAILED;
    for (int id = DOMAIN_MAX_SERVERS - 1; id >= 0; id--) {
        if (!domain.server[id].exists || !domain.server[id].enabled)
            continue;
        if (!ioreq_send_to(vcpu, (unsigned)id, &p))
            return IOREQ_FAILED;
        sent = true;
    }
    return sent ? IOREQ_PENDING : IOREQ_COMPLETED;
}

void ioreq_timeoffset(uint64_t offset)
{
    ioreq_t p = {
        .type = IOREQ_TYPE_TIMEOFFSET,
        .size = 8,
        .count = 1,
        .dir = IOREQ_WRITE,
        .data = offset,
    };
    if (offset == 0 || domain.crashed)
        return; /* send_timeoffset_req() sends nothing for 0 */
    for (int id = DOMAIN_MAX_SERVERS - 1; id >= 0; id--) {
        if (!domain.server[id].exists || !domain.server[id].enabled)
            continue;
        if (!ioreq_buffer((unsigned)id, &p))
            sim_note("timeoffset not delivered to ioreq server %d (no buffered "
                     "ring, or ring full)", id);
    }
}

/* wait_for_io(): servers from the top down; stop at the first still busy. */
void ioreq_wake(unsigned vcpu)
{
    if (vcpu >= domain.vcpus || !ioreq_busy(vcpu))
        return;
    struct vcpu_wait *w = &ioreq_vcpu[vcpu];
    for (int id = DOMAIN_MAX_SERVERS - 1; id >= 0; id--) {
        if (!w->pending[id])
            continue;
        ioreq_t *slot = domain_slot((unsigned)id, vcpu);
        unsigned state = ioreq_load_state(slot);
        if (state == STATE_IORESP_READY) {
            memcpy(&w->resp, slot, sizeof(w->resp));
            uint8_t *b = ioreq_state_byte(slot);
            __atomic_store_n(b, (uint8_t)(*b & ~IOREQ_STATE_MASK), __ATOMIC_RELAXED);
            w->pending[id] = false;
            continue;
        }
        if ((state == STATE_IOREQ_READY || state == STATE_IOREQ_INPROCESS) &&
            state >= w->prev_state[id]) {
            w->prev_state[id] = (uint8_t)state;
            return;
        }
        sim_abort("domain_crash: weird ioreq state transition %s -> %s "
                  "(server %d vCPU %u)", ioreq_state_name(w->prev_state[id]),
                  ioreq_state_name(state), id, vcpu);
        ioreq_crash();
        return;
    }
    ioreq_done(vcpu, &w->resp);
}

void ioreq_check_timeouts(uint64_t now)
{
    char what[96];
    for (unsigned v = 0; v < domain.vcpus && !ioreq_paused; v++) {
        struct vcpu_wait *w = &ioreq_vcpu[v];
        if (!ioreq_busy(v) || now < w->deadline)
            continue;
        int id = DOMAIN_MAX_SERVERS - 1;
        while (!w->pending[id])
            id--;
        sim_abort("vCPU %u stuck: %s to ioreq server %d not answered within "
                  "%u ms (slot state %s)", v, ioreq_describe(&w->req, what, sizeof(what)),
                  id, ioreq_timeout_ms,
                  ioreq_state_name(ioreq_load_state(domain_slot((unsigned)id, v))));
        ioreq_crash();
        return;
    }
}

uint64_t ioreq_deadline(void)
{
    uint64_t earliest = UINT64_MAX;
    for (unsigned v = 0; v < domain.vcpus && !ioreq_paused; v++)
        if (ioreq_busy(v) && ioreq_vcpu[v].deadline < earliest)
            earliest = ioreq_vcpu[v].deadline;
    return earliest;
}

void ioreq_pause(void)
{
    ioreq_paused = true;
}

void ioreq_resume(uint64_t now)
{
    if (!ioreq_paused)
        return;
    ioreq_paused = false;
    for (unsigned v = 0; v < domain.vcpus; v++)
        ioreq_vcpu[v].deadline = now + ioreq_timeout_ms;
}

void ioreq_server_destroyed(unsigned id)
{
    for (unsigned v = 0; v < domain.vcpus; v++) {
        if (ioreq_vcpu[v].pending[id]) {
            sim_abort("domain_crash: ioreq server %u destroyed while vCPU %u "
                      "waits for its answer", id, v);
            ioreq_crash();
            return;
        }
    }
}
