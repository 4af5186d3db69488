# kill -9 once the guest's driver has placed BAR0: the device has no state
# of its own (no save()), the core's PCI function snapshot keeps the BAR,
# and a panic after the restart reaches the new dmd.
cfgwrite 00:08.0 0x10 4 0xfebf0000
cfgwrite 00:08.0 0x04 2 0x0002
readb 0xfebf0000 == 0x03
sleep 0
kill-dmd
start-dmd
cfgread 00:08.0 0x00 4 == 0x00111b36
cfgread 00:08.0 0x10 4 == 0xfebf0000
readb 0xfebf0000 == 0x03
shutdown-reason == 0xffffffff
writeb 0xfebf0000 0x01
shutdown-reason == 1
