/* SPDX-License-Identifier: MIT */
/*
 * The few services the tiny guest needs from Xen: console output through
 * the debug port, hypercalls (shutdown, yield, bringing up a vCPU).
 */
#ifndef E2E_XEN_H
#define E2E_XEN_H

#include <stdint.h>

/* Write text to Xen's debug port 0xe9; Xen prints each line as "(dN) ...". */
void xen_puts(const char *s);

/* Give the physical CPU away once (SCHEDOP_yield). */
void xen_yield(void);

/* Power the domain off (SCHEDOP_shutdown, SHUTDOWN_poweroff); never returns. */
void xen_poweroff(void) __attribute__((noreturn));

/*
 * Start vCPU `id` in 32-bit flat protected mode at `entry` with the stack
 * pointer `stack_top`.  Returns 0 or Xen's negative error code.
 */
int xen_vcpu_start(unsigned id, void (*entry)(void), void *stack_top);

#endif
