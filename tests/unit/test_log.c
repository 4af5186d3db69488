/* SPDX-License-Identifier: MIT */
/*
 * log.c: the journal entries operators filter on, the stderr fallback and
 * the rate limiter.  Entries go the production way, through sd_proto.c's
 * native protocol, to a datagram socket this test binds (the journal
 * socket's path is the one thing replaced), and are decoded from the bytes
 * received.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sd_proto.h"

#define MAX_ENTRIES 64
#define MAX_FIELDS 8

/* Each entry as "NAME=value" strings, whichever form a field came in. */
static char entries[MAX_ENTRIES][MAX_FIELDS][256];
static int nfields[MAX_ENTRIES];
static int nentries;
/* The last datagram as it was received. */
static uint8_t raw[SD_PROTO_JOURNAL_MAX];
static size_t raw_len;

static char dir[64], journal_path[128];
static int journal_fd = -1;

/* One datagram of the native protocol into entries[nentries]. */
static void decode(const uint8_t *p, size_t len)
{
    size_t i = 0;
    int f = 0;

    assert_true(nentries < MAX_ENTRIES);
    while (i < len) {
        size_t name = i, name_len, vstart, vlen;

        while (i < len && p[i] != '=' && p[i] != '\n')
            i++;
        assert_true(i < len);
        name_len = i - name;
        if (p[i] == '=') { /* NAME=value\n */
            vstart = i + 1;
            while (i < len && p[i] != '\n')
                i++;
            assert_true(i < len); /* every field ends with \n */
            vlen = i - vstart;
            i++;
        } else { /* NAME\n, 64-bit little-endian length, value, \n */
            uint64_t v = 0;

            assert_true(len - i >= 9);
            for (int b = 0; b < 8; b++)
                v |= (uint64_t)p[i + 1 + (size_t)b] << (8 * b);
            vstart = i + 9;
            assert_true(v < len && vstart + v < len);
            vlen = (size_t)v;
            assert_int_equal(p[vstart + vlen], '\n');
            i = vstart + vlen + 1;
        }
        assert_true(f < MAX_FIELDS);
        snprintf(entries[nentries][f], sizeof(entries[0][0]), "%.*s=%.*s",
                 (int)name_len, (const char *)p + name, (int)vlen, (const char *)p + vstart);
        f++;
    }
    nfields[nentries] = f;
    nentries++;
}

/* Decode what has arrived; returns how many entries arrived so far. */
static int sent(void)
{
    ssize_t n;

    while ((n = recv(journal_fd, raw, sizeof(raw), MSG_DONTWAIT)) >= 0) {
        raw_len = (size_t)n;
        decode(raw, raw_len);
    }
    assert_int_equal(errno, EAGAIN);
    return nentries;
}

/* The entry has a field exactly equal to `field`. */
static bool has_field(int entry, const char *field)
{
    assert_true(entry < sent());
    for (int i = 0; i < nfields[entry]; i++)
        if (strcmp(entries[entry][i], field) == 0)
            return true;
    return false;
}

static bool has_prefix(int entry, const char *prefix)
{
    assert_true(entry < sent());
    for (int i = 0; i < nfields[entry]; i++)
        if (strncmp(entries[entry][i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static int setup(void **state)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    (void)state;
    memset(entries, 0, sizeof(entries));
    memset(nfields, 0, sizeof(nfields));
    nentries = 0;
    raw_len = 0;
    snprintf(dir, sizeof(dir), "/tmp/dmd-test-log-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(journal_path, sizeof(journal_path), "%s/journal", dir);
    assert_true(strlen(journal_path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, journal_path, strlen(journal_path) + 1);
    journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(journal_fd >= 0);
    assert_int_equal(bind(journal_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(sd_proto_journal_set_socket(journal_path), 0);
    log_init(LOG_TARGET_JOURNAL, LOG_INFO);
    log_set_domid(-1);
    log_set_server(-1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close(journal_fd);
    journal_fd = -1;
    unlink(journal_path);
    rmdir(dir);
    return 0;
}

static void journal_fields(void **state)
{
    (void)state;
    log_set_domid(7);
    log_info("created");
    log_set_server(2);
    log_dev(LOG_WARNING, "uart0", "backend %s", "gone");
    log_vcpu(LOG_ERR, 3, "stuck");
    assert_int_equal(sent(), 3);

    /* Exactly these fields, and so in the text form. */
    assert_int_equal(nfields[0], 4);
    assert_true(has_field(0, "MESSAGE=created"));
    assert_true(has_field(0, "PRIORITY=6"));
    assert_true(has_field(0, "SYSLOG_IDENTIFIER=dmd"));
    assert_true(has_field(0, "DMD_DOMID=7"));
    assert_false(has_prefix(0, "DMD_SERVER="));
    assert_false(has_prefix(0, "DMD_DEVICE="));
    assert_false(has_prefix(0, "DMD_VCPU="));

    assert_int_equal(nfields[1], 6);
    assert_true(has_field(1, "MESSAGE=backend gone"));
    assert_true(has_field(1, "PRIORITY=4"));
    assert_true(has_field(1, "SYSLOG_IDENTIFIER=dmd"));
    assert_true(has_field(1, "DMD_DOMID=7"));
    assert_true(has_field(1, "DMD_SERVER=2"));
    assert_true(has_field(1, "DMD_DEVICE=uart0"));
    assert_false(has_prefix(1, "DMD_VCPU="));

    assert_int_equal(nfields[2], 6);
    assert_true(has_field(2, "MESSAGE=stuck"));
    assert_true(has_field(2, "PRIORITY=3"));
    assert_true(has_field(2, "SYSLOG_IDENTIFIER=dmd"));
    assert_true(has_field(2, "DMD_DOMID=7"));
    assert_true(has_field(2, "DMD_SERVER=2"));
    assert_true(has_field(2, "DMD_VCPU=3"));
    assert_false(has_prefix(2, "DMD_DEVICE="));

    /* The bytes of the last one, in the order log.c sends them. */
    {
        const char want[] = "MESSAGE=stuck\nPRIORITY=3\nSYSLOG_IDENTIFIER=dmd\n"
                            "DMD_DOMID=7\nDMD_SERVER=2\nDMD_VCPU=3\n";
        assert_int_equal(raw_len, sizeof(want) - 1);
        assert_memory_equal(raw, want, sizeof(want) - 1);
    }
}

/* A message with a newline (a guest's text, a multi-line error) travels
 * in the binary form and arrives whole; the other fields stay text. */
static void journal_newline_in_message(void **state)
{
    const char want[] = "MESSAGE\n\x11\0\0\0\0\0\0\0first\nsecond line\n"
                        "PRIORITY=5\nSYSLOG_IDENTIFIER=dmd\nDMD_DEVICE=rtc0\n";

    (void)state;
    log_dev(LOG_NOTICE, "rtc0", "first\n%s", "second line");
    assert_int_equal(sent(), 1);
    assert_true(has_field(0, "MESSAGE=first\nsecond line"));
    assert_true(has_field(0, "SYSLOG_IDENTIFIER=dmd"));
    assert_int_equal(raw_len, sizeof(want) - 1);
    assert_memory_equal(raw, want, sizeof(want) - 1);
}

/* The longest message log.c formats still fits one datagram. */
static void journal_longest_message(void **state)
{
    char big[3000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    log_set_domid(32000);
    log_set_server(65535);
    log_emit(LOG_DEBUG - 1, &(struct log_fields){ .device = "a-device-name", .vcpu = 127 },
             "%s", big);
    assert_int_equal(sent(), 1);
    assert_int_equal(nfields[0], 7);
    assert_true(has_prefix(0, "MESSAGE=xxxx"));
    assert_true(raw_len > strlen("MESSAGE=") + 2047);
    assert_true(has_field(0, "DMD_VCPU=127"));
}

static void below_level_is_dropped(void **state)
{
    (void)state;
    log_debug("not shown at info");
    assert_int_equal(sent(), 0);
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    log_debug("shown at debug");
    assert_int_equal(sent(), 1);
    assert_true(has_field(0, "PRIORITY=7"));
}

/* Capture what log_emit writes to stderr. */
static char *capture_stderr(void (*fn)(void))
{
    static char buf[4096];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    size_t n;

    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(buf, 1, sizeof(buf) - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return buf;
}

static void emit_device_line(void)
{
    log_set_domid(4);
    log_vcpu(LOG_WARNING, 1, "odd request");
    log_dev(LOG_ERR, "rtc0", "no clock");
}

static void stderr_lines(void **state)
{
    char *out;

    (void)state;
    log_init(LOG_TARGET_STDERR, LOG_INFO);
    out = capture_stderr(emit_device_line);
    assert_non_null(strstr(out, "dmd[warning]: d4 vcpu1: odd request\n"));
    assert_non_null(strstr(out, "dmd[err]: d4 rtc0: no clock\n"));
    assert_int_equal(sent(), 0);
}

static void emit_one(void)
{
    log_err("journal is down");
}

static void journal_failure_falls_back_to_stderr(void **state)
{
    char missing[160];

    (void)state;
    /* No socket at all (journald not running). */
    snprintf(missing, sizeof(missing), "%s/nobody", dir);
    assert_int_equal(sd_proto_journal_set_socket(missing), 0);
    assert_non_null(strstr(capture_stderr(emit_one), "dmd[err]: journal is down\n"));
    /* A socket file nobody listens on (journald died). */
    close(journal_fd);
    journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(journal_fd >= 0);
    assert_int_equal(sd_proto_journal_set_socket(journal_path), 0);
    assert_non_null(strstr(capture_stderr(emit_one), "dmd[err]: journal is down\n"));
    assert_int_equal(sent(), 0);
}

#define FLOOD 2000
static FILE *flood_err;

/* Log FLOOD messages without reading the socket; stderr into flood_err. */
static void flood(void)
{
    int saved = dup(STDERR_FILENO);

    flood_err = tmpfile();
    assert_non_null(flood_err);
    fflush(stderr);
    dup2(fileno(flood_err), STDERR_FILENO);
    alarm(10); /* a blocking send would end the test here */
    for (int i = 0; i < FLOOD; i++)
        log_info("message %d of a flood: %0200d", i, 0);
    alarm(0);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

/* journald not keeping up: its socket fills, dmd does not wait, and what
 * the journal cannot take is on stderr - every message is somewhere. */
static void journal_full_falls_back_to_stderr(void **state)
{
    char line[512];
    int on_stderr = 0, received = 0;
    ssize_t n;

    (void)state;
    flood();
    rewind(flood_err);
    while (fgets(line, sizeof(line), flood_err) != NULL) {
        assert_non_null(strstr(line, "dmd[info]: message "));
        on_stderr++;
    }
    fclose(flood_err);
    while ((n = recv(journal_fd, raw, sizeof(raw), MSG_DONTWAIT)) > 0)
        received++;
    assert_true(on_stderr > 0);
    assert_true(received > 0);
    assert_int_equal(on_stderr + received, FLOOD);
}

static void ratelimit_bursts_then_counts(void **state)
{
    struct log_ratelimit rl = { 0 };
    struct log_fields f = { .device = "uart0", .vcpu = -1 };

    (void)state;
    for (int i = 0; i < 25; i++)
        log_limited(&rl, LOG_WARNING, &f, "guest message %d", i);
    assert_int_equal(sent(), LOG_RATELIMIT_BURST);
    assert_true(has_field(LOG_RATELIMIT_BURST - 1, "MESSAGE=guest message 9"));
    assert_int_equal(rl.suppressed, 15);

    /* A new window: first the count of what was suppressed, then the message. */
    rl.window_start_ms -= LOG_RATELIMIT_INTERVAL_MS;
    log_limited(&rl, LOG_WARNING, &f, "guest message again");
    assert_int_equal(sent(), LOG_RATELIMIT_BURST + 2);
    assert_true(has_field(LOG_RATELIMIT_BURST,
                          "MESSAGE=15 similar messages suppressed (rate limit)"));
    assert_true(has_field(LOG_RATELIMIT_BURST, "DMD_DEVICE=uart0"));
    assert_true(has_field(LOG_RATELIMIT_BURST + 1, "MESSAGE=guest message again"));
}

static void ratelimit_skipped_below_level(void **state)
{
    struct log_ratelimit rl = { 0 };

    (void)state;
    /* Debug messages below the level neither print nor use up the burst. */
    for (int i = 0; i < 50; i++)
        log_limited(&rl, LOG_DEBUG, NULL, "noise %d", i);
    assert_int_equal(sent(), 0);
    assert_int_equal(rl.emitted, 0);
}

static void parse_levels_and_targets(void **state)
{
    enum log_target t;

    (void)state;
    assert_int_equal(log_level_parse("err"), LOG_ERR);
    assert_int_equal(log_level_parse("warning"), LOG_WARNING);
    assert_int_equal(log_level_parse("warn"), LOG_WARNING);
    assert_int_equal(log_level_parse("INFO"), LOG_INFO);
    assert_int_equal(log_level_parse("7"), LOG_DEBUG);
    assert_int_equal(log_level_parse("loud"), -1);
    assert_int_equal(log_level_parse(""), -1);
    assert_int_equal(log_level_parse("8"), -1);
    assert_true(log_target_parse("journal", &t) && t == LOG_TARGET_JOURNAL);
    assert_true(log_target_parse("stderr", &t) && t == LOG_TARGET_STDERR);
    assert_true(log_target_parse("auto", &t) && t == LOG_TARGET_AUTO);
    assert_false(log_target_parse("syslog", &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(journal_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_newline_in_message, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_longest_message, setup, teardown),
        cmocka_unit_test_setup_teardown(below_level_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(stderr_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_failure_falls_back_to_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_full_falls_back_to_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(ratelimit_bursts_then_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(ratelimit_skipped_below_level, setup, teardown),
        cmocka_unit_test_setup_teardown(parse_levels_and_targets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
