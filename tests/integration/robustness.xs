# Requests Xen would never produce, handed to dmd exactly as written (raw):
# every one must be answered - a stuck vCPU fails the run - and the UART
# must still work afterwards.  Reads that dmd refuses give all 64 bits set
# (iospace.c refuse(), ioreq_loop.c for unknown types).

# A known value in the scratch register, and raw itself as a sanity check.
outb 0x3ff 0x11
raw pio read 1 1 0x3ff 0 == 0x11

# Unknown types: answered unhandled, reads all-ones, no side effect.
raw 3 read 1 1 0x3ff 0 == 0xffffffffffffffff
raw 9 write 1 1 0x3ff 0x99
raw 255 read 4 1 0x3f8 0 == 0xffffffffffffffff
raw 255 write 1 1 0x3ff 0x99 ptr

# Sizes no instruction has: refused before any device sees them.
raw pio read 0 1 0x3ff 0 == 0xffffffffffffffff
raw pio read 3 1 0x3fc 0 == 0xffffffffffffffff
raw pio read 16 1 0x3f8 0 == 0xffffffffffffffff
raw pio write 0 1 0x3ff 0x99
raw pio write 3 1 0x3fd 0x999999
raw pio write 16 1 0x3f8 0x99
raw copy read 0 1 0xfe000000 0 == 0xffffffffffffffff
raw copy read 3 1 0xfe000000 0 == 0xffffffffffffffff
raw copy read 16 1 0xfe000000 0 == 0xffffffffffffffff
raw copy write 0 1 0xfe000000 0x99
raw copy write 3 1 0xfe000000 0x999999
raw copy write 16 1 0xfe000000 0x99
# port I/O is at most 4 bytes wide
raw pio read 8 1 0x3f8 0 == 0xffffffffffffffff
# none of the refused writes reached the UART
inb 0x3ff == 0x11

# Counts: 0 (no instruction repeats zero times and still exits) and far
# beyond Xen's 4096 per request (dmd caps its loop; the count it writes
# back is printed).  The scratch register takes the value either way.
raw pio write 1 0 0x3ff 0x22
inb 0x3ff
raw pio write 1 100000 0x3ff 0x33
inb 0x3ff == 0x33

# Rep with data_is_ptr whose guest buffer is outside the 16 MiB of RAM,
# or runs off its end: dmd cannot map it and drops what it cannot move.
raw pio write 1 16 0x3ff 0x40000000 ptr
raw pio read 1 16 0x3ff 0xfffffffffffff000 ptr
raw pio read 1 16 0x3ff 0xfffff8 ptr
raw pio write 1 16 0x3ff 0xfffff8 ptr df

# PCI config space as a rep through guest memory, which Xen never does;
# nobody is at 00:03.0 here.
raw pci read 4 4 0x1800000000 0x2000 ptr
raw pci write 4 4 0x1800000000 0x2000 ptr

# The two broadcasts, sent synchronously instead.
raw timeoffset write 8 1 0 42
raw invalidate write 4 1 0 0xffffffffffffffff

# The UART still works: scratch round trip, sane LSR.
outb 0x3ff 0xa5
inb 0x3ff == 0xa5
outb 0x3ff 0x5a
inb 0x3ff == 0x5a
inb 0x3fd & 0x60 == 0x60
