# SPDX-License-Identifier: MIT
# pci-msi: the tiny guest programs dmd's PCI UART by hand: config space
# through Xen's 0xcf8/0xcfc decoding, BAR0 placement and decoding, and MSI
# messages to its own local APIC (inject_msi on real Xen), masked, pending,
# disabled (guest/scenario_pci_msi.c).  What it sends through BAR0 must
# reach the file: backend.
plan 7

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-ready "$DMD_STATE" ready
guest_unpause tiny-pci-msi

wait_domain_gone "$domid" 60
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap

check_file bar0-backend /tmp/pci-uart.out "$(text_hex 'hello through BAR0\n')"
check dmd-no-warnings "$(dmd_warnings)" 0
check_dmd_users
finish
