# SPDX-License-Identifier: MIT
# hvm-pci: an HVM guest with qemu-xen as its default device model and dmd
# as a second IOREQ server for a PCI function, 00:05.0: a 16550 with QEMU's
# pci-serial identity (1b36:0002), BAR0 in I/O space, INTA.  hvmloader must
# find the function and place its BAR; Linux's 8250_pci must bind it and
# drive the port interrupt-driven (linux-guest/init): it says "ready", dom0
# sends a line through dmd's stdin, the guest sends it back.
plan 11

dmd_stdin_fifo /tmp/uart.in # dmd's stdio backend: >&7 reaches the guest

serve_guest linux-hvm-pci
check dmd-is-second-server "$(grep -c 'created ioreq server 1 ' "$DMD_LOG")" 1

said() { file_has_line "$DMD_OUT" "$1"; }
wait_until 120 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes

# hvmloader found the function (its config space is dmd's), routed INTA to
# an ISA IRQ and gave BAR0 8 ports (hvmloader's lines, "(d1) pci dev
# 05:0 ...", are in Xen's console ring: read them before they scroll off).
xl dmesg | grep 'pci dev 05:0' >/tmp/hvmloader.txt
sed 's/^/# /' /tmp/hvmloader.txt
check hvmloader-intx "$(grep -c 'pci dev 05:0 INTA->IRQ' /tmp/hvmloader.txt)" 1
check hvmloader-bar0 "$(grep -c 'pci dev 05:0 bar 10 size 000000008: ' /tmp/hvmloader.txt)" 1

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
