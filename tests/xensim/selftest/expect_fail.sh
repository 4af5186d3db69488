#!/bin/sh
# expect_fail.sh STATUS PATTERN... -- COMMAND ARGS...
# Runs COMMAND, which must exit with STATUS and print every PATTERN (a
# fixed string) on stdout or stderr, and no sanitizer report.  This is how
# xensim's negative self-tests check that a failure is caught, and caught
# for the right reason.
status=$1
shift
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    printf '%s\n' "$1" >> "$patterns"
    shift
done
shift
output=$("$@" 2>&1)
rc=$?
printf '%s\n' "$output"
if printf '%s\n' "$output" | grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:'; then
    echo "expect_fail: a sanitizer found an error"
    exit 1
fi
if [ "$rc" -ne "$status" ]; then
    echo "expect_fail: exit status $rc, expected $status"
    exit 1
fi
while IFS= read -r pattern; do
    if ! printf '%s\n' "$output" | grep -qF -- "$pattern"; then
        echo "expect_fail: the output lacks: $pattern"
        exit 1
    fi
done < "$patterns"
echo "expect_fail: failed as expected"
