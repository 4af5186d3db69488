# Run with --kill-at xendevicemodel_set_isa_irq_level:2: dmd dies while
# carrying out the read that empties the receive FIFO (lowering the line),
# before it saved anything: the slot is INPROCESS and the saved UART still
# holds the byte.  The next dmd carries the read out again: the guest gets
# 'a' exactly once.
outb 0x3fc 0x08               # OUT2
outb 0x3f9 0x01               # IER: received data
host-connect host @DIR@/com1.sock
host-send host "a"
wait-irq isa 4 1              # the first level DMOP: up
inb 0x3f8 == 0x61             # the second: down, killed there
start-dmd
inb 0x3fd == 0x60
irq isa 4 == 0
host-send host "b"
wait-irq isa 4 1
inb 0x3f8 == 0x62
