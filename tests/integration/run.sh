#!/bin/sh
# run.sh XENSIM DMD CASEDIR NAME [--expect-log TEXT]... [--reject-log TEXT]...
#        [--expect-once TEXT]... [--pre COMMAND] [--dmd-arg ARG]... [-- XENSIM-OPTIONS...]
#
# Runs dmd under xensim with CASEDIR/NAME.ini as its config and
# CASEDIR/NAME.xs as the guest script (when it exists).  @DIR@ in both is
# replaced by a fresh scratch directory, so file: and socket: backends of
# tests running in parallel never meet; dmd's runtime directory (where a
# crash leaves its server record and state) is @DIR@/run.  --pre runs a
# shell COMMAND first with $DIR set (e.g. to leave a record there);
# --dmd-arg adds an argument to dmd's command line.  Passes when xensim
# passes and the combined output of xensim and dmd contains every
# --expect-log TEXT, no --reject-log TEXT and exactly one line with each
# --expect-once TEXT (fixed strings).  Everything
# is printed, so a failure shows dmd's log.
set -u
xensim=$1 dmd=$2 casedir=$3 name=$4
shift 4

expect="" reject="" once="" pre="" dmd_args=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    --expect-log) expect="$expect$2
"; shift 2 ;;
    --reject-log) reject="$reject$2
"; shift 2 ;;
    --expect-once) once="$once$2
"; shift 2 ;;
    --pre) pre=$2; shift 2 ;;
    --dmd-arg) dmd_args="$dmd_args $2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmd-it-$name.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/run"
RUNTIME_DIRECTORY=$dir/run
export RUNTIME_DIRECTORY
sed "s|@DIR@|$dir|g" "$casedir/$name.ini" > "$dir/$name.ini"
script=""
if [ -f "$casedir/$name.xs" ]; then
    sed "s|@DIR@|$dir|g" "$casedir/$name.xs" > "$dir/$name.xs"
    script="--script $dir/$name.xs"
fi

if [ -n "$pre" ] && ! DIR=$dir sh -c "$pre"; then
    echo "run.sh: --pre failed: $pre"
    exit 1
fi
# shellcheck disable=SC2086
"$xensim" "$@" $script -- "$dmd" --foreground --domid 1 --config "$dir/$name.ini" \
    --log-target stderr --log-level debug $dmd_args > "$dir/output" 2>&1
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
printf '%s' "$reject" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if grep -qF -- "$text" "$dir/output"; then
        echo "run.sh: the output has: $text"
        exit 1
    fi
done || exit 1
printf '%s' "$once" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    n=$(grep -cF -- "$text" "$dir/output")
    if [ "$n" -ne 1 ]; then
        echo "run.sh: the output has $n lines with (expected 1): $text"
        exit 1
    fi
done || exit 1
exit 0
