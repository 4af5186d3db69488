# SPDX-License-Identifier: MIT
"""The verdict of an end-to-end run, shared by both lanes (tests/e2e/run
and tests/e2e/arm64/run): the guests and dom0 print PLAN, CHECK and DONE
lines on the serial console (dom0/lib.sh, guest/report.h)."""

import re

MARKER = re.compile(r"\b(PLAN|CHECK|DONE) (guest|dom0|linux)\b(.*)")


def verdict(lines, reporters):
    """PASS only if every reporter planned, checked as planned and finished.
    A reporter may run more than once (a scenario that boots a guest twice):
    then its plans add up and each run must print its DONE line."""
    problems = []
    plans, nplans, checks, done = {}, {}, {}, {}
    for line in lines:
        for kind, who, rest in MARKER.findall(line):
            if kind == "PLAN":
                words = rest.split()
                n = int(words[0]) if words and words[0].isdigit() else -1
                before = plans.get(who, 0)
                plans[who] = -1 if n < 0 or before < 0 else before + n
                nplans[who] = nplans.get(who, 0) + 1
            elif kind == "CHECK":
                words = rest.split()
                checks.setdefault(who, []).append(words)
                if len(words) < 2 or words[1] != "PASS":
                    problems.append(f"{who}: {' '.join(words)}")
            else:
                done[who] = done.get(who, 0) + 1
    for who in reporters:
        n = len(checks.get(who, []))
        if who not in plans:
            problems.append(f"{who}: no PLAN line")
        elif n != plans[who]:
            problems.append(f"{who}: {n} CHECK lines, planned {plans[who]}")
        if who not in done:
            problems.append(f"{who}: no DONE line")
        elif done[who] != nplans.get(who, 0):
            problems.append(f"{who}: {nplans.get(who, 0)} PLAN lines, {done[who]} DONE lines")
    total = sum(len(c) for c in checks.values())
    return problems, total


def tail(path, n=60):
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(lines[-n:])
