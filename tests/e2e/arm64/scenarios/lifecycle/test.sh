# SPDX-License-Identifier: MIT
# lifecycle (Arm64): dmd's start, stop, crash and restart against Xen 4.17
# on Arm, with a Linux guest echoing lines through dmd's PL011.
#  1. ten dmds started and stopped (SIGTERM) for the paused guest: each
#     starts (a leaked ioreq server would exhaust Xen's eight) and exits 0,
#     and none is left in Xen (dmop servers);
#  2. a dmd serves the running guest: a line each way;
#  3. kill -9: the server stays in Xen (docs/restart.md); a new dmd takes it
#     over, restores the PL011, and the guest, blocked in read() meanwhile,
#     gets the next line and answers;
#  then what Arm's Xen does with set_irq_level and remote_shutdown;
#  4. xl destroy: dmd exits by itself, status 0, and leaves nothing in
#     /run/dmd.
plan 21

dmd_stdin_fifo /tmp/uart0.in # dmd's stdio backend: >&7 reaches the guest

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes

# servers_none: how many of ids 0..7 Xen says do not exist.
servers_none() { dmop "$domid" servers 2>&1 | grep -c ' none$'; }

ok=0
i=1
while [ $i -le 10 ]; do
    dmd_start "$domid" dmd.ini
    dmd_wait_ready 30
    if [ "$DMD_STATE" = ready ]; then
        dmd_stop
        [ "$DMD_RC" = 0 ] && ok=$((ok + 1))
    else
        dmd_reap
    fi
    i=$((i + 1))
done
check ten-starts-and-stops "$ok" 10
check no-server-left "$(servers_none)" 8

dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-ready "$DMD_STATE" ready
check one-server "$(dmop "$domid" servers 2>&1 | grep -c ' ours ')" 1
guest_unpause linux-arm

said() { file_has_line "$DMD_OUT" "$1"; }
wait_until 150 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes
printf 'ping-1\n' >&7
said ready && wait_until 30 said 'pong ping-1'
check echo-before-kill "$(said 'pong ping-1' && echo yes || echo no)" yes

# 3. kill -9 and restart: the next dmd takes over server and state.
killed_out=$DMD_OUT
kill -KILL "$DMD_PID"
dmd_wait_exit 10
check dmd-killed "$DMD_RC" 137
check server-outlives-dmd "$(dmop "$domid" servers 2>&1 | grep -c ' ours ')" 1
dmd_start "$domid" dmd.ini
dmd_wait_ready 30
check dmd-restarted "$DMD_STATE" ready
check took-over "$(grep -c 'taking over ioreq server' "$DMD_LOG")" 1
check uart-state-restored "$(grep -c 'restored the state of 1 device' "$DMD_LOG")" 1
printf 'ping-2\n' >&7
wait_until 30 said 'pong ping-2'
check echo-after-restart "$(said 'pong ping-2' && echo yes || echo no)" yes
printf 'stop\n' >&7
wait_until 30 said bye
check guest-said-bye "$(said bye && echo yes || echo no)" yes

# What Xen 4.17 on Arm does with DMOPs dmd relies on (xen/arch/arm/dm.c):
# set_irq_level takes SPIs up to the vGIC's last (guest.cfg's vUART gives
# it 32 SPIs: GIC 32..63), remote_shutdown does not exist (dmd.ini(5),
# pvpanic on Arm).
dmop_result() {
    out=$(dmop "$@" 2>&1) && echo ok || echo "${out##*: }"
}
check dmop-set-irq-level-63 "$(dmop_result "$domid" set-irq-level 63 0)" ok
check dmop-set-irq-level-64 "$(dmop_result "$domid" set-irq-level 64 0)" "Invalid argument"
check dmop-shutdown-on-arm "$(dmop_result "$domid" shutdown crash)" "Operation not supported"

# 4. xl destroy under a serving dmd.
mark "xl destroy"
xl destroy "$domid"
wait_domain_gone "$domid" 30
dmd_wait_exit 10
check dmd-exit-after-destroy "$DMD_RC" 0
dmd_reap
left=""
for f in /run/dmd/"$domid".*; do [ -e "$f" ] && left="$left ${f##*/}"; done
left=${left# }
check runtime-dir-clean "${left:-none}" none
check dmd-no-warnings "$(dmd_warnings)" 0
check_dmd_users
echo "# guest's PL011 output (before the kill, then after):"
sed 's/^/# uart0| /' "$killed_out" "$DMD_OUT"
finish
