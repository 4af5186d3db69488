# SPDX-License-Identifier: MIT
# destroy: `xl destroy` the guest while dmd serves it (the guest polls COM1
# for ever, guest/scenario_restart.c).  dmd must notice and exit cleanly
# (status 0) within a few seconds.
plan 6

serve_guest tiny-destroy

spinning() { file_has_line /tmp/com1.out spinning; }
wait_until 30 spinning
check guest-served "$(spinning && echo yes || echo no)" yes

xl destroy tiny-destroy
t0=$(uptime_cs)
dmd_wait_exit 10
check dmd-exit-after-destroy "$DMD_RC" 0
[ "$DMD_RC" = running ] ||
    note "dmd exited $((($(uptime_cs) - t0) * 10)) ms after xl destroy returned"
dmd_reap
wait_domain_gone "$domid" 10
check guest-gone "$(domain_exists "$domid" && echo present || echo gone)" gone
check_dmd_users
finish
