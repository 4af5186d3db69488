#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the fuzzers' seed corpora under tests/fuzz/corpus/TARGET/.

The seeds are committed; this script says what each one is and rewrites
them when an input format changes (the formats are described at the top
of fuzz_iospace.c and fuzz_ring.c).  fuzz_config's seeds are the example
configs and the integration tests' configs, plus a few broken files.

Usage: tests/fuzz/make_seeds.py
"""
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent.parent
CORPUS = FUZZ / "corpus"

# ---- fuzz_iospace -----------------------------------------------------------

PIO, COPY, PCI = 0, 1, 2
WRITE, READ = 0, 1  # IOREQ_WRITE, IOREQ_READ
SIZE_SEL = {1: 0, 2: 1, 4: 2, 8: 3}
RAM_BASE = 0x100000
NO_FAILURE = 0xff  # first byte: no range map fails

# Register offsets of a 16550.
THR = RBR = DLL = 0
IER = DLM = 1
IIR = FCR = 2
LCR, MCR, LSR, MSR, SCR = 3, 4, 5, 6, 7


def request(typ, direction, size, target, addr_bytes, data=0, count=1, ptr=False, df=False):
    """One record; types, sizes and counts off the short encodings go raw."""
    type_sel = typ if typ in (PIO, COPY, PCI) else 3
    size_sel = SIZE_SEL.get(size, 7)
    out = bytes([type_sel | direction << 2 | int(ptr) << 3 | int(df) << 4 | size_sel << 5])
    if type_sel == 3:
        out += bytes([typ])
    if size_sel == 7:
        out += struct.pack("<I", size)
    out += bytes([count]) if count < 0xff else bytes([0xff]) + struct.pack("<I", count)
    return out + bytes([target]) + addr_bytes + struct.pack("<Q", data)


def com1(direction, reg, data=0, **kw):
    """Port access to the UART at 0x3f8 (target 0: addr = 0x3f0 + byte)."""
    return request(PIO, direction, 1, 0, bytes([reg + 8]), data, **kw)


def mmio(direction, reg, data=0, size=4, **kw):
    """The reg_shift 2 UART at 0x09000000 (target 1: addr = base - 16 + byte)."""
    return request(COPY, direction, size, 1, bytes([16 + 4 * reg]), data, **kw)


def cfg(fn, direction, reg, size, data=0):
    """Config space of 00:05.0 (fn 0, INTx) or 00:06.0 (fn 1, MSI)."""
    return request(PCI, direction, size, 2 + fn, bytes([reg]), data)


def bar(slot, direction, reg, data=0, **kw):
    """Ports around 0xc000 + slot * 0x100, where the seeds put BAR0."""
    return request(PIO, direction, 1, 4 | slot << 3, bytes([reg + 8]), data, **kw)


def ram(offset):
    """A data_is_ptr buffer at RAM_BASE + offset, offset >= -16 (the target
    aims data at RAM_BASE - 16 + data % (RAM size + 32))."""
    return offset + 16


def linux_probe(access):
    """The 8250 driver's autoconfig and start-up, through one access function."""
    return b"".join([
        access(WRITE, IER, 0), access(READ, IER),
        access(WRITE, LCR, 0x80), access(WRITE, DLL, 0x01), access(WRITE, DLM, 0x00),
        access(WRITE, LCR, 0x03), access(WRITE, FCR, 0xc7), access(READ, IIR),
        access(WRITE, SCR, 0xa5), access(READ, SCR),
        access(WRITE, MCR, 0x1f), access(READ, MSR), access(WRITE, MCR, 0x0b),
        access(WRITE, IER, 0x0f), access(READ, IIR), access(READ, LSR),
        access(WRITE, THR, 0x41), access(READ, LSR), access(READ, IIR), access(READ, RBR),
    ])


def loopback(access):
    """Loopback mode: what the guest sends comes back, overrunning the FIFO."""
    out = [access(WRITE, MCR, 0x10), access(WRITE, FCR, 0x01), access(WRITE, IER, 0x05)]
    out += [access(WRITE, THR, 0x30 + i) for i in range(18)]
    out += [access(READ, LSR), access(READ, IIR)]
    out += [access(READ, RBR) for _ in range(17)]
    out += [access(WRITE, FCR, 0x07), access(WRITE, MCR, 0x00)]
    return b"".join(out)


def pci_setup(fn, slot):
    """What a guest OS does: identify, size BAR0, place it, enable decoding."""
    port = 0xc000 + slot * 0x100
    return b"".join([
        cfg(fn, READ, 0x00, 4), cfg(fn, READ, 0x08, 4), cfg(fn, READ, 0x2c, 4),
        cfg(fn, READ, 0x34, 1), cfg(fn, READ, 0x3c, 4),
        cfg(fn, WRITE, 0x10, 4, 0xffffffff), cfg(fn, READ, 0x10, 4),
        cfg(fn, WRITE, 0x10, 4, port | 1), cfg(fn, WRITE, 0x04, 2, 0x0005),
    ])


def pci_intx():
    body = pci_setup(0, 0) + linux_probe(lambda d, r, v=0: bar(0, d, r, v))
    body += cfg(0, READ, 0x06, 2) + cfg(0, WRITE, 0x04, 2, 0x0405)  # Interrupt Disable
    body += cfg(0, READ, 0x06, 2) + cfg(0, WRITE, 0x04, 2, 0x0005)
    return body


def pci_msi():
    body = pci_setup(1, 1)
    body += cfg(1, WRITE, 0x44, 4, 0xfee00000) + cfg(1, WRITE, 0x48, 4, 0)
    body += cfg(1, WRITE, 0x4c, 2, 0x4021) + cfg(1, WRITE, 0x42, 2, 0x0001)
    body += bar(1, WRITE, IER, 0x02) + bar(1, READ, IIR) + bar(1, WRITE, THR, 0x55)
    body += bar(1, WRITE, IER, 0x00) + bar(1, WRITE, IER, 0x02)
    return body


HOST_CONNECT, HOST_SEND, HOST_READ, HOST_HANGUP = 0xf0, 0xf1, 0xf2, 0xf3


def host(event, data=b""):
    """The host end of the MSI function's socket (a raw type, not a request)."""
    return request(event, WRITE, 1, 0, bytes([0]), int.from_bytes(data, "little"),
                   count=len(data))


def host_line():
    """The host connects and types while the guest reads, with FIFOs on and
    off, then hangs up and comes back (carrier, MSR deltas, flow control)."""
    body = pci_setup(1, 1) + bar(1, WRITE, IER, 0x0d) + bar(1, WRITE, MCR, 0x0b)
    body += host(HOST_CONNECT) + bar(1, READ, MSR) + bar(1, READ, IIR)
    body += host(HOST_SEND, b"login:\n") + bar(1, READ, LSR) + bar(1, READ, RBR)
    body += bar(1, WRITE, FCR, 0xc1) + host(HOST_SEND, b"12345678") + host(HOST_SEND, b"abcdefgh")
    body += host(HOST_SEND, b"ABCDEFGH") + bar(1, READ, IIR)
    body += b"".join(bar(1, READ, RBR) for _ in range(20))
    body += bar(1, WRITE, THR, 0x79) + host(HOST_READ) + bar(1, WRITE, MCR, 0x1b)
    body += host(HOST_SEND, b"x") + bar(1, WRITE, MCR, 0x0b) + host(HOST_HANGUP)
    body += bar(1, READ, MSR) + host(HOST_CONNECT) + host(HOST_CONNECT)
    body += host(HOST_SEND, b"y") + bar(1, READ, RBR) + bar(1, WRITE, FCR, 0x00)
    return body


def bar_moves():
    """Move BAR0, collide with the other function and with COM1, disable it."""
    body = pci_setup(0, 0) + pci_setup(1, 1)
    body += cfg(1, WRITE, 0x10, 4, 0xc000 | 1)  # onto the other function: refused
    body += cfg(0, WRITE, 0x10, 4, 0xc200 | 1) + bar(2, READ, LSR)
    body += cfg(1, WRITE, 0x10, 4, 0xc000 | 1) + bar(0, READ, LSR)
    body += cfg(0, WRITE, 0x10, 4, 0x3f0 | 1)  # over COM1: refused
    body += cfg(0, WRITE, 0x10, 4, 0xfff0 | 1) + cfg(0, WRITE, 0x04, 2, 0)
    body += cfg(1, WRITE, 0x10, 2, 0xc300 | 1) + cfg(1, WRITE, 0x04, 1, 0)
    return body


def rep_strings():
    """rep outsb / insb through guest RAM, rep movs to MMIO, both directions."""
    return b"".join([
        com1(WRITE, THR, ram(0), count=32, ptr=True),
        com1(WRITE, MCR, 0x10),
        com1(WRITE, THR, ram(0x1000 - 8), count=16, ptr=True),  # crosses a page
        com1(READ, RBR, ram(0x2000), count=16, ptr=True),
        com1(READ, RBR, ram(0x2100), count=8, ptr=True, df=True),
        mmio(WRITE, SCR, ram(0x300), count=4, ptr=True),
        mmio(READ, LSR, ram(0x400), count=4, ptr=True, df=True),
        mmio(WRITE, SCR, 0x5a, count=8),  # rep stos
        com1(WRITE, THR, ram(0x4000 - 4), count=16, ptr=True),  # runs off RAM
        com1(READ, RBR, ram(-16), count=4, ptr=True),  # starts below RAM
    ])


def odd_requests():
    """Types and sizes Xen never sends, counts of 0 and beyond 4096."""
    return b"".join([
        request(7, WRITE, 8, 0, bytes([8]), 3600),  # TIMEOFFSET: not the router's
        request(8, WRITE, 4, 0, bytes([8])),  # INVALIDATE
        request(0x55, READ, 2, 0, bytes([8])),
        request(PIO, READ, 3, 0, bytes([8])), request(PIO, READ, 0, 0, bytes([8])),
        request(PIO, READ, 8, 0, bytes([8])),  # 8-byte port read
        com1(WRITE, SCR, 0x11, count=0), com1(READ, SCR, count=0),
        com1(WRITE, THR, ram(0), count=100000, ptr=True),
        com1(READ, SCR, ram(0x3000), count=0xffffffff, ptr=True, df=True),
        mmio(READ, LCR, size=8), mmio(WRITE, 7, 0x1122334455667788, size=8),
        request(COPY, READ, 4, 1, bytes([16 + 2])),  # between registers
        request(PIO, READ, 4, 0, bytes([8 + 6])),  # straddles the window's end
        request(PIO, READ, 1, 5, struct.pack("<H", 0x80)),  # unclaimed port
        request(COPY, WRITE, 4, 6, struct.pack("<Q", 0xfffffffffffffffe), 1),
        request(COPY, READ, 1, 6 | 0x80, struct.pack("<Q", 0x09000000), 2**64 - 2,
                count=4, ptr=True),  # a buffer that wraps past 2^64
        cfg(0, READ, 0xfe, 4), request(PCI, READ, 4, 2 | 8, bytes([0x00])),
    ])


def write_iospace_seeds():
    seeds = {
        "com1-linux-probe": linux_probe(com1),
        "com1-loopback": loopback(com1),
        "mmio-linux-probe": linux_probe(lambda d, r, v=0: mmio(d, r, v)),
        "mmio-loopback": loopback(lambda d, r, v=0: mmio(d, r, v, size=1)),
        "pci-intx": pci_intx(),
        "pci-msi": pci_msi(),
        "host-line": host_line(),
        "pci-bar-moves": bar_moves(),
        "rep-strings": rep_strings(),
        "odd-requests": odd_requests(),
    }
    for name, body in seeds.items():
        write(CORPUS / "fuzz_iospace" / name, bytes([NO_FAILURE]) + body)
    # Xen refusing a range: the 1st-4th map create devices, the 5th is a BAR.
    for fail in (1, 3, 4, 5):
        write(CORPUS / "fuzz_iospace" / f"map-fails-{fail}", bytes([fail]) + pci_intx())


# ---- fuzz_ring ----------------------------------------------------------------

def slot(typ, size, addr, data, direction=WRITE):
    header = typ | direction << 9 | {1: 0, 2: 1, 4: 2, 8: 3}[size] << 10 | (addr & 0xfffff) << 12
    return struct.pack("<II", header, data & 0xffffffff)


def quad(typ, addr, data):
    """An 8-byte write takes two slots, the second with the high half."""
    return slot(typ, 8, addr, data) + slot(typ, 8, addr, data >> 32)


def ring(rd, pending, slots, max_slots=0xfe, producers=()):
    head = struct.pack("<IBH", rd, 0, pending)
    head += bytes([max_slots]) if max_slots < 0xff else bytes([0xff]) + struct.pack("<H", max_slots)
    head += bytes([len(producers)]) + bytes(producers)
    return head + b"".join(slots)


def write_ring_seeds():
    vga = [slot(COPY, 1, 0xa0000 + i, i) for i in range(8)]
    seeds = {
        "empty": ring(0, 0, []),
        "writes": ring(0, 12, vga + [quad(7, 0, 3600), slot(COPY, 2, 0xb8000, 0x0741),
                                     slot(COPY, 4, 0xb8002, 0x07420743)]),
        "timeoffset-torn": ring(5, 1, [slot(7, 8, 0, 42)]),
        "full-ring-bounded": ring(100, 511, [slot(COPY, 4, 0xa0000 + 4 * i, i) for i in range(511)],
                                  max_slots=100, producers=(20, 0x85, 7)),
        "quad-at-limit": ring(0, 6, [slot(COPY, 1, 0xa0000, 1), quad(7, 0, -1 & (2**64 - 1)),
                                     quad(7, 0, 5)], max_slots=2, producers=(0, 0)),
        "corrupt-pointers": ring(0, 700, vga),
        "pointer-wrap": ring(0xfffffff0, 40, [slot(COPY, 1, 0xa0000, i) for i in range(40)],
                             max_slots=0, producers=(0x90, 0x80, 3)),
        "canonicalise": ring(1530, 30, [slot(COPY, 2, 0xa1000, i) for i in range(30)],
                             max_slots=10, producers=(0x80, 0x81, 0x82)),
    }
    for name, body in seeds.items():
        write(CORPUS / "fuzz_ring" / name, body)


# ---- fuzz_config --------------------------------------------------------------

BROKEN_CONFIGS = {
    "errors.ini": """[dmd]
arch = sparc
bufioreq = sometimes
colour = blue
[dmd]
[a]
type = ns16550
port = 0x3f8
mmio = 0x1000
irq = isa:16
reg_shift = 3
[b]
type = ns16550
port = 0x3fc
irq = spi:40
backend = tcp:localhost
[c]
type = nosuchdevice
pci = 00:20.0
[d]
type = ns16550
[e]
type = ns16550
port = 0xfffc
port = 1
[f]
type =
pci = 0g:00.0
""",
    "arm-errors.ini": """[dmd]
arch = arm
bufioreq = atomic
[p]
type = ns16550
port = 0x2f8
irq = isa:3
[q]
type = ns16550
pci = 00:01.7
irq = msi
[r]
type = ns16550
mmio = 0xffffffffffffffff
reg_shift = 2
irq = spi:1019
""",
    "x86-many.ini": """; every attach kind, Xen-emulated ranges, defaults
[dmd]
arch = x86
bufioreq = off
[rtc]
type = ns16550
port = 0x70
[pic]
type = ns16550
port = 0x20
[hpet]
type = ns16550
mmio = 0xfed00000
[f0]
type = ns16550
pci = ff:1f.7
irq = intx
pty_link = /run/x
[f1]
type = ns16550
pci = 00:00.0
irq = none
backend = journal
[s]
type = ns16550
port = 0
backend = socket:/run/dmd/s.sock
[o]
type = ns16550
mmio = 0xd0000
backend = stdio
[pt]
type = ns16550
mmio = 010
backend = pty
""",
    "syntax.ini": "[unterminated\nkey without section = 1\n[ok]\n= novalue\nnoequals\n"
                  "type = ns16550 ; comment\nport = 0x2e8  # not a comment\n",
    "empty.ini": "",
}


def write_config_seeds():
    for path in sorted((ROOT / "conf").glob("*.ini")):
        copy(path, CORPUS / "fuzz_config" / f"conf-{path.name}")
    for path in sorted((ROOT / "tests" / "integration").glob("*.ini")):
        copy(path, CORPUS / "fuzz_config" / f"integration-{path.name}")
    for name, text in BROKEN_CONFIGS.items():
        write(CORPUS / "fuzz_config" / name, text.encode())
    # One port range more than Xen allows a server (the largest seed).
    many = "".join(f"[{i}]\ntype=ns16550\nport={0x1000 + 8 * i}\n" for i in range(257))
    write(CORPUS / "fuzz_config" / "too-many-ranges.ini", many.encode())


# ---- files --------------------------------------------------------------------

def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


if __name__ == "__main__":
    for target in ("fuzz_iospace", "fuzz_ring", "fuzz_config"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    write_iospace_seeds()
    write_ring_seeds()
    write_config_seeds()
