# SPDX-License-Identifier: MIT
# smp: two vCPUs hammer COM1 at once (guest/scenario_smp.c).  dmd serves
# one ioreq slot and event channel per vCPU; no request may be lost (every
# byte arrives) and no vCPU may be left waiting (both finish their rounds).
rounds=400 # SMP_ROUNDS in guest/scenario_smp.c
plan 9

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-ready "$DMD_STATE" ready
check dmd-serves-2-vcpus "$(grep -c 'on 2 vCPU(s)' "$DMD_LOG")" 1
guest_unpause tiny-smp

wait_domain_gone "$domid" 90
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap

# Count each vCPU's letter in what reached the backend.
check vcpu0-bytes "$(tr -cd a </tmp/com1.out | wc -c)" "$rounds"
check vcpu1-bytes "$(tr -cd b </tmp/com1.out | wc -c)" "$rounds"
check total-bytes "$(wc -c </tmp/com1.out)" $((2 * rounds))
# How much the two vCPUs overlapped: runs of the same letter (2 = none).
note "letter runs: $(tr -s ab </tmp/com1.out | wc -c)"
check_dmd_users
finish
