# Linux meets a PL061: the AMBA bus reads its IDs (drivers/amba/bus.c,
# amba_read_periphid), gpio-pl061 probes it and gpiolib and the irq_chip
# ops drive it (drivers/gpio/gpio-pl061.c).  No host side: the interrupts
# come from output lines, whose pins the input logic sees as well.

# amba_read_periphid: readl of the last 8 words, low byte of each:
# periphid 0x00041061 (pl061_ids: id 0x00041061, mask 0x000fffff),
# cellid 0xb105f00d (AMBA_CID).
readl 0x09030fe0 == 0x61
readl 0x09030fe4 == 0x10
readl 0x09030fe8 == 0x04
readl 0x09030fec == 0x00
readl 0x09030ff0 == 0x0d
readl 0x09030ff4 == 0xf0
readl 0x09030ff8 == 0x05
readl 0x09030ffc == 0xb1
# the reserved upper bytes of a word read 0; a quad is split into words
readb 0x09030fe1 == 0
readq 0x09030ff0 == 0x000000f00000000d

# pl061_probe: writeb(0, GPIOIE) before the irqchip is added
writeb 0x09030410 0x00
irq spi 39 == 0
# pl061_get_direction: every line is an input after reset
readb 0x09030400 == 0x00

# pl061_direction_output(1, 1): value at BIT(1 + 2), GPIODIR |= BIT(1),
# value again (the first write is dropped: the line was still an input)
writeb 0x09030008 0x02
readb 0x09030008 == 0x00
readb 0x09030400 == 0x00
writeb 0x09030400 0x02
readb 0x09030008 == 0x00
writeb 0x09030008 0x02
# pl061_get_value(1), and all 8 lines at once
readb 0x09030008 == 0x02
readb 0x090303fc == 0x02
# the address masks the write: bit 1 is not in mask 0x01 (offset 0x004)
writeb 0x09030004 0x00
readb 0x09030008 == 0x02

# pl061_irq_type(2, IRQ_TYPE_EDGE_RISING): read IEV, IS, IBE; IS and IBE
# cleared, IEV set; then pl061_irq_unmask: IE |= BIT(2)
readb 0x0903040c == 0x00
readb 0x09030404 == 0x00
readb 0x09030408 == 0x00
writeb 0x09030404 0x00
writeb 0x09030408 0x00
writeb 0x0903040c 0x04
readb 0x09030410 == 0x00
writeb 0x09030410 0x04
irq spi 39 == 0
# line 2 as an output, driven high: a rising edge
readb 0x09030400 == 0x02
writeb 0x09030400 0x06
writeb 0x09030010 0x04
wait-irq spi 39 1
# pl061_irq_handler: pending = GPIOMIS; pl061_irq_ack: GPIOIC = BIT(2)
readb 0x09030418 == 0x04
readb 0x09030414 == 0x04
writeb 0x0903041c 0x04
irq spi 39 == 0
readb 0x09030418 == 0x00
# falling is no rising edge
writeb 0x09030010 0x00
irq spi 39 == 0

# IRQ_TYPE_LEVEL_HIGH on line 3: IS |= BIT(3), IEV |= BIT(3); the line
# stays up while the level does, GPIOIC does not clear it
writeb 0x09030404 0x08
writeb 0x0903040c 0x0c
writeb 0x09030410 0x0c
irq spi 39 == 0
writeb 0x09030400 0x0e
writeb 0x09030020 0x08
wait-irq spi 39 1
writeb 0x0903041c 0x08
readb 0x09030418 == 0x08
irq spi 39 == 1
writeb 0x09030020 0x00
irq spi 39 == 0

# IRQ_TYPE_EDGE_BOTH on line 4: IBE |= BIT(4), IEV ignored
writeb 0x09030408 0x10
writeb 0x09030410 0x10
writeb 0x09030400 0x10
writeb 0x09030040 0x10
wait-irq spi 39 1
writeb 0x0903041c 0x10
irq spi 39 == 0
writeb 0x09030040 0x00
wait-irq spi 39 1
readb 0x09030418 == 0x10
writeb 0x0903041c 0x10
irq spi 39 == 0

# pl061_irq_mask: IE &= ~BIT(4); an edge still shows in RIS, not in MIS
writeb 0x09030410 0x00
writeb 0x09030040 0x10
readb 0x09030414 & 0x10 == 0x10
readb 0x09030418 == 0x00
irq spi 39 == 0
# GPIOAFSEL is stored; the ID registers are read-only
writeb 0x09030420 0x81
readb 0x09030420 == 0x81
writeb 0x09030fe0 0xff
readb 0x09030fe0 == 0x61
