#!/bin/sh
# run.sh XENSIM DMD CASEDIR NAME [--expect-log TEXT]... [-- XENSIM-OPTIONS...]
#
# Runs dmd under xensim with CASEDIR/NAME.ini as its config and
# CASEDIR/NAME.xs as the guest script (when it exists).  @DIR@ in both is
# replaced by a fresh scratch directory, so file: and socket: backends of
# tests running in parallel never meet.  Passes when xensim passes and the
# combined output of xensim and dmd contains every --expect-log TEXT (a
# fixed string).  Everything is printed, so a failure shows dmd's log.
set -u
xensim=$1 dmd=$2 casedir=$3 name=$4
shift 4

expect=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    --expect-log) expect="$expect$2
"; shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmd-it-$name.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sed "s|@DIR@|$dir|g" "$casedir/$name.ini" > "$dir/$name.ini"
script=""
if [ -f "$casedir/$name.xs" ]; then
    sed "s|@DIR@|$dir|g" "$casedir/$name.xs" > "$dir/$name.xs"
    script="--script $dir/$name.xs"
fi

# shellcheck disable=SC2086
"$xensim" "$@" $script -- "$dmd" --foreground --domid 1 --config "$dir/$name.ini" \
    --log-target stderr --log-level debug > "$dir/output" 2>&1
rc=$?
cat "$dir/output"
if [ "$rc" -ne 0 ]; then
    echo "run.sh: xensim exited with status $rc"
    exit 1
fi
printf '%s' "$expect" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if ! grep -qF -- "$text" "$dir/output"; then
        echo "run.sh: the output lacks: $text"
        exit 1
    fi
done || exit 1
exit 0
