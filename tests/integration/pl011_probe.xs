# Linux meets a PL011: the AMBA bus reads its IDs (drivers/amba/bus.c,
# amba_read_periphid), amba-pl011 probes and starts it up
# (drivers/tty/serial/amba-pl011.c: pl011_hwinit, pl011_startup,
# pl011_enable_interrupts, pl011_set_termios), sends a line and takes host
# input from its RX and RT interrupts.

# amba_read_periphid: readl of the last 8 words, low byte of each:
# periphid 0x00141011 (r1p4), cellid 0xb105f00d (AMBA_CID).
readl 0x09000fe0 == 0x11
readl 0x09000fe4 == 0x10
readl 0x09000fe8 == 0x14
readl 0x09000fec == 0x00
readl 0x09000ff0 == 0x0d
readl 0x09000ff4 == 0xf0
readl 0x09000ff8 == 0x05
readl 0x09000ffc == 0xb1
# a quad is split into two words; inside a word reads 0
readq 0x09000ff0 == 0x000000f00000000d
readb 0x09000fe1 == 0

# Reset values: CR TXE|RXE, IFLS 1/2 both, FR TXFE|RXFE (no client yet:
# CTS, DSR, DCD low), nothing raised.
readl 0x09000030 == 0x300
readl 0x09000034 == 0x12
readl 0x09000018 == 0x90
readw 0x09000018 == 0x90
readl 0x0900003c == 0
irq spi 33 == 0

# pl011_hwinit: clear the error and receive interrupts, save IMSC, unmask
# RX and RT.
writel 0x09000044 0x7d0
readl 0x09000038 == 0
writel 0x09000038 0x50

# pl011_startup: IFLS (vendor_arm: RX 1/2, TX 1/2).
writel 0x09000034 0x12
# Older kernels "provoke TX FIFO interrupt into asserting": UARTEN|TXE|LBE,
# divisor 1, LCR_H 0 (no FIFO), one byte, wait while BUSY, put back.
readl 0x09000028 == 0
readl 0x09000024 == 0
readl 0x0900002c == 0
writel 0x09000030 0x181
writel 0x09000028 0
writel 0x09000024 1
writel 0x0900002c 0
writel 0x09000000 0
readl 0x09000018 & 0x08 == 0
# the byte went through: TXRIS is latched (TXIM is masked: line low); the
# receiver was off, so it did not come back
readl 0x0900003c == 0x20
readl 0x09000018 & 0x10 == 0x10
irq spi 33 == 0
writel 0x09000028 0
writel 0x09000024 0
writel 0x0900002c 0
# cr = readl(CR) & (RTS|DTR) | UARTEN|RXE|TXE
readl 0x09000030 & 0x0c00 == 0
writel 0x09000030 0x301
# old_status = FR & modem bits
readl 0x09000018 & 0x107 == 0

# pl011_enable_interrupts: clear RT and RX, drain the receive FIFO until
# FR.RXFE, IMSC = RTIM|RXIM.
writel 0x09000044 0x50
readl 0x09000018 & 0x10 == 0x10
writel 0x09000038 0x50

# pl011_set_termios, 115200 8N1 from a 24 MHz clock (quot 833): CR off,
# FBRD, IBRD, then LCR_H (WLEN_8 | FEN) latches them, CR back.
readl 0x09000030 == 0x301
writel 0x09000030 0
writel 0x09000028 1
writel 0x09000024 13
writel 0x0900002c 0x70
writel 0x09000030 0x301
readl 0x09000028 == 1
readl 0x09000024 == 13
readl 0x0900002c == 0x70

# A client comes: CTS, DSR and DCD rise, with their modem interrupts
# (masked: the line stays low); pl011_int acknowledges them with ICR.
host-connect line @DIR@/pl011.sock
sleep 100
readl 0x09000018 & 0x07 == 0x07
readl 0x0900003c & 0x0e == 0x0e
irq spi 33 == 0
writel 0x09000044 0x0e
readl 0x0900003c & 0x0e == 0

# pl011_tx_chars: FR.TXFF clear before each DR write.
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x6c
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x6f
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x67
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x69
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x6e
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x3a
readl 0x09000018 & 0x20 == 0
writel 0x09000000 0x0a
host-expect line "login:\n"
# TXFE again, not busy
readl 0x09000018 & 0xa8 == 0x80

# Ten bytes from the host: at the RX trigger (8 of 16) the RX interrupt.
host-send line "0123456789"
wait-irq spi 33 1
readl 0x09000040 == 0x10
readl 0x0900003c & 0x50 == 0x10
# pl011_fifo_to_tty: DR until FR.RXFE; no error bits
readl 0x09000000 == 0x30
readl 0x09000000 == 0x31
readl 0x09000000 == 0x32
# seven left, below the trigger: now the receive timeout
readl 0x09000040 == 0x40
irq spi 33 == 1
readl 0x09000018 & 0x10 == 0
readl 0x09000000 == 0x33
readl 0x09000000 == 0x34
readl 0x09000000 == 0x35
readl 0x09000000 == 0x36
readl 0x09000000 == 0x37
readl 0x09000000 == 0x38
readl 0x09000000 == 0x39
readl 0x09000018 & 0x10 == 0x10
readl 0x09000040 == 0
irq spi 33 == 0

# Three more: below the trigger, RT at once.
host-send line "abc"
wait-irq spi 33 1
readl 0x09000040 == 0x40
readw 0x09000000 == 0x61
readl 0x09000000 == 0x62
readl 0x09000000 == 0x63
irq spi 33 == 0
# pl011_int's ICR for everything else, then a clean RIS but TXRIS, which
# only a write above the trigger level or ICR clears
writel 0x09000044 0x7ff
readl 0x0900003c == 0
readl 0x09000040 == 0
irq spi 33 == 0

# kill -9 in the middle of the session: the restarted dmd has the UART as
# the guest left it (divisors, LCR_H, CR, IFLS, IMSC, the bytes in the
# receive FIFO and their RT interrupt, the host's connection) and answers
# the FR read that was in flight.
host-send line "xyz"
wait-irq spi 33 1
readl 0x09000000 == 0x78
sleep 0
stop-dmd
readl 0x09000018 & 0xff == 0x87
kill-dmd
start-dmd
irq spi 33 == 1
readl 0x09000040 == 0x40
readl 0x09000024 == 13
readl 0x09000028 == 1
readl 0x0900002c == 0x70
readl 0x09000030 == 0x301
readl 0x09000034 == 0x12
readl 0x09000038 == 0x50
readl 0x09000000 == 0x79
readl 0x09000000 == 0x7a
readl 0x09000018 & 0x10 == 0x10
irq spi 33 == 0
# the same client: its input comes in, output goes out
host-send line "!"
wait-irq spi 33 1
readl 0x09000000 == 0x21
writel 0x09000000 0x6f
writel 0x09000000 0x6b
host-expect line "ok"

# pl011_shutdown: IMSC 0, ICR all, CR keeps RTS|DTR only.
writel 0x09000038 0
writel 0x09000044 0x7ff
writel 0x09000030 0
readl 0x09000030 == 0
