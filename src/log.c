/* SPDX-License-Identifier: MIT */
/*
 * Logging: journald structured entries (sent by sd_proto.c) or readable
 * stderr lines.
 */

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sd_proto.h"

/* So that `journalctl -t dmd` finds the daemon's own entries (a UART's
 * journal backend names itself dmd-DEVICE). */
#define LOG_JOURNAL_IDENTIFIER "SYSLOG_IDENTIFIER=dmd"

static struct {
    enum log_target target; /* resolved: JOURNAL or STDERR */
    int max_level;
    int domid;
    int server;
} log_state = {
    .target = LOG_TARGET_STDERR,
    .max_level = LOG_INFO,
    .domid = -1,
    .server = -1,
};

static const char *const level_names[] = {
    [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
    [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
    [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

int log_level_parse(const char *s)
{
    if (s == NULL || *s == '\0')
        return -1;
    if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
        return s[0] - '0';
    if (strcasecmp(s, "error") == 0)
        return LOG_ERR;
    if (strcasecmp(s, "warn") == 0)
        return LOG_WARNING;
    for (int i = 0; i <= LOG_DEBUG; i++)
        if (strcasecmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

bool log_target_parse(const char *s, enum log_target *out)
{
    if (strcmp(s, "auto") == 0)
        *out = LOG_TARGET_AUTO;
    else if (strcmp(s, "journal") == 0)
        *out = LOG_TARGET_JOURNAL;
    else if (strcmp(s, "stderr") == 0)
        *out = LOG_TARGET_STDERR;
    else
        return false;
    return true;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE when stderr is the journal. */
static bool stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) < 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_target target, int max_level)
{
    if (target == LOG_TARGET_AUTO)
        target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
    log_state.target = target;
    log_state.max_level = max_level;
}

void log_set_domid(int domid)
{
    log_state.domid = domid;
}

void log_set_server(int server)
{
    log_state.server = server;
}

int log_get_domid(void)
{
    return log_state.domid;
}

int log_get_level(void)
{
    return log_state.max_level;
}

static void emit_stderr(int prio, const struct log_fields *f, const char *msg)
{
    char ctx[160];
    size_t n = 0;

    ctx[0] = '\0';
    if (log_state.domid >= 0)
        n += (size_t)snprintf(ctx + n, sizeof(ctx) - n, "d%d ", log_state.domid);
    if (f != NULL && f->device != NULL && n < sizeof(ctx))
        n += (size_t)snprintf(ctx + n, sizeof(ctx) - n, "%s: ", f->device);
    if (f != NULL && f->vcpu >= 0 && n < sizeof(ctx))
        snprintf(ctx + n, sizeof(ctx) - n, "vcpu%d: ", f->vcpu);
    fprintf(stderr, "dmd[%s]: %s%s\n", level_names[prio & 7], ctx, msg);
}

static void emit_journal(int prio, const struct log_fields *f, const char *msg)
{
    char domid[32], server[32], vcpu[32], device[160], message[2048 + 16];
    char priority[16];
    struct iovec iov[8];
    int n = 0;

#define ADD(buf, ...)                                                     \
    do {                                                                  \
        int len_ = snprintf(buf, sizeof(buf), __VA_ARGS__);               \
        if (len_ < 0)                                                     \
            len_ = 0;                                                     \
        if ((size_t)len_ >= sizeof(buf))                                  \
            len_ = (int)sizeof(buf) - 1;                                  \
        iov[n++] = (struct iovec){ .iov_base = buf, .iov_len = (size_t)len_ }; \
    } while (0)

    ADD(message, "MESSAGE=%s", msg);
    ADD(priority, "PRIORITY=%d", prio & 7);
    iov[n++] = (struct iovec){ .iov_base = (char *)LOG_JOURNAL_IDENTIFIER,
                               .iov_len = strlen(LOG_JOURNAL_IDENTIFIER) };
    if (log_state.domid >= 0)
        ADD(domid, "DMD_DOMID=%d", log_state.domid);
    if (log_state.server >= 0)
        ADD(server, "DMD_SERVER=%d", log_state.server);
    if (f != NULL && f->device != NULL)
        ADD(device, "DMD_DEVICE=%s", f->device);
    if (f != NULL && f->vcpu >= 0)
        ADD(vcpu, "DMD_VCPU=%d", f->vcpu);
#undef ADD
    /* Journal gone, or its socket full: do not lose the message. */
    if (sd_proto_journal_sendv(iov, n) < 0)
        emit_stderr(prio, f, msg);
}

void log_emit(int prio, const struct log_fields *f, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    int saved_errno = errno;

    if (prio > log_state.max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_state.target == LOG_TARGET_JOURNAL)
        emit_journal(prio, f, msg);
    else
        emit_stderr(prio, f, msg);
    errno = saved_errno;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool log_ratelimit_allow(struct log_ratelimit *rl, const struct log_fields *f)
{
    uint64_t now = now_ms();

    if (rl->window_start_ms == 0 || now - rl->window_start_ms >= LOG_RATELIMIT_INTERVAL_MS) {
        if (rl->suppressed > 0)
            log_emit(LOG_WARNING, f, "%u similar messages suppressed (rate limit)",
                     rl->suppressed);
        rl->window_start_ms = now;
        rl->emitted = 0;
        rl->suppressed = 0;
    }
    if (rl->emitted < LOG_RATELIMIT_BURST) {
        rl->emitted++;
        return true;
    }
    rl->suppressed++;
    return false;
}
