# Loopback (MCR bit 4): what the guest sends comes back through RBR, never
# reaches the backend, and is read back with rep insb into guest memory.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
outsb 0x3f8 "loop\xff"
inb 0x3fd & 0x01 == 0x01
insb 0x3f8 5 == "loop\xff"
inb 0x3fd & 0x01 == 0x00
# more than the 16-byte FIFO: the 17th byte overruns (LSR OE)
outsb 0x3f8 "0123456789abcdefX"
inb 0x3fd & 0x03 == 0x03
# OE is cleared by reading LSR
inb 0x3fd & 0x02 == 0x00
insb 0x3f8 16 == "0123456789abcdef"
# out of loopback, output goes to the line again
outb 0x3fc 0x0b
outsb 0x3f8 "line\n"
file-expect @DIR@/com1.log "line\n"
