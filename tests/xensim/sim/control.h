/* SPDX-License-Identifier: MIT */
/*
 * The control socket of proto.h: accepts one connection per library
 * handle, reads each request (and any descriptor passed with it), lets
 * calls.c answer it and sends the reply back.
 */
#ifndef XENSIM_CONTROL_H
#define XENSIM_CONTROL_H

#include <sys/types.h>

#include "loop.h"

int control_init(const char *path);
void control_poll(struct loop *l);
/* The program under test is gone: answer what it left queued, then treat
 * every connection as ended (handles not closed are leaks). */
void control_drain(void);
/*
 * Process `pid` died (SIGKILL): answer what it left queued (calls it made
 * complete, as a hypercall does), then release every handle it had and
 * every mapping it held, as the kernel does: no leaks.  Returns how many
 * handles that was.
 */
unsigned control_release(pid_t pid);
void control_fini(void);

#endif
