# SPDX-License-Identifier: MIT
# rtc: dmd's mc146818 for the tiny guest, twice.  The first guest reads the
# clock (it must be near dom0's time, passed on its command line), sets it
# to 2030-12-31 23:59:59, watches the flags and writes CMOS RAM
# (guest/scenario_rtc.c, "rtc-set").  dmd exits with the guest and keeps
# the clock and the RAM in its state_dir; a second dmd with the same
# config serves a second guest, which must find the clock running on from
# 2031 and the RAM bytes ("rtc-restart").
plan 12

# run_guest NAME CMDLINE: one guest, served by a new dmd until it is gone.
# Sets DMD_RC; checks the guest was created and dmd got ready.
run_guest() {
    { cat guest.cfg; echo "cmdline = \"$2\""; } >"/tmp/$1.cfg"
    domid=$(guest_create "/tmp/$1.cfg")
    check "$1-guest-created" "${domid:+yes}" yes
    dmd_start "$domid" dmd.ini
    dmd_wait_ready 30
    check "$1-dmd-ready" "$DMD_STATE" ready
    guest_unpause tiny-rtc
    wait_domain_gone "$domid" 90
    dmd_wait_exit 10
    dmd_reap
}

# dmd warns that 0x70-0x71 is Xen's own RTC on HVM guests (it cannot tell
# which kind of guest it will serve); this guest is PVH.
rtc_dmd_warnings() {
    grep -E '^dmd\[(emerg|alert|crit|err|warning)\]' "$DMD_LOG" |
        grep -c -v 'which Xen emulates itself for HVM guests'
}

# /var/lib/dmd/tiny-rtc does not exist yet: dmd creates its state_dir.
run_guest set "rtc-set $(date +%s)"
check set-dmd-exit-after-guest "$DMD_RC" 0
check set-dmd-no-warnings "$(rtc_dmd_warnings)" 0

# The state dmd left: a readable text file (printed for the log reader).
state=/var/lib/dmd/tiny-rtc/rtc0.state
check state-file "$([ -s $state ] && echo yes || echo no)" yes
# Written by dmd as the user it runs as.
check state-owner "$(stat -c %U:%G /var/lib/dmd/tiny-rtc $state 2>/dev/null | tr '\n' ,)" \
    dmd:dmd,dmd:dmd,
check state-is-text "$(grep -c '[^[:print:]]' $state 2>/dev/null)" 0
sed 's/^/# rtc0.state: /' $state 2>/dev/null

run_guest restart rtc-restart
check restart-dmd-exit-after-guest "$DMD_RC" 0
check restart-dmd-no-warnings "$(rtc_dmd_warnings)" 0
check_dmd_users
finish
