# overridden identity, the rest from the device type
cfgread 00:05.0 0x00 4 == 0x00028086
cfgread 00:05.0 0x08 4 == 0x07000242
# BAR over the fixed UART: not claimed, so the fixed UART still answers
# there; the BAR register itself keeps what the guest wrote
cfgwrite 00:05.0 0x10 4 0x3e0
cfgwrite 00:05.0 0x04 2 0x0001
outb 0x3e7 0x5a
inb 0x3e7 == 0x5a
cfgread 00:05.0 0x10 4 == 0x3e1
# moved to a free place it is claimed
cfgwrite 00:05.0 0x10 4 0xc000
outb 0xc007 0xa5
inb 0xc007 == 0xa5
inb 0x3e7 == 0x5a
# moving it back and forth in a burst never takes the fixed UART away
repeat 64
cfgwrite 00:05.0 0x10 4 0x3e0
cfgwrite 00:05.0 0x10 4 0x400
end
inb 0x3e7 == 0x5a
