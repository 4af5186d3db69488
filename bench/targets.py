#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dmd's performance targets against one run's figures.

    bench/targets.py [--xensim FILE.kv] [--xen FILE.json]

Reads the figures bench/xensim/run.py (--output, key=value lines) and
bench/xen/run (--json) wrote, and prints each target from issue 8 with the
figure it is judged on, "met" or by how much it is missed.  Every figure
is a ratio to null_ioreq measured in the same run, or an absolute one
printed beside null_ioreq's.  Prints, asserts nothing; exit status 0.
"""

import argparse
import json
import sys
from pathlib import Path


def load_kv(path):
    out = {}
    for line in Path(path).read_text().splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = v
    return out


def verdict(value, limit):
    if value is None:
        return "not measured"
    if value <= limit:
        return "met"
    return f"MISSED by {100 * (value / limit - 1):.0f}%"


def row(rows, target, where, value, limit, fmt, floor=None):
    shown = "-" if value is None else fmt.format(value)
    if floor is not None:
        shown += f" (null_ioreq {fmt.format(floor)})"
    rows.append((target, where, shown, verdict(value, limit)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xensim", type=Path, help="bench/xensim/run.py --output file")
    ap.add_argument("--xen", type=Path, help="bench/xen/run --json file")
    a = ap.parse_args()
    kv = load_kv(a.xensim) if a.xensim and a.xensim.is_file() else {}
    xen = json.loads(a.xen.read_text()) if a.xen and a.xen.is_file() else {}
    rows = []

    def f(key):
        return float(kv[key]) if key in kv else None

    guests = xen.get("guests", {})
    for g in ("hvm", "pvh"):
        t = guests.get(g, {}).get("targets", {}).get("dmd")
        if t and t.get("cpu_ratio_null"):
            row(rows, "dom0 CPU per request <= 1.10x null", f"real Xen, {g.upper()}, inb",
                t["cpu_ratio_null"][0], 1.10, "{:.2f}x")
    row(rows, "dom0 CPU per request <= 1.10x null", "xensim, inb",
        f("pio.cpu_us.ratio.median"), 1.10, "{:.2f}x")
    for g in ("hvm", "pvh"):
        t = guests.get(g, {}).get("targets", {}).get("dmd")
        if t and t.get("cycles_ratio_null"):
            row(rows, "guest-seen latency <= 1.03x null", f"real Xen, {g.upper()}, inb",
                t["cycles_ratio_null"][0], 1.03, "{:.3f}x")
    for g in ("hvm", "pvh"):
        mem = guests.get(g, {}).get("memory_kB", {})
        if "dmd" in mem:
            row(rows, "RSS <= 1.5 MiB (UART, RTC, GPIO)", f"real Xen dom0, {g.upper()}, Rss",
                mem["dmd"]["Rss"] / 1024, 1.5, "{:.2f} MiB",
                mem.get("null", {}).get("Rss", 0) / 1024 if "null" in mem else None)
            row(rows, "RSS <= 1.5 MiB (UART, RTC, GPIO)", f"real Xen dom0, {g.upper()}, anonymous",
                mem["dmd"]["Anonymous"] / 1024, 1.5, "{:.2f} MiB",
                mem.get("null", {}).get("Anonymous", 0) / 1024 if "null" in mem else None)
    vmrss = f("memory.vmrss_kb.dmd.median")
    row(rows, "RSS <= 1.5 MiB (UART, RTC, GPIO)", "xensim, VmRSS",
        vmrss / 1024 if vmrss else None, 1.5, "{:.2f} MiB",
        f("memory.vmrss_kb.null.median") / 1024 if f("memory.vmrss_kb.null.median") else None)
    row(rows, "<= 500 user-space instructions per PIO request",
        "xensim + callgrind, without the fake Xen libraries",
        f("instructions.pio.real.dmd"), 500, "{:.0f}", f("instructions.pio.real.null"))
    for g in ("hvm", "pvh"):
        start = guests.get(g, {}).get("start_ms", {})
        if start.get("dmd") is not None:
            row(rows, "start to READY <= 50 ms", f"real Xen dom0, {g.upper()}",
                start["dmd"], 50, "{:.1f} ms", start.get("null"))
    row(rows, "start to READY <= 50 ms", "xensim (fork + exec)",
        f("startup.ready_ms.dmd.median"), 50, "{:.1f} ms", f("startup.ready_ms.null.median"))

    # Not targets: the same figures beside the floor of an event loop
    # (null_ioreq_libev), which says how much of a miss is the loop's.
    info = []
    for g in ("hvm", "pvh"):
        t = guests.get(g, {}).get("targets", {}).get("dmd", {})
        for key, what in (("cpu_ratio_libev", "dom0 CPU per request"),
                          ("cycles_ratio_libev", "guest-seen latency")):
            if t.get(key):
                info.append((what, f"real Xen, {g.upper()}, inb", f"{t[key][0]:.3f}x"))
    if f("pio.ev.cpu_us.ratio.median") is not None:
        info.append(("server CPU per request", "xensim, inb",
                     f"{f('pio.ev.cpu_us.ratio.median'):.2f}x"))
    if f("instructions.pio.ev.real.null") is not None:
        info.append(("user-space instructions per PIO request", "xensim + callgrind",
                     f"{f('instructions.pio.real.dmd'):.0f} "
                     f"(null_ioreq_libev {f('instructions.pio.ev.real.null'):.0f})"))

    # Why, for each kind of target missed, from this run's own figures.
    why = {}
    loop = ("dmd serves from a libev loop: one system call more per request than a server "
            "blocked in read() (epoll_wait) and libev's own instructions; beside "
            "null_ioreq_libev, the floor of an event loop, dmd is at ")
    cpu_ev = [x[2] for x in info if x[0] in ("dom0 CPU per request", "server CPU per request")]
    lat_ev = [x[2] for x in info if x[0] == "guest-seen latency"]
    why["dom0 CPU per request <= 1.10x null"] = loop + (", ".join(cpu_ev) or "-")
    why["guest-seen latency <= 1.03x null"] = loop + (", ".join(lat_ev) or "-")
    if f("instructions.pio.libev.dmd") is not None:
        why["<= 500 user-space instructions per PIO request"] = (
            f"libev alone takes {f('instructions.pio.libev.dmd'):.0f} per request and the "
            f"floor of an event loop (null_ioreq_libev) {f('instructions.pio.ev.real.null') or 0:.0f}; "
            f"dmd's own code {f('instructions.pio.own.dmd'):.0f}")
        save, take = f("save.lsr.save.dmd"), f("save.lsr.take.dmd")
        real = f("save.lsr.real.dmd")
        if save is not None and take is not None and real:
            why["<= 500 user-space instructions per PIO request"] += (
                f"; keeping device state for a restart takes {save + take:.0f} of dmd's "
                f"{real:.0f} (devices_save_touched {save:.0f}: the UART's snapshot serialized "
                f"and compared with the saved one; runstate_take {take:.0f}), "
                f"the rest {real - save - take:.0f}")
            why["dom0 CPU per request <= 1.10x null"] += (
                f"; keeping device state for a restart adds {save + take:.0f} user-space "
                f"instructions per request and no system call")
    floors = [r[2].split("(null_ioreq ")[1].rstrip(")") for r in rows
              if r[0].startswith("RSS") and "(null_ioreq " in r[2] and "anonymous" not in r[1]]
    why["RSS <= 1.5 MiB (UART, RTC, GPIO)"] = (
        "most of it is pages of libc, ld.so and the other shared libraries, shared with "
        "every process; null_ioreq, which does nothing, has " + (", ".join(floors) or "-") +
        " itself; dmd's own (anonymous) memory is in the rows marked anonymous")
    why["start to READY <= 50 ms"] = (
        "under emulation each system call, page fault and hypercall of the start-up costs "
        "tens of microseconds (the null responder's own figure is beside dmd's); under "
        "xensim the same start-up takes the row marked xensim")

    print("targets (each judged in this run, beside null_ioreq):")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    for target, where, shown, v in rows:
        print(f"  {target:<{w0}}  {where:<{w1}}  {shown:<{w2}}  {v}")
    missed = []
    for target, _, _, v in rows:
        if v.startswith("MISSED") and target not in missed:
            missed.append(target)
    if missed:
        print("why the missed ones are missed:")
        for target in missed:
            if target in why:
                print(f"  {target}: {why[target]}")
    if info:
        print("the same beside null_ioreq_libev, the floor of a server on an event loop "
              "(dmd / floor):")
        for what, where, shown in info:
            print(f"  {what:<{w0}}  {where:<{w1}}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
