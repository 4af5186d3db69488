#!/bin/sh
# runtime_dir.sh XENSIM SCRIPT -- TOY
# RUNTIME_DIRECTORY: xensim makes one per run (mode 0755, in its own run
# directory) and removes it at the end with whatever a killed program left
# in it; one in xensim's environment is passed on unchanged and left alone.
# The toy (--reattach) says where it recorded its server; a --kill-at in
# its teardown leaves that record behind (and the server: a leak).
xensim=$1 script=$2
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { printf '%s\n' "$out"; echo "runtime_dir: $*"; exit 1; }

mkdir "$tmp/t"
out=$(unset RUNTIME_DIRECTORY; TMPDIR="$tmp/t" "$xensim" --script "$script" \
      --kill-at xendevicemodel_destroy_ioreq_server -- "$@" --reattach 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "xensim's own directory: exit status $rc, expected 1 (a leak)"
printf '%s\n' "$out" | grep -qE "^toy: recorded server 0 in $tmp/t/xensim-[^/]*/run/toy-1\.server \(directory mode 755\)\$" ||
    fail "the toy did not record its server in <run dir>/run, mode 755"
printf '%s\n' "$out" | grep -qF 'LEAK: ioreq server 0 was not destroyed' ||
    fail "no leak of the server the killed toy left"
[ -z "$(ls -A "$tmp/t")" ] || fail "xensim left $(ls -A "$tmp/t") behind"
printf '%s\n' "$out"

mkdir "$tmp/mine"
out=$(RUNTIME_DIRECTORY="$tmp/mine" "$xensim" --domid 9 --script "$script" \
      --kill-at xendevicemodel_destroy_ioreq_server -- "$@" --domid 9 --reattach 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "the caller's directory: exit status $rc, expected 1 (a leak)"
printf '%s\n' "$out" | grep -qF "toy: recorded server 0 in $tmp/mine/toy-9.server" ||
    fail "RUNTIME_DIRECTORY was not passed on unchanged"
[ -f "$tmp/mine/toy-9.server" ] || fail "xensim removed what is in the caller's directory"
printf '%s\n' "$out"
echo "runtime_dir: one per run, removed at its end; the caller's passed on and left alone"
