# Output reaches a socket: client; host input reaches the guest with the
# right interrupts; no byte is lost while the guest reads slowly; a second
# client can connect after the first one left.
outb 0x3fb 0x03
# FIFO on, trigger level 8, receive-data interrupt on, OUT2 on
outb 0x3fa 0x81
outb 0x3fc 0x0b
outb 0x3f9 0x01
host-connect line @DIR@/com1.sock
# dmd accepts the connection from its loop: give it a moment
sleep 100
# carrier: the client connected, so DCD/DSR/CTS are up
inb 0x3fe & 0xb0 == 0xb0
outsb 0x3f8 "login: "
host-expect line "login: "

# 40 bytes while the receive FIFO holds 16: dmd stops reading the socket
# until the guest makes room, so every byte arrives, in order.
host-send line "0123456789abcdefghijklmnopqrstuvwxyzABCD"
wait-irq isa 4 1
inb 0x3fa & 0x0f == 0x04
sleep 100
inb 0x3fd & 0x03 == 0x01
insb 0x3f8 8 == "01234567"
sleep 100
insb 0x3f8 8 == "89abcdef"
sleep 100
insb 0x3f8 8 == "ghijklmn"
sleep 100
insb 0x3f8 8 == "opqrstuv"
wait-irq isa 4 1
insb 0x3f8 4 == "wxyz"
# below the trigger level: a character timeout is reported
inb 0x3fa & 0x0f == 0x0c
insb 0x3f8 4 == "ABCD"
inb 0x3fd & 0x03 == 0x00
inb 0x3fa & 0x0f == 0x01
irq isa 4 == 0

# The client leaves and another one comes.
host-close line
sleep 100
host-connect again @DIR@/com1.sock
sleep 100
inb 0x3fe & 0xb0 == 0xb0
outsb 0x3f8 "hello again\n"
host-expect again "hello again\n"
host-send again "x"
wait-irq isa 4 1
inb 0x3f8 == 0x78
