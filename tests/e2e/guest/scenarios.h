/* SPDX-License-Identifier: MIT */
/* The guest's scenarios, chosen by the kernel command line (xl `cmdline`). */
#ifndef E2E_SCENARIOS_H
#define E2E_SCENARIOS_H

void scenario_uart(void);      /* register script, 8/16/32-bit, port + MMIO */
void scenario_smp(void);       /* two vCPUs hammer the UART at once */
void scenario_lifecycle(void); /* greet every new dmd instance, 11 in all */
void scenario_spin(void);      /* prove dmd serves us, then poll for ever */
void scenario_rtc_set(void);   /* read, set and watch the mc146818 RTC */
void scenario_rtc_restart(void); /* what rtc-set left survived a dmd restart */
void scenario_pci_msi(void);   /* a PCI UART's BAR and MSI, programmed by hand */
void scenario_events(void);    /* count the exceptions dom0 injects (own IDT) */

/* What follows the scenario's name on the command line ("" if nothing). */
extern const char *scenario_arg;

/* Secondary vCPUs start at ap_start (start.S), which calls scenario_smp_ap()
 * on the stack it was given and takes the vCPU down when that returns. */
void ap_start(void);
void scenario_smp_ap(void);

#endif
