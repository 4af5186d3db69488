/* SPDX-License-Identifier: MIT */
/*
 * The RTCs' state across a restart, for the fuzz targets (fuzz_restart.h).
 */
#include "fuzz_restart.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"

#define CMOS_REG_A 0x0a
#define CMOS_REG_B 0x0b
#define CMOS_CENTURY 0x32
#define CMOS_RAM_FIRST 0x0e
#define CMOS_BANK_SIZE 128
#define REG_A_DV 0x70
#define REG_A_DV_32K 0x20
#define REG_A_UIP 0x80
#define REG_B_SET 0x80
#define REG_B_FORMAT 0x0f /* SQWE, DM, 24/12, DSE: no interrupt enables */
#define PL031_DR 0x000

/* Seconds, minutes, hours, weekday, day, month, year, century. */
static const uint8_t time_regs[FUZZ_CMOS_TIME_REGS] = { 0x00, 0x02, 0x04, 0x06,
                                                        0x07, 0x08, 0x09, CMOS_CENTURY };

/* Bank 1 is reached through the second index/data pair, 2 and 3. */
static uint8_t cmos_read(const struct fuzz_guest *g, unsigned bank, uint8_t index)
{
    g->write(IOREQ_TYPE_PIO, g->cmos_port + 2 * bank, 1, index);
    return (uint8_t)g->read(IOREQ_TYPE_PIO, g->cmos_port + 2 * bank + 1, 1);
}

static bool is_ram(unsigned bank, unsigned index)
{
    return bank == 1 || (index >= CMOS_RAM_FIRST && index != CMOS_CENTURY);
}

static bool clock_runs(const struct fuzz_rtc_view *v)
{
    return !(v->reg_b & REG_B_SET) && (v->reg_a & REG_A_DV) <= REG_A_DV_32K;
}

static void read_time(const struct fuzz_guest *g, uint8_t time[FUZZ_CMOS_TIME_REGS])
{
    for (unsigned i = 0; i < FUZZ_CMOS_TIME_REGS; i++)
        time[i] = cmos_read(g, 0, time_regs[i]);
}

void fuzz_rtc_look(const struct fuzz_guest *g, struct fuzz_rtc_view *v)
{
    memset(v, 0, sizeof(*v));
    for (unsigned bank = 0; bank < 2; bank++)
        for (unsigned i = 0; i < CMOS_BANK_SIZE; i++)
            if (is_ram(bank, i))
                v->ram[bank][i] = cmos_read(g, bank, (uint8_t)i);
    v->reg_a = cmos_read(g, 0, CMOS_REG_A) & (uint8_t)~REG_A_UIP;
    v->reg_b = cmos_read(g, 0, CMOS_REG_B);
    read_time(g, v->time);
    v->dr = (uint32_t)g->read(IOREQ_TYPE_COPY, g->pl031_base + PL031_DR, 4);
}

bool fuzz_rtc_view_changed(const struct fuzz_rtc_view *v, int64_t host_sec)
{
    for (unsigned bank = 0; bank < 2; bank++)
        for (unsigned i = 0; i < CMOS_BANK_SIZE; i++)
            if (v->ram[bank][i] != 0)
                return true;
    return v->dr != (uint32_t)host_sec;
}

void fuzz_rtc_check_restored(const struct fuzz_guest *g, const struct fuzz_rtc_view *before)
{
    struct fuzz_rtc_view after;

    fuzz_rtc_look(g, &after);
    for (unsigned bank = 0; bank < 2; bank++)
        for (unsigned i = 0; i < CMOS_BANK_SIZE; i++)
            FUZZ_CHECK(after.ram[bank][i] == before->ram[bank][i],
                       "CMOS bank %u byte %#x was %#x, %#x after a restart", bank, i,
                       before->ram[bank][i], after.ram[bank][i]);
    FUZZ_CHECK(after.dr == before->dr, "pl031 DR was %u, %u after a restart", before->dr,
               after.dr);
    if (!clock_runs(before))
        return; /* the guest was setting the time: only the old time was kept */
    g->write(IOREQ_TYPE_PIO, g->cmos_port, 1, CMOS_REG_B);
    g->write(IOREQ_TYPE_PIO, g->cmos_port + 1, 1, before->reg_b & REG_B_FORMAT);
    read_time(g, after.time);
    for (unsigned i = 0; i < FUZZ_CMOS_TIME_REGS; i++)
        FUZZ_CHECK(after.time[i] == before->time[i],
                   "CMOS time register %#x was %#x, %#x after a restart (B %#x)", time_regs[i],
                   before->time[i], after.time[i], before->reg_b);
}

/* ---- the directory ---------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool fuzz_state_dir_check(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool any = false;

    FUZZ_CHECK(d != NULL, "opendir %s: %m", dir);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        FUZZ_CHECK(ends_with(e->d_name, ".state"), "%s/%s left in the state directory", dir,
                   e->d_name);
        any = true;
    }
    closedir(d);
    return any;
}

void fuzz_state_dir_clear(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    FUZZ_CHECK(d != NULL, "opendir %s: %m", dir);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FUZZ_CHECK(unlink(path) == 0, "unlink %s: %m", path);
    }
    closedir(d);
}
