# SPDX-License-Identifier: MIT
# Helpers for the dom0 side of a scenario (sourced by /init; test.sh runs in
# a subshell with them).
#
# Result lines use the format the harness parses (tests/e2e/run):
#   PLAN dom0 N
#   CHECK dom0 NAME PASS|FAIL got=... want=...
#   DONE dom0 passed=P failed=F
# Keep every line printed while a guest runs shorter than 128 bytes: Xen
# prints dom0 console output in 128-byte pieces, and a guest's line may land
# between two pieces.  dmd's and the guests' logs are printed at the end, by
# e2e_dump_logs, when no guest is left.
#
# shellcheck disable=SC2034 # DMD_STATE, DMD_RC, ... are for the scenarios

e2e_passed=0
e2e_failed=0

plan() { echo "PLAN dom0 $1"; }
note() { echo "# $*"; }
# mark WHAT: a timestamped note (dom0 uptime), for reading where time goes.
mark() { echo "# [$(uptime_s)] $*"; }
finish() { echo "DONE dom0 passed=$e2e_passed failed=$e2e_failed"; }

# check NAME GOT WANT
check() {
    if [ "$2" = "$3" ]; then
        e2e_passed=$((e2e_passed + 1))
        echo "CHECK dom0 $1 PASS got=$2 want=$3"
    else
        e2e_failed=$((e2e_failed + 1))
        echo "CHECK dom0 $1 FAIL got=$2 want=$3"
    fi
}

# Time since dom0 booted: seconds with two decimals / centiseconds.  The
# waits below run their checks with shell builtins where they can: dom0 has
# one vCPU, and every process a poll starts is time taken from dmd (and
# QEMU) under emulation.
uptime_s() {
    read -r up _ </proc/uptime
    echo "$up"
}
uptime_cs() {
    read -r up _ </proc/uptime
    hundredths=${up#*.}
    echo $((${up%.*} * 100 + ${hundredths#0}))
}

# wait_until SECONDS CMD...: run CMD every 0.25 s until it succeeds.
# Returns 1 when the time is up.  Keep CMD cheap (builtins, no process).
wait_until() {
    deadline=$(($(uptime_cs) + $1 * 100))
    shift
    while ! "$@"; do
        [ "$(uptime_cs)" -lt "$deadline" ] || return 1
        sleep 0.25
    done
}

# file_has_line FILE TEXT: FILE has a line that is exactly TEXT (builtins only).
file_has_line() {
    [ -r "$1" ] || return 1
    while IFS= read -r line; do
        [ "$line" = "$2" ] && return 0
    done <"$1"
    return 1
}

# ---------------------------------------------------------------- guests

# guest_create CONFIG: create the domain paused; prints its domid.
guest_create() {
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$1")
    mark "xl create -p $1" >&2
    if ! xl create -p "$1" >/tmp/xl-create.log 2>&1; then
        sed 's/^/xl| /' /tmp/xl-create.log >&2
        return 1
    fi
    mark "created $name" >&2
    xl domid "$name"
}

# guest_unpause NAME: let the guest run.
guest_unpause() {
    mark "unpause $1"
    xl unpause "$1"
}

# domain_exists DOMID: the toolstack still knows the domain (xl removes
# its xenstore directory when the domain dies).  Far cheaper than `xl`.
domain_exists() { xenstore-exists "/local/domain/$1" 2>/dev/null; }
domain_gone() { ! domain_exists "$1"; }

# wait_domain_gone DOMID SECONDS: sleep until the domain is gone, waking on
# Xen's domain events (@releaseDomain) rather than polling.
wait_domain_gone() {
    deadline=$(($(uptime_cs) + $2 * 100))
    while domain_exists "$1"; do
        [ "$(uptime_cs)" -lt "$deadline" ] || return 1
        # The first event is the watch's own; the second is a real one.
        timeout 2 xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1
    done
    mark "domain $1 gone"
}

# serve_guest NAME: the start most scenarios make, as under systemd:
# create guest.cfg's domain paused (sets domid), start dmd for it with
# dmd.ini, wait until it is ready, unpause NAME.  Checks guest-created and
# dmd-ready.
serve_guest() {
    domid=$(guest_create guest.cfg)
    check guest-created "${domid:+yes}" yes
    dmd_start "$domid" dmd.ini
    dmd_wait_ready "${DMD_READY_WAIT:-30}"
    check dmd-ready "$DMD_STATE" ready
    guest_unpause "$1"
}

# dmd_stdin_fifo PATH: the next dmd's stdin (a stdio backend) is the fifo
# PATH, held open on descriptor 7 so that dmd never sees end-of-file: what
# the scenario writes to >&7 reaches the guest.
dmd_stdin_fifo() {
    mkfifo "$1"
    exec 7<>"$1"
    DMD_STDIN=$1
}

# ---------------------------------------------------------------- dmd

# Every dmd runs as the user dmd (/etc/passwd, made by tests/e2e/run), as
# under systemd (systemd/dmd@.service): it opens and restricts its Xen
# handles as root, then switches (dmd(8)).
DMD_USER=dmd
DMD_UID=$(id -u $DMD_USER)
DMD_GID=$(id -g $DMD_USER)
dmd_count=0
dmd_users_seen=0
dmd_users_wrong=""

# dmd_note_user PID: a ready dmd's ids, from /proc/PID/status ("Uid:" and
# "Gid:" list the real, effective, saved and filesystem ids): all four must
# be the user's.  check_dmd_users reports what was seen.
dmd_note_user() {
    ids=""
    while read -r key id_r id_e id_s id_f _; do
        case "$key" in Uid: | Gid:) ids="$ids${ids:+/}$id_r,$id_e,$id_s,$id_f" ;; esac
    done <"/proc/$1/status"
    dmd_users_seen=$((dmd_users_seen + 1))
    want="$DMD_UID,$DMD_UID,$DMD_UID,$DMD_UID/$DMD_GID,$DMD_GID,$DMD_GID,$DMD_GID"
    [ "$ids" = "$want" ] || dmd_users_wrong="$dmd_users_wrong pid$1:${ids:-gone}"
}

# One check for all the dmds the scenario saw ready: each ran as the user
# dmd, and there was at least one.  Every scenario makes it once, at the
# end (bench/xen's scenario, which runs dmd as root, does not).
check_dmd_users() {
    if [ "$dmd_users_seen" -eq 0 ]; then
        check dmd-runs-as-$DMD_USER no-dmd-ready "uid=$DMD_UID"
    elif [ -n "$dmd_users_wrong" ]; then
        check dmd-runs-as-$DMD_USER "${dmd_users_wrong# }" "uid=$DMD_UID"
    else
        check dmd-runs-as-$DMD_USER "$dmd_users_seen-of-$dmd_users_seen" \
            "$dmd_users_seen-of-$dmd_users_seen"
    fi
}

# dmd_start DOMID CONFIG: start dmd in the background, as the user dmd.
# Sets DMD_PID, DMD_LOG (its stderr) and DMD_OUT (its stdout: the stdio
# backend).  Its stdin is $DMD_STDIN when set.
dmd_start() {
    dmd_count=$((dmd_count + 1))
    DMD_LOG=/tmp/dmd-$dmd_count.log
    DMD_OUT=/tmp/dmd-$dmd_count.out
    echo "dmd #$dmd_count: dmd --domid $1 --config $2, started at $(uptime_s) s" >"$DMD_LOG.head"
    dmd --domid "$1" --config "$2" --foreground --user $DMD_USER --log-target stderr \
        --log-level debug <"${DMD_STDIN:-/dev/null}" >"$DMD_OUT" 2>"$DMD_LOG" &
    DMD_PID=$!
}

# dmd_warnings: how many warning-or-worse lines this dmd logged.
dmd_warnings() { grep -c -E '^dmd\[(emerg|alert|crit|err|warning)\]' "$DMD_LOG"; }

dmd_is_ready() {
    while IFS= read -r line; do
        case "$line" in *"ready: serving domain"*) return 0 ;; esac
    done <"$DMD_LOG"
    return 1
}

# A dead child stays a zombie until waited for: look at its state.
dmd_is_gone() {
    read -r _ _ state _ 2>/dev/null <"/proc/$DMD_PID/stat" || return 0
    [ "$state" = Z ]
}

dmd_ready_or_gone() { dmd_is_ready || dmd_is_gone; }

# These set variables instead of printing: `wait` only works in the shell
# that started dmd, never in a $(...) subshell.

# dmd_wait_ready SECONDS: DMD_STATE = ready, exited or timeout.
dmd_wait_ready() {
    wait_until "$1" dmd_ready_or_gone
    mark "dmd #$dmd_count ready or gone"
    if dmd_is_ready; then
        DMD_STATE=ready
        dmd_note_user "$DMD_PID"
    elif dmd_is_gone; then
        DMD_STATE=exited
    else
        DMD_STATE=timeout
    fi
}

# dmd_wait_exit SECONDS: DMD_RC = dmd's exit status, or "running".
dmd_wait_exit() {
    mark "waiting for dmd #$dmd_count to exit"
    if wait_until "$1" dmd_is_gone; then
        wait "$DMD_PID"
        DMD_RC=$?
    else
        DMD_RC=running
    fi
}

# dmd_stop: SIGTERM, then dmd_wait_exit 10.
dmd_stop() {
    kill -TERM "$DMD_PID" 2>/dev/null
    dmd_wait_exit 10
}

# dmd_reap: stop a dmd that outlived its check, so its guest can go.
dmd_reap() {
    dmd_is_gone || dmd_stop
}

# ---------------------------------------------------------------- helpers

yes_no() { "$@" && echo yes || echo no; }

# gone PID: the process has exited (a zombie until waited for).
gone() {
    read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 0
    [ "$state" = Z ]
}

# dmd-supervise (dom0/dmd-supervise.c, the stand-in for systemd) logs to
# $SUP_LOG.  sup_has PREFIX: it logged a line starting with PREFIX.
sup_has() {
    [ -r "$SUP_LOG" ] || return 1
    while IFS= read -r line; do
        case "$line" in "$1"*) return 0 ;; esac
    done <"$SUP_LOG"
    return 1
}
# sup_count PATTERN: how many of its lines match (a shell pattern).
sup_count() {
    n=0
    while IFS= read -r line; do
        # shellcheck disable=SC2254 # PATTERN is a pattern on purpose
        case "$line" in $1) n=$((n + 1)) ;; esac
    done <"$SUP_LOG"
    echo $n
}

# dmop_rc ARGS...: dmop(8) against the scenario's domain ($domid); RC its
# exit status, OUT its output lines joined by ",", /tmp/dmop.err what it
# said on stderr; all noted in the log.
dmop_rc() {
    dmop "$domid" "$@" >/tmp/dmop.out 2>/tmp/dmop.err
    RC=$?
    OUT=$(tr '\n' , </tmp/dmop.out | sed 's/,$//')
    note "dmop $domid $* -> rc $RC ${OUT:-} $(cat /tmp/dmop.err)"
}

# ---------------------------------------------------------------- files

# hex_of FILE: the file as one line of hex.
hex_of() { xxd -p "$1" | tr -d '\n'; }

# check_file NAME FILE WANT_HEX: the file holds exactly these bytes.
check_file() {
    got=$(hex_of "$2" 2>/dev/null)
    if [ "$got" = "$3" ]; then
        check "$1" "${#got}hex" "${#3}hex"
    else
        check "$1" "${#got}hex:$(echo "$got" | md5sum | cut -c1-8)" \
            "${#3}hex:$(echo "$3" | md5sum | cut -c1-8)"
        echo "$got" | fold -w 64 | sed "s/^/# $1 got  /"
        echo "$3" | fold -w 64 | sed "s/^/# $1 want /"
    fi
}

# text_hex TEXT: printf-style TEXT (escapes such as \n) as hex.
# shellcheck disable=SC2059 # TEXT is the format on purpose
text_hex() { printf "$1" | xxd -p | tr -d '\n'; }

# ---------------------------------------------------------------- logs

# Print every dmd's stderr and every guest console log for the harness,
# which keeps them as dmd.log and guest-console.log in the build directory.
e2e_dump_logs() {
    n=1
    while [ -e "/tmp/dmd-$n.log.head" ]; do
        sed 's/^/dmd| ----- /' "/tmp/dmd-$n.log.head"
        sed 's/^/dmd| /' "/tmp/dmd-$n.log"
        n=$((n + 1))
    done
    for f in /var/log/xen/*.log; do
        [ -s "$f" ] || continue
        echo "xen| ----- $f"
        sed 's/^/xen| /' "$f"
    done
    for f in /var/log/xen/console/*; do
        [ -s "$f" ] || continue
        echo "linux| ----- $f"
        tr -d '\r' <"$f" | sed 's/^/linux| /'
    done
}
