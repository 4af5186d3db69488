# pci_device_id { PCI_VDEVICE(REDHAT, 0x0011) }: 1b36:0011, class 08 80 00
cfgread 00:08.0 0x00 4 == 0x00111b36
cfgread 00:08.0 0x08 4 == 0x08800001
cfgread 00:08.0 0x2c 4 == 0x11001af4
# BAR0: 32-bit memory, 4 KiB (the 1-byte register rounded up)
cfgwrite 00:08.0 0x10 4 0xffffffff
cfgread 00:08.0 0x10 4 == 0xfffff000
cfgwrite 00:08.0 0x10 4 0xfebf0000
cfgread 00:08.0 0x10 4 == 0xfebf0000
cfgwrite 00:08.0 0x04 2 0x0002
# pvpanic_pci_probe: ioread8 of the events.  dmd claims only the
# register's byte of the BAR; the rest is nobody's (Xen reads all-ones).
readb 0xfebf0000 == 0x03
readb 0xfebf0001 == 0xff
shutdown-reason == 0xffffffff
# a panic: iowrite8(PVPANIC_PANICKED) gives SHUTDOWN_poweroff (0)
writeb 0xfebf0000 0x01
shutdown-reason == 0
