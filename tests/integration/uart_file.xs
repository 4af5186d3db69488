# Guest output through THR, then rep outsb through guest memory, reaching
# a file: backend byte for byte.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3f8 0x6f
outb 0x3f8 0x6b
outb 0x3f8 0x0a
# polled transmit: THRE and TEMT are set again
inb 0x3fd & 0x60 == 0x60
outsb 0x3f8 "rep outsb across a page boundary\r\n"
outsb 0x3f8 "\x00\x01\xfe\xff binary too\n"
file-expect @DIR@/com1.log "ok\nrep outsb across a page boundary\r\n\x00\x01\xfe\xff binary too\n"
