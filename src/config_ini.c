/* SPDX-License-Identifier: MIT */
/*
 * Reading the INI file with line numbers (see config_ini.h).
 *
 * Debian's inih 55 is built without INI_HANDLER_LINENO, so the handler is
 * not told the line, and it reports neither section headers nor more than
 * the first bad line.  The file is therefore fed to inih through our own
 * reader (ini_parse_stream), which hands over exactly one physical line per
 * call and counts them.  inih finishes a line before asking for the next,
 * so that count is the line of every callback.  The reader also sees each
 * line before inih does: it records section headers itself (an empty
 * section would otherwise go unnoticed) and notices key lines that produced
 * no callback, i.e. that inih rejected, so all syntax errors are reported.
 * inih's own settings are left alone: `;` starts a comment at the start of a
 * line or, after whitespace, inside one; `#` only at the start of a line.
 */
#include "config_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

/* What the reader made of the line inih is working on. */
enum line_kind { LINE_BLANK, LINE_SECTION, LINE_CONTINUATION, LINE_KEY };

struct ini_reader {
    struct ini_doc *doc;
    ini_error_fn *error;
    void *ctx;
    int errors;

    FILE *file;
    int read_errno;      /* from a failed getc(), 0 if none */
    int line;            /* physical line inih is working on */
    enum line_kind kind;
    bool got_key;        /* inih called the handler for this line */
    bool key_in_section; /* inih would take an indented line as continuation */
    bool in_bad_section; /* the last header was broken: drop its keys */
};

__attribute__((format(printf, 3, 4)))
static void ini_error(struct ini_reader *ld, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld->errors++;
    ld->error(ld->ctx, line, msg);
}

static void add_section(struct ini_reader *ld, const char *name, size_t len)
{
    struct ini_section *secs = reallocarray(ld->doc->secs, ld->doc->nsecs + 1, sizeof(*secs));
    char *copy = strndup(name, len);

    if (secs != NULL)
        ld->doc->secs = secs;
    if (secs == NULL || copy == NULL) {
        free(copy);
        ini_error(ld, ld->line, "out of memory");
        ld->in_bad_section = true;
        return;
    }
    secs[ld->doc->nsecs++] = (struct ini_section){ .name = copy, .line = ld->line };
    ld->in_bad_section = false;
}

static void add_entry(struct ini_reader *ld, struct ini_section *sec, const char *key,
                      const char *value)
{
    struct ini_entry *entries = reallocarray(sec->entries, sec->nentries + 1, sizeof(*entries));
    char *k = strdup(key), *v = strdup(value);

    if (entries != NULL)
        sec->entries = entries;
    if (entries == NULL || k == NULL || v == NULL) {
        free(k);
        free(v);
        ini_error(ld, ld->line, "out of memory");
        return;
    }
    entries[sec->nentries++] = (struct ini_entry){ .key = k, .value = v, .line = ld->line };
}

static bool section_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > INI_SECTION_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_' && c != '-' && c != '.')
            return false;
    }
    return true;
}

/* `p` points at the '[' of a header line. */
static void start_section(struct ini_reader *ld, const char *p)
{
    const char *close = strchr(p, ']'), *name = p + 1, *rest;
    size_t len;

    ld->in_bad_section = true;
    if (close == NULL) {
        ini_error(ld, ld->line, "section header without a closing `]`");
        return;
    }
    ld->key_in_section = false; /* inih forgets the previous key here */
    while (name < close && isspace((unsigned char)*name))
        name++;
    len = (size_t)(close - name);
    while (len > 0 && isspace((unsigned char)name[len - 1]))
        len--;
    for (rest = close + 1; isspace((unsigned char)*rest); rest++)
        ;
    if (*rest != '\0' && *rest != ';' && *rest != '#') {
        ini_error(ld, ld->line, "unexpected text after the section header's `]`");
        return;
    }
    if (!section_name_valid(name, len)) {
        ini_error(ld, ld->line,
                  "section name `%.*s` must be 1 to %d letters, digits, `_`, `-` or `.`",
                  (int)len, name, INI_SECTION_NAME_MAX);
        return;
    }
    add_section(ld, name, len);
}

/* Mirrors inih's order of tests on a line (comment, continuation, section). */
static void classify_line(struct ini_reader *ld, const char *text)
{
    const char *p = text;

    ld->got_key = false;
    if (ld->line == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3; /* inih skips a UTF-8 byte order mark */
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || *p == ';' || *p == '#') {
        ld->kind = LINE_BLANK;
    } else if (p > text && ld->key_in_section) {
        ld->kind = LINE_CONTINUATION;
        ini_error(ld, ld->line,
                  "indented line: the INI parser would append it to the previous "
                  "key's value; remove the leading whitespace");
    } else if (*p == '[') {
        ld->kind = LINE_SECTION;
        start_section(ld, p);
    } else {
        ld->kind = LINE_KEY;
    }
}

/* inih calls the handler for every key line it accepts. */
static void finish_line(struct ini_reader *ld)
{
    if (ld->kind == LINE_KEY && !ld->got_key)
        ini_error(ld, ld->line, "expected `key = value`, `[section]` or a comment");
    ld->kind = LINE_BLANK;
}

/*
 * inih's reader: one physical line per call, ending in '\n'.  A line that
 * does not fit inih's buffer (num) or holds a NUL byte is reported and
 * replaced by an empty one, rather than split or cut by the parser.
 */
static char *read_line(char *str, int num, void *stream)
{
    struct ini_reader *ld = stream;
    size_t room = (size_t)num - 2, len = 0; /* keep space for "\n\0" */
    bool too_long = false, nul = false;
    int c;

    finish_line(ld);
    while ((c = getc(ld->file)) != EOF && c != '\n') {
        if (c == '\0')
            nul = true;
        else if (len < room)
            str[len++] = (char)c;
        else
            too_long = true;
    }
    if (c == EOF && ferror(ld->file))
        ld->read_errno = errno;
    if (c == EOF && len == 0 && !too_long && !nul)
        return NULL;
    ld->line++;
    if (too_long)
        ini_error(ld, ld->line, "line is longer than %zu characters, the INI parser's limit",
                  room);
    else if (nul)
        ini_error(ld, ld->line, "line contains a NUL byte");
    if (too_long || nul)
        len = 0;
    str[len++] = '\n';
    str[len] = '\0';
    classify_line(ld, str);
    return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct ini_reader *ld = user;

    (void)section; /* read_line() tracks sections itself, see the top */
    if (ld->kind == LINE_CONTINUATION)
        return 1; /* already reported */
    ld->got_key = true;
    ld->key_in_section = true;
    if (ld->in_bad_section)
        return 1; /* its header was reported; its keys mean nothing */
    if (ld->doc->nsecs == 0)
        ini_error(ld, ld->line, "`%s` is outside any section; put it under [dmd] or a "
                  "device's [NAME]", name);
    else if (*name == '\0')
        ini_error(ld, ld->line, "missing key name before `=`");
    else
        add_entry(ld, &ld->doc->secs[ld->doc->nsecs - 1], name, value);
    return 1; /* errors are counted in ld: let inih go on */
}

void ini_doc_free(struct ini_doc *doc)
{
    for (size_t i = 0; i < doc->nsecs; i++) {
        for (size_t j = 0; j < doc->secs[i].nentries; j++) {
            free(doc->secs[i].entries[j].key);
            free(doc->secs[i].entries[j].value);
        }
        free(doc->secs[i].entries);
        free(doc->secs[i].name);
    }
    free(doc->secs);
    doc->secs = NULL;
    doc->nsecs = 0;
}

int ini_doc_read(const char *path, struct ini_doc *doc, ini_error_fn *error, void *ctx)
{
    struct ini_reader r = { .doc = doc, .error = error, .ctx = ctx };
    int rc, result = 0;

    *doc = (struct ini_doc){ 0 };
    r.file = fopen(path, "re");
    if (r.file == NULL) {
        ini_error(&r, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    rc = ini_parse_stream(read_line, &r, on_key, &r);
    finish_line(&r);
    doc->lines = r.line;
    if (r.read_errno != 0) {
        ini_error(&r, 0, "read error: %s", strerror(r.read_errno));
        result = -1;
    } else if (rc == -2) {
        ini_error(&r, 0, "out of memory");
    } else if (rc > 0 && r.errors == 0) {
        ini_error(&r, rc, "syntax error"); /* a rejection the reader did not foresee */
    }
    fclose(r.file);
    return result;
}
