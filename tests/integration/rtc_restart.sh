#!/bin/sh
# rtc_restart.sh RUN_SH XENSIM DMD CASEDIR
#
# An RTC's time and CMOS RAM survive a dmd restart: dmd runs twice under
# xensim (through run.sh) with one state_dir; rtc_restart1.xs sets the
# year and a byte in each CMOS bank, rtc_restart2.xs finds them again.
set -u
run_sh=$1 xensim=$2 dmd=$3 casedir=$4

work=$(mktemp -d "${TMPDIR:-/tmp}/dmd-rtc-restart.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/state" "$work/cases"
for name in rtc_restart1 rtc_restart2; do
    sed "s|@STATE@|$work/state|g" "$casedir/$name.ini" > "$work/cases/$name.ini"
    cp "$casedir/$name.xs" "$work/cases/$name.xs"
done

"$run_sh" "$xensim" "$dmd" "$work/cases" rtc_restart1 \
    --expect-log "no state file $work/state/rtc0.state yet" \
    --expect-log "guest set the clock to 2042-06-15 08:00:0" || exit 1
echo "rtc_restart.sh: $work/state/rtc0.state after the first run:"
cat "$work/state/rtc0.state" || exit 1
"$run_sh" "$xensim" "$dmd" "$work/cases" rtc_restart2 \
    --expect-log "state restored from $work/state/rtc0.state" || exit 1
