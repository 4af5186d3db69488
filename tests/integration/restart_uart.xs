# kill -9 in the middle of a session: the restarted dmd takes over the ioreq
# server, and the UART is as the guest left it: divisor, LCR, IER, FCR,
# MCR, SCR, the receive FIFO's bytes, a pending RX interrupt, the host's
# connection (kept in the fd store), the THRE interrupt the driver had not
# acknowledged yet, and the read that was in flight.

# What Linux's 8250 driver programs: 115200 8N1, FIFOs with trigger 8,
# interrupts for received data and THRE, OUT2.
outb 0x3fb 0x80
outb 0x3f8 0x01
outb 0x3f9 0x00
outb 0x3fb 0x03
outb 0x3fa 0x87
outb 0x3fc 0x0b
outb 0x3f9 0x03               # THRE pending from here (not acknowledged)
outb 0x3ff 0x5a               # scratch
host-connect host @DIR@/com1.sock
host-send host "abc"
sleep 100
irq isa 4 == 1                # RX: 3 bytes below the trigger (timeout)
inb 0x3fa & 0x0f == 0x0c
inb 0x3f8 == 0x61             # 'a' taken; "bc" stay in the FIFO
fdstore == 2                  # listener and client, kept for a restart

# The crash: dmd is stopped, the guest reads LSR (the read waits in its
# slot), dmd is killed.
sleep 0                       # every request answered
stop-dmd
inb 0x3fd == 0x61             # DR | THRE | TEMT, answered after the restart
kill-dmd
servers == 1
ranges port == 1
start-dmd

# Everything as before the crash.
servers == 1
ranges port == 1
irq isa 4 == 1
inb 0x3fa & 0x0f == 0x0c      # the RX interrupt is still pending
inb 0x3fb == 0x03
inb 0x3f9 == 0x03
inb 0x3fc == 0x0b
inb 0x3ff == 0x5a
outb 0x3fb 0x83
inb 0x3f8 == 0x01             # divisor kept
inb 0x3f9 == 0x00
outb 0x3fb 0x03
inb 0x3f8 == 0x62             # 'b'
inb 0x3f8 == 0x63             # 'c'
inb 0x3fd == 0x60             # FIFO empty now
irq isa 4 == 1                # THRE, pending since before the crash
inb 0x3fa & 0x0f == 0x02      # ... reported, and so acknowledged
inb 0x3fa & 0x0f == 0x01
irq isa 4 == 0

# The host's connection survived: both ways still work.
outsb 0x3f8 "after the crash\n"
host-expect host "after the crash\n"
host-send host "xyz"
sleep 100
inb 0x3f8 == 0x78
inb 0x3f8 == 0x79
inb 0x3f8 == 0x7a
