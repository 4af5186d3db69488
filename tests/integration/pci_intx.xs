# Configuration header
cfgread 00:05.0 0x00 4 == 0x00021b36
cfgread 00:05.0 0x08 4 & 0xffffff00 == 0x07000200
cfgread 00:05.0 0x0e 1 == 0x00
cfgread 00:05.0 0x3d 1 == 0x01
cfgread 00:05.0 0x02 2 == 0x0002
# BAR0 sizing: an I/O BAR of 8 bytes, the UART's registers
cfgwrite 00:05.0 0x10 4 0xffffffff
cfgread 00:05.0 0x10 4 == 0xfffffff9
cfgwrite 00:05.0 0x10 4 0xc000
cfgread 00:05.0 0x10 4 == 0xc001
# Until I/O decode is on the registers are not there
inb 0xc007 == 0xff
cfgwrite 00:05.0 0x04 2 0x0001
outb 0xc007 0x5a
inb 0xc007 == 0x5a
# INTA follows the UART's interrupt
irq intx 00:05.0 == 0
outb 0xc001 0x02
irq intx 00:05.0 == 1
cfgread 00:05.0 0x06 2 & 0x0008 == 0x0008
# Interrupt Disable holds the line low; the status bit still shows it
cfgwrite 00:05.0 0x04 2 0x0401
irq intx 00:05.0 == 0
cfgread 00:05.0 0x06 2 & 0x0008 == 0x0008
cfgwrite 00:05.0 0x04 2 0x0001
irq intx 00:05.0 == 1
inb 0xc002 & 0x0f == 0x02
irq intx 00:05.0 == 0
# Moving the BAR moves the registers
cfgwrite 00:05.0 0x10 4 0xd000
inb 0xc007 == 0xff
inb 0xd007 == 0x5a
outsb 0xd000 "via BAR0\n"
file-expect @DIR@/uart.log "via BAR0\n"
# Decode off: gone again
cfgwrite 00:05.0 0x04 2 0x0000
inb 0xd007 == 0xff
