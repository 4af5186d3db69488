# pci_device_id { PCI_DEVICE(PCI_VENDOR_ID_INTEL, PCI_DEVICE_ID_INTEL_ESB_9) }
cfgread 00:09.0 0x00 4 == 0x25ab8086
cfgread 00:09.0 0x08 4 == 0x08800000
# BAR0: 32-bit memory, 4 KiB (the 16 registers rounded up); Linux maps it.
cfgwrite 00:09.0 0x10 4 0xffffffff
cfgread 00:09.0 0x10 4 == 0xfffff000
cfgwrite 00:09.0 0x10 4 0xfebf1000
cfgwrite 00:09.0 0x04 2 0x0002
# Reset values: output enabled, 1 kHz, IRQ; unlocked, disabled; both
# preloads 0xfffff.
cfgread 00:09.0 0x60 2 == 0x0000
cfgread 00:09.0 0x68 1 == 0x00
readl 0xfebf1000 == 0xfffff
readl 0xfebf1004 == 0xfffff
# esb_initdevice(): no stage-1 interrupt, check the lock, disable
cfgwrite 00:09.0 0x60 2 0x0003
cfgread 00:09.0 0x60 2 == 0x0003
cfgread 00:09.0 0x68 1 == 0x00
cfgwrite 00:09.0 0x68 1 0x00
#   esb_unlock_registers(); readw(RELOAD): not fired before
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
readw 0xfebf100c == 0x0000
#   clear WDT_TIMEOUT, reload
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writew 0xfebf100c 0x0300
# A preload written without the unlock sequence is ignored (logged).
writel 0xfebf1000 0x12345
readl 0xfebf1000 == 0xfffff
# esb_timer_set_heartbeat(30): 30 << 9 in each timer, each after unlocking
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1000 0x3c00
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1004 0x3c00
readl 0xfebf1000 == 0x3c00
readl 0xfebf1004 == 0x3c00
# esb_timer_start(): reload, then enable (no nowayout)
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writew 0xfebf100c 0x0100
cfgwrite 00:09.0 0x68 1 0x02
cfgread 00:09.0 0x68 1 == 0x02
# Petted in time (30 s each stage): nothing happens.
sleep 100
shutdown-reason == 0xffffffff
# esb_timer_stop(): reload, disable, and the driver reads it back
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writew 0xfebf100c 0x0100
cfgwrite 00:09.0 0x68 1 0x00
cfgread 00:09.0 0x68 1 == 0x00
# Now a short one, as a guest that stops petting: 1 MHz clock, 1000 ticks
# of 32 clocks per stage (about 1 ms each), enabled and locked (nowayout).
cfgwrite 00:09.0 0x60 2 0x0007
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1000 1000
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1004 1000
cfgwrite 00:09.0 0x68 1 0x03
# Locked: disabling is refused until the watchdog resets.
cfgwrite 00:09.0 0x68 1 0x00
cfgread 00:09.0 0x68 1 == 0x03
# Stage 2 expires: SHUTDOWN_reboot (1), and the chipset resets, keeping the
# timeout flag for the driver after the reboot.
wait-shutdown 1
cfgread 00:09.0 0x68 1 == 0x00
cfgread 00:09.0 0x60 2 == 0x0000
readw 0xfebf100c == 0x0200
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writew 0xfebf100c 0x0200
readw 0xfebf100c == 0x0000
