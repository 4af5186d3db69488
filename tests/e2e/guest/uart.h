/* SPDX-License-Identifier: MIT */
/*
 * A 16550 seen through one bus: port I/O (one register per port) or MMIO
 * with reg_shift (register N at base + (N << shift)).
 */
#ifndef E2E_UART_H
#define E2E_UART_H

#include <stdbool.h>
#include <stdint.h>

struct uart_bus {
    uint32_t base;
    unsigned shift;
    bool mmio;
};

extern const struct uart_bus uart_com1;  /* port 0x3f8 */
extern const struct uart_bus uart_mmio; /* 0xfe000000, reg_shift = 2 */

uint32_t uart_read(const struct uart_bus *b, unsigned reg, unsigned width);
void uart_write(const struct uart_bus *b, unsigned reg, unsigned width, uint32_t v);

/* Wait (bounded) until the transmitter can take a byte; false on timeout. */
bool uart_wait_thre(const struct uart_bus *b);
/* Send text one byte at a time through THR, each after LSR.THRE. */
void uart_puts(const struct uart_bus *b, const char *s);

#endif
