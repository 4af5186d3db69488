#!/bin/sh
# bench_xensim.sh XENSIM DMD: round trips per second through the whole
# daemon - event channel wake-up, slot, dispatch, answer, notify - with
# xensim playing Xen on this host.  Real Xen adds a VM exit and the
# hypervisor's own emulation path; this measures dmd's share.
set -eu
xensim=$1 dmd=$2
n=20000
dir=$(mktemp -d "${TMPDIR:-/tmp}/dmd-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
printf '[uart0]\ntype = ns16550\nport = 0x3f8\n' > "$dir/bench.ini"
printf 'repeat %d\noutb 0x3ff 0x55\ninb 0x3ff\nend\n' "$n" > "$dir/bench.xs"
start=$(date +%s.%N)
"$xensim" --script "$dir/bench.xs" -- "$dmd" -f --domid 1 --config "$dir/bench.ini" \
    --log-level warning > "$dir/out" 2>&1 || { cat "$dir/out"; exit 1; }
end=$(date +%s.%N)
awk -v n="$((2 * n))" -v s="$start" -v e="$end" 'BEGIN {
    t = e - s;
    printf "%d synchronous requests through dmd under xensim in %.2f s: %.0f requests/s, %.1f us each (start-up included)\n", n, t, n / t, t * 1e6 / n }'
