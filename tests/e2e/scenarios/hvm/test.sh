# SPDX-License-Identifier: MIT
# hvm: an HVM guest with qemu-xen as its default device model and dmd as a
# second IOREQ server for COM2 (0x2f8, ISA IRQ 3).  The Linux guest drives
# ttyS1 interrupt-driven (linux-guest/init): it says "ready", dom0 sends a
# line through dmd's stdin, the guest sends it back.
plan 9

dmd_stdin_fifo /tmp/com2.in # dmd's stdio backend: >&7 reaches the guest

serve_guest linux-hvm
check dmd-is-second-server "$(grep -c 'created ioreq server 1 ' "$DMD_LOG")" 1

said() { file_has_line "$DMD_OUT" "$1"; }
wait_until 100 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes
printf 'ping-from-dom0\n' >&7
said ready && wait_until 30 said 'pong ping-from-dom0'
check guest-echoed "$(said 'pong ping-from-dom0' && echo yes || echo no)" yes

said ready && wait_domain_gone "$domid" 60
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check dmd-no-warnings "$(dmd_warnings)" 0
check_dmd_users
finish
