/* SPDX-License-Identifier: MIT */
/*
 * A device with a character backend (the 16550, the PL011) built the way
 * the core builds it, on a loop of its own, with a fake_irq.c line: the
 * part their unit tests share.  A test file sets what is its device's own
 * (attach point, interrupt, extra keys) between chardev_fixture_begin()
 * and chardev_fixture_create().  Include after <cmocka.h>.
 */
#ifndef DMD_TEST_CHARDEV_FIXTURE_H
#define DMD_TEST_CHARDEV_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "device_harness.h"
#include "devices/chardev.h"
#include "devices/device.h"
#include "fake_irq.h"

struct chardev_fixture {
    struct ev_loop *loop;
    struct dev_config cfg;
    struct device dev;
    struct irq_line *irq;
    char dir[64];       /* the socket backend's directory, or "" */
    char sock_path[128];
    int client;         /* our end of the socket backend, or -1 */
};

/* A fresh fixture for a device of `type` named uart0 whose `backend` key is
 * `backend` (a chardev spec); the caller then sets cfg.attach, cfg.irq and
 * any other key. */
static inline void chardev_fixture_begin(struct chardev_fixture *f,
                                         const struct device_type *type, const char *backend)
{
    struct param_value *v;

    memset(f, 0, sizeof(*f));
    f->client = -1;
    f->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(f->loop);
    f->irq = fake_irq_new();
    assert_non_null(f->irq);
    f->cfg.name = "uart0";
    f->cfg.type = type;
    v = &f->cfg.params[harness_param_slot(type, "backend")];
    v->set = true;
    assert_null(chardev_spec_parse(backend, &v->chr));
}

/* create() the device; `wire` (may be NULL) keeps the chardev's stream
 * positions, as the runtime state file does: two devices given the same
 * one are the device before and after a crash. */
static inline void chardev_fixture_create(struct chardev_fixture *f, struct chardev_wire *wire)
{
    f->cfg.size = f->cfg.type->window_size(&f->cfg);
    f->dev = harness_device(&f->cfg, f->loop, f->irq, NULL);
    f->dev.wire = wire;
    assert_int_equal(f->cfg.type->create(&f->dev), 0);
    assert_non_null(f->dev.state);
}

/* chardev_fixture_begin() with a unix socket backend in a fresh directory
 * (/tmp/dmd-WHAT-XXXXXX/uart0.sock), nobody connected yet. */
static inline void chardev_fixture_begin_socket(struct chardev_fixture *f,
                                                const struct device_type *type, const char *what)
{
    char dir[64], backend[160];

    snprintf(dir, sizeof(dir), "/tmp/dmd-%s-XXXXXX", what);
    assert_non_null(mkdtemp(dir));
    snprintf(backend, sizeof(backend), "socket:%s/uart0.sock", dir);
    chardev_fixture_begin(f, type, backend);
    strcpy(f->dir, dir);
    snprintf(f->sock_path, sizeof(f->sock_path), "%s/uart0.sock", dir);
}

static inline void chardev_fixture_run(struct chardev_fixture *f, int times)
{
    for (int i = 0; i < times; i++)
        ev_run(f->loop, EVRUN_NOWAIT);
}

/* Connect our client to the socket backend, and let the device accept it. */
static inline void chardev_fixture_connect(struct chardev_fixture *f)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    f->client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->client >= 0);
    strcpy(sa.sun_path, f->sock_path);
    assert_int_equal(connect(f->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(fcntl(f->client, F_SETFL, O_NONBLOCK), 0);
    chardev_fixture_run(f, 10); /* accept */
}

/* What the client end of the socket has received so far (up to len). */
static inline size_t chardev_fixture_client_read(struct chardev_fixture *f, uint8_t *buf,
                                                 size_t len)
{
    ssize_t n = recv(f->client, buf, len, MSG_DONTWAIT);

    if (n < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        return 0;
    }
    return (size_t)n;
}

/* destroy() the device and release the rest; the socket must be gone. */
static inline void chardev_fixture_free(struct chardev_fixture *f)
{
    f->cfg.type->destroy(&f->dev);
    assert_null(f->dev.state);
    if (f->client >= 0)
        close(f->client);
    if (f->dir[0] != '\0') {
        assert_int_equal(access(f->sock_path, F_OK), -1); /* removed at close */
        rmdir(f->dir);
    }
    chardev_spec_free(&f->cfg.params[harness_param_slot(f->cfg.type, "backend")].chr);
    fake_irq_free(f->irq);
    ev_loop_destroy(f->loop);
}

#endif
