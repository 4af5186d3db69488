# Buffered writes land, in order, before a later synchronous access.
bufwrite 0xd0003 1 0x03
bufwrite 0xd0007 1 0x42
readb 0xd0007 == 0x42
bufwrite 0xd0000 1 0x62
bufwrite 0xd0000 1 0x75
bufwrite 0xd0000 1 0x66
bufwrite 0xd0000 1 0x0a
readb 0xd0005 & 0x60 == 0x60
# a 2-byte buffered write at the base: THR, then IER
bufwrite 0xd0000 2 0x0521
readb 0xd0001 == 0x05
# many writes: the ring wraps and Xen canonicalises its pointers
repeat 600
bufwrite 0xd0007 1 0x11
end
readb 0xd0007 == 0x11
# an 8-byte broadcast through the ring: the guest changed Xen's RTC offset
timeoffset 3600
sleep 50
file-expect @DIR@/uart.log "buf\n!"
