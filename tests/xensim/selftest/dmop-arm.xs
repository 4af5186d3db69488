# Arm's dm.c knows set_irq_level and nr_vcpus besides the ioreq server
# calls: every other DMOP is EOPNOTSUPP (95).  The toy (MMIO at
# 0x10000000) issues DMOP N on writel BASE+0x830 N, the errno reads back.
writel 0x10000830 7
readl 0x10000830 == 95
writel 0x10000830 10
readl 0x10000830 == 95
writel 0x10000830 12
readl 0x10000830 == 95
writel 0x10000830 13
readl 0x10000830 == 95
writeq 0x10000828 4
writeq 0x10000828 2
writel 0x10000830 15
readl 0x10000830 == 95
writel 0x10000830 16
readl 0x10000830 == 95
writel 0x10000830 17
readl 0x10000830 == 95
writel 0x10000830 18
readl 0x10000830 == 95
