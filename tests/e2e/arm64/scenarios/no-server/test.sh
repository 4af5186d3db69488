# SPDX-License-Identifier: MIT
# no-server (Arm64): the control for the other scenarios.  The guest's
# device tree has the PL011 node but no ioreq server claims 0x02000000.
# On Arm, Xen then finds no MMIO handler and no ioreq server for the
# access (try_handle_mmio -> try_fwd_ioserv: IO_UNHANDLED) and injects a
# data abort: Linux oopses in amba_read_periphid while it populates the
# device tree, and panics (init is the process that faulted).  On x86 an
# unclaimed access reads all ones instead.  So on Arm dmd must be ready
# before the guest runs, and a guest that touches a device between a
# clean stop and the next start faults (kill -9 keeps the server: the
# vCPU waits instead, see lifecycle).
plan 3

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
guest_unpause linux-arm
wait_domain_gone "$domid" 120
check guest-died "$(domain_exists "$domid" && echo running || echo gone)" gone
log=/var/log/xen/console/guest-linux-arm.log
check guest-aborted-in-amba-probe \
    "$(grep -c -E 'Internal error: Oops|pc : amba_read_periphid' "$log")" 2
finish
