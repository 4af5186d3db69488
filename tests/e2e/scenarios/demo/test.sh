# SPDX-License-Identifier: MIT
# demo: what `scripts/demo` shows, and the e2e test that it happens.  A
# Linux PVH guest is created paused; dmd is started for it as systemd
# starts dmd@N.service (ExecStartPre=dmd --check-config, then dmd
# --foreground --user dmd under dmd-supervise, the stand-in for systemd's
# Type=notify supervision), logging to journald's socket, where
# journal-sink plays journald.  dom0's demo-host connects to COM1's socket
# backend, the guest is unpaused, and then:
#   1. its 8250 driver finds dmd's 16550A (linux-guest/init, e2e=demo),
#   2. a line the guest writes to ttyS0 reaches demo-host,
#   3. a line demo-host types comes back as the guest's echo,
#   4. the guest reads dmd's CMOS clock and sets it to 2030-06-15 12:00:00
#      (cmos-clock); the offset lands in dmd's state file,
#   5. dmd's journal entries say all of it, with their DMD_* fields.
# Transcript lines are "DEMO N.M WHO| text": scripts/demo shows them
# grouped by N (the five above; 0: starting dmd) in the order of N.M.
plan 20

GREETING="Hello from the guest's ttyS0, a 16550A served by dmd"
REPLY="Hi guest, this is dom0 typing into dmd's socket"
SET_EPOCH=1907755200 # 2030-06-15 12:00:00 UTC, as linux-guest/init sets it
SOCKET=/run/dmd/linux-demo-com1.sock
JOURNAL=/run/systemd/journal/socket
SUP_LOG=/tmp/supervise.log
HOST_LOG=/tmp/demo-host.log
JOURNAL_TXT=/tmp/journal.txt
STATE=/var/lib/dmd/linux-demo/rtc0.state

say() { echo "DEMO $1 host| $2"; }
stage() { echo "DEMO-STAGE $*"; }
# journal_has TEXT FIELD...: an entry whose line has TEXT and every FIELD.
journal_has() {
    text=$1
    shift
    grep -F -- "$text" "$JOURNAL_TXT" 2>/dev/null | {
        while IFS= read -r line; do
            ok=yes
            for f in "$@"; do
                case "$line" in *" $f "* | *" $f]"*) ;; *) ok=no ;; esac
            done
            [ $ok = yes ] && { echo yes; exit 0; }
        done
        echo no
    }
}

# journald, as far as dmd needs it: its native socket.
mkdir -p /run/systemd/journal
journal-sink $JOURNAL >$JOURNAL_TXT 2>/tmp/journal-sink.err &
JOURNAL_PID=$!
wait_until 10 test -S $JOURNAL
check journal-socket "$(yes_no test -S $JOURNAL)" yes

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
say 0.1 "# xl create -p guest.cfg: domain ${domid:-none} (linux-demo), paused"
stage created "domain ${domid:-none} created, paused"

# dmd@N.service: ExecStartPre, then ExecStart (Type=notify).
mkdir -p /etc/dmd
cp dmd.ini "/etc/dmd/$domid.ini"
say 0.2 "# dmd --check-config --config /etc/dmd/$domid.ini     (ExecStartPre)"
dmd --check-config --config "/etc/dmd/$domid.ini" >/tmp/check-config.txt 2>&1
rc=$?
sed 's/^/DEMO 0.3 host|   /' /tmp/check-config.txt
check check-config "$rc" 0
stage check-config "dmd --check-config: exit $rc"
say 0.4 "# dmd --foreground --user dmd --domid $domid --config /etc/dmd/$domid.ini"
say 0.4 "    (ExecStart, Type=notify; --log-target journal: dom0 has no JOURNAL_STREAM)"
t0=$(uptime_cs)
dmd-supervise /run/dmd-notify.sock /run/dmd.pid -- \
    dmd --foreground --user dmd --domid "$domid" --config "/etc/dmd/$domid.ini" \
    --log-target journal </dev/null >$SUP_LOG 2>/tmp/dmd-stderr.log &
SUP_PID=$!
wait_until 30 sup_has "ready 1 pid"
check dmd-ready "$(yes_no sup_has "ready 1 pid")" yes
read -r pid 2>/dev/null </run/dmd.pid
[ -n "$pid" ] && dmd_note_user "$pid"
t1=$(uptime_cs)
say 0.5 "  READY=1 after $(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10)) s: pid $pid, running as user dmd"
stage dmd-ready "dmd ready (READY=1), pid $pid"

say 0.6 "# demo-host $SOCKET &"
demo-host $SOCKET $HOST_LOG "$REPLY" &
HOST_PID=$!
CONNECTED="DEMO 0.6 host|   connected: dom0's end of the guest's serial line"
wait_until 30 file_has_line $HOST_LOG "$CONNECTED"
check host-connected "$(yes_no file_has_line $HOST_LOG "$CONNECTED")" yes
say 0.7 "# xl unpause linux-demo"
guest_unpause linux-demo
stage unpaused "guest unpaused: Linux boots"

# The guest writes its greeting once its tty is set up; demo-host answers.
wait_until 150 file_has_line $HOST_LOG "DEMO 2.2 host| < $GREETING"
check guest-line-at-socket "$(yes_no file_has_line $HOST_LOG "DEMO 2.2 host| < $GREETING")" yes
wait_until 90 file_has_line $HOST_LOG "DEMO 3.4 host| echo came back"
check host-line-echoed "$(yes_no file_has_line $HOST_LOG "DEMO 3.4 host| echo came back")" yes
stage echoed "the host's line came back from the guest"

# The guest reads and sets the clock, then powers off; dmd exits 0 (the
# domain is gone), which ends dmd-supervise (RestartPreventExitStatus=0),
# which lets the connection go: demo-host ends.
wait_domain_gone "$domid" 120
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
stage guest-gone "guest powered off"
wait_until 15 gone $SUP_PID || kill -TERM $SUP_PID
wait $SUP_PID
check dmd-exit-after-guest $? 0
wait_until 10 gone $HOST_PID || kill -TERM $HOST_PID
wait $HOST_PID
check demo-host-exit $? 0

# 4: what dmd kept of the clock: the guest's offset from dom0's time.
offset=$(sed -n 's/^offset = \(-\{0,1\}[0-9]*\)$/\1/p' $STATE 2>/dev/null)
want=$((SET_EPOCH - $(date +%s)))
near=no
[ -n "$offset" ] && [ $((offset - want)) -gt -300 ] && [ $((offset - want)) -lt 300 ] && near=yes
check state-offset-is-2030 "$near" yes
check state-owner "$(stat -c %U:%G $STATE 2>/dev/null)" dmd:dmd
say 4.8 "# cat $STATE      (after dmd exited)"
cut -c1-78 $STATE 2>/dev/null | sed 's/^\(cmos = .\{60\}\).*/\1.../; s/^/DEMO 4.9 host|   /'
say 4.9 "  (offset: the guest's clock minus dom0's, in seconds)"

# 5: the journal.
kill -TERM $JOURNAL_PID
wait $JOURNAL_PID
read -r _ entries _ bad _ </tmp/journal-sink.err
check journal-entries "$([ "${entries:-0}" -gt 5 ] && echo "many" || echo "${entries:-0}")/bad-${bad:-none}" many/bad-0
check journal-ready "$(journal_has "ready: serving domain $domid" "DMD_DOMID=$domid" _UID=990)" yes
check journal-client "$(journal_has "client connected" DMD_DEVICE=com1 "DMD_DOMID=$domid")" yes
check journal-clock-set "$(journal_has "guest set the clock to 2030-06-15 12:00:0" DMD_DEVICE=rtc0)" yes
check journal-domain-gone "$(journal_has "domain $domid no longer exists")" yes
# Everything went to the journal: nothing on stderr.  Warnings: none but
# the note that 0x70 is Xen's own RTC on HVM guests (this one is PVH).
check dmd-stderr-lines "$(grep -c . /tmp/dmd-stderr.log)" 0
check dmd-no-warnings "$(grep -E 'PRIORITY=[0-4] ' $JOURNAL_TXT |
    grep -c -v 'which Xen emulates itself for HVM guests')" 0
sed 's/^/DEMO 5 journal| /' $JOURNAL_TXT
sed 's/^/# dmd stderr: /' /tmp/dmd-stderr.log
sed 's/^/# supervise: /' $SUP_LOG
check_dmd_users
finish
