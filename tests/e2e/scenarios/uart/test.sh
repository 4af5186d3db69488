# SPDX-License-Identifier: MIT
# uart: the tiny guest runs its register script against two ns16550s
# (guest/scenario_uart.c); what it sends must reach the file: backends
# byte for byte.
plan 8

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-ready "$DMD_STATE" ready
guest_unpause tiny-uart

wait_domain_gone "$domid" 60
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap

# The guest's text, its `rep outsb` line, then every byte value 0x00..0xff.
all=$(i=0; while [ $i -lt 256 ]; do printf %02x $i; i=$((i + 1)); done)
check_file com1-backend /tmp/com1.out \
    "$(text_hex 'hello from the tiny guest\n')$(text_hex 'rep outsb line\n')$all"
check_file mmio-backend /tmp/mmio-uart.out "$(text_hex 'mmio uart, reg_shift 2\n')"
check dmd-no-warnings "$(dmd_warnings)" 0
check_dmd_users
finish
