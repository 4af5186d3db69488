/* SPDX-License-Identifier: MIT */
/*
 * Boot loader for the HVM test guest's disk (tests/e2e/run builds the
 * disk).  It loads Debian's bzImage and the initramfs and starts the kernel
 * by the Linux x86 boot protocol (Documentation/arch/x86/boot.rst): the job
 * of QEMU's -kernel, which copies through fw_cfg one byte per emulated I/O
 * access and takes minutes under nested TCG.  Here SeaBIOS reads the disk
 * through AHCI, whose DMA costs QEMU a memcpy per request.
 *
 * Disk layout, in 512-byte sectors:
 *   0-3      this loader (SeaBIOS loads sector 0 at 0x7c00; it reads 1-3)
 *   4        struct boot_params_block below, then the kernel command line
 *   5...     the bzImage, then the initramfs, each from a sector boundary
 *
 * Memory: real-mode kernel at 0x10000 (heap and stack up to 0x1e000),
 * sector 4 at 0x1e000, bounce buffer at 0x20000, protected-mode kernel at
 * 0x100000, initramfs at INITRD_ADDR.
 */
    .code16

#define SETUP_SEG       0x1000          /* real-mode kernel at 0x10000 */
#define PARAMS_SEG      0x1e00          /* sector 4 at 0x1e000 */
#define BOUNCE_SEG      0x2000          /* 64 KiB bounce buffer at 0x20000 */
/* Sectors per disk read.  Every AHCI command costs several trips to QEMU,
 * so reads are as large as SeaBIOS's AHCI driver takes (more than 128
 * sectors fail) and INT 15h AH=87h copies (64 KiB). */
#define CHUNK           128
#define PM_KERNEL       0x100000
#define INITRD_ADDR     0x4000000       /* 64 MiB */

/* struct boot_params_block (sector 4), written by tests/e2e/run */
#define P_KERNEL_LBA    0
#define P_KERNEL_SECTS  4
#define P_INITRD_LBA    8
#define P_INITRD_BYTES  12
#define P_CMDLINE       16

/* Linux setup header fields (offsets in the real-mode kernel) */
#define H_SETUP_SECTS   0x1f1
#define H_LOADER_TYPE   0x210
#define H_LOADFLAGS     0x211
#define H_RAMDISK_IMAGE 0x218
#define H_RAMDISK_SIZE  0x21c
#define H_HEAP_END_PTR  0x224
#define H_CMD_LINE_PTR  0x228
#define CAN_USE_HEAP    0x80

    .text
    .globl _start
_start:
    cli
    xor     %ax, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     $0x7c00, %sp
    sti
    mov     %dl, boot_drive
    /* The rest of this loader: sectors 1-3 to 0x7e00. */
    mov     $1, %eax
    mov     $3, %bx
    mov     $0x07e0, %dx
    call    read
    jmp     stage2

/* read: %bx sectors from LBA %eax to %dx:0000, through INT 13h AH=42h. */
read:
    pushal
    mov     %bx, dap_count
    mov     %dx, dap_seg
    mov     %eax, dap_lba
    mov     $0x42, %ah
    mov     boot_drive, %dl
    mov     $dap, %si
    int     $0x13
    jc      fail
    popal
    ret

fail:
    mov     $msg_fail, %si
1:  lodsb
    test    %al, %al
    jz      2f
    outb    %al, $0xe9                  /* Xen's debug port: "(d1) ..." */
    jmp     1b
2:  cli
    hlt
    jmp     2b

msg_fail: .asciz "hvm-boot: disk read failed\n"

    .balign 4
dap:            .byte 16, 0
dap_count:      .word 0
dap_off:        .word 0
dap_seg:        .word 0
dap_lba:        .quad 0
boot_drive:     .byte 0

    .org 510
    .byte 0x55, 0xaa

/* ------------------------------------------------------------ sector 1 */
stage2:
    /* Sector 4: where the kernel and initramfs are, and the command line. */
    mov     $4, %eax
    mov     $1, %bx
    mov     $PARAMS_SEG, %dx
    call    read

    /* The real-mode kernel: its first sector says how long it is. */
    mov     $PARAMS_SEG, %ax
    mov     %ax, %fs
    mov     %fs:P_KERNEL_LBA, %eax
    mov     $1, %bx
    mov     $SETUP_SEG, %dx
    call    read
    mov     $SETUP_SEG, %cx
    mov     %cx, %gs
    xor     %ebx, %ebx
    mov     %gs:H_SETUP_SECTS, %bl
    test    %bl, %bl
    jnz     1f
    mov     $4, %bl                     /* 0 means 4 */
1:  inc     %bx                         /* plus the boot sector */
    call    read

    /* The protected-mode kernel: the rest of the bzImage, to 1 MiB. */
    add     %ebx, %eax
    mov     %fs:P_KERNEL_SECTS, %ecx
    sub     %ebx, %ecx
    mov     $PM_KERNEL, %edi
    call    load_high

    /* The initramfs. */
    mov     %fs:P_INITRD_LBA, %eax
    mov     %fs:P_INITRD_BYTES, %ecx
    add     $511, %ecx
    shr     $9, %ecx
    mov     $INITRD_ADDR, %edi
    call    load_high

    /* Tell the kernel what we did (boot protocol 2.02 and later). */
    movb    $0xff, %gs:H_LOADER_TYPE    /* undefined boot loader */
    orb     $CAN_USE_HEAP, %gs:H_LOADFLAGS
    movw    $0xe000 - 0x200, %gs:H_HEAP_END_PTR
    movl    $(PARAMS_SEG << 4) + P_CMDLINE, %gs:H_CMD_LINE_PTR
    movl    $INITRD_ADDR, %gs:H_RAMDISK_IMAGE
    mov     %fs:P_INITRD_BYTES, %eax
    mov     %eax, %gs:H_RAMDISK_SIZE

    /* Enter the real-mode kernel at offset 0x200 with its segments. */
    cli
    mov     $SETUP_SEG, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %fs
    mov     %ax, %gs
    mov     %ax, %ss
    mov     $0xe000, %sp
    ljmp    $SETUP_SEG + 0x20, $0

/*
 * load_high: %ecx sectors from LBA %eax to linear address %edi, CHUNK
 * sectors at a time through the bounce buffer and INT 15h AH=87h (the
 * BIOS copies above 1 MiB for us).
 */
load_high:
    pushal
1:  test    %ecx, %ecx
    jz      3f
    mov     $CHUNK, %ebx
    cmp     %ebx, %ecx
    jae     2f
    mov     %ecx, %ebx
2:  mov     $BOUNCE_SEG, %dx
    call    read
    call    copy_high
    add     %ebx, %eax
    sub     %ebx, %ecx
    shl     $9, %ebx
    add     %ebx, %edi
    jmp     1b
3:  popal
    ret

/* copy_high: %bx sectors from the bounce buffer to linear address %edi. */
copy_high:
    pushal
    mov     %edi, %eax
    mov     %ax, gdt_dst + 2            /* base 15:0 */
    shr     $16, %eax
    mov     %al, gdt_dst + 4            /* base 23:16 */
    mov     %ah, gdt_dst + 7            /* base 31:24 */
    mov     %bx, %cx
    shl     $8, %cx                     /* words */
    xor     %ax, %ax
    mov     %ax, %es
    mov     $gdt, %si
    mov     $0x87, %ah
    int     $0x15
    jc      fail
    popal
    ret

/* INT 15h AH=87h descriptor table: two null entries, source, destination,
 * and two the BIOS fills in. */
    .balign 8
gdt:        .quad 0, 0
gdt_src:    .word 0xffff, 0x0000
            .byte BOUNCE_SEG >> 12, 0x93, 0x00, 0x00
gdt_dst:    .word 0xffff, 0x0000
            .byte 0x00, 0x93, 0x00, 0x00
            .quad 0, 0

    .org 4 * 512
