/* SPDX-License-Identifier: MIT */
/*
 * Entry points of the tiny PVH guest.
 *
 * Xen reads XEN_ELFNOTE_PHYS32_ENTRY to learn that this ELF boots as a PVH
 * guest and where: vCPU 0 starts there in 32-bit protected mode, paging off,
 * flat segments, interrupts off, %ebx = physical address of hvm_start_info.
 */
#include <xen/elfnote.h>

    .section .note.Xen, "a", @note
    .balign 4
    .long 2f - 1f               /* name size */
    .long 4f - 3f               /* descriptor size */
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .long pvh_start
4:  .balign 4

    .text
    .code32
    .globl pvh_start
pvh_start:
    mov     $boot_stack_top, %esp
    push    %ebx                /* struct hvm_start_info * */
    call    guest_main
    jmp     halt

    /* Secondary vCPUs: %esp comes from VCPUOP_initialise (xen.c). */
    .globl ap_start
ap_start:
    call    scenario_smp_ap
halt:
    /* HLT with interrupts off takes this vCPU down for good. */
    cli
    hlt
    jmp     halt

    .bss
    .balign 16
boot_stack:
    .skip   16384
boot_stack_top:
