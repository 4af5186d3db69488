#!/bin/sh
# stats.sh XENSIM SCRIPT -- PROGRAM ARGS...
# xensim --stats prints its four stats lines, each value a number, and
# without --stats none of them.  The values are never judged: they are
# times and sizes of this host.
xensim=$1 script=$2
shift 3
num='[0-9]+(\.[0-9]+)?'
out=$("$xensim" --stats --script "$script" -- "$@" 2>&1) || {
    printf '%s\n' "$out"; echo "stats: xensim --stats failed"; exit 1; }
printf '%s\n' "$out"
for re in "ready_ms=$num" "user_ms=$num system_ms=$num" \
          "vmrss_kb=$num rssanon_kb=$num vmhwm_kb=$num" \
          "script_ms=$num script_cpu_ms=$num"; do
    if ! printf '%s\n' "$out" | grep -qxE "xensim: stats: $re"; then
        echo "stats: no line 'xensim: stats: $re'"
        exit 1
    fi
done
out=$("$xensim" --script "$script" -- "$@" 2>&1) || {
    printf '%s\n' "$out"; echo "stats: xensim without --stats failed"; exit 1; }
if printf '%s\n' "$out" | grep -q 'stats:'; then
    echo "stats: stats printed without --stats"
    exit 1
fi
echo "stats: every line there, every value a number"
