# SPDX-License-Identifier: MIT
# The real-Xen benchmark's dom0 side (bench/xen/run; sourced by the e2e
# dom0 init with tests/e2e/dom0/lib.sh).  Two guests, one after the other:
#   bench-hvm: Linux HVM with three kinds of IOREQ server at once: qemu-xen
#              (COM1), dmd (COM2, a UART on MMIO, an RTC, a GPIO
#              controller), a second dmd with the mapcache off (0x2e0),
#              null_ioreq (0x2e8 and an MMIO page) and null_ioreq_libev,
#              the same from a libev loop (0x3e8 and an MMIO page);
#   bench-pvh: Linux PVH with the same dmds and null responders.
# Each guest runs guest-bench (rounds of timed reads, PHASE lines on its
# console); dom0-bench samples every server's CPU time and memory at each
# phase edge.  Everything measured is printed once the guests are gone, as
# BENCHDATA and SAMPLE lines the host turns into the table.
plan 22

# server_start NAME COMMAND...: start a server in the background as
# systemd would, with NOTIFY_SOCKET, and time it from exec to READY=1.
# Sets PID_NAME; its stderr goes to /tmp/NAME.log.  Returns once READY=1
# came (or after 60 s).
server_start() {
    name=$1
    shift
    rm -f "/tmp/$name.ready" "/tmp/$name.exec"
    dom0-bench notify-listen "/run/$name.notify" "/tmp/$name.ready" &
    listener=$!
    wait_until 5 test -S "/run/$name.notify"
    NOTIFY_SOCKET=/run/$name.notify dom0-bench exec-at "/tmp/$name.exec" -- "$@" \
        </dev/null >/dev/null 2>"/tmp/$name.log" &
    eval "PID_$name=\$!"
    wait "$listener"
}

server_ready() { [ -s "/tmp/$1.ready" ] && echo ready || echo no; }

# server_exit NAME: wait (10 s at most) for NAME to exit; sets RC to its
# exit status ("running" if it did not).  No $(...): `wait` only works in
# the shell that started it.
server_exit() {
    eval "pid=\$PID_$1"
    n=0
    while [ -d "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
        [ $n -lt 40 ]; do
        sleep 0.25
        n=$((n + 1))
    done
    RC=running
    [ $n -lt 40 ] && { wait "$pid"; RC=$?; }
}

# bench_guest LABEL CFG NAME: one guest, start to finish.
bench_guest() {
    label=$1
    domid=$(guest_create "$2")
    check "$label-created" "${domid:+yes}" yes
    server_start dmd dmd --domid "$domid" --config dmd.ini --foreground \
        --log-target stderr --log-level info
    check "$label-dmd-ready" "$(server_ready dmd)" ready
    server_start dmd0 dmd --domid "$domid" --config dmd-nocache.ini --foreground \
        --log-target stderr --log-level info
    check "$label-dmd0-ready" "$(server_ready dmd0)" ready
    server_start null null_ioreq --domid "$domid" --port 0x2e8:8 --mmio 0xfe001000:0x1000
    check "$label-null-ready" "$(server_ready null)" ready
    server_start nullev null_ioreq_libev --domid "$domid" --port 0x3e8:8 \
        --mmio 0xfe003000:0x1000
    check "$label-nullev-ready" "$(server_ready nullev)" ready
    servers="dmd=$PID_dmd dmd0=$PID_dmd0 null=$PID_null nullev=$PID_nullev"
    qemu=$(xenstore-read "/local/domain/$domid/image/device-model-pid" 2>/dev/null)
    [ -n "$qemu" ] && servers="$servers qemu=$qemu"
    # shellcheck disable=SC2086 # one word per server
    dom0-bench sample "/var/log/xen/console/guest-$3.log" "/tmp/samples-$label" \
        "$label" $servers 2>"/tmp/sampler-$label.log" &
    sampler=$!
    guest_unpause "$3"
    wait "$sampler"
    check "$label-sampled" $? 0
    wait_domain_gone "$domid" 60
    check "$label-finished" "$(domain_exists "$domid" && echo running || echo gone)" gone
    kill -TERM "$PID_null" "$PID_nullev" 2>/dev/null
    for s in null nullev dmd dmd0; do
        server_exit $s
        check "$label-$s-exit" "$RC" 0
    done
    for s in dmd dmd0 null nullev; do
        echo "BENCHDATA $label $s $(cat "/tmp/$s.exec" "/tmp/$s.ready" 2>/dev/null | tr '\n' ' ')"
        sed "s/^/BENCHLOG $label $s /" "/tmp/$s.log"
    done
    sed 's/^/BENCHLOG sampler /' "/tmp/sampler-$label.log"
    cat "/tmp/samples-$label"
}

bench_guest hvm hvm.cfg bench-hvm
bench_guest pvh pvh.cfg bench-pvh
finish
