/* SPDX-License-Identifier: MIT */
/*
 * journal-sink SOCKET: the part of systemd-journald dmd talks to, for the
 * e2e dom0, which has no systemd (scenarios/demo).
 *
 * It binds SOCKET (/run/systemd/journal/socket, a datagram socket anyone
 * may send to, as journald's is: dmd logs after it stopped being root)
 * and reads entries in journald's native protocol: fields "KEY=VALUE\n",
 * or, for a value with a newline in it, "KEY\n", its length as a 64-bit
 * little-endian number, the bytes and "\n" (src/sd_proto.c writes both).
 * Like journald it asks the kernel for the sender's credentials
 * (SO_PASSCRED) and adds _PID, _UID and _GID.
 *
 * Each entry becomes one line on stdout, as `journalctl -o short-precise`
 * prints it, followed by the fields `-o short` leaves out:
 *
 *   Dec 07 13:10:02.123 dom0 dmd[187]: ready: serving domain 1 ...
 *       [PRIORITY=6 DMD_DOMID=1 DMD_SERVER=0 _UID=990]
 *
 * on one line ("    [" joins them).  An entry that is not in the protocol
 * is reported as "journal-sink: bad entry (N bytes): why" and counted.
 * SIGTERM or SIGINT: print "journal-sink: N entries, M bad" on stderr and
 * exit 0.  Built static by tests/e2e/meson.build.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DGRAM_MAX (256 * 1024) /* larger than any entry dmd sends */
#define FIELDS_MAX 64

struct field {
    const char *key;
    size_t klen;
    const char *val;
    size_t vlen;
};

static volatile sig_atomic_t stop;
static unsigned long entries, bad;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static bool key_ok(const char *k, size_t n)
{
    if (n == 0 || n > 64 || (k[0] >= '0' && k[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return false;
    return true;
}

/* Split a datagram into fields; NULL, or why it is not an entry. */
static const char *parse(const char *p, size_t len, struct field *f, unsigned *nf)
{
    const char *end = p + len;

    *nf = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eq = memchr(p, '=', (size_t)((nl != NULL ? nl : end) - p));

        if (*nf == FIELDS_MAX)
            return "too many fields";
        if (nl == NULL)
            return "last field has no newline";
        if (eq != NULL) { /* KEY=VALUE\n */
            f[*nf] = (struct field){ p, (size_t)(eq - p), eq + 1, (size_t)(nl - eq - 1) };
            p = nl + 1;
        } else { /* KEY\n, length, data, \n */
            uint64_t n = 0;

            f[*nf].key = p;
            f[*nf].klen = (size_t)(nl - p);
            p = nl + 1;
            if (end - p < 8)
                return "binary field without its length";
            for (int b = 7; b >= 0; b--)
                n = n << 8 | (uint8_t)p[b];
            p += 8;
            if (n >= (uint64_t)(end - p) || p[n] != '\n')
                return "binary field longer than the datagram";
            f[*nf].val = p;
            f[*nf].vlen = (size_t)n;
            p += n + 1;
        }
        if (!key_ok(f[*nf].key, f[*nf].klen))
            return "invalid field name";
        (*nf)++;
    }
    return *nf > 0 ? NULL : "empty";
}

static const struct field *find(const struct field *f, unsigned nf, const char *key)
{
    for (unsigned i = 0; i < nf; i++)
        if (f[i].klen == strlen(key) && memcmp(f[i].key, key, f[i].klen) == 0)
            return &f[i];
    return NULL;
}

/* A value as journalctl shows it: control characters as spaces. */
static void put_value(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        putchar((unsigned char)v[i] < 0x20 || v[i] == 0x7f ? ' ' : v[i]);
}

static void print_entry(const struct field *f, unsigned nf, const struct ucred *cred)
{
    const struct field *ident = find(f, nf, "SYSLOG_IDENTIFIER");
    const struct field *msg = find(f, nf, "MESSAGE");
    const struct field *prio = find(f, nf, "PRIORITY");
    struct timespec ts;
    struct tm tm;
    char when[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%b %d %H:%M:%S", &tm);
    printf("%s.%03ld dom0 ", when, ts.tv_nsec / 1000000);
    if (ident != NULL)
        put_value(ident->val, ident->vlen);
    else
        fputs("unknown", stdout);
    if (cred != NULL)
        printf("[%ld]", (long)cred->pid);
    fputs(": ", stdout);
    if (msg != NULL)
        put_value(msg->val, msg->vlen);
    fputs("    [", stdout);
    if (prio != NULL) {
        fputs("PRIORITY=", stdout);
        put_value(prio->val, prio->vlen);
    }
    for (unsigned i = 0; i < nf; i++) {
        if (f[i].klen < 4 || memcmp(f[i].key, "DMD_", 4) != 0)
            continue;
        printf(" %.*s=", (int)f[i].klen, f[i].key);
        put_value(f[i].val, f[i].vlen);
    }
    if (cred != NULL)
        printf(" _UID=%ld _GID=%ld", (long)cred->uid, (long)cred->gid);
    fputs("]\n", stdout);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static char buf[DGRAM_MAX];
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct sigaction sact = { .sa_handler = on_signal };
    int fd, one = 1;

    if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: journal-sink SOCKET\n");
        return 2;
    }
    sigaction(SIGTERM, &sact, NULL);
    sigaction(SIGINT, &sact, NULL);
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        chmod(argv[1], 0666) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
        fprintf(stderr, "journal-sink: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    while (!stop) {
        union {
            struct cmsghdr align;
            char space[CMSG_SPACE(sizeof(struct ucred))];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
                            .msg_control = control.space,
                            .msg_controllen = sizeof(control.space) };
        struct field f[FIELDS_MAX];
        const struct ucred *cred = NULL;
        const char *why;
        unsigned nf;
        ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "journal-sink: recvmsg: %s\n", strerror(errno));
            return 1;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
                cred = (const struct ucred *)CMSG_DATA(c);
        if (m.msg_flags & MSG_TRUNC)
            why = "truncated";
        else
            why = parse(buf, (size_t)n, f, &nf);
        if (why != NULL) {
            bad++;
            printf("journal-sink: bad entry (%zd bytes): %s\n", n, why);
            fflush(stdout);
            continue;
        }
        entries++;
        print_entry(f, nf, cred);
    }
    unlink(argv[1]);
    fprintf(stderr, "journal-sink: %lu entries, %lu bad\n", entries, bad);
    return 0;
}
