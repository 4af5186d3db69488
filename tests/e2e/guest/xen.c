/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls from a 32-bit PVH guest.  Without a hypercall page the guest
 * issues VMMCALL itself (AMD SVM: the only virtualization QEMU's TCG
 * emulates): %eax = hypercall number, arguments in %ebx, %ecx, ...
 */
#include <stdint.h>

/* Without this, xen.h maps sched_op to the pre-3.0.2 "compat" hypercall,
 * which HVM guests cannot use. */
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_vcpu.h>

#include "hw.h"
#include "xen.h"

#define XEN_DEBUG_PORT 0xe9

static long hypercall2(unsigned op, uint32_t a1, uint32_t a2)
{
    long ret;
    __asm__ volatile("vmmcall" : "=a"(ret) : "a"(op), "b"(a1), "c"(a2) : "memory");
    return ret;
}

static long hypercall3(unsigned op, uint32_t a1, uint32_t a2, uint32_t a3)
{
    long ret;
    __asm__ volatile("vmmcall" : "=a"(ret) : "a"(op), "b"(a1), "c"(a2), "d"(a3) : "memory");
    return ret;
}

void xen_puts(const char *s)
{
    while (*s)
        outb(XEN_DEBUG_PORT, (uint8_t)*s++);
}

void xen_yield(void)
{
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

void xen_poweroff(void)
{
    struct sched_shutdown arg = { .reason = SHUTDOWN_poweroff };

    for (;;)
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint32_t)&arg);
}

int xen_vcpu_start(unsigned id, void (*entry)(void), void *stack_top)
{
    /* Flat 4 GiB segments, as Xen gives vCPU 0 at the PVH entry point.
     * Attributes: G=1 D=1 P=1 S=1, type code exec/read (CS), data r/w. */
    static struct vcpu_hvm_context ctx; /* zero-filled; only vCPU 0 calls this */
    struct vcpu_hvm_x86_32 *r = &ctx.cpu_regs.x86_32;
    long rc;

    ctx.mode = VCPU_HVM_MODE_32B;
    r->eip = (uint32_t)entry;
    r->esp = (uint32_t)stack_top;
    r->cr0 = 0x11; /* PE | ET */
    r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
    r->cs_ar = 0xc9b;
    r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
    r->tr_limit = 0x67;
    r->tr_ar = 0x8b; /* 32-bit busy TSS, as Xen requires for TR */

    rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_initialise, id, (uint32_t)&ctx);
    if (rc == 0)
        rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_up, id, 0);
    return (int)rc;
}
