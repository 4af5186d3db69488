# raw: requests exactly as written, sent to the toy's server whatever its
# ranges say.
raw pio write 1 1 0x100 0x41
raw pio read 1 1 0x100 0 == 0x41
inb 0x100 == 0x41
raw copy write 4 1 0xa0010 0xcafe
readl 0xa0010 == 0xcafe

# No routing: port 0x3f8 is not the toy's, yet the toy answers (with its
# own 64-bit all-ones), where xensim's null handler would give 0xff.
raw pio read 1 1 0x3f8 0 == 0xffffffffffffffff
inb 0x3f8 == 0xff

# Types, sizes and counts Xen never produces: the toy ignores unknown
# types (a read gives 0); each request is answered.
raw 3 read 4 1 0 0 == 0
raw 9 write 4 1 0 0x12345678
raw 255 read 16 0 0 0 == 0
raw pio write 3 100000 0x100 0x424242
raw pci read 4 4 0x1800000000 0x2000 ptr

# The broadcasts sent synchronously, like any other request.
raw invalidate write 4 1 0 0xffffffffffffffff
readl 0xa0818 == 1
raw timeoffset write 8 1 0 0x1234
readq 0xa0820 == 0x1234

# Still the toy's ordinary self.
outb 0x100 0x5a
inb 0x100 == 0x5a
