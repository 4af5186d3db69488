# Buffered writes, drained before a later synchronous read.
bufwrite 0xa0000 1 0x5a
bufwrite 0xa0002 2 0x1234
bufwrite 0xa0004 4 0xdeadbeef
bufwrite 0xa0008 8 0x0123456789abcdef
readq 0xa0000 == 0xdeadbeef1234005a
readq 0xa0008 == 0x0123456789abcdef

# 400 x 3 slots: with --lazy-ring the ring fills (writes fall back to the
# synchronous path), wraps, and the pointers are canonicalised (ATOMIC).
repeat 400
bufwrite 0xa0010 8 0x1111222233334444
bufwrite 0xa0018 4 0x55667788
end
bufwrite 0xa001c 2 0x99aa
readq 0xa0010 == 0x1111222233334444
readl 0xa0018 == 0x55667788
readw 0xa001c == 0x99aa
