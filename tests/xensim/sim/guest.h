/* SPDX-License-Identifier: MIT */
/*
 * The guest: runs the script's actions on its vCPUs.
 *
 * An I/O action on vCPU N waits only until vCPU N is idle, then issues its
 * request and moves on, so consecutive I/O on different vCPUs is in
 * flight at once.  Every other action, and the end of the script, first
 * waits until all vCPUs are idle.  Reads print `OP ADDR -> VALUE` when
 * answered; a failed expectation prints a FAIL line and the script goes
 * on.  The `early` block runs as soon as dmd first enables an ioreq
 * server, before READY=1, like a guest that is already running.
 *
 * The actions that control the program (kill-dmd, start-dmd, stop-dmd,
 * cont-dmd) do not wait for the vCPUs: a request may be in flight across a
 * restart; servers, ranges and fdstore wait only while a program can
 * answer.  Any other action that must wait for an answer while no program
 * runs (killed, not started again) would wait forever: it fails and stops
 * the script.
 */
#ifndef XENSIM_GUEST_H
#define XENSIM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

#include "script.h"

/* Guest RAM the simulator needs for rep buffers (and so the minimum). */
#define GUEST_MIN_MEMORY_MB 4

/* timeout_ms: how long start-dmd waits for the last program to die. */
void guest_init(const struct script *s, unsigned timeout_ms);
/* dmd enabled an ioreq server: start the early block (first time only). */
void guest_server_enabled(void);
/* dmd is ready: the script may run. */
void guest_start(void);
/* Run actions as far as they can go now. */
void guest_step(uint64_t now);
/* When guest_step() wants to run again without any event. */
uint64_t guest_deadline(uint64_t now);
/* The script is over (or aborted) and no vCPU waits. */
bool guest_finished(void);
/* The script is over (or aborted), whether or not a vCPU still waits. */
bool guest_script_over(void);
unsigned guest_actions_run(void);

/* ioreq_done_fn: a vCPU's request was answered. */
void guest_ioreq_done(unsigned vcpu, const ioreq_t *resp);

#endif
