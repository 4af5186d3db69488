# Arm: MMIO only, SPIs, no buffered ring.
writel 0x10000000 0xa5a5a5a5
readl 0x10000000 == 0xa5a5a5a5
readw 0x10000002 == 0xa5a5
irq spi 40 == 0
writel 0x10000800 1
wait-irq spi 40 1 500
irq spi 40 == 1
invalidate
readl 0x10000818 == 1
