#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dmd beside its floor, under xensim, in one run.

    run.py XENSIM DMD NULL_IOREQ [--null-libev NULL_IOREQ_LIBEV] [--libdir DIR] [--output FILE]
           [--rounds R] [--pin same|split|none] [--quick] [--no-callgrind]

Every figure is measured for dmd and for bench/null_ioreq (the smallest
IOREQ server) with the same xensim, the same scripts and the same ranges
(null_ioreq with --bufioreq, as dmd's x86 default: the same pages and
ports), in alternating rounds, and printed side by side with the ratio dmd/null
of each round.  Nothing is asserted on time: a run fails only when a
server or xensim does (its output is shown).

  round trips   N x `inb 0x3fd` (a 16550's LSR), and N x `readb` of the
                same register on MMIO: requests/s = N / the script's wall
                time, CPU/request = the server's CPU time during the script
                / N (xensim --stats: script_ms, script_cpu_ms, so start-up
                and teardown are not in it)
  buffered      N `bufwrite`s to the 16550's scratch register through the
                ring, then one synchronous read: the pipeline's rate and the
                server's CPU per buffered request
  routing       1, 16, 256 16550s (ranges) 0x10 ports apart, requests
                alternately to the first and to the last; also
                instructions per request under callgrind
  instructions  callgrind inside xensim, two request counts N1 < N2:
                (Ir(N2) - Ir(N1)) / (N2 - N1), by object
  crash safety  what keeping device state for a restart costs per request
                (callgrind, as above, for requests to a 16550, a PCI function
                and the CMOS RTC): devices_save_touched and runstate_take
                inclusive, their share of all of dmd's instructions, and the
                flips (runstate_save_commit's store to `current`, found with
                objdump); each instance's snapshot size from the state file,
                copied out of RUNTIME_DIRECTORY (set by us) while dmd runs
  start-up      fork to READY=1 and VmRSS / RssAnon / VmHWM just before
                SIGTERM, with a UART, the CMOS RTC and a PL061

Under callgrind dmd runs with `seccomp = no` in a copy of its config:
valgrind cannot run a process that installs a seccomp filter (the filter
runs in the kernel and costs no user-space instruction).

xensim and the server run on one CPU by default (--pin same): a
synchronous round trip is a ping-pong, and a wake-up across CPUs costs
more than the whole request path on some hosts (virtual machines above
all) and varies with where the scheduler puts the two; on one CPU the
rate is the sum of both sides' costs and the server's share shows.
--pin split puts xensim on one CPU and the server on another, --pin none
leaves it to the scheduler.

The machine-readable form (--output FILE) is key=value lines.
"""
import argparse
import collections
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIDES = ("dmd", "null")


class Failure(Exception):
    pass


# ---- running one server under xensim -----------------------------------

class Bench:
    def __init__(self, opt, tmp):
        self.opt = opt
        self.tmp = tmp
        self.nscript = 0

    def config(self, name, text=None):
        """A config file in the temporary directory: from bench/xensim/ or text."""
        if text is None:
            with open(os.path.join(HERE, name)) as f:
                text = f.read().replace("@DIR@", self.tmp)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def dmd(self, config, log_level="warning"):
        return [self.opt.dmd, "-f", "--domid", "1", "--config", config,
                "--log-level", log_level, "-t", "stderr"]

    def null(self, ranges, bufioreq=True, libev=False):
        argv = [self.opt.null_libev if libev else self.opt.null_ioreq, "--domid", "1"]
        for space, base, size in ranges:
            argv += ["--" + space, "%#x:%#x" % (base, size)]
        return argv + (["--bufioreq"] if bufioreq else [])

    def pinned(self, server):
        """The server's argv, behind taskset when it gets a CPU of its own."""
        if self.opt.server_cpu is None:
            return server
        return ["taskset", "-c", str(self.opt.server_cpu)] + server

    def xensim(self, script, server, xensim_args=(), env=None):
        """Run server under xensim with script; xensim's --stats as floats.
        env: variables to add to xensim's environment (and so the server's)."""
        self.nscript += 1
        path = os.path.join(self.tmp, "s%d.xs" % self.nscript)
        with open(path, "w") as f:
            f.write(script)
        cmd = [self.opt.xensim, "--stats", "--script", path]
        if self.opt.libdir:
            cmd += ["--libdir", self.opt.libdir]
        cmd += list(xensim_args) + ["--"] + self.pinned(server)
        cpus = self.opt.xensim_cpus
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True,
                           env=dict(os.environ, **env) if env else None,
                           preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        if p.returncode != 0:
            tail = "\n".join(p.stdout.splitlines()[-30:])
            raise Failure("%s\nexit status %d: %s" % (tail, p.returncode, " ".join(cmd)))
        stats = {}
        for m in re.finditer(r"^xensim: stats: (.*)$", p.stdout, re.M):
            for kv in m.group(1).split():
                k, v = kv.split("=", 1)
                stats[k] = float(v) if v != "-" else None
        stats["output"] = p.stdout
        return stats

    def rounds(self, nrounds, script, servers):
        """servers: {side: argv} (dmd, null, maybe ev); alternate the order
        round by round."""
        sides = [s for s in SIDES + ("ev",) if s in servers]
        runs = {s: [] for s in sides}
        for r in range(nrounds):
            for side in (sides if r % 2 == 0 else sides[::-1]):
                runs[side].append(self.xensim(script, servers[side]))
        return runs


# ---- callgrind ------------------------------------------------------------

def callgrind_costs(path):
    """From a callgrind out file: the self cost per object, what the fake
    libraries' calls into other objects cost (inclusive), the self cost per
    function, what each function's calls cost (inclusive) and how many they
    were, and (with --dump-instr=yes) how often each instruction ran."""
    names = {"ob": {}, "fn": {}}
    self_cost = collections.Counter()
    callout = collections.Counter()   # (caller ob, callee ob) -> inclusive Ir
    fn_self = collections.Counter()   # fn -> self Ir
    fn_call = collections.Counter()   # (caller fn, callee fn) -> inclusive Ir
    fn_calls = collections.Counter()  # (caller fn, callee fn) -> calls
    instr = collections.Counter()     # (fn, address) -> Ir, i.e. executions
    npos = 1      # subpositions per cost line ("positions: instr line": 2)
    last = [0, 0]  # the previous cost line's, for "+N", "-N" and "*"
    ob = fn = cob = cfn = None
    call = None

    def name(kind, val):
        m = re.match(r"\((\d+)\)(?: (.*))?$", val)
        if not m:
            return val
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(path) as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                t = line.split()
                for i, tok in enumerate(t[:npos]):
                    if tok == "*":
                        continue
                    last[i] = last[i] + int(tok, 0) if tok[0] in "+-" else int(tok, 0)
                ir = int(t[npos]) if len(t) > npos else 0
                if call is not None:
                    callout[(ob, call[0])] += ir
                    fn_call[(fn, call[1])] += ir
                    call = None
                else:
                    self_cost[ob] += ir
                    fn_self[fn] += ir
                    if npos == 2:
                        instr[(fn, last[0])] += ir
            elif line.startswith("positions:"):
                npos = len(line.split()) - 1
            elif line.startswith("ob="):
                ob = name("ob", line[3:].strip())
            elif line.startswith("cob="):
                cob = name("ob", line[4:].strip())
            elif line.startswith("fn="):
                fn = name("fn", line[3:].strip())
                cob = cfn = None
            elif line.startswith("cfn="):
                cfn = name("fn", line[4:].strip())
            elif line.startswith("calls="):
                # the next cost line is the call's; the target position
                # here does not move the previous cost line's
                call = (cob if cob is not None else ob, cfn)
                fn_calls[(fn, cfn)] += int(line[6:].split()[0])
                cob = None
    return {"self": self_cost, "callout": callout, "fn_self": fn_self, "fn_call": fn_call,
            "fn_calls": fn_calls, "instr": instr}


def inclusive(prof, fn):
    """A function's inclusive cost: its own and that of everything it called."""
    return prof["fn_self"][fn] + sum(ir for (caller, _), ir in prof["fn_call"].items()
                                     if caller == fn)


def calls_of(prof, fn):
    return sum(n for (_, callee), n in prof["fn_calls"].items() if callee == fn)


def object_kind(path, server):
    base = os.path.basename(path)
    if base == os.path.basename(server):
        return "own"
    if "/fakelibs/" in path or base.startswith(("libxendevicemodel", "libxenevtchn",
                                                "libxenforeignmemory", "libxentoolcore")):
        return "fake"
    if base.startswith("libev.so"):
        return "libev"
    if base.startswith("libc.so"):
        return "libc"
    return "other"


KINDS = ("own", "libev", "libc", "fake", "other")


def is_dmd(server):
    return "--config" in server


def without_seccomp(bench, server):
    """dmd's argv with its config's copy saying `seccomp = no`: valgrind
    cannot run a process that installs a seccomp filter (the filter runs in
    the kernel: it costs no user-space instruction)."""
    i = server.index("--config") + 1
    with open(server[i]) as f:
        text = f.read()
    if re.search(r"^\[dmd\]\s*$", text, re.M):
        text = re.sub(r"^\[dmd\]\s*$", "[dmd]\nseccomp = no", text, count=1, flags=re.M)
    else:
        text = "[dmd]\nseccomp = no\n\n" + text
    path = bench.config(os.path.basename(server[i]) + ".cg", text)
    return server[:i] + [path] + server[i + 1:]


def objdump_lines(binary, function):
    """[(source file, line, address, mnemonic, operands)] of a function, from
    the binary's line table (objdump -d -l); [] without objdump."""
    if not shutil.which("objdump"):
        return []
    p = subprocess.run(["objdump", "-d", "-l", "--no-show-raw-insn",
                        "--disassemble=" + function, binary],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       universal_newlines=True)
    out = []
    where = None
    for line in p.stdout.splitlines():
        m = re.match(r"^(\S+):(\d+)(?: \(discriminator \d+\))?$", line)
        if m:
            where = (m.group(1), int(m.group(2)))
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*([^#<]*)", line)
        if m and where:
            out.append(where + (int(m.group(1), 16), m.group(2), m.group(3).strip()))
    return out


def operands(text):
    """AT&T operands, split at the commas outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return out + [cur.strip()] if cur.strip() else out


def flip_store(binary):
    """The address of the store that makes a saved half current: the
    release store to `current` in runstate_save_commit (src/runstate.c),
    found through the binary's line table and the source it names.  The
    number of times callgrind saw it run is the number of flips.  None when
    it cannot be found (no objdump, other source)."""
    insns = objdump_lines(binary, "runstate_save_commit")
    files = sorted({i[0] for i in insns if os.path.basename(i[0]) == "runstate.c"})
    if len(files) != 1 or not os.path.isfile(files[0]):
        return None
    with open(files[0]) as f:
        src = f.read().splitlines()
    body = False
    store_lines = set()
    for no, text in enumerate(src, 1):
        if re.match(r"^bool runstate_save_commit\(", text):
            body = True
        elif body and text.startswith("}"):
            break
        elif body and "atomic_store_explicit(" in text and ".current" in text:
            store_lines.add(no)
    stores = [addr for (fl, no, addr, op, args) in insns
              if fl == files[0] and no in store_lines
              and (op.startswith("mov") or op.startswith("xchg"))
              and "(" in (operands(args) or [""])[-1]]
    return stores[0] if len(stores) == 1 else None


def state_snapshots(path):
    """What a dmd state file holds: [(instance, device type, snapshot bytes)]
    in config order (src/runstate.c's layout 1: a header, then per instance
    64 bytes, the current half's number first, and two halves of half_size
    bytes whose first word is the snapshot's length, 32 bytes before it;
    a snapshot begins with the instance's and the type's names, each a
    length byte and the bytes); None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if len(data) < 24 or data[:8] != b"DMDSTATE":
        return None
    layout, ninst, half = struct.unpack_from("=III", data, 8)
    inst_size = 64 + 2 * half
    header = len(data) - ninst * inst_size
    if layout != 1 or half < 32 or header < 24:
        return None
    out = []
    for i in range(ninst):
        base = header + i * inst_size
        cur = struct.unpack_from("=I", data, base)[0]
        if cur not in (1, 2):
            out.append((None, None, None))
            continue
        h = base + 64 + (cur - 1) * half
        length = struct.unpack_from("=I", data, h)[0]
        snap = data[h + 32:h + 32 + min(length, half - 32)]
        names = []
        p = 0
        for _ in range(2):
            n = snap[p] if p < len(snap) else 0
            names.append(snap[p + 1:p + 1 + n].decode("ascii", "replace"))
            p += 1 + n
        out.append((names[0], names[1], length))
    return out


def callgrind_per_request(bench, script_fn, server, n1, n2):
    """Instructions per request by kind, from two runs of n1 and n2 requests.
    For dmd also what keeping its state for a restart costs: devices_save_touched
    and runstate_take (inclusive), saves (runstate_save_commit calls), flips,
    and the snapshots in its state file at the end of the n2 run."""
    dmd = is_dmd(server)
    if dmd:
        server = without_seccomp(bench, server)
    per_kind = {}
    callouts = {}
    saving = {}
    snapshots = None
    flip = None
    for n in (n1, n2):
        out = os.path.join(bench.tmp, "cg.%d.%d" % (bench.nscript + 1, n))
        script, env = script_fn(n), None
        if dmd:
            # a run directory of our own, so the state file can be copied
            # out before dmd, stopping cleanly, removes it
            rundir = os.path.join(bench.tmp, "run.%d.%d" % (bench.nscript + 1, n))
            os.mkdir(rundir, 0o755)
            env = {"RUNTIME_DIRECTORY": rundir}
            script += 'host-run "cp %s/1.state %s.state || true"\n' % (rundir, out)
        bench.xensim(script,
                     ["valgrind", "-q", "--tool=callgrind", "--dump-instr=yes",
                      "--callgrind-out-file=" + out] + server, ["--timeout", "60000"], env)
        prof = callgrind_costs(out)
        k = collections.Counter()
        for obj, ir in prof["self"].items():
            k[object_kind(obj or "?", server[0])] += ir
        per_kind[n] = k
        # libc (and the rest) working for the fake libraries
        callouts[n] = sum(ir for (caller, callee), ir in prof["callout"].items()
                          if object_kind(caller or "?", server[0]) == "fake"
                          and object_kind(callee or "?", server[0]) != "fake")
        if dmd:
            if flip is None:
                flip = flip_store(server[0])
            saving[n] = {"save": inclusive(prof, "devices_save_touched"),
                         "take": inclusive(prof, "runstate_take"),
                         "saves": calls_of(prof, "runstate_save_commit"),
                         "flips": prof["instr"][("runstate_save_commit", flip)]
                         if flip is not None else None}
            snapshots = state_snapshots(out + ".state")
    d = n2 - n1
    res = {kind: (per_kind[n2][kind] - per_kind[n1][kind]) / d for kind in KINDS}
    res["total"] = sum(res[kind] for kind in KINDS)
    res["fake_callouts"] = (callouts[n2] - callouts[n1]) / d
    res["real"] = res["total"] - res["fake"] - res["fake_callouts"]
    for key in ("save", "take", "saves", "flips"):
        if dmd and saving[n1][key] is not None:
            res[key] = (saving[n2][key] - saving[n1][key]) / d
        else:
            res[key] = 0 if not dmd else None
    res["snapshots"] = snapshots
    return res


# ---- figures ------------------------------------------------------------

def med(values):
    return statistics.median(values)


class Table:
    def __init__(self):
        self.rows = []  # (label, unit, dmd list, null list, ratio list, decimals)
        self.kv = []

    def key(self, key, value):
        self.kv.append((key, value))

    def section(self, title):
        self.rows.append((title,))

    def figure(self, key, label, unit, dmd, null, decimals=0, rounds=True):
        ratios = [a / b for a, b in zip(dmd, null) if b]
        self.rows.append((label, unit, dmd, null, ratios, decimals, rounds))
        for side, vals in (("dmd", dmd), ("null", null), ("ratio", ratios)):
            if not vals:
                continue
            if not rounds:  # one value, not a median
                self.key("%s.%s" % (key, side), "%.6g" % med(vals))
                continue
            self.key("%s.%s.median" % (key, side), "%.6g" % med(vals))
            if len(vals) > 1:
                self.key("%s.%s.min" % (key, side), "%.6g" % min(vals))
                self.key("%s.%s.max" % (key, side), "%.6g" % max(vals))
                self.key("%s.%s.rounds" % (key, side), ",".join("%.6g" % v for v in vals))

    def note(self, text):
        self.rows.append((None, text))

    @staticmethod
    def cell(vals, decimals, spread=True):
        if not vals:
            return "-"
        s = "%.*f" % (decimals, med(vals))
        if spread and len(vals) > 1:
            s += " (%.*f-%.*f)" % (decimals, min(vals), decimals, max(vals))
        return s

    def print(self):
        w = (40, 12, 24, 24, 18)
        print("%-*s %-*s %-*s %-*s %s" % (w[0], "", w[1], "unit", w[2], "dmd",
                                          w[3], "null_ioreq", "dmd/null"))
        for row in self.rows:
            if len(row) == 1:
                print("\n" + row[0])
                continue
            if row[0] is None:
                print("  " + row[1])
                continue
            label, unit, dmd, null, ratios, dec, spread = row
            print("%-*s %-*s %-*s %-*s %s" % (
                w[0], "  " + label, w[1], unit, w[2], self.cell(dmd, dec, spread),
                w[3], self.cell(null, dec, spread), self.cell(ratios, 2, spread)))


# ---- the benchmarks -------------------------------------------------------

def repeat(n, *lines, tail=()):
    return "repeat %d\n%s\nend\n%s" % (n, "\n".join(lines), "".join(l + "\n" for l in tail))


def per_request(runs, n):
    """requests/s and server CPU in us per request, one value per round."""
    rps = [n * 1e3 / r["script_ms"] for r in runs]
    cpu = [r["script_cpu_ms"] * 1e3 / n for r in runs]
    return rps, cpu


def round_trips(b, t, n, nrounds):
    for key, title, cfg, script, ranges in (
            ("pio", "round trips, port I/O: inb 0x3fd (16550 LSR) x %d" % n,
             "uart_pio.ini", repeat(n, "inb 0x3fd"), [("port", 0x3f8, 8)]),
            ("mmio", "round trips, MMIO: readb 0xfe001005 (16550 LSR) x %d" % n,
             "uart_mmio.ini", repeat(n, "readb 0xfe001005"), [("mmio", 0xfe001000, 8)])):
        servers = {"dmd": b.dmd(b.config(cfg)), "null": b.null(ranges)}
        if b.opt.null_libev:
            servers["ev"] = b.null(ranges, libev=True)
        runs = b.rounds(nrounds, script, servers)
        (drps, dcpu), (nrps, ncpu) = per_request(runs["dmd"], n), per_request(runs["null"], n)
        t.section(title)
        t.figure(key + ".rps", "synchronous requests", "requests/s", drps, nrps)
        t.figure(key + ".cpu_us", "server CPU per request", "us", dcpu, ncpu, 2)
        if "ev" in runs:
            erps, ecpu = per_request(runs["ev"], n)
            t.figure(key + ".ev.rps", "requests, beside null_ioreq_libev", "requests/s",
                     drps, erps)
            t.figure(key + ".ev.cpu_us", "CPU/request, beside null_ioreq_libev", "us",
                     dcpu, ecpu, 2)


def buffered(b, t, n, nrounds):
    script = repeat(n, "bufwrite 0xd0007 1 0x55", tail=["readb 0xd0007"])
    # dmd at info level: its last line counts what it served, as null_ioreq's
    runs = b.rounds(nrounds, script, {"dmd": b.dmd(b.config("bufring.ini"), "info"),
                                      "null": b.null([("mmio", 0xd0000, 8)])})
    (drps, dcpu), (nrps, ncpu) = per_request(runs["dmd"], n), per_request(runs["null"], n)
    t.section("buffered ring: bufwrite x %d, then one synchronous readb" % n)
    t.figure("buffered.mrps", "buffered requests drained", "M requests/s",
             [v / 1e6 for v in drps], [v / 1e6 for v in nrps], 2)
    t.figure("buffered.cpu_ns", "server CPU per buffered request", "ns",
             [c * 1e3 for c in dcpu], [c * 1e3 for c in ncpu], 0)
    # The ring was full: xensim sent those synchronously (the final readb aside).
    sync = {}
    for side in SIDES:
        counts = [int(m.group(1)) - 1 for m in
                  (re.search(r"(?:served|answered) (\d+) synchronous and \d+ buffered",
                             r["output"]) for r in runs[side]) if m]
        if counts:
            sync[side] = med(counts)
            t.key("buffered.ring_full_sync.%s.median" % side, "%g" % sync[side])
    t.note("ring full, so sent synchronously instead (median of %d): dmd %s, null_ioreq %s"
           % (n, sync.get("dmd", "?"), sync.get("null", "?")))


def rep_outsb(b, t, n, nrounds):
    """4096-byte rep outsb from one guest page: dmd with its mapcache (the
    page stays mapped) and with mapcache = 0 (mapped and unmapped by every
    request, as before the mapcache), each beside null_ioreq (which does
    not touch guest memory at all)."""
    script = repeat(n, "outsb 0x3f8 4096 at 0x10000")
    uart = "[uart0]\ntype = ns16550\nport = 0x3f8\n"
    t.section("rep outsb of 4096 bytes from one guest page x %d" % n)
    for key, label, dmd_cfg in (("on", "mapcache on (default)", uart),
                                ("off", "mapcache = 0", "[dmd]\nmapcache = 0\n\n" + uart)):
        runs = b.rounds(nrounds, script, {
            "dmd": b.dmd(b.config("outsb_%s.ini" % key, dmd_cfg)),
            "null": b.null([("port", 0x3f8, 8)])})
        (drps, dcpu), (nrps, ncpu) = per_request(runs["dmd"], n), per_request(runs["null"], n)
        t.figure("outsb.%s.rps" % key, label + ": requests", "requests/s", drps, nrps)
        t.figure("outsb.%s.cpu_us" % key, label + ": server CPU per request", "us",
                 dcpu, ncpu, 1)


def routing_ports(count):
    return [0x4000 + i * 0x10 for i in range(count)]


def routing_config(count):
    return "".join("[uart%d]\ntype = ns16550\nport = %#x\n\n" % (i, base)
                   for i, base in enumerate(routing_ports(count)))


def routing_script(count, n):
    first, last = routing_ports(count)[0], routing_ports(count)[-1]
    return repeat(n // 2, "inb %#x" % (first + 5), "inb %#x" % (last + 5))


def routing(b, t, n, nrounds, cg, cg_n):
    t.section("routing: 1, 16, 256 ranges (16550s 0x10 ports apart), inb to the first "
              "and the last in turn, x %d" % n)
    for count in (1, 16, 256):
        servers = {"dmd": b.dmd(b.config("routing%d.ini" % count, routing_config(count))),
                   "null": b.null([("port", p, 8) for p in routing_ports(count)])}
        runs = b.rounds(nrounds, routing_script(count, n), servers)
        (drps, dcpu), (nrps, ncpu) = per_request(runs["dmd"], n), per_request(runs["null"], n)
        label = "%d range%s" % (count, "" if count == 1 else "s")
        t.figure("routing.%d.rps" % count, label + ": requests", "requests/s", drps, nrps)
        t.figure("routing.%d.cpu_us" % count, label + ": server CPU per request", "us",
                 dcpu, ncpu, 2)
        if cg:
            ir = {side: callgrind_per_request(
                b, lambda k, c=count: routing_script(c, k), servers[side], cg_n[0], cg_n[1])
                for side in SIDES}
            t.figure("routing.%d.ir" % count, label + ": instructions per request",
                     "Ir", [ir["dmd"]["total"]], [ir["null"]["total"]], 0, False)
            for side in SIDES:
                t.key("routing.%d.ir_without_fake.%s" % (count, side), "%.6g" % ir[side]["real"])


def instructions(b, t, n1, n2):
    script = lambda n: repeat(n, "inb 0x3fd")
    servers = {"dmd": b.dmd(b.config("uart_pio.ini")), "null": b.null([("port", 0x3f8, 8)])}
    if b.opt.null_libev:
        servers["ev"] = b.null([("port", 0x3f8, 8)], libev=True)
    ir = {side: callgrind_per_request(b, script, servers[side], n1, n2) for side in servers}
    t.section("user-space instructions per PIO request (callgrind in xensim, inb 0x3fd: "
              "(Ir(%d) - Ir(%d)) / %d)" % (n2, n1, n2 - n1))
    for kind, label in (("own", "the server's own code"), ("libev", "libev"),
                        ("libc", "libc (all of it)"),
                        ("fake", "fake Xen libraries (xensim's)"),
                        ("other", "other objects (ld.so, libinih, ...)"),
                        ("total", "total"),
                        ("fake_callouts", "of libc: called by the fake libraries"),
                        ("real", "total without the fake libraries")):
        t.figure("instructions.pio." + kind, label, "Ir/request",
                 [ir["dmd"][kind]], [ir["null"][kind]], 0, False)
    if "ev" in ir:
        for kind, label in (("own", "the server's own code"), ("libev", "libev"),
                            ("real", "total without the fake libraries")):
            t.figure("instructions.pio.ev." + kind, label + ", beside null_ioreq_libev",
                     "Ir/request", [ir["dmd"][kind]], [ir["ev"][kind]], 0, False)
    t.note("target: dmd's 'total without the fake libraries' <= 500 (the real libxenevtchn "
           "adds its own few per call)")
    return ir


# What keeping device state for a restart costs per request (docs/restart.md),
# each case a request that reaches one device: (key, label, what the
# request is, dmd's config, the script for n requests, null_ioreq's ranges
# or None when it cannot claim the request).
UART = "[uart0]\ntype = ns16550\nport = 0x3f8\n"
UART_PCI = "[uart0]\ntype = ns16550\npci = 00:05.0\n"
UART_BUF = "[dmd]\nbufioreq = atomic\n\n[uart0]\ntype = ns16550\nmmio = 0xd0000\n"
RTC = "[rtc0]\ntype = mc146818\nport = 0x70\n"
SAVE_CASES = (
    ("scr", "16550 SCR outb", "outb 0x3ff, 0x55 and 0xaa in turn (the scratch register "
     "changes)", UART, lambda n: repeat(n // 2, "outb 0x3ff 0x55", "outb 0x3ff 0xaa"),
     [("port", 0x3f8, 8)]),
    ("thr", "16550 THR outb", "outb 0x3f8 to the null backend (the byte count changes)",
     UART, lambda n: repeat(n, "outb 0x3f8 0x41"), [("port", 0x3f8, 8)]),
    ("buf", "16550 bufwrite", "bufwrite 0xd0007 (SCR) of the same value through the ring "
     "(no answer to record)", UART_BUF,
     lambda n: repeat(n, "bufwrite 0xd0007 1 0x55", tail=["readb 0xd0007"]),
     [("mmio", 0xd0000, 8)]),
    ("pcird", "PCI cfgread", "cfgread 00:05.0 0x0 4 of a 16550 behind PCI (the ids)",
     UART_PCI, lambda n: repeat(n, "cfgread 00:05.0 0x0 4"), None),
    ("pciwr", "PCI cfgwrite", "cfgwrite 00:05.0 0x3c 1, 0x55 and 0xaa in turn (the "
     "interrupt line register changes)", UART_PCI,
     lambda n: repeat(n // 2, "cfgwrite 00:05.0 0x3c 1 0x55", "cfgwrite 00:05.0 0x3c 1 0xaa"),
     None),
    ("rtcrd", "RTC CMOS read", "inb 0x71 of CMOS RAM byte 0x20 (index written once)", RTC,
     lambda n: "outb 0x70 0x20\n" + repeat(n, "inb 0x71"), [("port", 0x70, 2)]),
    ("rtcwr", "RTC CMOS write", "outb 0x71 to CMOS RAM byte 0x20, 0x55 and 0xaa in turn", RTC,
     lambda n: "outb 0x70 0x20\n" + repeat(n // 2, "outb 0x71 0x55", "outb 0x71 0xaa"),
     [("port", 0x70, 2)]),
)


def crash_safety(b, t, n1, n2, lsr):
    """Per request: devices_save_touched (serialize the devices the request
    reached into the state file's next half and make it current, after a
    compare when there is no answer to record) and runstate_take (count
    it), beside all of dmd's instructions, for the
    inb 0x3fd of instructions() (lsr: its figures) and each SAVE_CASES
    case; then each instance's snapshot size from the state file."""
    cases = [("lsr", "16550 LSR inb", "inb 0x3fd, as above (the snapshot does not change)",
              lsr["dmd"], lsr["null"])]
    snaps = []
    for key, label, what, cfg, script, ranges in SAVE_CASES:
        dmd = callgrind_per_request(b, script, b.dmd(b.config("save_%s.ini" % key, cfg)),
                                    n1, n2)
        null = (callgrind_per_request(b, script, b.null(ranges), n1, n2)
                if ranges is not None else None)
        cases.append((key, label, what, dmd, null))
        if key == "pcird":
            snaps.append(("pci", "behind PCI", dmd["snapshots"]))
    t.section("crash safety: user-space instructions per request spent keeping device state "
              "for a restart (callgrind in xensim, (Ir(%d) - Ir(%d)) / %d; null_ioreq keeps "
              "none)" % (n2, n1, n2 - n1))
    for key, label, what, dmd, null in cases:
        kept = dmd["save"] + dmd["take"]
        t.figure("save.%s.real" % key, label + ": all of dmd", "Ir/request",
                 [dmd["real"]], [null["real"]] if null else [], 0, False)
        t.figure("save.%s.save" % key, label + ": devices_save_touched", "Ir/request",
                 [dmd["save"]], [0], 0, False)
        t.figure("save.%s.take" % key, label + ": runstate_take", "Ir/request",
                 [dmd["take"]], [0], 0, False)
        t.figure("save.%s.share" % key, label + ": share of all of dmd", "%",
                 [100 * kept / dmd["real"]] if dmd["real"] else [], [0], 1, False)
        t.figure("save.%s.flips" % key, label + ": flips", "per request",
                 [dmd["flips"]] if dmd["flips"] is not None else [], [0], 2, False)
        t.key("save.%s.saves.dmd" % key, "%.6g" % dmd["saves"])
    t.note("all of dmd: 'total without the fake libraries' above, for that request; "
           "devices_save_touched, inclusive: the device the")
    t.note("request reached serialized into the state file's next half, compared with the "
           "current half and made current (a flip,")
    t.note("with the request's answer) only if it differs; runstate_take: the request counted "
           "in the file before its slot is")
    t.note("marked INPROCESS; share: the two of all")
    t.note("of dmd; flips: runs of runstate_save_commit's store that flips (found with "
           "objdump).  No system call in either.  The requests:")
    for _, label, what, _, _ in cases:
        t.note("  %s: %s" % (label, what))
    t.note("(under callgrind dmd runs with seccomp = no: valgrind cannot run a filter, which "
           "costs no user-space instruction anyway)")

    # Every instance's snapshot: the startup config's (a UART, the RTC, a
    # PL061), read from the state file while dmd runs, and the PCI one.
    rundir = os.path.join(b.tmp, "run.snapshots")
    os.mkdir(rundir, 0o755)
    copy = os.path.join(b.tmp, "snapshots.state")
    b.xensim('inb 0x3fd\nhost-run "cp %s/1.state %s || true"\n' % (rundir, copy),
             b.dmd(b.config("startup.ini")), env={"RUNTIME_DIRECTORY": rundir})
    snaps.insert(0, ("startup", "start-up config", state_snapshots(copy)))
    t.section("device state: each instance's snapshot, what every save of it serializes "
              "(from RUNTIME_DIRECTORY/1.state at the end of a run)")
    for key, where, found in snaps:
        for inst, dtype, length in found or [(None, None, None)]:
            label = "[%s] %s, %s" % (inst, dtype, where) if inst else where + ": not read"
            t.figure("snapshot.%s.%s.bytes" % (key, inst or "none"), label, "bytes",
                     [length] if length is not None else [], [], 0, False)
    t.note("the file keeps two halves of 16 KiB per instance; a save writes only the "
           "snapshot's length of the next one (and compares that much with the current "
           "one)")


def startup(b, t, nrounds):
    servers = {"dmd": b.dmd(b.config("startup.ini")),
               "null": b.null([("port", 0x3f8, 8), ("port", 0x70, 2),
                               ("mmio", 0xfe000000, 0x1000)])}
    runs = b.rounds(nrounds, "inb 0x3fd\n", servers)
    t.section("start-up and memory: a 16550, the CMOS RTC, a PL061 with its socket "
              "(%d rounds)" % nrounds)
    t.figure("startup.ready_ms", "fork + exec to READY=1", "ms",
             [r["ready_ms"] for r in runs["dmd"]], [r["ready_ms"] for r in runs["null"]], 2)
    for key, label in (("vmrss_kb", "VmRSS"), ("rssanon_kb", "RssAnon"), ("vmhwm_kb", "VmHWM")):
        t.figure("memory." + key, label + " before SIGTERM", "kB",
                 [r[key] for r in runs["dmd"]], [r[key] for r in runs["null"]], 0)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("xensim")
    ap.add_argument("dmd")
    ap.add_argument("null_ioreq")
    ap.add_argument("--null-libev", help="null_ioreq_libev, the event-loop floor: also "
                    "measured for the round trips and the instruction counts")
    ap.add_argument("--libdir", help="the fake Xen libraries (default: xensim's own)")
    ap.add_argument("--output", help="write the figures as key=value lines to FILE")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per figure (default 5)")
    ap.add_argument("--pin", choices=("same", "split", "none"), default="same",
                    help="xensim and the server on one CPU (default), on two, or anywhere")
    ap.add_argument("--quick", action="store_true", help="a tenth of the requests, 2 rounds")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    opt = ap.parse_args()

    allowed = sorted(os.sched_getaffinity(0))
    opt.xensim_cpus, opt.server_cpu = None, None
    if opt.pin == "split" and len(allowed) >= 2 and shutil.which("taskset"):
        opt.xensim_cpus, opt.server_cpu = {allowed[-2]}, allowed[-1]
        placement = "xensim on CPU %d, the server on CPU %d" % (allowed[-2], allowed[-1])
    elif opt.pin != "none":
        opt.xensim_cpus = {allowed[-1]}
        placement = "xensim and the server both on CPU %d" % allowed[-1]
    else:
        placement = "xensim and the server wherever the scheduler puts them"

    scale = 10 if opt.quick else 1
    nrounds = 2 if opt.quick else max(opt.rounds, 1)
    n_sync = 10000 // scale
    n_buf = 500000 // scale
    n_route = 6000 // scale
    n_outsb = 1000 // scale
    cg_pio = (1000 // scale, 11000 // scale)
    cg_route = (500 // scale, 2500 // scale)
    cg = not opt.no_callgrind and shutil.which("valgrind") is not None

    u = os.uname()
    host = "%s %s %s, %s, %d CPUs" % (u.sysname, u.release, u.machine, cpu_model(),
                                      os.cpu_count() or 0)
    date = time.strftime("%Y-%m-%d %H:%M:%S %z")
    t = Table()
    t.key("date", date)
    t.key("host", host)
    t.key("rounds", nrounds)
    t.key("pin", opt.pin)
    t.key("n.sync", n_sync)
    t.key("n.buffered", n_buf)
    t.key("n.routing", n_route)
    t.key("n.outsb", n_outsb)
    if cg:
        t.key("n.callgrind.pio", "%d,%d" % cg_pio)
        t.key("n.callgrind.routing", "%d,%d" % cg_route)
    print("dmd beside null_ioreq (the floor) under xensim, %s" % date)
    print("host: %s" % host)
    print("N: %d synchronous requests per run, %d buffered, %d routed; %d alternating "
          "rounds each; callgrind N1,N2: %s" % (
              n_sync, n_buf, n_route, nrounds,
              "%d,%d (PIO), %d,%d (routing)" % (cg_pio + cg_route) if cg else "not run"))
    print("placement: %s (--pin %s)" % (placement, opt.pin))
    print("cells: median (min-max) over the rounds; dmd/null: the ratio of each round\n")
    sys.stdout.flush()

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dmd-bench-") as tmp:
        b = Bench(opt, tmp)
        try:
            round_trips(b, t, n_sync, nrounds)
            buffered(b, t, n_buf, nrounds)
            rep_outsb(b, t, n_outsb, nrounds)
            routing(b, t, n_route, nrounds, cg, cg_route)
            if cg:
                lsr = instructions(b, t, *cg_pio)
                crash_safety(b, t, cg_pio[0], cg_pio[1], lsr)
            else:
                t.section("user-space instructions per PIO request: not measured "
                          "(valgrind not found, or --no-callgrind)")
            startup(b, t, 3 * nrounds)  # cheap, and noisier
        except Failure as e:
            print(e)
            print("bench/xensim: a run failed; no figures")
            return 1
    t.print()
    elapsed = time.monotonic() - started
    t.key("elapsed_s", "%.1f" % elapsed)
    print("\n(%.0f s; requests/s and CPU are wall and CPU time of the script alone, from "
          "xensim --stats; every figure includes xensim's own share, the same for both)"
          % elapsed)
    if opt.output:
        with open(opt.output, "w") as f:
            for k, v in t.kv:
                f.write("%s=%s\n" % (k, v))
        print("figures as key=value: %s" % opt.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
