# kill -9 with a PCI UART whose guest driver has placed BAR0, enabled MSI
# and masked its vector with a message pending: after the restart config
# space reads the same, BAR0 still decodes at the guest's address (and
# nowhere else), no message was sent by the restart itself, and the held
# one goes out on unmask.
cfgwrite 00:06.0 0x10 4 0xc100
cfgwrite 00:06.0 0x44 4 0xfee00000
cfgwrite 00:06.0 0x48 4 0
cfgwrite 00:06.0 0x4c 2 0x4041
cfgwrite 00:06.0 0x42 2 0x0001
cfgwrite 00:06.0 0x04 2 0x0005
outb 0xc103 0x03              # LCR 8N1
outb 0xc107 0x77              # SCR
outb 0xc101 0x02              # THRI: one message
msi-count == 1
inb 0xc102 & 0x0f == 0x02
outb 0xc101 0x00
cfgwrite 00:06.0 0x50 4 0x1   # mask the vector
outb 0xc101 0x02              # held pending
msi-count == 1
cfgread 00:06.0 0x54 4 == 0x1

sleep 0                       # every request answered
stop-dmd
cfgread 00:06.0 0x10 4 == 0xc101   # in flight across the crash
kill-dmd
ranges port == 1
ranges pci == 1
start-dmd

msi-count == 1                # the restart sent nothing
ranges port == 1
ranges pci == 1
cfgread 00:06.0 0x00 4 == 0x00021b36
cfgread 00:06.0 0x04 2 == 0x0005
cfgread 00:06.0 0x42 2 & 0x0001 == 0x0001
cfgread 00:06.0 0x44 4 == 0xfee00000
cfgread 00:06.0 0x4c 2 == 0x4041
cfgread 00:06.0 0x50 4 == 0x1
cfgread 00:06.0 0x54 4 == 0x1
inb 0xc103 == 0x03
inb 0xc107 == 0x77
inb 0xc101 == 0x02
cfgwrite 00:06.0 0x50 4 0x0   # unmask: the held message goes now
msi-count == 2
cfgread 00:06.0 0x54 4 == 0x0
# the guest moves BAR0: the old window goes, the new one works
cfgwrite 00:06.0 0x10 4 0xc200
inb 0xc107 == 0xff
inb 0xc207 == 0x77
ranges port == 1
