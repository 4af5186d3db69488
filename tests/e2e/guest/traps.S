/* SPDX-License-Identifier: MIT */
/*
 * Exceptions for the tiny guest (scenario "events"): a GDT of its own (PVH
 * leaves the GDT unspecified, and an exception reloads CS from it) and an
 * IDT whose 32 exception vectors enter trap_record(vector, error, cr2),
 * with 0 for the error code where the CPU pushes none, then return.
 */
    .text
    .code32

    .globl traps_install
traps_install:
    lgdt    gdt_desc
    ljmp    $0x08, $1f
1:  mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %fs
    mov     %ax, %gs
    mov     %ax, %ss
    xor     %ecx, %ecx
2:  mov     trap_stubs(,%ecx,4), %eax
    mov     %ax, idt(,%ecx,8)          /* offset 15:0 */
    movw    $0x08, idt+2(,%ecx,8)      /* code selector */
    movw    $0x8e00, idt+4(,%ecx,8)    /* present, DPL 0, 32-bit interrupt gate */
    shr     $16, %eax
    mov     %ax, idt+6(,%ecx,8)        /* offset 31:16 */
    inc     %ecx
    cmp     $32, %ecx
    jb      2b
    lidt    idt_desc
    ret

/* The vectors for which the CPU pushes an error code. */
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
trap_\v:
    .if \v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30
    .else
    push    $0
    .endif
    push    $\v
    jmp     trap_common
    .endr

trap_common:
    pushal                              /* 32 bytes */
    mov     32(%esp), %eax              /* vector */
    mov     36(%esp), %edx              /* error code */
    mov     %cr2, %ecx
    push    %ecx
    push    %edx
    push    %eax
    call    trap_record
    add     $12, %esp
    popal
    add     $8, %esp                    /* vector, error code */
    iret

    .data
    .balign 4
trap_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long   trap_\v
    .endr

    .balign 8
gdt:
    .quad   0
    .quad   0x00cf9a000000ffff          /* 0x08: code, 32-bit, base 0, 4 GiB */
    .quad   0x00cf92000000ffff          /* 0x10: data, base 0, 4 GiB */
gdt_end:
gdt_desc:
    .word   gdt_end - gdt - 1
    .long   gdt
idt_desc:
    .word   32 * 8 - 1
    .long   idt

    .bss
    .balign 8
idt:
    .skip   32 * 8
