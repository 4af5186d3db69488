# kill -9 while the guest uses its clock: the restarted dmd has the time
# it set, register A and B, the CMOS RAM of both banks, the index it left
# selected, and the periodic interrupt it had pending.

# BCD, 24-hour, the year set to 31 with SET held (as Linux's
# mc146818_set_time does); then 2 Hz periodic interrupts (PIE, RS = 15).
outb 0x70 0x0b
outb 0x71 0x82
outb 0x70 0x09
outb 0x71 0x31
outb 0x70 0x0b
outb 0x71 0x42
outb 0x70 0x0a
outb 0x71 0x2f
wait-irq isa 8 1 2000
outb 0x70 0x40
outb 0x71 0x5a
outb 0x72 0x10
outb 0x73 0xa5
outb 0x70 0x40                # index left on RAM byte 0x40

sleep 0                       # every request answered
stop-dmd
inb 0x71 == 0x5a              # in flight across the crash
kill-dmd
start-dmd

irq isa 8 == 1                # PF with PIE: IRQF still pending
outb 0x72 0x10
inb 0x73 == 0xa5
outb 0x70 0x0b
inb 0x71 == 0x42
outb 0x70 0x0a
inb 0x71 & 0x7f == 0x2f
outb 0x70 0x09
inb 0x71 == 0x31              # the year the guest set
outb 0x70 0x0c
inb 0x71 & 0xc0 == 0xc0       # IRQF | PF, and reading C clears them
irq isa 8 == 0
wait-irq isa 8 1 2000         # and the periodic interrupt goes on
servers == 1
