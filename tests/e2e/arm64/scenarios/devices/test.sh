# SPDX-License-Identifier: MIT
# devices (Arm64): a Linux domU whose PL011, PL031 and PL061 are dmd's
# (dmd.ini, partial.dts).  The guest (tests/e2e/arm64/guest-init) and dom0
# talk through the PL011: the guest's ttyAMA0 is dmd's stdio here, a fifo
# in and a file out.  Through it they take turns: a line each way, then the
# GPIO lines (dom0 drives inputs with dmd-gpio set, reads the guest's
# output with dmd-gpio get), then the RTC's time against dom0's clock.
# The guest's 16550 writes to a file, checked once the guest is gone.
# Then a second guest and dmd: the RTC's time the first one set is kept.
plan 23
SOCK=/run/dmd/gpio0.sock

dmd_stdin_fifo /tmp/uart0.in # dmd's stdio backend: >&7 reaches the guest

domid=$(guest_create guest.cfg)
check guest-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 60
check dmd-ready "$DMD_STATE" ready
check dmd-two-vcpus "$(grep -c 'bound 2 vCPU event channel' "$DMD_LOG")" 1
guest_unpause linux-arm

said() { file_has_line "$DMD_OUT" "$1"; }
# said_word WORD: the guest's last line "WORD VALUE": sets WORD_VALUE.
said_word() {
    WORD_VALUE=""
    [ -r "$DMD_OUT" ] || return 1
    while IFS= read -r line; do
        case "$line" in "$1 "*) WORD_VALUE=${line#"$1 "} ;; esac
    done <"$DMD_OUT"
    [ -n "$WORD_VALUE" ]
}
said_rtc() { said_word rtc; }

# 1. PL011 both ways.
wait_until 150 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes
printf 'ping-from-dom0\n' >&7
said ready && wait_until 60 said 'pong ping-from-dom0'
check guest-echoed "$(said 'pong ping-from-dom0' && echo yes || echo no)" yes

# 2. PL061: the guest drives line 4 high, dom0 drives line 3 high; then
# both low.
said ready && wait_until 60 said gpio-out-high
check gpio-guest-out-high "$(dmd-gpio $SOCK get 4 2>&1)" "4 1 out"
check gpio-host-set-high "$(dmd-gpio $SOCK set 3 1 2>&1; echo rc=$?)" "rc=0"
printf 'gpio-in-high\n' >&7
said gpio-out-high && wait_until 60 said gpio-out-low
check gpio-guest-out-low "$(dmd-gpio $SOCK get 4 2>&1)" "4 0 out"
check gpio-host-set-low "$(dmd-gpio $SOCK set 3 0 2>&1; echo rc=$?)" "rc=0"
check gpio-line3-dir "$(dmd-gpio $SOCK get 3 2>&1)" "3 0 in"
printf 'gpio-in-low\n' >&7

# 3. PL031: the guest's RTC reads dom0's time (dmd's clock is dom0's).
said gpio-out-low && wait_until 60 said_rtc
now=$(date +%s)
said_rtc
rtc=${WORD_VALUE:-none}
case "$rtc" in
    '' | *[!0-9]*) check rtc-near-dom0-clock "$rtc" "within-10s-of-$now" ;;
    *) d=$((rtc - now))
       [ "$d" -ge -10 ] && [ "$d" -le 10 ] && d=ok
       check rtc-near-dom0-clock "$d" ok ;;
esac
printf 'rtc-seen\n' >&7

said_rtc && wait_domain_gone "$domid" 200
check guest-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check_file ns16550-text /tmp/uart1.out "$(text_hex 'hello from arm64 linux on ttyS0\n')"
check dmd-no-warnings "$(dmd_warnings)" 0
echo "# guest's PL011 output:"
sed 's/^/# uart0| /' "$DMD_OUT"

# 4. The RTC across dmds: the guest set it to 2030-06-15 12:34:56 (hwclock
# -w); dmd kept the offset in its state_dir.  A second guest with a new dmd
# and the same config reads it on: 2030-06-15, a few tens of seconds on.
state=/var/lib/dmd/arm-devices/rtc0.state
check rtc-state-file "$([ -s $state ] && echo yes || echo no)" yes
check rtc-state-owner "$(stat -c %U:%G $state 2>/dev/null)" dmd:dmd
sed 's/^/# rtc0.state: /' $state 2>/dev/null
sed 's/e2e=devices/e2e=rtc-again/; s/"linux-arm"/"linux-arm2"/' guest.cfg >/tmp/guest2.cfg
domid=$(guest_create /tmp/guest2.cfg)
check guest2-created "${domid:+yes}" yes
dmd_start "$domid" dmd.ini
dmd_wait_ready 60
check dmd2-ready "$DMD_STATE" ready
guest_unpause linux-arm2
wait_domain_gone "$domid" 120
check guest2-finished "$(domain_exists "$domid" && echo running || echo gone)" gone
dmd_wait_exit 10
check dmd2-exit-after-guest "$DMD_RC" 0
dmd_reap
check dmd2-no-warnings "$(dmd_warnings)" 0
check_dmd_users
finish
