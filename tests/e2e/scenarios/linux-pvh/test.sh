# SPDX-License-Identifier: MIT
# linux-pvh: Debian's kernel boots as a PVH guest; its 8250 driver probes
# dmd's COM1 and must find a 16550A, and text written to /dev/ttyS0 must
# reach dmd's file backend (the guest's own checks: linux-guest/init).
plan 7

serve_guest linux-pvh

wait_domain_gone "$domid" 150
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap

check_file tty-text /tmp/com1.out "$(text_hex 'hello from linux on ttyS0\n')"
check dmd-no-warnings "$(dmd_warnings)" 0
check_dmd_users
finish
