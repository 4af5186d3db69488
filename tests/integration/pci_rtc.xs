# identity: ids from the config, class 08 03 01 (ISA-compatible RTC)
cfgread 00:07.0 0x00 4 == 0x01461234
cfgread 00:07.0 0x08 4 == 0x08030100
# BAR0 is an I/O BAR of 4 bytes (the 2-byte window rounded up to the
# smallest I/O BAR)
cfgwrite 00:07.0 0x10 4 0xffffffff
cfgread 00:07.0 0x10 4 == 0xfffffffd
cfgwrite 00:07.0 0x10 4 0xd100
# not decoded before the command register says so
inb 0xd101 == 0xff
cfgwrite 00:07.0 0x04 2 0x0005
# register D through the BAR: valid RAM and time
outb 0xd100 0x0d
inb 0xd101 == 0x80
# CMOS RAM through the BAR
outb 0xd100 0x40
outb 0xd101 0x5a
outb 0xd100 0x40
inb 0xd101 == 0x5a
# the update-ended interrupt as an MSI: enable MSI, then UIE
cfgwrite 00:07.0 0x44 4 0xfee00000
cfgwrite 00:07.0 0x4c 2 0x4031
cfgwrite 00:07.0 0x42 2 0x0001
outb 0xd100 0x0b
outb 0xd101 0x12
# one second boundary later: one message; the line stays up (so no more
# messages) until the guest reads register C
sleep 1500
msi-count == 1
outb 0xd100 0x0c
inb 0xd101 & 0x90 == 0x90
sleep 1500
msi-count == 2
