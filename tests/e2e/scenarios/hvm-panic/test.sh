# SPDX-License-Identifier: MIT
# hvm-panic: Linux's pvpanic-pci binds dmd's pvpanic (00:06.0, action
# poweroff) next to qemu-xen; the guest panics (sysrq c), its pvpanic
# notifier writes PANICKED, and dmd powers it off: xl reports reason 0, not
# the crash (3) that Linux's own Xen panic handler would ask for after it.
plan 11

dmd_stdin_fifo /tmp/com2.in # dmd's stdio backend: >&7 reaches the guest

serve_guest linux-hvm-panic

said() { file_has_line "$DMD_OUT" "$1"; }
wait_until 150 said panicking
check guest-panicking "$(said panicking && echo yes || echo no)" yes

# hvmloader placed the pvpanic's 4 KiB memory BAR.
xl dmesg | grep 'pci dev 06:0' | sed 's/^/# /'
check hvmloader-bar0 "$(xl dmesg | grep -c 'pci dev 06:0 bar 10 size 000001000: ')" 1

said panicking && wait_domain_gone "$domid" 60
check guest-gone "$(domain_exists "$domid" && echo running || echo gone)" gone
check xl-reason "$(grep -c 'shut down, reason code 0 ' /var/log/xen/xl-linux-hvm-panic.log)" 1
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check dmd-saw-panic "$(grep -c 'panic0: guest panicked (action poweroff)' "$DMD_LOG")" 1
check dmd-asked-poweroff "$(grep -c 'panic0: shutting the guest down (reason 0, poweroff)' "$DMD_LOG")" 1
# The panic is dmd's only error line.
check dmd-no-other-warnings "$(dmd_warnings)" 1
check_dmd_users
finish
