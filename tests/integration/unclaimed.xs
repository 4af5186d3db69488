# Accesses nobody claims: reads are all-ones, writes vanish, nothing hangs.
inb 0x80 == 0xff
inw 0x2f8 == 0xffff
inl 0xcfc == 0xffffffff
outb 0x2f8 0x41
readl 0xfe000000 == 0xffffffff
writeq 0xfe000000 0x1
cfgread 00:05.0 0 4 == 0xffffffff
# an access that does not fit in dmd's range is not sent to dmd
inl 0x3fe == 0xffffffff
# a 16-bit access inside the UART is split into two register accesses
outb 0x3ff 0x34
inw 0x3fe & 0xff00 == 0x3400
# the UART still works afterwards
outb 0x3ff 0x77
inb 0x3ff == 0x77
