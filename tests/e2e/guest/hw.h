/* SPDX-License-Identifier: MIT */
/*
 * Hardware access for the tiny guest: port I/O, MMIO and the 16550 register
 * map.  Every port or MMIO access below that falls in a range dmd claimed
 * leaves the vCPU and becomes one ioreq to dmd.
 */
#ifndef E2E_HW_H
#define E2E_HW_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* `rep outsb`: one instruction, one ioreq with data_is_ptr = 1 that makes
 * dmd read the bytes from guest memory. */
static inline void outsb(uint16_t port, const void *buf, uint32_t len)
{
    __asm__ volatile("cld; rep outsb" : "+S"(buf), "+c"(len) : "d"(port) : "memory");
}

/* Paging is off and segments are flat: a physical address is a pointer. */
static inline void writeb(uint32_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }
static inline void writew(uint32_t addr, uint16_t v) { *(volatile uint16_t *)addr = v; }
static inline void writel(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline uint8_t readb(uint32_t addr) { return *(volatile uint8_t *)addr; }
static inline uint16_t readw(uint32_t addr) { return *(volatile uint16_t *)addr; }
static inline uint32_t readl(uint32_t addr) { return *(volatile uint32_t *)addr; }

/* Where the scenarios' dmd.ini files put the UARTs. */
#define COM1 0x3f8
#define MMIO_UART 0xfe000000u /* reg_shift = 2: register N at offset 4 * N */

/* 16550 registers (offsets in register units) and the bits the tests use. */
#define UART_RBR 0 /* read, DLAB = 0 */
#define UART_THR 0 /* write, DLAB = 0 */
#define UART_DLL 0 /* DLAB = 1 */
#define UART_IER 1 /* DLAB = 0 */
#define UART_DLM 1 /* DLAB = 1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_FIFO_SIZE 16

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define FCR_ENABLE 0x01
#define FCR_CLEAR 0x06 /* clear RX and TX FIFOs */

#endif
