# Failed expectations: all are reported, the script goes on.
inb 0x100 & 0x60 == 0x60
inb 0x3f8 == 0x00
irq isa 5 == 1
file-expect /proc/version "no such text" 50
insb 0x108 2 == "ab"
wait-irq isa 5 1 50
