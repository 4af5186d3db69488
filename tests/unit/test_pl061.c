/* SPDX-License-Identifier: MIT */
/*
 * The pl061 register model and its host side, driven as the core drives
 * them: guest accesses through region_ops on a device built from a
 * dev_config, a recording interrupt line, and the gpio socket served by an
 * ev_loop of our own, with real unix-socket clients held by the test.
 *
 * Register semantics follow ARM DDI 0190B and what Linux's gpio-pl061 and
 * AMBA bus code do with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "device_harness.h"
#include "snapshot_harness.h"
#include <ev.h>

#include "config.h"
#include "devices/chardev.h"
#include "devices/device.h"
#include "devices/gpio_socket.h"
#include "fake_device.h"
#include "fake_irq.h"
#include "log.h"

extern const struct device_type pl061_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &pl061_device, NULL };

enum { DATA = 0x000, DIR = 0x400, IS = 0x404, IBE = 0x408, IEV = 0x40c, IE = 0x410,
       RIS = 0x414, MIS = 0x418, IC = 0x41c, AFSEL = 0x420 };

/* GPIODATA at the address whose bits [9:2] are `mask`. */
#define DATA_AT(mask) ((uint64_t)(mask) << 2)

#define MAX_CLIENTS 20

struct client {
    int fd;
    size_t len;
    char buf[1 << 16];
};

struct gpio_test {
    struct ev_loop *loop;
    struct dev_config cfg;
    struct device dev;
    struct irq_line *irq;
    char dir[64];
    char sock_path[128];
    struct client client[MAX_CLIENTS];
};

/* ---- building the device as the core does -------------------------------- */

static int param_slot(const char *key)
{
    return harness_param_slot(&pl061_device, key);
}

/* Fill the config; create() is left to the caller.  backend "socket"
 * means a socket in a fresh directory. */
static void setup(struct gpio_test *t, unsigned ngpio, unsigned inputs, const char *backend)
{
    char spec[192];
    struct param_value *v;

    memset(t, 0, sizeof(*t));
    for (int i = 0; i < MAX_CLIENTS; i++)
        t->client[i].fd = -1;
    t->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(t->loop);
    t->irq = fake_irq_new();
    assert_non_null(t->irq);
    if (strcmp(backend, "socket") == 0) {
        strcpy(t->dir, "/tmp/dmd-gpio-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        snprintf(t->sock_path, sizeof(t->sock_path), "%s/gpio0.sock", t->dir);
        snprintf(spec, sizeof(spec), "socket:%s", t->sock_path);
        backend = spec;
    }

    t->cfg.name = "gpio0";
    t->cfg.type = &pl061_device;
    t->cfg.attach = (struct attach_spec){ .kind = ATTACH_MMIO, .base = 0x09030000 };
    t->cfg.irq = (struct irq_spec){ .kind = IRQ_SPI, .num = 39 };
    t->cfg.params[param_slot("ngpio")] = (struct param_value){ .set = true, .num = ngpio };
    t->cfg.params[param_slot("input_levels")] =
        (struct param_value){ .set = true, .num = inputs, .line = 7 };
    v = &t->cfg.params[param_slot("backend")];
    v->set = true;
    assert_null(chardev_spec_parse(backend, &v->chr));
    t->cfg.size = pl061_device.window_size(&t->cfg);

    t->dev = harness_device(&t->cfg, t->loop, t->irq, NULL);
}

static void make_gpio(struct gpio_test *t, unsigned ngpio, unsigned inputs, const char *backend)
{
    setup(t, ngpio, inputs, backend);
    assert_int_equal(pl061_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
}

static void teardown(struct gpio_test *t)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (t->client[i].fd >= 0)
            close(t->client[i].fd);
    chardev_spec_free(&t->cfg.params[param_slot("backend")].chr);
    fake_irq_free(t->irq);
    ev_loop_destroy(t->loop);
    if (t->dir[0] != '\0') {
        unlink(t->sock_path);
        assert_int_equal(rmdir(t->dir), 0);
    }
}

static void free_gpio(struct gpio_test *t)
{
    pl061_device.destroy(&t->dev);
    assert_null(t->dev.state);
    if (t->dir[0] != '\0')
        assert_int_equal(access(t->sock_path, F_OK), -1); /* removed at close */
    teardown(t);
}

static void run_loop(struct gpio_test *t, int times)
{
    for (int i = 0; i < times; i++)
        ev_run(t->loop, EVRUN_NOWAIT);
}

/* ---- guest accesses ------------------------------------------------------ */

static uint64_t rd(struct gpio_test *t, uint64_t offset, unsigned size)
{
    return pl061_device.ops->read(t->dev.state, offset, size);
}

static uint8_t rb(struct gpio_test *t, uint64_t offset)
{
    return (uint8_t)rd(t, offset, 1);
}

static void wb(struct gpio_test *t, uint64_t offset, uint8_t value)
{
    pl061_device.ops->write(t->dev.state, offset, 1, value);
}

static bool line(struct gpio_test *t)
{
    return irq_line_level(t->irq);
}

/* ---- host clients -------------------------------------------------------- */

static struct client *connect_client(struct gpio_test *t, int i)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct client *c = &t->client[i];

    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    strcpy(sa.sun_path, t->sock_path);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(fcntl(c->fd, F_SETFL, O_NONBLOCK), 0);
    c->len = 0;
    run_loop(t, 5); /* accept */
    return c;
}

static void say(struct client *c, const char *text)
{
    assert_int_equal(send(c->fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Gather what dmd sent; true if the peer closed. */
static bool gather(struct gpio_test *t, struct client *c)
{
    for (int i = 0; i < 20; i++) {
        ssize_t n;

        run_loop(t, 1);
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
        if (n == 0)
            return true;
        if (n > 0)
            c->len += (size_t)n;
        else
            assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET);
    }
    c->buf[c->len] = '\0';
    return false;
}

/* The next line dmd sent, which must be `want`. */
static void expect_line(struct gpio_test *t, struct client *c, const char *want)
{
    char *nl;

    if (memchr(c->buf, '\n', c->len) == NULL)
        gather(t, c);
    c->buf[c->len] = '\0';
    nl = strchr(c->buf, '\n');
    if (nl == NULL)
        fail_msg("expected \"%s\", got \"%s\" and no newline", want, c->buf);
    *nl = '\0';
    assert_string_equal(c->buf, want);
    c->len -= (size_t)(nl + 1 - c->buf);
    memmove(c->buf, nl + 1, c->len);
}

static void expect_nothing(struct gpio_test *t, struct client *c)
{
    gather(t, c);
    c->buf[c->len] = '\0';
    assert_string_equal(c->buf, "");
}

static void ask(struct gpio_test *t, struct client *c, const char *request, const char *reply)
{
    say(c, request);
    expect_line(t, c, reply);
}

/* ---- identity and layout ------------------------------------------------- */

/* amba_read_periphid: readl of the last 8 words, low byte of each. */
static void test_id_registers(void **state)
{
    static const uint8_t id[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    struct gpio_test t;
    uint32_t pid = 0, cid = 0;

    (void)state;
    make_gpio(&t, 8, 0, "null");
    assert_int_equal(pl061_device.window_size(&t.cfg), 0x1000);
    assert_int_equal(pl061_device.max_access, 4);
    assert_int_equal(pl061_device.wide, ACCESS_SPLIT);
    for (unsigned i = 0; i < 4; i++) {
        pid |= (uint32_t)(rd(&t, 0xfe0 + 4 * i, 4) & 0xff) << (8 * i);
        cid |= (uint32_t)(rd(&t, 0xff0 + 4 * i, 4) & 0xff) << (8 * i);
    }
    assert_int_equal(pid & 0x000fffff, 0x00041061); /* gpio-pl061's id table */
    assert_int_equal(cid, 0xb105f00d);              /* AMBA_CID */
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(&t, 0xfe0 + 4 * i, 4), id[i]); /* upper bits 0 */
        assert_int_equal(rb(&t, 0xfe0 + 4 * i), id[i]);
        assert_int_equal(rb(&t, 0xfe0 + 4 * i + 1), 0); /* inside the word */
        wb(&t, 0xfe0 + 4 * i, 0xff);                   /* read-only */
        assert_int_equal(rb(&t, 0xfe0 + 4 * i), id[i]);
    }
    free_gpio(&t);
}

static void test_reset_state(void **state)
{
    static const uint64_t regs[] = { DIR, IS, IBE, IEV, IE, RIS, MIS, IC, AFSEL, 0x424, 0xfdc };
    struct gpio_test t;

    (void)state;
    make_gpio(&t, 8, 0x05, "null");
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        assert_int_equal(rb(&t, regs[i]), 0);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0x05); /* input_levels */
    assert_false(line(&t));
    free_gpio(&t);
}

/* ---- data and direction -------------------------------------------------- */

static void test_data_address_masking(void **state)
{
    struct gpio_test t;

    (void)state;
    make_gpio(&t, 8, 0xa0, "null");
    wb(&t, DIR, 0x0f);
    wb(&t, DATA_AT(0xff), 0xff);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xaf);
    /* Reads: only the bits of the address mask, 0 elsewhere. */
    assert_int_equal(rb(&t, DATA_AT(0x00)), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0x01)), 0x01);
    assert_int_equal(rb(&t, DATA_AT(0x30)), 0x20);
    assert_int_equal(rb(&t, DATA_AT(0x81)), 0x81);
    /* Writes: only unmasked output bits change. */
    wb(&t, DATA_AT(0x02), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xad);
    wb(&t, DATA_AT(0x0c), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xa1);
    wb(&t, DATA_AT(0x00), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xa1);
    wb(&t, DATA_AT(0x06), 0xff);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xa7);
    /* Inputs ignore writes, whatever the mask. */
    wb(&t, DATA_AT(0xf0), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0xa7);
    /* A wide aligned access sees the register in its low byte. */
    assert_int_equal(rd(&t, DATA_AT(0xff), 4), 0xa7);
    assert_int_equal(rd(&t, DATA_AT(0xff) + 1, 1), 0);
    free_gpio(&t);
}

static void test_direction(void **state)
{
    struct gpio_test t;

    (void)state;
    make_gpio(&t, 8, 0x02, "null");
    /* A value written to an input is dropped, not kept for later. */
    wb(&t, DATA_AT(0x04), 0x04);
    wb(&t, DIR, 0x04);
    assert_int_equal(rb(&t, DATA_AT(0x04)), 0x00);
    wb(&t, DIR, 0x00);
    /* Linux's direction_output(1, 0): value, DIR, value again. */
    wb(&t, DATA_AT(0x02), 0x00);
    assert_int_equal(rb(&t, DATA_AT(0x02)), 0x02); /* still the host level */
    wb(&t, DIR, 0x02);
    wb(&t, DATA_AT(0x02), 0x00);
    assert_int_equal(rb(&t, DIR), 0x02);
    assert_int_equal(rb(&t, DATA_AT(0x02)), 0x00); /* the output, not the host */
    wb(&t, DATA_AT(0x02), 0x02);
    assert_int_equal(rb(&t, DATA_AT(0x02)), 0x02);
    /* An input again: the host level shows; the latch is kept for later. */
    wb(&t, DATA_AT(0x02), 0x00);
    wb(&t, DIR, 0x00);
    assert_int_equal(rb(&t, DATA_AT(0x02)), 0x02);
    wb(&t, DIR, 0x02);
    assert_int_equal(rb(&t, DATA_AT(0x02)), 0x00);
    /* AFSEL is stored and changes nothing else. */
    wb(&t, AFSEL, 0x5a);
    assert_int_equal(rb(&t, AFSEL), 0x5a);
    assert_int_equal(rb(&t, DIR), 0x02);
    free_gpio(&t);
}

/* Lines at and above ngpio do not exist in any register. */
static void test_ngpio_limits(void **state)
{
    static const uint64_t regs[] = { DIR, IS, IBE, IEV, IE, AFSEL };
    struct gpio_test t;
    struct client *c;

    (void)state;
    make_gpio(&t, 3, 0x05, "socket");
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        wb(&t, regs[i], 0xff);
        assert_int_equal(rb(&t, regs[i]), 0x07);
    }
    wb(&t, IS, 0);
    wb(&t, DATA_AT(0xff), 0xff);
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0x07);
    /* Both edges on lines 0-2: only they can interrupt. */
    wb(&t, IBE, 0xff);
    wb(&t, DATA_AT(0xff), 0x00);
    assert_int_equal(rb(&t, RIS), 0x07);
    assert_int_equal(rb(&t, MIS), 0x07);
    wb(&t, IC, 0xff);
    assert_int_equal(rb(&t, RIS), 0);

    c = connect_client(&t, 0);
    ask(&t, c, "get\n", "0 0 out,1 0 out,2 0 out");
    ask(&t, c, "set 3 1\n", "error no line 3 (lines are 0..2)");
    ask(&t, c, "get 3\n", "error no line 3 (lines are 0..2)");
    free_gpio(&t);
}

static void test_rejected_configs(void **state)
{
    static const char *const backends[] = { "stdio", "pty", "journal", "file:/tmp/x" };
    struct gpio_test t;

    (void)state;
    /* input_levels beyond ngpio: a config mistake, refused with its line */
    setup(&t, 4, 0x10, "null");
    assert_int_equal(pl061_device.create(&t.dev), -EINVAL);
    assert_null(t.dev.state);
    teardown(&t);
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        setup(&t, 8, 0, backends[i]);
        assert_int_equal(pl061_device.create(&t.dev), -EINVAL);
        assert_null(t.dev.state);
        teardown(&t);
    }
}

/* ---- interrupts ------------------------------------------------------------ */

/* Drive line `n` from the host through the socket. */
static void host_set(struct gpio_test *t, struct client *c, unsigned n, int level)
{
    char request[32];

    snprintf(request, sizeof(request), "set %u %d\n", n, level);
    ask(t, c, request, "ok");
}

static void test_edge_interrupts(void **state)
{
    struct gpio_test t;
    struct client *c;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    c = connect_client(&t, 0);
    wb(&t, IEV, 0x01);      /* line 0 rising, line 1 falling */
    wb(&t, IBE, 0x04);      /* line 2 both */
    wb(&t, IE, 0x07);

    host_set(&t, c, 0, 1);
    assert_true(line(&t));
    assert_int_equal(rb(&t, RIS), 0x01);
    assert_int_equal(rb(&t, MIS), 0x01);
    wb(&t, IC, 0x01);
    assert_false(line(&t));
    host_set(&t, c, 0, 0);  /* falling: not for line 0 */
    assert_false(line(&t));
    host_set(&t, c, 0, 1);
    assert_true(line(&t));
    host_set(&t, c, 0, 1);  /* no change, no second edge */
    wb(&t, IC, 0x01);
    assert_false(line(&t));

    host_set(&t, c, 1, 1);  /* rising: not for line 1 */
    assert_false(line(&t));
    host_set(&t, c, 1, 0);
    assert_int_equal(rb(&t, MIS), 0x02);
    wb(&t, IC, 0x02);

    host_set(&t, c, 2, 1);
    assert_int_equal(rb(&t, MIS), 0x04);
    wb(&t, IC, 0x04);
    host_set(&t, c, 2, 0);
    assert_int_equal(rb(&t, MIS), 0x04);
    wb(&t, IC, 0x04);
    assert_false(line(&t));
    assert_int_equal(fake_irq_rises(t.irq), 5);
    free_gpio(&t);
}

static void test_level_interrupts(void **state)
{
    struct gpio_test t;
    struct client *c;

    (void)state;
    make_gpio(&t, 8, 0x02, "socket");
    c = connect_client(&t, 0);
    /* line 0 high-level, line 1 low-level; line 1 starts high */
    wb(&t, IS, 0x03);
    wb(&t, IEV, 0x01);
    assert_int_equal(rb(&t, RIS), 0x00);
    wb(&t, IE, 0x03);
    assert_false(line(&t));

    host_set(&t, c, 0, 1);
    assert_true(line(&t));
    wb(&t, IC, 0x01);              /* no effect on a level */
    assert_int_equal(rb(&t, MIS), 0x01);
    assert_true(line(&t));
    host_set(&t, c, 0, 0);         /* follows the line */
    assert_false(line(&t));

    host_set(&t, c, 1, 0);
    assert_int_equal(rb(&t, MIS), 0x02);
    assert_true(line(&t));
    wb(&t, IEV, 0x03);             /* now high-level: line 1 is low */
    assert_false(line(&t));
    wb(&t, IEV, 0x01);
    assert_true(line(&t));
    wb(&t, IS, 0x01);              /* edge mode: no edge happened */
    assert_false(line(&t));
    assert_int_equal(rb(&t, RIS), 0x00);
    free_gpio(&t);
}

/* IE masks MIS and the line, never RIS; IC clears edges only; a line
 * switched to level mode forgets its latched edge. */
static void test_mask_status_clear(void **state)
{
    struct gpio_test t;
    struct client *c;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    c = connect_client(&t, 0);
    wb(&t, IEV, 0xff);
    host_set(&t, c, 4, 1);
    assert_int_equal(rb(&t, RIS), 0x10);
    assert_int_equal(rb(&t, MIS), 0x00);
    assert_false(line(&t));
    wb(&t, IE, 0x10);
    assert_true(line(&t));
    wb(&t, IE, 0x00);
    assert_false(line(&t));
    assert_int_equal(rb(&t, RIS), 0x10);
    wb(&t, IC, 0xef);               /* other bits: nothing to clear */
    assert_int_equal(rb(&t, RIS), 0x10);
    wb(&t, IS, 0x10);               /* level mode: line 4 is high = IEV */
    assert_int_equal(rb(&t, RIS), 0x10);
    host_set(&t, c, 4, 0);
    assert_int_equal(rb(&t, RIS), 0x00);
    wb(&t, IS, 0x00);               /* back to edge: the old edge is gone */
    assert_int_equal(rb(&t, RIS), 0x00);
    wb(&t, IC, 0x00);
    assert_int_equal(fake_irq_rises(t.irq), 1);
    free_gpio(&t);
}

/* An output line's pin is seen by the interrupt logic too. */
static void test_output_interrupts(void **state)
{
    struct gpio_test t;

    (void)state;
    make_gpio(&t, 8, 0, "null");
    wb(&t, IEV, 0x08);
    wb(&t, IE, 0x08);
    wb(&t, DIR, 0x08);
    assert_false(line(&t));
    wb(&t, DATA_AT(0x08), 0x08);
    assert_true(line(&t));
    wb(&t, IC, 0x08);
    assert_false(line(&t));
    free_gpio(&t);
}

/* ---- the socket protocol ------------------------------------------------- */

static void test_protocol_get_set(void **state)
{
    struct gpio_test t;
    struct client *c;
    struct stat st;

    (void)state;
    make_gpio(&t, 8, 0x81, "socket");
    assert_int_equal(lstat(t.sock_path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);
    c = connect_client(&t, 0);
    ask(&t, c, "get\n", "0 1 in,1 0 in,2 0 in,3 0 in,4 0 in,5 0 in,6 0 in,7 1 in");
    ask(&t, c, "get 7\n", "7 1 in");
    ask(&t, c, "set 3 1\n", "ok");
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0x89);
    ask(&t, c, "get 3\r\n", "3 1 in"); /* a telnet's CR is ignored */
    wb(&t, DIR, 0x40);
    wb(&t, DATA_AT(0x40), 0x40);
    ask(&t, c, "get 6\n", "6 1 out");
    ask(&t, c, "set 6 0\n",
        "ok the guest drives this line (output); the level applies once it is an input");
    assert_int_equal(rb(&t, DATA_AT(0x40)), 0x40);
    wb(&t, DIR, 0x00);
    assert_int_equal(rb(&t, DATA_AT(0x40)), 0x00);
    ask(&t, c, "help\n", "ok commands: get [LINE], set LINE 0|1, watch, help");
    /* Requests in one burst are answered in order. */
    say(c, "get 0\nget 1\n\n  \nget 2\n");
    expect_line(&t, c, "0 1 in");
    expect_line(&t, c, "1 0 in");
    expect_line(&t, c, "2 0 in"); /* empty lines get no reply */
    expect_nothing(&t, c);
    free_gpio(&t);
}

static void test_protocol_errors(void **state)
{
    static const char *const bad[][2] = {
        { "bogus\n", "error unknown request \"bogus\"; try help" },
        { "set 3\n", "error usage: set LINE 0|1" },
        { "set 3 2\n", "error usage: set LINE 0|1" },
        { "set 3 1 1\n", "error usage: set LINE 0|1" },
        { "set x 1\n", "error no line x (lines are 0..7)" },
        { "set 8 1\n", "error no line 8 (lines are 0..7)" },
        { "set -1 1\n", "error no line -1 (lines are 0..7)" },
        { "get 00012\n", "error no line 00012 (lines are 0..7)" },
        { "get 1 2\n", "error usage: get [LINE]" },
        { "watch me\n", "error usage: watch" },
        { "a b c d e\n", "error too many words; try help" },
        { "get\x01 0\n", "error control character in the request" },
    };
    struct gpio_test t;
    struct client *c;
    char longline[300];

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    c = connect_client(&t, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ask(&t, c, bad[i][0], bad[i][1]);
    /* Over-long: one error, the rest of the line skipped, the client stays. */
    memset(longline, 'x', sizeof(longline));
    memcpy(longline + sizeof(longline) - 8, "get 0\n", 7);
    say(c, longline);
    expect_line(&t, c, "error request longer than 127 bytes");
    ask(&t, c, "get 0\n", "0 0 in");
    /* Nothing was set by any of it. */
    assert_int_equal(rb(&t, DATA_AT(0xff)), 0x00);
    free_gpio(&t);
}

/* Two clients: one watches, the other sets; the guest's changes reach the
 * watcher too, and a client that does not watch gets no change lines. */
static void test_protocol_watch(void **state)
{
    struct gpio_test t;
    struct client *w, *s;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    w = connect_client(&t, 0);
    s = connect_client(&t, 1);
    ask(&t, w, "watch\n", "ok");
    ask(&t, s, "set 2 1\n", "ok");
    expect_line(&t, w, "change 2 1 in");
    ask(&t, s, "set 2 1\n", "ok"); /* no change, no line */
    expect_nothing(&t, w);

    wb(&t, DIR, 0x10);              /* direction alone is a change */
    expect_line(&t, w, "change 4 0 out");
    wb(&t, DATA_AT(0x10), 0x10);
    wb(&t, DATA_AT(0x10), 0x00);
    expect_line(&t, w, "change 4 1 out");
    expect_line(&t, w, "change 4 0 out");
    ask(&t, s, "set 4 1\n", "ok the guest drives this line (output); the level applies "
                           "once it is an input");
    expect_nothing(&t, w);         /* the pin did not move */
    wb(&t, DIR, 0x00);
    expect_line(&t, w, "change 4 1 in");
    expect_nothing(&t, s);

    /* A watcher that sets: its reply comes before the change it caused. */
    ask(&t, w, "set 5 1\n", "ok");
    expect_line(&t, w, "change 5 1 in");
    /* Others stay served after the watcher leaves. */
    close(w->fd);
    w->fd = -1;
    run_loop(&t, 5);
    wb(&t, DIR, 0x01);
    ask(&t, s, "get 0\n", "0 0 out");
    free_gpio(&t);
}

/* A watcher that never reads is disconnected; the guest and the other
 * clients go on as if nothing happened. */
static void test_protocol_client_not_reading(void **state)
{
    struct gpio_test t;
    struct client *lazy, *other;
    bool closed = false;
    char buf[4096];

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    lazy = connect_client(&t, 0);
    other = connect_client(&t, 1);
    ask(&t, lazy, "watch\n", "ok");
    wb(&t, DIR, 0x01);
    /* Far more change lines than the kernel's socket buffer and dmd's
     * output buffer hold together. */
    for (int i = 0; i < 100000; i++)
        wb(&t, DATA_AT(0x01), (uint8_t)(i & 1));
    run_loop(&t, 5);
    /* Draining now ends in end-of-file: dmd dropped it. */
    for (int i = 0; i < 100000 && !closed; i++) {
        ssize_t n = recv(lazy->fd, buf, sizeof(buf), MSG_DONTWAIT);

        closed = n == 0;
        if (n < 0)
            assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET);
        if (n < 0 && errno == ECONNRESET)
            closed = true;
        if (n < 0)
            run_loop(&t, 1);
    }
    assert_true(closed);
    ask(&t, other, "get 0\n", "0 1 out"); /* the last write was a 1 */
    other = connect_client(&t, 2);
    ask(&t, other, "get 0\n", "0 1 out");
    free_gpio(&t);
}

/* A client that sends requests and never reads the replies is dropped. */
static void test_protocol_flooding_client(void **state)
{
    struct gpio_test t;
    struct client *c, *other;
    static char burst[64 * 1024];
    bool closed = false;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    c = connect_client(&t, 0);
    for (size_t i = 0; i + 4 <= sizeof(burst); i += 4)
        memcpy(burst + i, "get\n", 4);
    for (int round = 0; round < 200 && !closed; round++) {
        ssize_t n = send(c->fd, burst, sizeof(burst), MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0)
            closed = errno == EPIPE || errno == ECONNRESET;
        run_loop(&t, 3);
    }
    assert_true(closed);
    other = connect_client(&t, 1);
    ask(&t, other, "get 0\n", "0 0 in");
    free_gpio(&t);
}

static void test_protocol_too_many_clients(void **state)
{
    struct gpio_test t;
    struct client *extra;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    for (int i = 0; i < GPIO_SOCKET_MAX_CLIENTS; i++)
        ask(&t, connect_client(&t, i), "get 0\n", "0 0 in");
    extra = connect_client(&t, GPIO_SOCKET_MAX_CLIENTS);
    expect_line(&t, extra, "error too many clients");
    assert_true(gather(&t, extra));
    /* One leaves: a newcomer is welcome again. */
    close(t.client[0].fd);
    t.client[0].fd = -1;
    run_loop(&t, 5);
    ask(&t, connect_client(&t, GPIO_SOCKET_MAX_CLIENTS + 1), "get 0\n", "0 0 in");
    free_gpio(&t);
}

/* A stale socket from a crashed dmd is replaced; a file is not. */
static void test_socket_path(void **state)
{
    struct gpio_test t;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    (void)state;
    setup(&t, 8, 0, "socket");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(sa.sun_path, t.sock_path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd); /* the file stays: stale */
    assert_int_equal(pl061_device.create(&t.dev), 0);
    ask(&t, connect_client(&t, 0), "get 1\n", "1 0 in");
    free_gpio(&t);

    setup(&t, 8, 0, "socket");
    fd = open(t.sock_path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "keep", 4), 4);
    close(fd);
    assert_int_equal(pl061_device.create(&t.dev), -EEXIST);
    assert_null(t.dev.state);
    fd = open(t.sock_path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, (char[8]){ 0 }, 8), 4); /* untouched */
    close(fd);
    teardown(&t);
}

/* ---- crash snapshots ----------------------------------------------------- */

/* save()'s layout, version 1 (pl061.c), where the tests damage it. */
enum { SNAP_DIR = 0, SNAP_OUT, SNAP_IN, SNAP_IS, SNAP_IBE, SNAP_IEV, SNAP_IE, SNAP_AFSEL,
       SNAP_EDGES, SNAP_SIZE };

/*
 * Far from reset, through the guest's registers and a host client: lines
 * 0-3 outputs driving 0x05 from a latch of 0xa5 (bits 5 and 7 kept for
 * when they are outputs), host levels 0x40 on the inputs, line 0 rising
 * edge, line 4 both edges, line 5 falling, line 6 high level, line 7
 * falling, IE on 0, 4 and 7, AFSEL 0x22; latched edges on lines 4 (enabled:
 * the line is up) and 5 (masked), line 6's level showing in RIS only.
 */
static void make_rich(struct gpio_test *t)
{
    struct client *c;

    make_gpio(t, 8, 0x30, "socket");
    c = connect_client(t, 0);
    wb(t, DIR, 0xff);
    wb(t, DATA_AT(0xff), 0xa5);
    wb(t, DIR, 0x0f);
    host_set(t, c, 6, 1);
    host_set(t, c, 5, 0);
    wb(t, IS, 0x40);
    wb(t, IEV, 0x41);
    wb(t, IBE, 0x10);
    wb(t, IE, 0x91);
    wb(t, AFSEL, 0x22);
    wb(t, IC, 0xff);
    assert_false(line(t));
    host_set(t, c, 4, 0);
    host_set(t, c, 5, 1);
    host_set(t, c, 5, 0);
    assert_int_equal(rb(t, DATA_AT(0xff)), 0x45);
    assert_int_equal(rb(t, RIS), 0x70);
    assert_int_equal(rb(t, MIS), 0x10);
    assert_true(line(t));
}

/* The harness's pair: make_rich's, and a fresh one, 8 lines all low, on
 * the null backend. */
static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t);
    else
        make_gpio(t, 8, 0, "null");
}

static void kit_free(void *t)
{
    free_gpio(t);
}

static const struct harness_kit kit = { sizeof(struct gpio_test),
                                        offsetof(struct gpio_test, dev), kit_make, kit_free };

/* Every word of the window, wide and narrow (reads change nothing). */
static void expect_same_registers(struct gpio_test *a, struct gpio_test *b)
{
    assert_int_equal(line(a), line(b));
    for (uint64_t off = 0; off < 0x1000; off += 4) {
        assert_int_equal(rd(a, off, 4), rd(b, off, 4));
        assert_int_equal(rb(a, off), rb(b, off));
    }
    assert_int_equal(line(a), line(b));
}

static void test_snapshot_round_trip(void **state)
{
    struct gpio_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    struct client *c;
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_SIZE);
    assert_int_equal(buf[SNAP_OUT], 0xa5);
    assert_int_equal(buf[SNAP_IN], 0x40);
    assert_int_equal(buf[SNAP_EDGES], 0x30);

    make_gpio(&b, 8, 0x30, "socket"); /* a socket of its own: a's is alive */
    assert_false(line(&b));
    /* No edge from create()'s levels to the restored ones: b saves a's
     * snapshot again. */
    harness_expect_round_trip(&b.dev, buf, n);
    assert_true(line(&b));
    assert_int_equal(fake_irq_rises(b.irq), 1);
    expect_same_registers(&a, &b);
    assert_int_equal(rb(&b, DIR), 0x0f);
    assert_int_equal(rb(&b, DATA_AT(0xff)), 0x45);
    assert_int_equal(rb(&b, AFSEL), 0x22);

    /* The host sees the restored lines, and a watcher hears of no change
     * where none happened. */
    c = connect_client(&b, 0);
    ask(&b, c, "get\n", "0 1 out,1 0 out,2 1 out,3 0 out,4 0 in,5 0 in,6 1 in,7 0 in");
    ask(&b, c, "watch\n", "ok");
    wb(&b, AFSEL, 0x22);
    expect_nothing(&b, c);

    /* gpio-pl061's handler clears the edge; the masked one and the level
     * stay in RIS. */
    wb(&b, IC, 0x10);
    assert_false(line(&b));
    assert_int_equal(rb(&b, RIS), 0x60);
    /* A new host edge interrupts as configured: line 7 falling. */
    host_set(&b, c, 7, 1);
    expect_line(&b, c, "change 7 1 in");
    assert_false(line(&b));
    host_set(&b, c, 7, 0);
    expect_line(&b, c, "change 7 0 in");
    assert_true(line(&b));
    assert_int_equal(rb(&b, MIS), 0x80);
    /* The output latch went on: line 5 as an output drives its old 1. */
    wb(&b, DIR, 0x2f);
    expect_line(&b, c, "change 5 1 out");
    expect_nothing(&b, c);
    assert_int_equal(rb(&b, DATA_AT(0x20)), 0x20);
    free_gpio(&a);
    free_gpio(&b);
}

static void test_snapshot_check_changes_nothing(void **state)
{
    struct gpio_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    make_gpio(&b, 8, 0x30, "null");
    harness_expect_check_changes_nothing(&b.dev, buf, n, NULL, NULL);
    assert_int_equal(rb(&b, DATA_AT(0xff)), 0x30);
    assert_int_equal(rb(&b, DIR), 0);
    assert_int_equal(rb(&b, RIS), 0);
    free_gpio(&a);
    free_gpio(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

/* With ngpio = 5 no register, latch, host level or edge has bits 5-7; an
 * edge on a line in level mode cannot be latched. */
static void test_snapshot_bad_fields(void **state)
{
    struct gpio_test a, b;
    struct harness_fresh fresh;
    uint8_t buf[DEVICE_STATE_MAX], copy[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_gpio(&a, 5, 0x11, "null");
    wb(&a, DIR, 0x03);
    wb(&a, DATA_AT(0xff), 0x01);
    wb(&a, IBE, 0x04);
    n = harness_save(&a.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_SIZE);
    make_gpio(&b, 5, 0x11, "null");
    harness_fresh(&fresh, &b.dev);
    for (size_t at = 0; at < SNAP_SIZE; at++) {
        static const uint8_t bad[] = { 0x20, 0x40, 0x80, 0xff, 0x3f };

        for (size_t v = 0; v < sizeof(bad); v++) {
            memcpy(copy, buf, n);
            copy[at] = bad[v];
            print_message("bad field at %zu = %#x\n", at, bad[v]);
            harness_expect_rejected(&fresh, copy, n);
        }
        memcpy(copy, buf, n);
        copy[at] = 0x1f; /* every line that exists */
        if (at == SNAP_IS)
            copy[SNAP_EDGES] = 0;
        assert_int_equal(harness_restore(&b.dev, copy, n, false), 0);
    }
    memcpy(copy, buf, n);
    copy[SNAP_IS] = 0x06;
    copy[SNAP_EDGES] = 0x09;
    assert_int_equal(harness_restore(&b.dev, copy, n, false), 0);
    copy[SNAP_EDGES] = 0x0c; /* line 2: an edge in level mode */
    harness_expect_rejected(&fresh, copy, n);
    free_gpio(&a);
    free_gpio(&b);
}

/* What is taken drives the line from RIS and IE as the registers say. */
static void expect_line_from_mis(void *ctx)
{
    struct gpio_test *t = ctx;

    assert_int_equal(line(t), rb(t, MIS) != 0);
    assert_int_equal(rb(t, MIS), rb(t, RIS) & rb(t, IE));
}

/* Any value in any byte: taken or refused, never a crash; a's own value
 * is taken in every byte. */
static void test_snapshot_damaged_bytes(void **state)
{
    (void)state;
    harness_test_damaged_bytes(&kit, NULL, 0, expect_line_from_mis);
}

/* A host client's set asks for a save when it changes a level, output
 * lines included (the level shows once the line is an input). */
static void test_host_set_calls_device_changed(void **state)
{
    struct gpio_test t;
    struct client *c;

    (void)state;
    make_gpio(&t, 8, 0, "socket");
    c = connect_client(&t, 0);
    fake_device_reset();
    host_set(&t, c, 2, 1);
    assert_int_equal(fake_device_changes(), 1);
    assert_ptr_equal(fake_device_last_changed(), &t.dev);
    host_set(&t, c, 2, 1); /* no change */
    ask(&t, c, "get\n", "0 0 in,1 0 in,2 1 in,3 0 in,4 0 in,5 0 in,6 0 in,7 0 in");
    wb(&t, DIR, 0x08);     /* register accesses are the core's to save */
    wb(&t, IE, 0xff);
    assert_int_equal(fake_device_changes(), 1);
    ask(&t, c, "set 3 1\n",
        "ok the guest drives this line (output); the level applies once it is an input");
    assert_int_equal(fake_device_changes(), 2);
    host_set(&t, c, 2, 0);
    assert_int_equal(fake_device_changes(), 3);
    free_gpio(&t);
}

static void test_snapshot_size(void **state)
{
    struct gpio_test a;

    (void)state;
    assert_int_equal(pl061_device.state_version, 1);
    make_rich(&a);
    assert_int_equal(harness_expect_snapshot_size(&a.dev), SNAP_SIZE);
    free_gpio(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_registers),
        cmocka_unit_test(test_reset_state),
        cmocka_unit_test(test_data_address_masking),
        cmocka_unit_test(test_direction),
        cmocka_unit_test(test_ngpio_limits),
        cmocka_unit_test(test_rejected_configs),
        cmocka_unit_test(test_edge_interrupts),
        cmocka_unit_test(test_level_interrupts),
        cmocka_unit_test(test_mask_status_clear),
        cmocka_unit_test(test_output_interrupts),
        cmocka_unit_test(test_protocol_get_set),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_protocol_watch),
        cmocka_unit_test(test_protocol_client_not_reading),
        cmocka_unit_test(test_protocol_flooding_client),
        cmocka_unit_test(test_protocol_too_many_clients),
        cmocka_unit_test(test_socket_path),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_check_changes_nothing),
        cmocka_unit_test(test_snapshot_truncated_or_long),
        cmocka_unit_test(test_snapshot_bad_fields),
        cmocka_unit_test(test_snapshot_damaged_bytes),
        cmocka_unit_test(test_host_set_calls_device_changed),
        cmocka_unit_test(test_snapshot_size),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
