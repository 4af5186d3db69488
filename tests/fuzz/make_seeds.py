#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the fuzzers' seed corpora under tests/fuzz/corpus/TARGET/.

The seeds are committed; this script says what each one is and rewrites
them when an input format changes (the formats are described at the top
of fuzz_iospace.c, fuzz_ring.c, fuzz_statefile.c and fuzz_runstate.c).
fuzz_config's seeds are the example configs and the integration tests'
configs, plus a few broken files; fuzz_record's are server records.

fuzz_runstate's seeds are real snapshots: each scenario below drives the
devices of a fresh start into some state and saves them, and the target
itself (run with DMD_FUZZ_SEED_OUT) writes the seed from what they saved.
So that part needs the target built: $DMD_FUZZ_RUNSTATE, else
build-fuzz/tests/fuzz/fuzz_runstate (scripts/fuzz builds it); without it
the committed fuzz_runstate seeds are left as they are.

Usage: tests/fuzz/make_seeds.py
"""
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

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
GPIO_CONNECT, GPIO_REQUEST, GPIO_RAW, GPIO_READ, GPIO_HANGUP = 0xf4, 0xf5, 0xf6, 0xf7, 0xf8
CLOCK_STEP, CLOCK_WAIT = 0xf9, 0xfa
TIMEOFFSET = 7


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


# ---- the RTCs and the GPIO controller ----------------------------------------

# target bit 5 selects the second set of targets (request_addr() 8-15).
CMOS_T, PL031_T, PL061_T, RTC_CFG_T = 0x20, 0x21, 0x22, 0x23
PL031_REG_T, PL061_REG_T, GPIODATA_T, AMBA_BORDER_T = 0x24, 0x25, 0x26, 0x27
CMOS_BYTE = {0x70: 4, 0x71: 5, 0x72: 6, 0x73: 7}  # addr = 0x6c + byte

# mc146818 registers
SEC, ASEC, MIN, AMIN, HOUR, AHOUR, WDAY, MDAY, MON, YEAR = range(10)
REG_A, REG_B, REG_C, REG_D, CENTURY = 0x0a, 0x0b, 0x0c, 0x0d, 0x32
SET, PIE, AIE, UIE, DM_BINARY, H24 = 0x80, 0x40, 0x20, 0x10, 0x04, 0x02


def port(direction, addr, data=0, size=1, **kw):
    """The CMOS ports 0x6c-0x77."""
    return request(PIO, direction, size, CMOS_T, bytes([addr - 0x6c]), data, **kw)


def cmos_r(index, bank=0):
    return port(WRITE, 0x70 + 2 * bank, index) + port(READ, 0x71 + 2 * bank)


def cmos_w(index, value, bank=0):
    return port(WRITE, 0x70 + 2 * bank, index) + port(WRITE, 0x71 + 2 * bank, value)


def clock(amount, unit="s", back=False):
    """The RTCs' host clock moves (CLOCK_STEP: count = unit | back << 2)."""
    units = {"ns": 0, "us": 1, "ms": 2, "s": 3}
    return request(CLOCK_STEP, WRITE, 1, 0, bytes([0]), amount, count=units[unit] | back << 2)


def wait():
    """2 ms pass and dmd's loop runs its timers."""
    return request(CLOCK_WAIT, WRITE, 1, 0, bytes([0]))


def linux_cmos_read_time():
    """mc146818_get_time(): wait for UIP to clear, read the time, check UIP."""
    out = [cmos_r(REG_A)]
    out += [cmos_r(r) for r in (SEC, MIN, HOUR, MDAY, MON, YEAR)]
    out += [cmos_r(CENTURY), cmos_r(REG_B), cmos_r(REG_A)]
    return b"".join(out)


def linux_cmos_set_time(sec, mins, hour, mday, mon, year, century):
    """mc146818_set_time(): SET and the divider reset hold the clock."""
    body = cmos_r(REG_B) + cmos_w(REG_B, H24 | SET) + cmos_r(REG_A) + cmos_w(REG_A, 0x70 | 0x26)
    for reg, value in ((YEAR, year), (MON, mon), (MDAY, mday), (HOUR, hour), (MIN, mins),
                       (SEC, sec), (CENTURY, century)):
        body += cmos_w(reg, value)
    return body + cmos_w(REG_B, H24) + cmos_w(REG_A, 0x26)


def cmos_linux():
    """rtc-cmos: probe, read and set the time, alarm, update and periodic
    interrupts, NVRAM in both banks (kept in the state file)."""
    body = cmos_r(REG_D) + cmos_r(REG_B) + cmos_r(REG_C)
    body += linux_cmos_read_time()
    body += port(WRITE, 0x70, 0x80 | REG_A) + port(READ, 0x71)  # NMI bit set
    body += linux_cmos_set_time(0x30, 0x59, 0x23, 0x31, 0x12, 0x99, 0x19)
    body += linux_cmos_read_time() + clock(1) + linux_cmos_read_time()
    # alarm in two seconds, then update-ended and periodic interrupts
    body += cmos_w(ASEC, 0x32) + cmos_w(AMIN, 0xc0) + cmos_w(AHOUR, 0xff)
    body += cmos_w(REG_B, H24 | AIE) + cmos_r(REG_C) + clock(2) + wait() + cmos_r(REG_C)
    body += cmos_w(REG_B, H24 | UIE) + clock(999, "ms") + wait() + cmos_r(REG_C)
    body += cmos_w(REG_A, 0x23) + cmos_w(REG_B, H24 | PIE) + wait() + cmos_r(REG_C)
    body += clock(500, "us") + cmos_r(REG_C) + cmos_w(REG_B, H24) + cmos_r(REG_C)
    # NVRAM: the checksum bytes a BIOS keeps, and the extended bank
    body += b"".join(cmos_w(i, 0x40 + i) for i in range(0x0e, 0x14))
    body += cmos_r(0x10) + cmos_w(0x2e, 0x12) + cmos_w(0x2f, 0x34)
    body += cmos_w(0x00, 0x5a, bank=1) + cmos_w(0x7f, 0xa5, bank=1) + cmos_r(0x7f, bank=1)
    return body


def cmos_odd():
    """Formats, invalid times, stopped dividers, wide and string accesses."""
    body = cmos_w(REG_B, DM_BINARY) + linux_cmos_read_time()  # binary, 12-hour
    body += cmos_w(REG_B, DM_BINARY | SET) + cmos_w(HOUR, 0x80 | 12) + cmos_w(MDAY, 31)
    body += cmos_w(MON, 2) + cmos_w(REG_B, DM_BINARY)  # 31 February: rolls over
    body += cmos_w(REG_B, H24 | SET) + cmos_w(HOUR, 0x25) + cmos_w(REG_B, H24)  # invalid
    body += cmos_w(MIN, 0x61) + cmos_w(SEC, 0x00)  # written while running
    body += cmos_w(REG_A, 0x60) + clock(3) + cmos_r(SEC) + cmos_w(REG_A, 0x30) + cmos_r(REG_A)
    body += cmos_w(REG_A, 0x01) + cmos_w(REG_B, H24 | PIE | UIE) + wait() + cmos_r(REG_C)
    body += cmos_w(REG_A, 0x2f) + clock(1, back=True) + cmos_r(REG_C) + cmos_r(REG_A)
    body += clock(86400 * 400) + cmos_r(YEAR) + clock(0xffffffff, "s", back=True)
    body += port(WRITE, 0x70, REG_C | 0x0100 * 0x55, size=2)  # outw: index, then data
    body += port(READ, 0x70, size=4) + port(READ, 0x72, size=4)  # runs past the window
    body += port(WRITE, 0x71, ram(0), count=8, ptr=True)  # rep outsb
    body += port(READ, 0x73, ram(0x100), count=8, ptr=True)
    body += cmos_r(0x7f) + cmos_w(0xff, 0x11) + port(READ, 0x74) + port(READ, 0x6f)
    body += request(TIMEOFFSET, WRITE, 8, 0, bytes([8]), 3600)
    return body


PL031_DR, PL031_MR, PL031_LR, PL031_CR = 0x00, 0x04, 0x08, 0x0c
PL031_IMSC, PL031_RIS, PL031_MIS, PL031_ICR = 0x10, 0x14, 0x18, 0x1c
GPIODIR, GPIOIS, GPIOIBE, GPIOIEV, GPIOIE = 0x400, 0x404, 0x408, 0x40c, 0x410
GPIORIS, GPIOMIS, GPIOIC, GPIOAFSEL = 0x414, 0x418, 0x41c, 0x420


def amba_byte(offset, first):
    """The byte of targets 12-13: registers from `first` on, or the ID words."""
    return offset - first if offset - first < 0x80 else 0x80 + offset - 0xf80


def pl031(direction, offset, data=0, size=4, **kw):
    return request(COPY, direction, size, PL031_REG_T, bytes([amba_byte(offset, 0)]), data, **kw)


def pl061(direction, offset, data=0, size=1, **kw):
    return request(COPY, direction, size, PL061_REG_T, bytes([amba_byte(offset, 0x3e0)]), data,
                   **kw)


def gpiodata(direction, mask, data=0):
    return request(COPY, direction, 1, GPIODATA_T, bytes([mask]), data)


def amba_ids(access):
    return b"".join(access(READ, off, size=4) for off in range(0xfe0, 0x1000, 4))


def pl031_linux():
    """rtc-pl031: AMBA ids, read and set the time, an alarm that fires."""
    body = amba_ids(pl031) + pl031(READ, PL031_CR) + pl031(READ, PL031_DR)
    body += pl031(WRITE, PL031_LR, 1700000000) + pl031(READ, PL031_DR) + pl031(READ, PL031_LR)
    body += pl031(WRITE, PL031_MR, 1700000002) + pl031(WRITE, PL031_IMSC, 1)
    body += clock(2) + wait() + pl031(READ, PL031_RIS) + pl031(READ, PL031_MIS)
    body += pl031(WRITE, PL031_ICR, 1) + pl031(READ, PL031_MIS)
    body += pl031(WRITE, PL031_MR, 1700000002) + pl031(WRITE, PL031_ICR, 1)  # DR == MR
    body += pl031(WRITE, PL031_LR, 0xffffffff) + pl031(WRITE, PL031_MR, 1) + clock(3)
    body += pl031(READ, PL031_RIS) + pl031(WRITE, PL031_IMSC, 0)
    body += pl031(WRITE, PL031_LR, 5, size=1) + pl031(WRITE, PL031_MR + 2, 5, size=2)  # narrow
    body += pl031(READ, PL031_DR + 1, size=1) + pl031(READ, PL031_DR, size=8)  # refused
    body += pl031(READ, 0x20) + pl031(WRITE, 0xfe0, 0)
    # a match 1 ms away: the timer raises the line while the guest waits
    body += pl031(WRITE, PL031_LR, 1800000000) + clock(497, "ms") + pl031(WRITE, PL031_ICR, 1)
    body += pl031(WRITE, PL031_MR, 1800000001) + pl031(WRITE, PL031_IMSC, 1) + wait()
    body += pl031(READ, PL031_MIS)
    return body


def pl061_linux():
    """gpio-pl061: AMBA ids, probe, outputs, inputs and every interrupt mode."""
    body = amba_ids(pl061) + pl061(WRITE, GPIOIE, 0) + pl061(READ, GPIODIR)
    body += pl061(WRITE, GPIODIR, 0x0a) + gpiodata(WRITE, 0x0a, 0x02) + gpiodata(READ, 0xff)
    body += pl061(WRITE, GPIOIS, 0x01) + pl061(WRITE, GPIOIEV, 0x01) + pl061(WRITE, GPIOIE, 0x01)
    body += pl061(READ, GPIOMIS) + pl061(WRITE, GPIOIBE, 0x08) + pl061(WRITE, GPIOIE, 0x09)
    body += gpiodata(WRITE, 0x08, 0x08) + pl061(READ, GPIORIS) + pl061(WRITE, GPIOIC, 0x08)
    body += gpiodata(WRITE, 0x08, 0x00) + pl061(READ, GPIOMIS) + pl061(WRITE, GPIOIS, 0x08)
    body += pl061(WRITE, GPIOAFSEL, 0xff) + pl061(READ, GPIOAFSEL)
    body += pl061(WRITE, GPIODIR, 0xff) + gpiodata(WRITE, 0xff, 0xff) + pl061(READ, GPIODIR)
    body += pl061(READ, GPIODIR + 1) + pl061(WRITE, GPIODIR + 2, 0xff, size=2)
    body += pl061(READ, GPIOIE, size=8) + pl061(WRITE, GPIOIC, 0xffffffffffffffff, size=8)
    body += request(COPY, WRITE, 1, GPIODATA_T, bytes([0xff]), ram(0), count=16, ptr=True)
    body += pl061(WRITE, GPIODIR, 0)
    return body


def gpio(event, client, which=0, line=0, level=0, raw=b""):
    """A GPIO client (events 0xf4-0xf8): data = client, line, level / raw bytes."""
    if raw:
        data = client | int.from_bytes(raw, "little") << 8
        return request(event, WRITE, 1, 0, bytes([0]), data, count=len(raw))
    return request(event, WRITE, 1, 0, bytes([0]), client | line << 8 | level << 16,
                   count=which)


def gpio_host():
    """Two clients: one watches while the other drives inputs and the guest
    drives outputs; every request of the dictionary; raw bytes in pieces."""
    body = gpio(GPIO_CONNECT, 0) + gpio(GPIO_CONNECT, 1)
    body += gpio(GPIO_REQUEST, 0, which=3) + gpio(GPIO_REQUEST, 1, which=0) + gpio(GPIO_READ, 1)
    body += pl061(WRITE, GPIOIBE, 0x02) + pl061(WRITE, GPIOIE, 0x06)
    body += gpio(GPIO_REQUEST, 1, which=2, line=1, level=1) + pl061(READ, GPIOMIS)
    body += gpio(GPIO_REQUEST, 1, which=2, line=2, level=0) + gpio(GPIO_READ, 0)
    body += pl061(WRITE, GPIODIR, 0x10) + gpiodata(WRITE, 0x10, 0x10)
    body += gpio(GPIO_REQUEST, 1, which=2, line=4, level=1) + pl061(WRITE, GPIODIR, 0x00)
    body += b"".join(gpio(GPIO_REQUEST, 1, which=w, line=w % 9, level=w) for w in range(16))
    body += gpio(GPIO_RAW, 1, raw=b"\n") + gpio(GPIO_READ, 1) + gpio(GPIO_READ, 0)
    body += gpio(GPIO_RAW, 2, raw=b"get 3\n") + gpio(GPIO_CONNECT, 2)
    body += gpio(GPIO_RAW, 2, raw=b"ge") + gpio(GPIO_RAW, 2, raw=b"t 3\r\n") + gpio(GPIO_READ, 2)
    body += gpio(GPIO_HANGUP, 0) + gpiodata(WRITE, 0xff, 0) + gpio(GPIO_CONNECT, 0)
    body += gpio(GPIO_REQUEST, 0, which=2, line=9, level=1) + gpio(GPIO_READ, 0)
    return body


def pci_rtc_msi():
    """The mc146818 behind 00:07.0: its identity, BAR0 (a 2-byte window in 16
    ports) at 0xc300, MSI masked while the update interrupt fires, then
    unmasked; the BAR moves, collides with the port-0x70 RTC, goes away."""
    cfg_r = lambda reg, size: request(PCI, READ, size, RTC_CFG_T, bytes([reg]))
    cfg_w = lambda reg, size, v: request(PCI, WRITE, size, RTC_CFG_T, bytes([reg]), v)
    rtc = lambda d, off, v=0: request(PIO, d, 1, 4 | 3 << 3, bytes([off + 8]), v)
    body = cfg_r(0x00, 4) + cfg_r(0x08, 4) + cfg_r(0x2c, 4) + cfg_r(0x34, 1) + cfg_r(0x3c, 4)
    body += cfg_r(0x40, 4) + cfg_w(0x10, 4, 0xffffffff) + cfg_r(0x10, 4)
    body += cfg_w(0x10, 4, 0xc300 | 1) + cfg_w(0x04, 2, 0x0005)
    body += cfg_w(0x44, 4, 0xfee00000) + cfg_w(0x48, 4, 0) + cfg_w(0x4c, 2, 0x4031)
    body += cfg_w(0x50, 4, 1) + cfg_w(0x42, 2, 0x0001)  # masked, then enabled
    body += rtc(WRITE, 0, REG_B) + rtc(WRITE, 1, H24 | UIE) + clock(1) + wait()
    body += cfg_r(0x54, 4) + cfg_w(0x50, 4, 0) + cfg_r(0x54, 4)  # pending, unmasked
    body += rtc(WRITE, 0, REG_C) + rtc(READ, 1) + clock(1) + wait() + rtc(READ, 1)
    body += cfg_w(0x50, 1, 1) + clock(1) + wait() + cfg_w(0x42, 2, 0) + cfg_r(0x54, 4)
    body += rtc(READ, 2) + rtc(READ, 0) + rtc(WRITE, 0, 0x20) + rtc(WRITE, 1, 0x77)
    body += cfg_w(0x10, 4, 0xc200 | 1) + cfg_w(0x10, 4, 0x70 | 1)  # onto the other RTC
    body += cfg_w(0x10, 4, 0xfff0 | 1) + cfg_w(0x04, 1, 0) + cfg_w(0x50, 4, 1)
    return body


def amba_border():
    """Accesses across the pl031/pl061 border and around both windows."""
    border = lambda d, off, size: request(COPY, d, size, AMBA_BORDER_T, bytes([off]))
    body = b"".join(border(READ, off, size) for off in (4, 6, 7, 8) for size in (1, 2, 4, 8))
    body += request(COPY, READ, 4, PL031_T, struct.pack("<H", 0))  # 16 below the pl031
    body += request(COPY, READ, 4, PL061_T, struct.pack("<H", 0x1010 - 4))
    body += request(COPY, WRITE, 4, PL031_T, struct.pack("<H", 16 + 8), 1, count=2)  # rep stos
    return body


# Target 7: a selector byte, then what it needs (more_devices_addr()).
MORE_T = 7
PL011_DR, PL011_FR, PL011_IBRD, PL011_FBRD, PL011_LCR_H = 0x00, 0x18, 0x24, 0x28, 0x2c
PL011_CR, PL011_IFLS, PL011_IMSC, PL011_RIS, PL011_MIS, PL011_ICR = 0x30, 0x34, 0x38, 0x3c, 0x40, 0x44
WDT_BAR = 0xfebf0000


def pl011(direction, offset, data=0, size=4):
    """The pl011 at 0x09012000: registers, or the AMBA ID words."""
    return request(COPY, direction, size, MORE_T, bytes([0x00, amba_byte(offset, 0)]), data)


def wdt_cfg(direction, reg, size, data=0):
    """Configuration space of the i6300esb at 00:08.0."""
    return request(PCI, direction, size, MORE_T, bytes([0x40, reg]), data)


def wdt_bar(direction, offset, size, data=0):
    """The i6300esb's BAR0, once placed at WDT_BAR."""
    return request(COPY, direction, size, MORE_T, bytes([0x80, offset + 8]), data)


def pvpanic(direction, data=0):
    """The pvpanic port, 0x505."""
    return request(PIO, direction, 1, MORE_T, bytes([0xc0 | 4]), data)  # 0x505 - 4 + 4


def pl011_linux():
    """amba-pl011: ids, startup (baud, LCR_H, FIFO levels, interrupts, enable),
    a byte out, the interrupt registers, shutdown."""
    body = amba_ids(pl011) + pl011(WRITE, PL011_CR, 0) + pl011(READ, PL011_FR)
    body += pl011(WRITE, PL011_IBRD, 13) + pl011(WRITE, PL011_FBRD, 1)
    body += pl011(WRITE, PL011_LCR_H, 0x70) + pl011(WRITE, PL011_IFLS, 0x12)
    body += pl011(WRITE, PL011_ICR, 0x7ff) + pl011(WRITE, PL011_IMSC, 0x50)
    body += pl011(WRITE, PL011_CR, 0x301) + pl011(WRITE, PL011_DR, 0x41)
    body += pl011(READ, PL011_FR) + pl011(READ, PL011_RIS) + pl011(READ, PL011_MIS)
    body += pl011(READ, PL011_DR) + pl011(WRITE, PL011_IMSC, 0x20) + wait()
    body += pl011(READ, PL011_MIS) + pl011(WRITE, PL011_ICR, 0x20) + pl011(WRITE, PL011_CR, 0)
    return body


def unlock():
    return wdt_bar(WRITE, 0x0c, 2, 0x80) + wdt_bar(WRITE, 0x0c, 2, 0x86)


def watchdog_linux():
    """i6300esb: identity, BAR0 at WDT_BAR, Linux's esb_initdevice and a
    1 MHz watchdog with 1 ms stages that is left to expire; then nowayout."""
    body = wdt_cfg(READ, 0x00, 4) + wdt_cfg(READ, 0x08, 4)
    body += wdt_cfg(WRITE, 0x10, 4, 0xffffffff) + wdt_cfg(READ, 0x10, 4)
    body += wdt_cfg(WRITE, 0x10, 4, WDT_BAR) + wdt_cfg(WRITE, 0x04, 2, 0x0002)
    body += wdt_cfg(WRITE, 0x60, 2, 0x0003) + wdt_cfg(READ, 0x68, 1) + wdt_cfg(WRITE, 0x68, 1, 0)
    body += unlock() + wdt_bar(READ, 0x0c, 2) + unlock() + wdt_bar(WRITE, 0x0c, 2, 0x0300)
    body += wdt_cfg(WRITE, 0x60, 2, 0x0004)  # 1 MHz, stage-1 interrupt
    body += unlock() + wdt_bar(WRITE, 0x00, 4, 1000) + unlock() + wdt_bar(WRITE, 0x04, 4, 1000)
    body += unlock() + wdt_bar(WRITE, 0x0c, 2, 0x0100) + wdt_cfg(WRITE, 0x68, 1, 0x02)
    body += wait() + wdt_bar(READ, 0x08, 4) + wait() + wait()
    body += wdt_bar(READ, 0x0c, 2) + wdt_cfg(READ, 0x68, 1) + wdt_bar(WRITE, 0x08, 4, 1)
    body += wdt_cfg(WRITE, 0x68, 1, 0x07) + wdt_cfg(WRITE, 0x68, 1, 0) + wdt_cfg(READ, 0x66, 4)
    body += wdt_bar(WRITE, 0x00, 4, 5) + wdt_bar(READ, 0x0d, 1)
    return body


def pvpanic_events():
    """pvpanic: the events it supports, a kdump notice, a panic, odd bits."""
    return pvpanic(READ) + pvpanic(WRITE, 2) + pvpanic(WRITE, 1) + pvpanic(WRITE, 0xfc)


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
        "cmos-linux": cmos_linux(),
        "cmos-odd": cmos_odd(),
        "pl031-linux": pl031_linux(),
        "pl061-linux": pl061_linux(),
        "gpio-host": gpio_host(),
        "pci-rtc-msi": pci_rtc_msi(),
        "amba-border": amba_border(),
        "pl011-linux": pl011_linux(),
        "watchdog-linux": watchdog_linux(),
        "pvpanic": pvpanic_events(),
    }
    for name, body in seeds.items():
        write(CORPUS / "fuzz_iospace" / name, bytes([NO_FAILURE]) + body)
    # Xen refusing a range: the 1st-11th map create devices, the 12th is a BAR.
    for fail in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12):
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


# The RTCs', the GPIO controller's and the PCI identity keys, state_dir,
# and SPI triggers: one valid config of each arch, then their misuses.
DEVICE_CONFIGS = {
    "x86-rtc-gpio.ini": """[dmd]
arch = x86
state_dir = /tmp
[cmos]
type = mc146818
port = 0x70
extended = yes
irq = isa:8
[cmos_pci]
type = mc146818
pci = 00:07.0
irq = msi
pci_vendor = 0x1234
pci_device = 0x11e8
pci_class = 0x080300
pci_revision = 0x02
pci_subsystem_vendor = 0x1af4
pci_subsystem = 0x1100
[rtc_pci]
type = pl031
pci = 00:08.0
irq = intx
pci_vendor = 0x1b36
pci_device = 0x0100
[gpio_pci]
type = pl061
pci = 00:09.3
irq = msi
pci_vendor = 65534
pci_device = 0
ngpio = 1
input_levels = 1
backend = socket:/run/dmd/gpio.sock
[gpio]
type = pl061
mmio = 0xfe000000
irq = isa:10
backend = null
""",
    "arm-rtc-gpio.ini": """[dmd]
arch = arm
state_dir = /tmp/dmd-fuzz-config-new-dir
[rtc]
type = pl031
mmio = 0x09010000
irq = spi:45:level
[gpio]
type = pl061
mmio = 0x09011000
irq = spi:46:edge
ngpio = 8
input_levels = 0xff
backend = socket:/run/dmd/g.sock
[cmos]
type = mc146818
mmio = 0x09012000
extended = on
irq = spi:1019:edge
""",
    "device-key-errors.ini": """[dmd]
arch = x86
state_dir = relative/dir
state_dir = /nonexistent-dmd-fuzz/a/b
state_dir = /etc/passwd
state_dir =
[c]
type = mc146818
port = 0x70
extended = maybe
[c2]
type = mc146818
port = 0x71
extended = yes
[c3]
type = mc146818
port = 0xfffe
extended = 1
[p]
type = pl031
port = 0x100
[g]
type = pl061
mmio = 0x1000
ngpio = 9
input_levels = 0x100
backend = pty
[g2]
type = pl061
mmio = 0x1800
ngpio = 0
input_levels = 0x04
backend = file:/tmp/x
[r]
type = mc146818
pci = 00:03.0
irq = msi
[r2]
type = pl031
mmio = 0x3000
pci_vendor = 0x1234
pci_class = 0x080300
[r3]
type = mc146818
pci = 00:04.0
pci_vendor = 0xffff
pci_device = 0x10000
pci_class = 0x1000000
pci_revision = 256
pci_subsystem_vendor = -1
pci_subsystem = abc
irq = spi:40:edge
[u]
type = ns16550
pci = 00:05.0
pci_vendor = 0x8086
pci_device = 0x7000
pci_revision = 0x0
""",
    "arm-spi-errors.ini": """[dmd]
arch = arm
state_dir = /tmp
[a]
type = pl061
mmio = 0x1000
irq = spi:31:edge
[b]
type = pl061
mmio = 0x2000
irq = spi:40:rising
[c]
type = pl031
mmio = 0x3000
irq = spi:40:edge:level
[d]
type = pl031
mmio = 0x4000
irq = spi:1020:level
[e]
type = pl031
pci = 00:01.0
pci_vendor = 0x1234
pci_device = 0x1
[f]
type = mc146818
port = 0x70
irq = spi:50:
""",
}


def write_config_seeds():
    for path in sorted((ROOT / "conf").glob("*.ini")):
        copy(path, CORPUS / "fuzz_config" / f"conf-{path.name}")
    for path in sorted((ROOT / "tests" / "integration").glob("*.ini")):
        copy(path, CORPUS / "fuzz_config" / f"integration-{path.name}")
    for path in sorted((ROOT / "tests" / "e2e" / "scenarios").glob("*/dmd.ini")):
        copy(path, CORPUS / "fuzz_config" / f"e2e-{path.parent.name}.ini")
    for name, text in {**BROKEN_CONFIGS, **DEVICE_CONFIGS}.items():
        write(CORPUS / "fuzz_config" / name, text.encode())
    # One port range more than Xen allows a server (the largest seed).
    many = "".join(f"[{i}]\ntype=ns16550\nport={0x1000 + 8 * i}\n" for i in range(257))
    write(CORPUS / "fuzz_config" / "too-many-ranges.ini", many.encode())


# ---- fuzz_statefile -------------------------------------------------------------

def state(*lines, owner="cmos", header=True, eol="\n"):
    text = f"# dmd state of [{owner}]; written by dmd, read when it starts{eol}" if header else ""
    return (text + "".join(line + eol for line in lines)).encode()


def two_files(cmos, rtc):
    """The target's input: the cmos file's length, then both files."""
    return struct.pack("<H", len(cmos)) + cmos + rtc


def write_statefile_seeds():
    ram = "".join(f"{i:02x}" for i in range(14, 128))  # bank 0 from 0x0e
    ext = "".join(f"{255 - i:02x}" for i in range(128))
    good_cmos = state("version = 1", "offset = -3600", f"cmos = {ram}", f"cmos_ext = {ext}")
    good_rtc = state("version = 1", "offset = 42", owner="rtc")
    seeds = {
        "written-by-dmd": two_files(good_cmos, good_rtc),
        "no-extended-bank": two_files(state("version = 1", "offset = 0", f"cmos = {ram}"),
                                      state("version = 1", "offset = 0", owner="rtc")),
        "crlf-blanks": two_files(state("  version\t=  1 ", "", "offset=-1", f"cmos={ram}",
                                       eol="\r\n"),
                                 state("\tversion = 1", "# note", "offset = +7", owner="rtc",
                                       header=False)),
        "versions": two_files(state("version = 2", "offset = 0"),
                              state("offset = 0", "version = 1", owner="rtc")),
        "no-version": two_files(state(), state("# only a comment", owner="rtc", header=False)),
        "offset-limits": two_files(state("version = 1", "offset = 320000000000"),
                                   state("version = 1", "offset = -320000000001", owner="rtc")),
        "offset-syntax": two_files(state("version = 1", "offset = 9223372036854775808"),
                                   state("version = 1", "offset = 0x10", "offset = 1e3",
                                         owner="rtc")),
        "hex-errors": two_files(state("version = 1", f"cmos = {ram[:-2]}", f"cmos_ext = {ext}g"),
                                state("version = 1", f"cmos = {ram}", owner="rtc")),
        "key-errors": two_files(state("version = 1", "offset =", "= 5", "colour = blue"),
                                state("version = 1", "offset", owner="rtc")),
        "long-line": two_files(state("version = 1", "offset = " + "0" * 5000),
                               state("version = 1", "x" * 4090, owner="rtc")),
        "nul-byte": two_files(state("version = 1", "offset = 1\0 2"),
                              state("version\0 = 1", owner="rtc")),
        "empty": two_files(b"", b""),
    }
    for name, body in seeds.items():
        write(CORPUS / "fuzz_statefile" / name, body)


# ---- fuzz_record ----------------------------------------------------------------

RECORD_SEEDS = {
    "written-by-dmd": "# dmd: ioreq server of domain 5 (removed when dmd stops cleanly)\n"
                      "server = 1\nbufioreq = atomic\nport = 0x3f8-0x3ff\nport = 0x70-0x73\n"
                      "mmio = 0x9000000-0x900001f\nmmio = 0xe0000000-0xe0000fff\n"
                      "pci = 00:05.0\npci = 00:06.0\n",
    "no-ranges": "server = 0\nbufioreq = off\n",
    "legacy-limits": "server = 65535\nbufioreq = legacy\nport = 0-0xffff\n"
                     "mmio = 0-0xffffffffffffffff\npci = ff:1f.7\n",
    "spacing-crlf": "  # a comment\r\n\tserver=  010 \r\n\r\nbufioreq =off\t\r\n"
                    "port= 1016-1023\r\npci = 0A:1f.3\r\n",
    "errors": "server = 1\nbufioreq = atomic\nport = 0x10000-0x10001\n",
    "twice": "server = 1\nserver = 2\nbufioreq = off\n",
    "bad-pci": "server = 1\nbufioreq = off\npci = -1:05.0\npci = 00:20.0\n",
    "backwards": "server = 1\nbufioreq = off\nmmio = 0x2000-0x1000\n",
    "no-equals": "server 1\nbufioreq = off\n",
    "nul": "server = 1\0\nbufioreq = off\n",
    "long-line": "server = 1\nbufioreq = off\n# " + "x" * 200 + "\n",
    "empty": "",
}


def write_record_seeds():
    for name, text in RECORD_SEEDS.items():
        write(CORPUS / "fuzz_record" / name, text.encode())
    ranges = "".join(f"port = {0x1000 + 8 * i:#x}-{0x1007 + 8 * i:#x}\n" for i in range(256))
    ranges += "".join(f"mmio = {0xf0000000 + 0x1000 * i:#x}-{0xf0000fff + 0x1000 * i:#x}\n"
                      for i in range(256))
    ranges += "".join(f"pci = {i >> 5:02x}:{i & 31:02x}.0\n" for i in range(257))
    write(CORPUS / "fuzz_record" / "one-range-too-many",
          ("server = 3\nbufioreq = legacy\n" + ranges).encode())


# ---- fuzz_runstate ------------------------------------------------------------------

RS_X86, RS_ARM = 0, 1
RS_DEVICES = {RS_X86: 8, RS_ARM: 6}  # instances in each of the target's configs
RS_NONE = 0xC000  # an instance's u16: mode 3, no snapshot
RS_SEL = {1: 0, 2: 1, 4: 2, 8: 3}
OP_UART_HOST, OP_GPIO_HOST, OP_CLOCK, OP_SAVE, OP_TIMEOFFSET = 11, 12, 13, 14, 15

# The targets of guest accesses (fuzz_runstate.c's tables).
X86_COM1, X86_MMIO0, X86_CFG_INTX, X86_CFG_MSI, X86_BARS, X86_CMOS = 0, 1, 2, 3, 4, 5
X86_PL031, X86_PL061, X86_CFG_GPIO, X86_GPIO_BAR = 6, 7, 8, 9
ARM_UART0, ARM_UART1, ARM_PL031, ARM_PL061, ARM_CMOS, ARM_GPIO1 = 0, 1, 2, 3, 4, 5
BAR_INTX, BAR_MSI = 0xC000, 0xC080  # the PCI UARTs' BAR0s: offset 0 and 0x80 of X86_BARS
GPIO_BAR = 0xE0000000
CLOCK_START_SEC = 1709164798  # 2024-02-28 23:59:58 (and half a second)


def gp(reg):
    """A pl061 register (GPIODIR...) as a PLACE_PL061 byte; GPIODATA with
    mask m is byte m (below 0x40).  The pl031's (PL031_*) are their offsets."""
    return 0x40 + reg - GPIODIR


def rs_start(config):
    """A fresh start: no instance has a snapshot, the clock at its start."""
    return bytes([config]) + struct.pack("<I", 0) + struct.pack("<H", RS_NONE) * RS_DEVICES[config]


def rs_acc(target, direction, off, data=0, size=1):
    """A guest access (direction READ or WRITE) through a target's byte."""
    out = bytes([target | direction << 4 | RS_SEL[size] << 5, off])
    return out + (data.to_bytes(size, "little") if direction == WRITE else b"")


def rs_uart_host(kind, data=b""):
    """The UART socket's host end: 0 connect, 1 send data (<= 8 bytes), 2 read, 3 hang up."""
    return bytes([OP_UART_HOST, kind | len(data) << 2]) + data


def rs_gpio_host(kind, client=0, which=0, line=0, level=0):
    """A GPIO client: 0 connect, 1 request (gpio host dictionary: 0 get, 2 set, 3 watch),
    3 read, 4 hang up."""
    out = bytes([OP_GPIO_HOST, kind | client << 6])
    return out + (bytes([which, line, level]) if kind == 1 else b"")


def rs_clock(amount, unit=3, back=False):
    """Step the host clock by amount units (0 ns, 1 us, 2 ms, 3 s)."""
    return bytes([OP_CLOCK, unit | int(back) << 2]) + struct.pack("<I", amount)


RS_WAIT = bytes([OP_CLOCK, 0x80])
RS_SAVE = bytes([OP_SAVE])


def rs_uart_setup(target, base=0, ier=0x01, mcr=0x0B, fcr=0xC7):
    """8n1 at 115200, FIFOs, interrupts (the 8250 driver's start-up)."""
    return b"".join([
        rs_acc(target, WRITE, base + 3, 0x80), rs_acc(target, WRITE, base + 0, 0x01),
        rs_acc(target, WRITE, base + 1, 0x00), rs_acc(target, WRITE, base + 3, 0x03),
        rs_acc(target, WRITE, base + 2, fcr), rs_acc(target, WRITE, base + 4, mcr),
        rs_acc(target, WRITE, base + 7, 0x5A), rs_acc(target, WRITE, base + 1, ier),
    ])


def rs_mmio_uart(target, reg_shift):
    """A memory-mapped UART's register r as the target's byte."""
    return lambda direction, reg, data=0: rs_acc(target, direction, reg << reg_shift, data,
                                                 size=1 << reg_shift)


def rs_pci_bar(cfg_target, bar, command):
    return (rs_acc(cfg_target, WRITE, 0x10, bar, size=4) +
            rs_acc(cfg_target, WRITE, 0x04, command, size=2))


def rs_pci_msi(cfg_target, masked):
    return b"".join([
        rs_acc(cfg_target, WRITE, 0x44, 0xFEE00000, size=4),
        rs_acc(cfg_target, WRITE, 0x48, 0, size=4),
        rs_acc(cfg_target, WRITE, 0x4C, 0x4041, size=2),
        rs_acc(cfg_target, WRITE, 0x50, int(masked), size=4),
        rs_acc(cfg_target, WRITE, 0x42, 0x0001, size=2),
    ])


def rs_cmos(target, index, value=None, bank=0):
    """Select a CMOS register (bank 1: the extended RAM) and write or read it."""
    out = rs_acc(target, WRITE, 2 * bank, index)
    return out + (rs_acc(target, READ, 2 * bank + 1) if value is None
                  else rs_acc(target, WRITE, 2 * bank + 1, value))


def rs_gpio_use(target):
    """gpio-pl061: lines 4 and 5 outputs, both edges on 0, rising on 1, level-high on 2."""
    return b"".join([
        rs_acc(target, WRITE, gp(GPIODIR), 0x30), rs_acc(target, WRITE, 0x30, 0x10),
        rs_acc(target, WRITE, gp(GPIOIS), 0x04), rs_acc(target, WRITE, gp(GPIOIBE), 0x01),
        rs_acc(target, WRITE, gp(GPIOIEV), 0x06), rs_acc(target, WRITE, gp(GPIOIE), 0x07),
        rs_acc(target, WRITE, gp(GPIOAFSEL), 0x08), rs_acc(target, READ, gp(GPIORIS)),
    ])


def x86_scenarios():
    def com1(d, r, v=0):
        return rs_acc(X86_COM1, d, r, v)

    def intx(d, r, v=0):  # 00:05.0's UART through its BAR0
        return rs_acc(X86_BARS, d, r, v)

    def msi(d, r, v=0):  # 00:06.0's
        return rs_acc(X86_BARS, d, 0x80 + r, v)

    def cfg(target, d, reg, v=0, size=4):
        return rs_acc(target, d, reg, v, size=size)

    def cmos(index, value=None, bank=0):
        return rs_cmos(X86_CMOS, index, value, bank)

    def pl031(d, reg, v=0):
        return rs_acc(X86_PL031, d, reg, v, size=4)

    def gpio_bar(d, reg, v=0):
        return rs_acc(X86_GPIO_BAR, d, reg, v)

    mmio0 = rs_mmio_uart(X86_MMIO0, 2)
    return {
        # Host bytes waiting in com1's FIFO below the trigger level: a
        # character timeout interrupt, ISA 4 high; the guest then reads.
        "x86-uart-rx-fifo": [
            rs_uart_setup(X86_COM1), rs_uart_host(0), rs_uart_host(1, b"hello\r\n!"),
            rs_uart_host(1, b"more"), RS_SAVE, com1(READ, 2), com1(READ, 0), com1(READ, 5),
            com1(READ, 0), rs_uart_host(2), rs_uart_host(3)],
        # Loopback without FIFOs: an overrun, modem deltas, THRE pending.
        "x86-uart-loopback": [
            rs_uart_setup(X86_COM1, ier=0x0F, fcr=0x00), com1(WRITE, 4, 0x1F),
            com1(WRITE, 0, 0x41), com1(WRITE, 0, 0x42), RS_SAVE, com1(READ, 5), com1(READ, 6),
            com1(READ, 0), com1(READ, 2)],
        # The MMIO UART (reg_shift 2): divisor latched, THRE interrupt up.
        "x86-uart-mmio-thre": [
            mmio0(WRITE, 3, 0x80), mmio0(WRITE, 0, 0x0C), mmio0(WRITE, 1, 0x00),
            mmio0(WRITE, 3, 0x1B), mmio0(WRITE, 2, 0x87), mmio0(WRITE, 7, 0xC3),
            mmio0(WRITE, 1, 0x02), mmio0(WRITE, 0, 0x58), RS_SAVE, mmio0(READ, 2),
            mmio0(READ, 5), mmio0(WRITE, 1, 0x00)],
        # 00:05.0: BAR0 placed and decoding, INTx raised, then Interrupt
        # Disable set with the line still driven.
        "x86-pci-intx": [
            rs_pci_bar(X86_CFG_INTX, BAR_INTX, 0x0001), rs_uart_setup(X86_BARS, ier=0x03),
            intx(WRITE, 0, 0x61), cfg(X86_CFG_INTX, WRITE, 0x3C, 0x0B, size=1),
            cfg(X86_CFG_INTX, WRITE, 0x04, 0x0401, size=2), RS_SAVE,
            cfg(X86_CFG_INTX, READ, 0x06, size=2), cfg(X86_CFG_INTX, WRITE, 0x04, 1, size=2),
            intx(READ, 2)],
        # 00:06.0: BAR0 and MSI enabled but masked, THRE pending as a held
        # message; its journal backend holds half a line.
        "x86-pci-msi-masked": [
            rs_pci_bar(X86_CFG_MSI, BAR_MSI, 0x0005), rs_pci_msi(X86_CFG_MSI, True),
            msi(WRITE, 0, ord("o")), msi(WRITE, 0, ord("k")), msi(WRITE, 0, ord("\r")),
            rs_uart_setup(X86_BARS, 0x80, ier=0x02), RS_SAVE, cfg(X86_CFG_MSI, READ, 0x54),
            cfg(X86_CFG_MSI, WRITE, 0x50, 0), msi(WRITE, 0, ord("\n"))],
        # MSI enabled and unmasked, a BAR moved, a whole line and a partial one.
        "x86-pci-msi-moved": [
            rs_pci_bar(X86_CFG_MSI, 0xC040, 0x0005), rs_pci_msi(X86_CFG_MSI, False),
            rs_acc(X86_BARS, WRITE, 0x41, 0x02), rs_pci_bar(X86_CFG_MSI, BAR_MSI, 0x0005),
            *[msi(WRITE, 0, c) for c in b"line one\nline tw"], RS_SAVE, msi(READ, 2),
            cfg(X86_CFG_MSI, WRITE, 0x42, 0, size=2)],
        # The CMOS RTC: an alarm at midnight that has fired (AF, ISA 8 high),
        # NVRAM in both banks, the extended bank's index left at 0x21.
        "x86-cmos-alarm": [
            cmos(0x01, 0x00), cmos(0x03, 0x00), cmos(0x05, 0x00), cmos(0x0B, 0x22),
            cmos(0x0E, 0x5A), cmos(0x7F, 0xA5), cmos(0x21, 0x42, bank=1), rs_clock(2), RS_WAIT,
            cmos(0x0A), RS_SAVE, cmos(0x0C), cmos(0x00), rs_clock(86400)],
        # Periodic interrupts at 1024 Hz pending, then the clock held with
        # SET and a new time written (held registers), 12-hour binary.
        "x86-cmos-periodic-set": [
            cmos(0x0A, 0x26), cmos(0x0B, 0x40), RS_WAIT, cmos(0x0B, 0xC4), cmos(0x00, 30),
            cmos(0x02, 15), cmos(0x04, 0x81), cmos(0x07, 31), cmos(0x08, 12), cmos(0x09, 99),
            cmos(0x32, 20), RS_SAVE, cmos(0x0B, 0x44), cmos(0x0C)],
        # The pl031: LR moved the clock, MR matched (RIS, MIS, ISA 9 high).
        "x86-pl031-match": [
            pl031(WRITE, PL031_LR, 0x10000000), pl031(WRITE, PL031_MR, 0x10000002),
            pl031(WRITE, PL031_IMSC, 1), rs_clock(3), RS_WAIT, pl031(READ, PL031_DR), RS_SAVE,
            pl031(READ, PL031_RIS), pl031(WRITE, PL031_ICR, 1)],
        # The pl061 with a host on its socket setting lines: edges latched,
        # a level line matching, ISA 10 high.
        "x86-pl061-edges": [
            rs_gpio_use(X86_PL061), rs_gpio_host(0), rs_gpio_host(1, which=3),
            rs_gpio_host(1, which=2, line=0, level=0), rs_gpio_host(1, which=2, line=1, level=0),
            rs_gpio_host(1, which=2, line=1, level=1), rs_gpio_host(3), RS_SAVE,
            rs_acc(X86_PL061, READ, gp(GPIOMIS)), rs_acc(X86_PL061, WRITE, gp(GPIOIC), 0x01),
            rs_gpio_host(1, which=0), rs_gpio_host(3), rs_gpio_host(4)],
        # A pl061 behind 00:07.0: memory BAR0, MSI; an edge sent a message,
        # then the vector was masked and another is pending.
        "x86-pci-gpio-msi": [
            rs_pci_bar(X86_CFG_GPIO, GPIO_BAR, 0x0006), rs_pci_msi(X86_CFG_GPIO, False),
            gpio_bar(WRITE, gp(GPIODIR), 0x0F), gpio_bar(WRITE, gp(GPIOIBE), 0x0F),
            gpio_bar(WRITE, gp(GPIOIE), 0x03), gpio_bar(WRITE, 0x01, 0x01),
            cfg(X86_CFG_GPIO, WRITE, 0x50, 1), gpio_bar(WRITE, gp(GPIOIC), 0x01),
            gpio_bar(WRITE, 0x02, 0x02), RS_SAVE, cfg(X86_CFG_GPIO, READ, 0x54),
            cfg(X86_CFG_GPIO, WRITE, 0x50, 0)],
        # Everything at once, and a TIMEOFFSET.
        "x86-all-busy": [
            rs_uart_setup(X86_COM1), rs_uart_host(0), rs_uart_host(1, b"abc"),
            mmio0(WRITE, 1, 0x02), rs_pci_bar(X86_CFG_INTX, BAR_INTX, 0x0401),
            intx(WRITE, 1, 0x02), rs_pci_bar(X86_CFG_MSI, BAR_MSI, 0x0005),
            rs_pci_msi(X86_CFG_MSI, True), msi(WRITE, 1, 0x02), msi(WRITE, 0, 0x78),
            cmos(0x0B, 0x32), cmos(0x05, 0xC0), pl031(WRITE, PL031_IMSC, 1),
            rs_gpio_use(X86_PL061), bytes([OP_TIMEOFFSET]) + struct.pack("<i", -3600),
            rs_clock(1), RS_WAIT, RS_SAVE, rs_uart_host(1, b"z"), com1(READ, 0),
            rs_uart_host(3)],
    }


def arm_scenarios():
    def pl031(d, reg, v=0):
        return rs_acc(ARM_PL031, d, reg, v, size=4)

    def gpio1(d, reg, v=0):
        return rs_acc(ARM_GPIO1, d, reg, v)

    def cmos(index, value=None):
        return rs_cmos(ARM_CMOS, index, value)

    uart0 = rs_mmio_uart(ARM_UART0, 2)
    uart1 = rs_mmio_uart(ARM_UART1, 0)
    return {
        # uart0 (level SPI 44) with host bytes, uart1 (edge SPI 40) with a
        # partial journal line and THRE pending.
        "arm-uarts": [
            uart0(WRITE, 2, 0x07), uart0(WRITE, 1, 0x05), uart0(WRITE, 4, 0x03),
            rs_uart_host(0), rs_uart_host(1, b"root\r"), uart1(WRITE, 1, 0x02),
            uart1(WRITE, 0, ord("#")), uart1(WRITE, 0, ord(" ")), RS_SAVE, uart0(READ, 0),
            uart0(READ, 2), uart1(READ, 2), uart1(WRITE, 0, 0x0A)],
        # The pl031 (edge SPI 45) matched; the pl061 (SPI 46) with a host
        # driving a level line; gpio1 (3 lines, no interrupt) programmed.
        "arm-rtc-gpio": [
            pl031(WRITE, PL031_MR, CLOCK_START_SEC + 1), pl031(WRITE, PL031_IMSC, 1),
            rs_clock(1500, unit=2), RS_WAIT, pl031(READ, PL031_RIS), rs_gpio_use(ARM_PL061),
            rs_gpio_host(0, client=1), rs_gpio_host(1, client=1, which=2, line=2, level=1),
            gpio1(WRITE, gp(GPIODIR), 0x05), gpio1(WRITE, 0x07, 0x07),
            gpio1(WRITE, gp(GPIOIBE), 0x07), gpio1(WRITE, 0x07, 0x00), RS_SAVE,
            pl031(READ, PL031_DR), gpio1(READ, gp(GPIORIS)), rs_gpio_host(4, client=1)],
        # The memory-mapped CMOS (no extended bank, SPI 47): update interrupts.
        "arm-cmos-update": [
            cmos(0x0B, 0x12), cmos(0x20, 0x77), rs_clock(1), RS_WAIT, cmos(0x0A), RS_SAVE,
            cmos(0x0C), rs_clock(5, back=True), cmos(0x00)],
    }


def find_runstate_target():
    path = os.environ.get("DMD_FUZZ_RUNSTATE")
    if path:
        return pathlib.Path(path)
    path = ROOT / "build-fuzz" / "tests" / "fuzz" / "fuzz_runstate"
    return path if path.exists() else None


def run_runstate(target, scenario, out, env_extra):
    """Run the target once on one input; fail loudly if it does."""
    with tempfile.NamedTemporaryFile(prefix="dmd-seed-") as f:
        f.write(scenario)
        f.flush()
        env = dict(os.environ, **env_extra)
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        res = subprocess.run([str(target), f.name], env=env, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"make_seeds.py: {target} failed on {out.name}:\n{res.stderr[-3000:]}")


def raw_state_file(ninst, current, snapshot, taken=5):
    """A whole state file as fuzz_runstate.c's first use reads it: domain 3,
    its fixed fingerprint; each instance's snapshot in half current - 1,
    answering vCPU 0's request `taken`."""
    out = b"DMDSTATE" + struct.pack("<IIIIQ", 1, ninst, 16384, 3, 0x0123456789ABCDEF)
    out += struct.pack("<Q", taken) + bytes(8 * 127)
    for _ in range(ninst):
        inst = struct.pack("<II", current, 0) + struct.pack("<QQ", 3, 0) + bytes(40)
        half = (struct.pack("<IIQQII", len(snapshot), 1, taken, 0x1234, 1, 0) + snapshot)
        half = half.ljust(16384, b"\0")
        halves = [bytes(16384), bytes(16384)]
        halves[current - 1] = half
        out += inst + halves[0] + halves[1]
    return out


def split_seed(seed):
    """A seed the target wrote (all mode 2): its config, [[tx, rx, snapshot]
    for each instance] and the records."""
    config, pos, parts = seed[0], 5, []
    for _ in range(RS_DEVICES[config]):
        (head,) = struct.unpack_from("<H", seed, pos)
        length = head & 0x3FFF
        tx, rx = struct.unpack_from("<QQ", seed, pos + 2)
        pos += 2 + 16
        parts.append([tx, rx, seed[pos:pos + length]])
        pos += length
    return config, parts, seed[pos:]


def join_seed(config, parts, records, client=None, modes=None):
    """The inverse of split_seed(); client: the host input waiting on the
    socket UART's line at the restart; modes: each instance's, 2 unless said."""
    out = bytes([config | (2 if client is not None else 0)]) + struct.pack("<I", 0)
    if client is not None:
        out += bytes([len(client)]) + client
    for i, (tx, rx, snap) in enumerate(parts):
        mode = modes[i] if modes else 2
        out += struct.pack("<H", mode << 14 | len(snap))
        out += struct.pack("<QQ", tx, rx) if mode == 2 else b""
        out += snap
    return out + records


def frame_body(snap):
    """Where a frame's body starts: after name, type and state_version."""
    pos = 1 + snap[0]
    return pos + 1 + snap[pos] + 4


def with_held_output(snap, held):
    """A 16550 frame whose chardev (its last part: emitted, accepted, held
    positions, held length, the bytes) holds `held` more output."""
    for length in range(0, 4097):
        at = len(snap) - length - 28
        emitted, accepted, raw, have = struct.unpack_from("<QQQI", snap, at)
        if have == length == raw and raw <= emitted:
            break
    else:
        sys.exit("make_seeds.py: no chardev part at the end of a 16550 frame")
    return (snap[:at] + struct.pack("<QQQI", emitted + len(held), accepted, len(held),
                                    len(held)) + held)


def write_runstate_seeds():
    target = find_runstate_target()
    if target is None:
        print("make_seeds.py: fuzz_runstate is not built (scripts/fuzz builds it, or set "
              "DMD_FUZZ_RUNSTATE): its seeds are left as they are", file=sys.stderr)
        return
    shutil.rmtree(CORPUS / "fuzz_runstate", ignore_errors=True)
    (CORPUS / "fuzz_runstate").mkdir(parents=True)
    scenarios = {name: (RS_X86, b"".join(steps)) for name, steps in x86_scenarios().items()}
    scenarios.update({name: (RS_ARM, b"".join(steps)) for name, steps in arm_scenarios().items()})
    seeds = {}
    for name, (config, steps) in scenarios.items():
        out = CORPUS / "fuzz_runstate" / name
        run_runstate(target, rs_start(config) + steps, out, {"DMD_FUZZ_SEED_OUT": str(out)})
        # A real snapshot must be restored: checked by the target itself.
        run_runstate(target, out.read_bytes(), out, {"DMD_FUZZ_EXPECT_RESTORE": "1"})
        seeds[name] = out.read_bytes()
    # Real snapshots, changed a little:
    # - the host still on com1's line at the restart, 5 bytes of its input
    #   in the socket, the first 4 of them already in the saved FIFO (the
    #   wire's rx is 4 behind what the UART took: they were peeked, not
    #   yet taken out), and 3 bytes of output still owed to it;
    config, parts, records = split_seed(seeds["x86-uart-rx-fifo"])
    parts[0][1] -= 4
    parts[0][2] = with_held_output(parts[0][2], b"xyz")
    write(CORPUS / "fuzz_runstate" / "x86-client-at-restart",
          join_seed(config, parts, rs_uart_host(2) + records, client=b"abcd5"))
    # - 00:06.0's image has the vector unmasked while its line holds a
    #   message (dmd never saves that: pci.c keeps it held);
    config, parts, records = split_seed(seeds["x86-pci-msi-masked"])
    snap = bytearray(parts[3][2])
    snap[frame_body(snap) + 18 + 0x50] = 0  # after the line's 18 bytes: the image
    parts[3][2] = bytes(snap)
    write(CORPUS / "fuzz_runstate" / "x86-msi-image-unmasked", join_seed(config, parts, records))
    # - every instance's snapshot in half 1, without wire words;
    config, parts, records = split_seed(seeds["x86-all-busy"])
    write(CORPUS / "fuzz_runstate" / "x86-half-one",
          join_seed(config, parts, records, modes=[1] * len(parts)))
    # - a fresh start driven from scratch, and one refused because an
    #   instance has no snapshot.
    write(CORPUS / "fuzz_runstate" / "fresh-start", rs_start(RS_X86) + b"".join(
        x86_scenarios()["x86-all-busy"]))
    modes = [2] * len(parts)
    modes[0] = 3
    write(CORPUS / "fuzz_runstate" / "one-missing", join_seed(config, parts, records, modes=modes))
    # Whole state files for the target's first use: header only, one
    # instance holding a real pl061 snapshot (half 1, with an answer),
    # and a truncated one.
    gpio = split_seed(seeds["x86-pl061-edges"])[1][6][2]
    write(CORPUS / "fuzz_runstate" / "raw-header-only", raw_state_file(0, 1, b""))
    write(CORPUS / "fuzz_runstate" / "raw-one-instance", raw_state_file(1, 2, gpio))
    write(CORPUS / "fuzz_runstate" / "raw-truncated", raw_state_file(1, 1, gpio)[:3000])


# ---- files --------------------------------------------------------------------

def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


if __name__ == "__main__":
    for target in ("fuzz_iospace", "fuzz_ring", "fuzz_config", "fuzz_statefile"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    write_iospace_seeds()
    write_ring_seeds()
    write_config_seeds()
    write_statefile_seeds()
    shutil.rmtree(CORPUS / "fuzz_record", ignore_errors=True)
    write_record_seeds()
    write_runstate_seeds()
