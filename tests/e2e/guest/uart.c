/* SPDX-License-Identifier: MIT */
#include "hw.h"
#include "report.h"
#include "uart.h"

const struct uart_bus uart_com1 = { .base = COM1, .shift = 0, .mmio = false };
const struct uart_bus uart_mmio = { .base = MMIO_UART, .shift = 2, .mmio = true };

uint32_t uart_read(const struct uart_bus *b, unsigned reg, unsigned width)
{
    uint32_t addr = b->base + (reg << b->shift);

    if (b->mmio)
        return width == 4 ? readl(addr) : width == 2 ? readw(addr) : readb(addr);
    if (width == 4)
        return inl((uint16_t)addr);
    return width == 2 ? inw((uint16_t)addr) : inb((uint16_t)addr);
}

void uart_write(const struct uart_bus *b, unsigned reg, unsigned width, uint32_t v)
{
    uint32_t addr = b->base + (reg << b->shift);

    if (b->mmio) {
        if (width == 4)
            writel(addr, v);
        else if (width == 2)
            writew(addr, (uint16_t)v);
        else
            writeb(addr, (uint8_t)v);
    } else {
        if (width == 4)
            outl((uint16_t)addr, v);
        else if (width == 2)
            outw((uint16_t)addr, (uint16_t)v);
        else
            outb((uint16_t)addr, (uint8_t)v);
    }
}

bool uart_wait_thre(const struct uart_bus *b)
{
    for (unsigned i = 0; i < 100000; i++)
        if (uart_read(b, UART_LSR, 1) & LSR_THRE)
            return true;
    report_note("timed out waiting for LSR.THRE");
    return false;
}

void uart_puts(const struct uart_bus *b, const char *s)
{
    while (*s) {
        uart_wait_thre(b);
        uart_write(b, UART_THR, 1, (uint8_t)*s++);
    }
}
