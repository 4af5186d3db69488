/* SPDX-License-Identifier: MIT */
/*
 * log.c: the journal entries operators filter on, the stderr fallback and
 * the rate limiter.  sd_journal_sendv is defined here, so the executable's
 * definition wins over libsystemd's and every entry is recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define MAX_ENTRIES 64
#define MAX_FIELDS 8

static char entries[MAX_ENTRIES][MAX_FIELDS][256];
static int nentries;
static int journal_result;

int sd_journal_sendv(const struct iovec *iov, int n)
{
    if (journal_result < 0)
        return journal_result;
    if (nentries < MAX_ENTRIES) {
        for (int i = 0; i < n && i < MAX_FIELDS; i++)
            snprintf(entries[nentries][i], sizeof(entries[0][0]), "%.*s",
                     (int)iov[i].iov_len, (const char *)iov[i].iov_base);
        nentries++;
    }
    return 0;
}

/* The entry has a field exactly equal to `field`. */
static bool has_field(int entry, const char *field)
{
    for (int i = 0; i < MAX_FIELDS; i++)
        if (strcmp(entries[entry][i], field) == 0)
            return true;
    return false;
}

static bool has_prefix(int entry, const char *prefix)
{
    for (int i = 0; i < MAX_FIELDS; i++)
        if (strncmp(entries[entry][i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static int setup(void **state)
{
    (void)state;
    memset(entries, 0, sizeof(entries));
    nentries = 0;
    journal_result = 0;
    log_init(LOG_TARGET_JOURNAL, LOG_INFO);
    log_set_domid(-1);
    log_set_server(-1);
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
    assert_int_equal(nentries, 3);

    assert_true(has_field(0, "MESSAGE=created"));
    assert_true(has_field(0, "PRIORITY=6"));
    assert_true(has_field(0, "DMD_DOMID=7"));
    assert_false(has_prefix(0, "DMD_SERVER="));
    assert_false(has_prefix(0, "DMD_DEVICE="));
    assert_false(has_prefix(0, "DMD_VCPU="));

    assert_true(has_field(1, "MESSAGE=backend gone"));
    assert_true(has_field(1, "PRIORITY=4"));
    assert_true(has_field(1, "DMD_SERVER=2"));
    assert_true(has_field(1, "DMD_DEVICE=uart0"));
    assert_false(has_prefix(1, "DMD_VCPU="));

    assert_true(has_field(2, "PRIORITY=3"));
    assert_true(has_field(2, "DMD_VCPU=3"));
}

static void below_level_is_dropped(void **state)
{
    (void)state;
    log_debug("not shown at info");
    assert_int_equal(nentries, 0);
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    log_debug("shown at debug");
    assert_int_equal(nentries, 1);
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
    assert_int_equal(nentries, 0);
}

static void emit_one(void)
{
    log_err("journal is down");
}

static void journal_failure_falls_back_to_stderr(void **state)
{
    (void)state;
    journal_result = -107; /* ENOTCONN */
    assert_non_null(strstr(capture_stderr(emit_one), "dmd[err]: journal is down"));
}

static void ratelimit_bursts_then_counts(void **state)
{
    struct log_ratelimit rl = { 0 };
    struct log_fields f = { .device = "uart0", .vcpu = -1 };

    (void)state;
    for (int i = 0; i < 25; i++)
        log_limited(&rl, LOG_WARNING, &f, "guest message %d", i);
    assert_int_equal(nentries, LOG_RATELIMIT_BURST);
    assert_true(has_field(LOG_RATELIMIT_BURST - 1, "MESSAGE=guest message 9"));
    assert_int_equal(rl.suppressed, 15);

    /* A new window: first the count of what was suppressed, then the message. */
    rl.window_start_ms -= LOG_RATELIMIT_INTERVAL_MS;
    log_limited(&rl, LOG_WARNING, &f, "guest message again");
    assert_int_equal(nentries, LOG_RATELIMIT_BURST + 2);
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
    assert_int_equal(nentries, 0);
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
        cmocka_unit_test_setup(journal_fields, setup),
        cmocka_unit_test_setup(below_level_is_dropped, setup),
        cmocka_unit_test_setup(stderr_lines, setup),
        cmocka_unit_test_setup(journal_failure_falls_back_to_stderr, setup),
        cmocka_unit_test_setup(ratelimit_bursts_then_counts, setup),
        cmocka_unit_test_setup(ratelimit_skipped_below_level, setup),
        cmocka_unit_test_setup(parse_levels_and_targets, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
