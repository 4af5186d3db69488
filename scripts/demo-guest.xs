# The demo guest (scripts/demo): what a guest kernel's serial driver does,
# played by xensim against the real dmd binary.
echo "guest: programming COM1 like Linux's 8250 driver: 115200 8N1, FIFOs, interrupts"
outb 0x3fb 0x80
outb 0x3f8 0x01
outb 0x3f9 0x00
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x0b
outb 0x3f9 0x01
echo "guest: FIFO present? (IIR bits 7:6 = 11 means a 16550A)"
inb 0x3fa & 0xc0 == 0xc0

echo "host: connecting to the UART's line, /tmp/dmd-demo/uart0.sock"
host-connect line /tmp/dmd-demo/uart0.sock
sleep 100
echo "guest: printing a greeting (one rep outsb through guest memory)"
outsb 0x3f8 "Hello from a Xen guest, served by dmd!\r\n"
host-expect line "Hello from a Xen guest, served by dmd!\r\n"

echo "host: typing a reply"
host-send line "Hi guest!\r\n"
echo "guest: the receive interrupt fires; reading the reply back"
wait-irq isa 4 1
inb 0x3fa & 0x0f == 0x04
sleep 50
insb 0x3f8 11 == "Hi guest!\r\n"
inb 0x3fd & 0x01 == 0x00
irq isa 4 == 0
echo "guest: done"
