/* SPDX-License-Identifier: MIT */
/*
 * Logging for operators: one line per meaningful event.
 *
 * With the journal target every message is a structured journald entry
 * carrying SYSLOG_IDENTIFIER=dmd, DMD_DOMID, DMD_SERVER (once the ioreq
 * server exists) and, where the caller names them, DMD_DEVICE and DMD_VCPU;
 * when the journal cannot take it, the message goes to stderr instead.
 * With the stderr target the same fields are printed as a readable prefix.
 *
 * Messages a guest can trigger (bad accesses, unknown request types, ...)
 * must go through a struct log_ratelimit so a guest cannot make dmd log
 * without bound.
 */
#ifndef DMD_LOG_H
#define DMD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

enum log_target {
    LOG_TARGET_AUTO,    /* journal if stderr is connected to it, else stderr */
    LOG_TARGET_JOURNAL,
    LOG_TARGET_STDERR,
};

/* Parse "err", "warning", "notice", "info", "debug" (or 3..7). -1 if bad. */
int log_level_parse(const char *s);
/* Parse "journal", "stderr", "auto". Returns false if bad. */
bool log_target_parse(const char *s, enum log_target *out);

void log_init(enum log_target target, int max_level);
void log_set_domid(int domid);   /* -1: none */
void log_set_server(int server); /* -1: none */
int log_get_level(void);
int log_get_domid(void); /* -1 when none was set */

/* Optional per-message context.  vcpu < 0 means "not about a vCPU". */
struct log_fields {
    const char *device; /* device instance name (config section) or NULL */
    int vcpu;
};

void log_emit(int prio, const struct log_fields *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_err(...)    log_emit(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...)   log_emit(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_emit(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)   log_emit(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...)  log_emit(LOG_DEBUG, NULL, __VA_ARGS__)

/* A message about one device instance. */
#define log_dev(prio, devname, ...) \
    log_emit((prio), &(struct log_fields){ .device = (devname), .vcpu = -1 }, __VA_ARGS__)
/* A message about one vCPU's request. */
#define log_vcpu(prio, vcpu_, ...) \
    log_emit((prio), &(struct log_fields){ .device = NULL, .vcpu = (vcpu_) }, __VA_ARGS__)

/*
 * Rate limit for guest-triggerable messages: at most LOG_RATELIMIT_BURST
 * messages per LOG_RATELIMIT_INTERVAL_MS window per limiter; when a window
 * that suppressed messages ends, the next allowed message is preceded by a
 * line saying how many were suppressed.  Zero-initialise (static storage).
 */
#define LOG_RATELIMIT_BURST 10
#define LOG_RATELIMIT_INTERVAL_MS 5000

struct log_ratelimit {
    uint64_t window_start_ms;
    unsigned emitted;
    unsigned suppressed;
};

/* true if a message may be logged now; accounts for it either way. */
bool log_ratelimit_allow(struct log_ratelimit *rl, const struct log_fields *f);

#define log_limited(rl, prio, f, ...)                         \
    do {                                                      \
        if (log_get_level() >= (prio) && log_ratelimit_allow((rl), (f))) \
            log_emit((prio), (f), __VA_ARGS__);               \
    } while (0)

#endif
