#!/bin/sh
# unit_security.sh UNIT: print systemd-analyze's exposure score for the
# unit and fail if it is above 2.0 (issue 9's bound) or cannot be had.
set -u
unit=$1
limit=2.0

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "unit_security.sh: systemd-analyze is missing (scripts/deps installs systemd)"
    exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/dmd-unit.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cp "$unit" "$dir/"
out=$(systemd-analyze security --offline=true "$dir/$(basename "$unit")" 2>&1)
printf '%s\n' "$out" | grep -E '^✗' || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$out"
    echo "unit_security.sh: no exposure level in systemd-analyze's output"
    exit 1
fi
echo "systemd-analyze security $(basename "$unit"): exposure $score (at most $limit)"
awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }' || {
    echo "unit_security.sh: exposure $score is above $limit"
    exit 1
}
