# SPDX-License-Identifier: MIT
# The crash scenario's dom0 side, the same on x86 (scenarios/crash) and
# Arm64 (arm64/scenarios/crash), sourced by their test.sh once they have
# set SOCKET, the path of the UART's socket: backend.  dmd is killed with
# SIGKILL twenty times, at random moments, while a Linux guest streams
# through the UART both ways, and is restarted each time as systemd would
# (dmd-supervise: Restart=, the descriptor store).  The guest's tty-stream
# keeps its tty open and writes numbered lines; crash-host stays connected
# to dmd's socket the whole time, checks every line arrives once, in order,
# byte for byte, and sends lines the guest must echo.  Each restarted dmd
# must take over the ioreq server and the UART's state (docs/restart.md);
# exactly one server is left at the end (dmop servers counts it).
# The guest is named linux-crash; its config is the scenario's guest.cfg.
kills=20
plan 30

SUP_LOG=/tmp/supervise.log
PIDFILE=/run/dmd.pid
HOST_STATUS=/tmp/crash-host.status
HOST_RESULT=/tmp/crash-host.res

# cpu_ticks PID: the CPU time the process used so far, in clock ticks
# (utime + stime, fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
    read -r _ _ _ _ _ _ _ _ _ _ _ _ _ ut st _ 2>/dev/null <"/proc/$1/stat" || { echo -; return; }
    echo $((ut + st))
}
# host_status: crash-host's progress in H_LINES (data lines in order so
# far) and H_ECHOES.
host_status() {
    H_LINES=0 H_ECHOES=0
    read -r st 2>/dev/null <"$HOST_STATUS" || return 0
    for kv in $st; do
        case "$kv" in
        lines=*) H_LINES=${kv#*=} ;;
        echoes=*) H_ECHOES=${kv#*=} ;;
        esac
    done
}
streaming() { host_status; [ "$H_LINES" -gt 0 ]; }
echoed() { host_status; [ "$H_ECHOES" -gt 0 ]; }

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes

# Every dmd's stderr goes to one log, dumped with the others at the end.
DMD_LOG=/tmp/dmd-1.log
echo "dmd #1 to #$((kills + 1)) under dmd-supervise, started at $(uptime_s) s" >"$DMD_LOG.head"
dmd-supervise /run/dmd-notify.sock "$PIDFILE" -- \
    dmd --domid "$domid" --config dmd.ini --foreground --user "$DMD_USER" \
    --log-target stderr --log-level debug </dev/null >"$SUP_LOG" 2>"$DMD_LOG" &
SUP_PID=$!
wait_until 30 sup_has "ready 1 pid"
check dmd-ready "$(yes_no sup_has "ready 1 pid")" yes
read -r pid <"$PIDFILE"
dmd_note_user "$pid"

crash-host "$SOCKET" "$HOST_STATUS" "$HOST_RESULT" >/tmp/crash-host.log 2>&1 &
HOST_PID=$!
wait_until 30 test -e "$HOST_STATUS"
check host-connected "$(yes_no test -e "$HOST_STATUS")" yes
guest_unpause linux-crash

# Linux boots, tty-stream opens its tty and starts writing; crash-host then
# starts sending, and the first echo shows input reaches the guest.  The
# time limits here and below are for a loaded host, where the stream can
# run ten times slower (seen with a fuzzer on the other core): they catch
# a stream that stopped, not a slow one.
wait_until 120 streaming
check stream-started "$(yes_no streaming)" yes
streaming && wait_until 90 echoed
check first-echo "$(yes_no echoed)" yes
mark "stream running: $H_LINES lines, $H_ECHOES echoes"

# The kills: a random 0.2 to 2.0 s after the last READY=1, SIGKILL to the
# dmd of the moment; dmd-supervise starts the next 100 ms after it died.
n=0
while [ $n -lt $kills ] && streaming; do
    # shellcheck disable=SC3028 # busybox ash has $RANDOM
    t=$((2 + RANDOM % 19))
    sleep "$((t / 10)).$((t % 10))"
    read -r pid <"$PIDFILE"
    ticks=$(cpu_ticks "$pid")
    kill -KILL "$pid"
    n=$((n + 1))
    host_status
    after="$((t / 10)).$((t % 10)) s"
    mark "kill $n: pid $pid ($ticks ticks) $after after READY, $H_LINES lines, $H_ECHOES echoes"
    wait_until 30 sup_has "ready $((n + 1)) pid" || break
    read -r pid <"$PIDFILE"
    dmd_note_user "$pid"
done
check kills "$n" $kills
check ready-after-each-kill "$(sup_count 'ready *')" $((kills + 1))
check deaths-by-sigkill "$(sup_count 'died * killed by signal 9')" $kills
# Each restarted dmd took the server over (none made a new one) and
# restored the UART's state.
check servers-created "$(grep -c 'created ioreq server ' "$DMD_LOG")" 1
check servers-taken-over "$(grep -c 'taking over ioreq server ' "$DMD_LOG")" $kills
check states-restored "$(grep -c 'restored the state of 1 device' "$DMD_LOG")" $kills

# After the last restart the guest goes on both ways: 3 more lines and 2
# more echoes.
host_status
lines0=$H_LINES echoes0=$H_ECHOES
progressed() {
    host_status
    [ "$H_LINES" -ge $((lines0 + 3)) ] && [ "$H_ECHOES" -ge $((echoes0 + 2)) ]
}
wait_until 90 progressed
check progress-after-last-restart "$(yes_no progressed)" yes

# No vCPU is stuck: each one's CPU time (xl vcpu-list, "Time(s)") grows
# over 2 s.  A vCPU waiting for an answer no dmd will give stays blocked
# and its time stands still.
vcpu_times() { xl vcpu-list linux-crash 2>/dev/null | awk 'NR > 1 { print $3, $5, $6 }'; }
before=$(vcpu_times)
sleep 2
after=$(vcpu_times)
echo "$before" | sed 's/^/# vCPU, state, time before: /'
echo "$after" | sed 's/^/# vCPU, state, time after:  /'
check vcpus-listed "$(echo "$after" | grep -c .)" 1
stuck=$(printf '%s\n%s\n' "$before" "$after" |
    awk 'NF == 3 { if ($1 in t) { if ($3 <= t[$1]) s++ } else t[$1] = $3 } END { print s + 0 }')
check stuck-vcpus "$stuck" 0

# Exactly one ioreq server left: dmop servers asks Xen for ids 0..7
# ("ours": it exists and dom0 emulates it).
dmop "$domid" servers | sed 's/^/# dmop servers: /'
servers_left=$(dmop "$domid" servers | grep -c ' ours ')
check ioreq-servers-left "$servers_left" 1

# Stop: crash-host sends STOP, the guest echoes what came before it and
# writes its END line with its own figures; crash-host compares.
kill -USR1 $HOST_PID
wait_until 150 gone $HOST_PID || kill -TERM $HOST_PID # it gives up at once
wait $HOST_PID
check crash-host-exit $? 0
# crash-host's figures (dom0/crash-host.c); -1 where it wrote none.
end=no
lines=-1 bytes=-1 lost=-1 duplicated=-1 corrupt=-1 sent=-1 sent_bytes=-1 echoes=-1
echo_lost=-1 echo_dup=-1 disconnects=-1 g_lines=-1 g_bytes=-1 g_hostbytes=-1
# shellcheck disable=SC1090
. "$HOST_RESULT"
check guest-end-line "$end" yes
check lines-lost "$lost" 0
check lines-duplicated "$duplicated" 0
check lines-corrupt "$corrupt" 0
check lines-as-guest-wrote "$lines" "$g_lines"
check bytes-as-guest-wrote "$bytes" "$g_bytes"
check echoes "$echoes/$sent/lost-$echo_lost/dup-$echo_dup" "$sent/$sent/lost-0/dup-0"
check host-bytes-as-guest-read "$sent_bytes" "$g_hostbytes"
check connection-kept "$disconnects" 0

# The guest powers off; dmd exits 0 (the domain is gone), which ends
# dmd-supervise too (RestartPreventExitStatus=0), and a clean stop leaves
# nothing for a next dmd in /run/dmd.
wait_domain_gone "$domid" 60
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone

# The figures, in one line (printed once the guest is gone: longer than
# the 128 bytes a dom0 line may have while one runs, see lib.sh).
sed 's/^/# /' /tmp/crash-host.log
short=$((g_lines > lines ? g_lines - lines : 0))
unechoed=$((sent > echoes + echo_lost ? sent - echoes - echo_lost : 0))
echo "crash: restarts $n, guest->host $bytes bytes ($lines lines)," \
    "host->guest $sent_bytes bytes ($sent lines)," \
    "lost $((lost + short + echo_lost + unechoed)), duplicated $((duplicated + echo_dup))," \
    "stuck vCPUs $stuck, ioreq servers left $servers_left"
wait_until 15 gone $SUP_PID || kill -TERM $SUP_PID # stops dmd, then itself
wait $SUP_PID
check supervisor-exit $? 0
left=""
for f in /run/dmd/"$domid".*; do [ -e "$f" ] && left="$left ${f##*/}"; done
left=${left# }
check restart-files-left "${left:-none}" none
check dmd-no-warnings "$(grep -c -E '^dmd\[(emerg|alert|crit|err|warning)\]' "$DMD_LOG")" 0
sed 's/^/# supervise: /' "$SUP_LOG"
check_dmd_users
finish
