# Linux's AMBA bus reads the PrimeCell ids (amba_read_periphid), then
# rtc-pl031 probes, reads and sets the time and sets an alarm.

# PeriphID0-3: periphid 0x00141031 (part 0x031, designer 0x41 = Arm)
readl 0x09010fe0 == 0x31
readl 0x09010fe4 == 0x10
readl 0x09010fe8 == 0x14
readl 0x09010fec == 0x00
# PCellID0-3: 0xb105f00d
readl 0x09010ff0 == 0x0d
readl 0x09010ff4 == 0xf0
readl 0x09010ff8 == 0x05
readl 0x09010ffc == 0xb1

# pl031_probe: CR |= RTC_CR_EN
readl 0x0901000c == 0x1
writel 0x0901000c 0x1
readl 0x0901000c == 0x1
readl 0x09010000

# pl031_set_time: LR; DR counts on from it.
writel 0x09010008 0x60000000
readl 0x09010008 == 0x60000000
readl 0x09010000 & 0xfffffff0 == 0x60000000

# pl031_set_alarm: MR two seconds on, clear, unmask; the match raises
# SPI 34, the handler reads MIS and clears with ICR.
writel 0x09010004 0x60000002
writel 0x0901001c 0x1
writel 0x09010010 0x1
wait-irq spi 34 1 3000
readl 0x09010014 == 0x1
readl 0x09010018 == 0x1
writel 0x0901001c 0x1
irq spi 34 == 0
readl 0x09010014 == 0x0
readl 0x09010018 == 0x0
writel 0x09010010 0x0

# 64-bit accesses are refused (all-ones); reserved offsets read 0.
readq 0x09010000 == 0xffffffffffffffff
readl 0x09010020 == 0x0
