# The host side: the toy's FIFO talks to a unix socket client, as a dmd
# UART does with backend = socket:PATH.
host-connect uart xensim-toy-host.sock
outsb 0x108 "ping\n"
outb 0x108 0x21
host-expect uart "ping\n!"
host-send uart "pong"
insb 0x108 4 == "pong"
host-send uart "x"
inb 0x108 == 0x78
outb 0x108 0x2e
host-expect uart "."
host-close uart
file-expect /proc/version "Linux"

# nested repeat blocks
repeat 2
repeat 3
writeb 0xa0100 0x2a
writeb 0xa0101 0x2b
end
end
readw 0xa0100 == 0x2b2a
