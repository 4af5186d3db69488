# SPDX-License-Identifier: MIT
# events: dmop inject-event (XEN_DMOP_inject_event) against a running PVH
# guest whose own IDT counts what arrives (guest/scenario_events.c): a
# debug exception (#DB), then a page fault (#PF) with error code 6 and
# %cr2 0xdead000, each injected once the guest says it waits for it.  The
# guest checks count, error code and %cr2, and that nothing else came.
# (Xen 4.17 on AMD SVM, as here, injects every event type but software
# interrupts as a hardware exception: an NMI or an external interrupt
# becomes an invalid exception vector and the guest is crashed; see
# README.md, "Every DMOP on real Xen".)
plan 8

serve_guest tiny-events

said() { file_has_line /tmp/com1.out "$1"; }
wait_until 30 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes

dmop_rc inject-event 0 hw-exception 1
check inject-db "$RC" 0
said ready && wait_until 30 said db
dmop_rc inject-event 0 hw-exception 14 6 0 0xdead000
check inject-pf "$RC" 0

said db && wait_domain_gone "$domid" 30
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check_dmd_users
finish
