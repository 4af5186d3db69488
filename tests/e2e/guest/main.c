/* SPDX-License-Identifier: MIT */
/*
 * The tiny PVH test guest.  Xen enters start.S in 32-bit protected mode with
 * paging off and %ebx pointing at struct hvm_start_info; the command line
 * (xl's `cmdline`) names the scenario, optionally followed by a space and
 * its argument.  The guest powers itself off when the scenario returns.
 */
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "report.h"
#include "scenarios.h"
#include "xen.h"

static const struct {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    { "uart", scenario_uart },
    { "smp", scenario_smp },
    { "lifecycle", scenario_lifecycle },
    { "spin", scenario_spin },
    { "rtc-set", scenario_rtc_set },
    { "rtc-restart", scenario_rtc_restart },
    { "pci-msi", scenario_pci_msi },
    { "events", scenario_events },
};

const char *scenario_arg = "";

/* The command line starts with the scenario's name; what follows the first
 * space is the scenario's argument. */
static int name_matches(const char *cmdline, const char *name)
{
    while (*name && *cmdline == *name)
        cmdline++, name++;
    if (*name || (*cmdline != '\0' && *cmdline != ' '))
        return 0;
    while (*cmdline == ' ')
        cmdline++;
    scenario_arg = cmdline;
    return 1;
}

void guest_main(const struct hvm_start_info *si);

void guest_main(const struct hvm_start_info *si)
{
    const char *cmdline = "";

    if (si->magic == XEN_HVM_START_MAGIC_VALUE && si->cmdline_paddr)
        cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
    report_note(cmdline);
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        if (name_matches(cmdline, scenarios[i].name)) {
            scenarios[i].run();
            xen_poweroff();
        }
    }
    /* An unknown scenario is a failed check, not a silent pass. */
    report_plan(1);
    report_check("known-scenario", 0, 1);
    report_done();
    xen_poweroff();
}
