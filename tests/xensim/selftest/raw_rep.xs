# Run with the toy's --partial-rep: a raw rep is one request.  The toy
# moves 4 of the 20 zero bytes at 0x200000 into its FIFO and writes back
# count 4; xensim prints that and does not send the rest, so the FIFO
# holds exactly 4 bytes.
raw pio write 1 20 0x108 0x200000 ptr
inb 0x108 == 0
inb 0x108 == 0
inb 0x108 == 0
inb 0x108 == 0
inb 0x108 == 0xff
