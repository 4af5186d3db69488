/* SPDX-License-Identifier: MIT */
/*
 * The control socket of proto.h: accepts one connection per library
 * handle, reads each request (and any descriptor passed with it), lets
 * calls.c answer it and sends the reply back.
 */
#ifndef XENSIM_CONTROL_H
#define XENSIM_CONTROL_H

#include "loop.h"

int control_init(const char *path);
void control_poll(struct loop *l);
/* The program under test is gone: answer what it left queued, then treat
 * every connection as ended (handles not closed are leaks). */
void control_drain(void);
void control_fini(void);

#endif
