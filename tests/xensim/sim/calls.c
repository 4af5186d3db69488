/* SPDX-License-Identifier: MIT */
#include "calls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/hvm/dm_op.h>

#include "domain.h"
#include "events.h"
#include "guest.h"
#include "ioreq.h"
#include "program.h"
#include "sim.h"

#define CALLS_MAX_FAILS 32
#define CALLS_MAX_MAPS 8192 /* a mapcache of 4096 single pages, and more */
#define CALLS_RESOURCE_FRAMES 2 /* 1 + HVM_MAX_VCPUS * sizeof(ioreq_t) / PAGE */

struct injection {
    const char *spec;
    uint32_t op;
    uint64_t nth; /* 0: every call */
    int err;      /* 0: --kill-at */
    unsigned hits;
};

struct foreign_map {
    bool used;
    unsigned serial; /* of the handle that mapped it */
    pid_t pid;       /* of the process whose address space holds it */
    uint64_t addr, pages;
    uint64_t ram_pages; /* of them, guest RAM pages actually mapped */
    uint64_t ram_gfn;   /* the first of those, for messages */
};

struct resource_map {
    bool used;
    unsigned serial;
    pid_t pid;
    uint64_t cookie;
    uint64_t server, frame, nr;
};

static struct injection calls_fails[CALLS_MAX_FAILS];
static unsigned calls_nr_fails;
static uint64_t calls_count[XENSIM_OP_COUNT];
static struct foreign_map calls_maps[CALLS_MAX_MAPS];
static struct resource_map calls_resmaps[CALLS_MAX_MAPS];
static uint64_t calls_next_cookie = 1;
static unsigned calls_next_serial = 1;

static const char *calls_kind_name(enum handle_kind kind)
{
    switch (kind) {
    case HANDLE_DEVICEMODEL: return "xendevicemodel";
    case HANDLE_FOREIGNMEMORY: return "xenforeignmemory";
    case HANDLE_EVTCHN: return "xenevtchn";
    case HANDLE_ONESHOT: return "xentoolcore";
    case HANDLE_NONE: break;
    }
    return "unopened";
}

void calls_handle_init(struct handle *h, pid_t pid)
{
    *h = (struct handle){
        .serial = calls_next_serial++,
        .pid = pid,
        .restrict_domid = DOMID_INVALID,
        .evfd = -1,
    };
}

/* ---- which call belongs to which handle ---- */

static enum handle_kind calls_kind_of(uint32_t op)
{
    if (op >= XENSIM_DM_OPEN && op <= XENSIM_DM_RESTRICT)
        return HANDLE_DEVICEMODEL;
    if (op >= XENSIM_FM_OPEN && op <= XENSIM_FM_RESTRICT)
        return HANDLE_FOREIGNMEMORY;
    if (op >= XENSIM_EV_OPEN && op <= XENSIM_EV_RESTRICT)
        return HANDLE_EVTCHN;
    if (op == XENSIM_TC_RESTRICT_ALL)
        return HANDLE_ONESHOT;
    return HANDLE_NONE;
}

static bool calls_is_open(uint32_t op)
{
    return op == XENSIM_DM_OPEN || op == XENSIM_FM_OPEN || op == XENSIM_EV_OPEN ||
           op == XENSIM_TC_RESTRICT_ALL;
}

static bool calls_is_close(uint32_t op)
{
    return op == XENSIM_DM_CLOSE || op == XENSIM_FM_CLOSE || op == XENSIM_EV_CLOSE;
}

static bool calls_allowed(const struct handle *h, uint32_t op)
{
    enum handle_kind kind = calls_kind_of(op);
    if (kind == HANDLE_NONE)
        return false;
    if (h->kind == HANDLE_NONE)
        return calls_is_open(op);
    return kind == h->kind && !calls_is_open(op) && !h->closed;
}

/* ---- --fail ---- */

static int calls_parse_errno(const char *s)
{
    char *end;
    unsigned long n = strtoul(s, &end, 0);
    if (*s && !*end && n > 0 && n < 4096)
        return (int)n;
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name && strcmp(name, s) == 0)
            return e;
    }
    return -1;
}

/* CALL[:NTH] (the first len bytes of spec) into inj->op and inj->nth;
 * `*` only where every call is meant. */
static int calls_parse_call(const char *opt, const char *spec, size_t len, bool every,
                            struct injection *inj)
{
    char call[96];
    if (len == 0 || len >= sizeof(call) || calls_nr_fails == CALLS_MAX_FAILS) {
        fprintf(stderr, "xensim: %s %s: expected CALL[:NTH]%s\n", opt, spec,
                every ? "=ERRNO" : "");
        return -1;
    }
    memcpy(call, spec, len);
    call[len] = '\0';
    inj->nth = 1;
    char *colon = strchr(call, ':');
    if (colon) {
        *colon++ = '\0';
        char *end;
        bool all = every && strcmp(colon, "*") == 0;
        inj->nth = all ? 0 : strtoull(colon, &end, 0);
        if (!all && (!*colon || *end || inj->nth == 0)) {
            fprintf(stderr, "xensim: %s %s: NTH must be 1, 2, ...%s\n", opt, spec,
                    every ? " or *" : "");
            return -1;
        }
    }
    inj->op = xensim_op_by_name(call);
    if (inj->op == XENSIM_OP_NONE) {
        fprintf(stderr, "xensim: %s %s: %s is not a library call the "
                "simulator answers\n", opt, spec, call);
        return -1;
    }
    return 0;
}

int calls_add_kill(const char *spec)
{
    struct injection inj = { .spec = spec };
    if (calls_parse_call("--kill-at", spec, strlen(spec), false, &inj) < 0)
        return -1;
    calls_fails[calls_nr_fails++] = inj;
    return 0;
}

int calls_add_failure(const char *spec)
{
    const char *eq = strchr(spec, '=');
    struct injection inj = { .spec = spec };

    if (!eq) {
        fprintf(stderr, "xensim: --fail %s: expected CALL[:NTH]=ERRNO\n", spec);
        return -1;
    }
    if (calls_parse_call("--fail", spec, (size_t)(eq - spec), true, &inj) < 0)
        return -1;
    inj.err = calls_parse_errno(eq + 1);
    if (inj.err < 0) {
        fprintf(stderr, "xensim: --fail %s: unknown errno %s\n", spec, eq + 1);
        return -1;
    }
    calls_fails[calls_nr_fails++] = inj;
    return 0;
}

/*
 * Count the call; the --kill-at or --fail it meets (a kill first: a dead
 * caller fails nothing), or NULL.  Counts run over the whole run, across
 * program restarts.
 */
static const struct injection *calls_injected(uint32_t op)
{
    uint64_t n = ++calls_count[op];
    for (int kill = 1; kill >= 0; kill--) {
        for (unsigned i = 0; i < calls_nr_fails; i++) {
            struct injection *inj = &calls_fails[i];
            if ((inj->err == 0) == kill && inj->op == op &&
                (inj->nth == 0 || inj->nth == n)) {
                inj->hits++;
                return inj;
            }
        }
    }
    return NULL;
}

/* ---- restriction and targets ---- */

/*
 * A destroyed domain does not vanish while something still maps its pages:
 * Xen keeps it as a dying domain, which answers DMOPs such as nr_vcpus
 * (its ioreq servers are gone: ENOENT) but can no longer be mapped.  It
 * vanishes with the last mapping; from then on every call gets ESRCH.
 */
static bool calls_domain_mapped(void)
{
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++)
        if (calls_maps[i].used || calls_resmaps[i].used)
            return true;
    return false;
}

/* privcmd: DMOPs and mappings of another domain fail with `err`; of a
 * domain that does not exist (any more), with ESRCH. */
static int calls_target(const struct handle *h, uint64_t domid, int err)
{
    if (h->restrict_domid != DOMID_INVALID && domid != h->restrict_domid)
        return -err;
    if (domid != domain.domid || (domain.destroyed && !calls_domain_mapped()))
        return -ESRCH;
    return 0;
}

/* IOCTL_PRIVCMD_RESTRICT: set once, then only the same domid again. */
static int calls_restrict_privcmd(struct handle *h, uint64_t domid)
{
    if (h->restrict_domid == DOMID_INVALID)
        h->restrict_domid = (uint32_t)(domid & 0xffff);
    else if (h->restrict_domid != domid)
        return -EINVAL;
    return 0;
}

/* IOCTL_EVTCHN_RESTRICT_DOMID: once only, and not to dom0. */
static int calls_restrict_evtchn(struct handle *h, uint64_t domid)
{
    if (h->restrict_domid != DOMID_INVALID)
        return -EACCES;
    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    h->restrict_domid = (uint32_t)domid;
    return 0;
}

/* ---- xendevicemodel ---- */

static int calls_server_info(uint64_t *a)
{
    unsigned id = (unsigned)a[1];
    bool want_gfns = a[2];
    struct server *s = domain_server(id);

    if (!s)
        return -ENOENT;
    if (want_gfns) {
        if (domain.arch == DOMAIN_ARM)
            return -EOPNOTSUPP; /* arch_ioreq_server_map_pages */
        int rc = domain_use_pages(id, PAGES_GFN);
        if (rc < 0)
            return rc;
    }
    a[0] = want_gfns ? domain_server_gfn(id, 1) : 0;
    a[1] = want_gfns && s->bufioreq ? domain_server_gfn(id, 0) : 0;
    a[2] = s->buf_port;
    return 0;
}

static int calls_set_state(uint64_t id, uint64_t enabled)
{
    int rc = domain_set_server_state((unsigned)id, enabled);
    if (rc == 0 && enabled)
        guest_server_enabled();
    return rc;
}

static int calls_destroy(uint64_t id)
{
    if (!domain_server(id))
        return -ENOENT;
    ioreq_server_destroyed((unsigned)id);
    return domain_destroy_server((unsigned)id);
}

static int calls_modified(const uint64_t *a, const void *payload, uint32_t len)
{
    struct xen_dm_op_modified_memory_extent ext;
    if ((uint64_t)len != a[1] * sizeof(ext))
        return -EINVAL;
    for (uint64_t i = 0; i < a[1]; i++) {
        memcpy(&ext, (const char *)payload + i * sizeof(ext), sizeof(ext));
        int rc = domain_modified_memory(ext.first_pfn, ext.nr);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int calls_track_dirty_vram(const uint64_t *a, struct reply *rep)
{
    /* nr is at most 1 GB of pages: 32 KB of bitmap fit a reply */
    int rc = domain_track_dirty_vram(a[1], a[2], rep->payload);
    if (rc == 0)
        rep->len = (uint32_t)((a[2] + 7) / 8);
    return rc;
}

static int calls_devicemodel(const struct handle *h, uint32_t op, uint64_t *a,
                             const void *payload, uint32_t len, struct reply *rep)
{
    int rc = calls_target(h, a[0], EPERM);
    if (rc < 0)
        return rc;
    switch (op) {
    case XENSIM_DM_CREATE_IOREQ_SERVER: {
        unsigned id;
        rc = domain_create_server(a[1], &id);
        a[0] = id;
        return rc;
    }
    case XENSIM_DM_GET_IOREQ_SERVER_INFO:
        return calls_server_info(a);
    case XENSIM_DM_MAP_IO_RANGE:
    case XENSIM_DM_MAP_PCIDEV:
        return domain_map_range((unsigned)a[1], a[2], a[3], a[4]);
    case XENSIM_DM_UNMAP_IO_RANGE:
    case XENSIM_DM_UNMAP_PCIDEV:
        return domain_unmap_range((unsigned)a[1], a[2], a[3], a[4]);
    case XENSIM_DM_SET_IOREQ_SERVER_STATE:
        return calls_set_state(a[1], a[2]);
    case XENSIM_DM_DESTROY_IOREQ_SERVER:
        return calls_destroy(a[1]);
    case XENSIM_DM_SET_ISA_IRQ_LEVEL:
        return domain_set_isa_irq(a[1], a[2]);
    case XENSIM_DM_SET_PCI_INTX_LEVEL:
        return domain_set_intx(a[1], a[2], a[3], a[4], a[5]);
    case XENSIM_DM_SET_IRQ_LEVEL:
        return domain_set_spi(a[1], a[2]);
    case XENSIM_DM_SET_PCI_LINK_ROUTE:
        return domain_set_link_route(a[1], a[2]);
    case XENSIM_DM_INJECT_MSI:
        return domain_inject_msi(a[1], a[2]);
    case XENSIM_DM_MODIFIED_MEMORY:
    case XENSIM_DM_MODIFIED_MEMORY_BULK:
        return calls_modified(a, payload, len);
    case XENSIM_DM_SHUTDOWN:
        return domain_shutdown(a[1]);
    case XENSIM_DM_NR_VCPUS:
        a[0] = domain.vcpus;
        return 0;
    case XENSIM_DM_INJECT_EVENT:
        return domain_inject_event(a[1], a[2], a[3], a[4], a[5], a[6]);
    case XENSIM_DM_SET_MEM_TYPE:
        return domain_set_mem_type(a[1], a[2], a[3]);
    case XENSIM_DM_MAP_MEM_TYPE:
        return domain_map_mem_type(a[1], a[2], a[3]);
    case XENSIM_DM_TRACK_DIRTY_VRAM:
        return calls_track_dirty_vram(a, rep);
    case XENSIM_DM_RELOCATE_MEMORY:
        return domain_relocate_memory(a[1], a[2], a[3]);
    case XENSIM_DM_PIN_MEMORY_CACHEATTR:
        return domain_pin_cacheattr(a[1], a[2], a[3]);
    default:
        return -ENOSYS;
    }
}

/* ---- xenforeignmemory ---- */

static int calls_map(const struct handle *h, uint64_t *a, const void *payload,
                     uint32_t len, struct reply *rep)
{
    uint64_t pages = a[2];
    bool all_or_nothing = a[3];
    int rc = calls_target(h, a[0], EPERM);

    if (rc < 0)
        return rc;
    if (domain.destroyed)
        return -ESRCH; /* dying: its memory can no longer be mapped */
    if (pages == 0 || pages > XENSIM_MAX_MAP_PAGES || len != pages * sizeof(uint64_t))
        return -EINVAL;
    int32_t *errs = rep->payload;
    int first = 0;
    uint64_t ram = 0, ram_gfn = 0;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t gfn;
        memcpy(&gfn, (const char *)payload + i * sizeof(gfn), sizeof(gfn));
        errs[i] = domain_gfn_error(gfn);
        if (errs[i] && !first)
            first = errs[i];
        if (!errs[i] && gfn < domain.ram_pages && !ram++)
            ram_gfn = gfn;
    }
    if (all_or_nothing && first)
        return -first;
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        if (!calls_maps[i].used) {
            calls_maps[i] = (struct foreign_map){ true, h->serial, h->pid, a[1], pages,
                                                  ram, ram_gfn };
            rep->len = (uint32_t)(pages * sizeof(int32_t));
            return 0;
        }
    }
    return -ENOMEM;
}

static int calls_unmap(uint64_t addr, uint64_t pages)
{
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        if (calls_maps[i].used && calls_maps[i].addr == addr &&
            calls_maps[i].pages == pages) {
            calls_maps[i].used = false;
            return 0;
        }
    }
    sim_fail("xenforeignmemory_unmap(%#llx, %llu pages): no such mapping",
             (unsigned long long)addr, (unsigned long long)pages);
    return -EINVAL;
}

static int calls_map_resource(const struct handle *h, uint64_t *a)
{
    uint64_t type = a[1], id = a[2], frame = a[3], nr = a[4];
    int rc = calls_target(h, a[0], EPERM);

    if (rc < 0)
        return rc;
    if (domain.destroyed)
        return -ESRCH;
    if (type != XENMEM_resource_ioreq_server || nr == 0 ||
        frame >= CALLS_RESOURCE_FRAMES || nr > CALLS_RESOURCE_FRAMES - frame)
        return -EINVAL;
    struct server *s = domain_server(id);
    if (!s)
        return -ENOENT;
    rc = domain_use_pages((unsigned)id, PAGES_RESOURCE);
    if (rc < 0)
        return rc;
    if (frame == XENMEM_resource_ioreq_server_frame_bufioreq && !s->bufioreq)
        return -ENOENT;
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        if (!calls_resmaps[i].used) {
            calls_resmaps[i] = (struct resource_map){
                true, h->serial, h->pid, calls_next_cookie++, id, frame, nr,
            };
            a[0] = domain_server_gfn((unsigned)id, (unsigned)frame) * DOMAIN_PAGE;
            a[1] = calls_resmaps[i].cookie;
            return 0;
        }
    }
    return -ENOMEM;
}

static int calls_unmap_resource(uint64_t cookie)
{
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        if (calls_resmaps[i].used && calls_resmaps[i].cookie == cookie) {
            calls_resmaps[i].used = false;
            return 0;
        }
    }
    sim_fail("xenforeignmemory_unmap_resource: unknown resource handle");
    return -EINVAL;
}

static int calls_foreignmemory(const struct handle *h, uint32_t op, uint64_t *a,
                               const void *payload, uint32_t len,
                               struct reply *rep)
{
    switch (op) {
    case XENSIM_FM_MAP:
    case XENSIM_FM_MAP2:
        return calls_map(h, a, payload, len, rep);
    case XENSIM_FM_UNMAP:
        return calls_unmap(a[0], a[1]);
    case XENSIM_FM_MAP_RESOURCE:
        return calls_map_resource(h, a);
    case XENSIM_FM_UNMAP_RESOURCE:
        return calls_unmap_resource(a[0]);
    case XENSIM_FM_RESOURCE_SIZE: {
        int rc = calls_target(h, a[0], EPERM);
        if (rc < 0)
            return rc;
        if (a[1] != XENMEM_resource_ioreq_server)
            return -EINVAL;
        a[0] = CALLS_RESOURCE_FRAMES * DOMAIN_PAGE;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}

/* ---- xenevtchn ---- */

static int calls_evtchn(struct handle *h, uint32_t op, const uint64_t *a)
{
    switch (op) {
    case XENSIM_EV_NOTIFY:
        return events_notify(h, (uint32_t)a[0]);
    case XENSIM_EV_BIND_INTERDOMAIN:
        if (h->restrict_domid != DOMID_INVALID && a[0] != h->restrict_domid)
            return -EACCES;
        if (a[0] != domain.domid || domain.destroyed)
            return -ESRCH;
        return events_bind(h, (uint32_t)a[1]);
    case XENSIM_EV_UNBIND:
        return events_unbind(h, (uint32_t)a[0]);
    case XENSIM_EV_PENDING:
        return 0;
    case XENSIM_EV_UNMASK:
        return events_unmask(h, (uint32_t)a[0]);
    default:
        return -ENOSYS;
    }
}

/* ---- the handle itself ---- */

static int calls_open(struct handle *h, uint32_t op, int *fd_in, struct reply *rep)
{
    switch (op) {
    case XENSIM_DM_OPEN:
        h->kind = HANDLE_DEVICEMODEL;
        return 0;
    case XENSIM_FM_OPEN:
        h->kind = HANDLE_FOREIGNMEMORY;
        rep->fd = domain.memfd;
        return 0;
    case XENSIM_EV_OPEN:
        if (*fd_in < 0)
            return -EINVAL;
        if (fcntl(*fd_in, F_SETFL, O_NONBLOCK) < 0)
            return -errno;
        h->kind = HANDLE_EVTCHN;
        h->evfd = *fd_in;
        *fd_in = -1;
        return 0;
    default:
        h->kind = HANDLE_ONESHOT;
        return 0;
    }
}

static void calls_close(struct handle *h, const char *how)
{
    if (h->kind == HANDLE_EVTCHN)
        events_release(h, how);
    if (h->evfd >= 0)
        close(h->evfd);
    h->evfd = -1;
    h->closed = true;
}

static int calls_run(struct handle *h, struct xensim_msg *msg,
                     const void *payload, int *fd_in, struct reply *rep)
{
    uint32_t op = msg->op;
    if (calls_is_open(op))
        return calls_open(h, op, fd_in, rep);
    if (calls_is_close(op)) {
        calls_close(h, "closed");
        return 0;
    }
    switch (op) {
    case XENSIM_DM_RESTRICT:
    case XENSIM_FM_RESTRICT:
        return calls_restrict_privcmd(h, msg->arg[0]);
    case XENSIM_EV_RESTRICT:
        return calls_restrict_evtchn(h, msg->arg[0]);
    default:
        break;
    }
    switch (h->kind) {
    case HANDLE_DEVICEMODEL:
        return calls_devicemodel(h, op, msg->arg, payload, msg->len, rep);
    case HANDLE_FOREIGNMEMORY:
        return calls_foreignmemory(h, op, msg->arg, payload, msg->len, rep);
    case HANDLE_EVTCHN:
        return calls_evtchn(h, op, msg->arg);
    default:
        return -ENOSYS;
    }
}

void calls_dispatch(struct handle *h, struct xensim_msg *msg,
                    const void *payload, int fd_in, struct reply *rep)
{
    uint32_t op = msg->op;
    uint64_t in[5];
    int rc;

    memcpy(in, msg->arg, sizeof(in));
    rep->len = 0;
    rep->fd = -1;
    rep->none = false;
    if (!calls_allowed(h, op)) {
        sim_fail("protocol: call %u (%s) on %s handle #%u", op, xensim_op_name(op),
                 calls_kind_name(h->kind), h->serial);
        rc = -EPROTO;
    } else {
        const struct injection *inj =
            msg->flags & XENSIM_F_INTERNAL ? NULL : calls_injected(op);
        if (inj && inj->err == 0 && program_killing(inj->spec, h->pid)) {
            rep->none = true; /* it dies in the call, which never happens */
            rc = -EINTR;
        } else if (!inj || inj->err == 0) {
            rc = calls_run(h, msg, payload, &fd_in, rep);
        } else {
            /* A failed close still releases the handle, as in the real libraries. */
            if (calls_is_close(op))
                calls_run(h, msg, payload, &fd_in, rep);
            rc = -inj->err;
            rep->len = 0;
            rep->fd = -1;
        }
    }
    if (fd_in >= 0)
        close(fd_in);
    msg->ret = rc < 0 ? -1 : rc;
    msg->err = rc < 0 ? -rc : 0;
    msg->len = rep->len;
    sim_trace("%s #%u: %s(%#llx, %#llx, %#llx, %#llx, %#llx) = %d%s%s",
              calls_kind_name(h->kind), h->serial, xensim_op_name(op),
              (unsigned long long)in[0], (unsigned long long)in[1],
              (unsigned long long)in[2], (unsigned long long)in[3],
              (unsigned long long)in[4], msg->ret, rc < 0 ? " " : "",
              rc < 0 ? strerrorname_np(-rc) : "");
}

void calls_disconnect(struct handle *h)
{
    if (h->kind != HANDLE_NONE && h->kind != HANDLE_ONESHOT && !h->closed) {
        sim_leak("%s handle #%u was never closed", calls_kind_name(h->kind), h->serial);
        calls_close(h, "abandoned");
    }
    if (h->evfd >= 0)
        close(h->evfd);
    h->evfd = -1;
}

void calls_release(struct handle *h)
{
    if (h->kind == HANDLE_EVTCHN && !h->closed)
        events_close_all(h);
    if (h->evfd >= 0)
        close(h->evfd);
    h->evfd = -1;
    h->closed = true;
}

unsigned calls_unmap_process(pid_t pid)
{
    unsigned n = 0;
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        if (calls_maps[i].used && calls_maps[i].pid == pid) {
            calls_maps[i].used = false;
            n++;
        }
        if (calls_resmaps[i].used && calls_resmaps[i].pid == pid) {
            calls_resmaps[i].used = false;
            n++;
        }
    }
    return n;
}

uint64_t calls_ram_mapped(uint64_t *gfn)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        const struct foreign_map *m = &calls_maps[i];
        if (m->used && m->ram_pages && !n && gfn)
            *gfn = m->ram_gfn;
        n += m->used ? m->ram_pages : 0;
    }
    return n;
}

uint64_t calls_map_calls(void)
{
    return calls_count[XENSIM_FM_MAP] + calls_count[XENSIM_FM_MAP2];
}

void calls_report(void)
{
    for (unsigned i = 0; i < CALLS_MAX_MAPS; i++) {
        const struct foreign_map *m = &calls_maps[i];
        if (m->used)
            sim_leak("foreign mapping of %llu page(s) at %#llx (xenforeignmemory "
                     "handle #%u) was not unmapped", (unsigned long long)m->pages,
                     (unsigned long long)m->addr, m->serial);
        const struct resource_map *r = &calls_resmaps[i];
        if (r->used)
            sim_leak("resource mapping of ioreq server %llu frames %llu-%llu "
                     "(xenforeignmemory handle #%u) was not unmapped",
                     (unsigned long long)r->server, (unsigned long long)r->frame,
                     (unsigned long long)(r->frame + r->nr - 1), r->serial);
    }
    for (unsigned i = 0; i < calls_nr_fails; i++) {
        const struct injection *inj = &calls_fails[i];
        if (!inj->hits)
            sim_fail("%s %s never %s: %s was called %llu time(s)",
                     inj->err ? "--fail" : "--kill-at", inj->spec,
                     inj->err ? "triggered" : "fired", xensim_op_name(inj->op),
                     (unsigned long long)calls_count[inj->op]);
    }
}
