#!/bin/sh
# demo_sim.sh DEMO BUILDDIR: `scripts/demo --sim` (the README's first
# command, without QEMU) runs against this build and shows what it says
# it shows: the config validated, dmd ready for domain 1, the guest's
# 8250-style probe finding a 16550A, the guest's greeting at the host's
# end of the socket, the host's reply read by the guest, a clean stop,
# and xensim's verdict with no leaks.
set -u
demo=$1 build=$2
out=$("$demo" --sim --build "$build" 2>&1)
rc=$?
printf '%s\n' "$out"
failed=0
[ "$rc" -eq 0 ] || { echo "FAIL: scripts/demo --sim exited with status $rc"; failed=1; }
for want in \
    'conf/demo.ini: valid: arch x86, bufioreq atomic, 1 device(s)' \
    'dmd[info]: d1 ready: serving domain 1 with 1 device(s) on 1 vCPU(s)' \
    'inb 0x3fa -> 0xc1' \
    'dmd[info]: d1 uart0: socket /tmp/dmd-demo/uart0.sock: client connected' \
    'host-expect line -> "Hello from a Xen guest, served by dmd!\r\n"' \
    'insb 0x3f8 -> "Hi guest!\r\n"' \
    'dmd[notice]: d1 received SIGTERM; stopping' \
    'dmd[info]: d1 destroyed ioreq server 0' \
    'xensim: PASS (26 actions, 0 failures, 0 leaks)'; do
    if printf '%s\n' "$out" | grep -qxF -- "$want"; then
        printf 'ok   %s\n' "$want"
    else
        printf 'FAIL: no line: %s\n' "$want"
        failed=1
    fi
done
exit $failed
