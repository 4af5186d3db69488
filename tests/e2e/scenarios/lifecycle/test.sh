# SPDX-License-Identifier: MIT
# lifecycle: stop dmd with SIGTERM while the guest runs, then start a new
# dmd for the same guest, ten times.  Every start must succeed (a server
# leaked by the previous dmd would exhaust Xen's eight per domain) and serve
# the guest's next access: the guest greets each instance with "round N"
# (guest/scenario_restart.c).
restarts=10
plan $((3 * restarts + 6))

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-ready-0 "$DMD_STATE" ready
guest_unpause tiny-lifecycle

has_round() { file_has_line /tmp/com1.out "round $1"; }

# After a failure the rest would only wait for time-outs: stop there (the
# missing lines fail the test).
round=0
while [ $round -lt $restarts ]; do
    wait_until 30 has_round $round
    check greeted-$round "$(has_round $round && echo yes || echo no)" yes
    has_round $round || break
    dmd_stop
    check sigterm-exit-$round "$DMD_RC" 0
    round=$((round + 1))
    dmd_start "$domid" dmd.ini
    dmd_wait_ready 30
    check dmd-ready-$round "$DMD_STATE" ready
    [ "$DMD_STATE" = ready ] || break
done
wait_until 30 has_round $restarts
check greeted-$restarts "$(has_round $restarts && echo yes || echo no)" yes

wait_domain_gone "$domid" 30
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check_dmd_users
finish
