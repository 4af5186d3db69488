# A toy that does not re-attach: the next one creates a second server, and
# the killed toy's stays until the end, where it is a leak.
outb 0x100 0x42
inb 0x100 == 0x42
servers == 1
ranges port == 1
ranges mmio == 1
ranges pci == 1
kill-dmd
# What belongs to the domain stays.
servers == 1
ranges port == 1
map-count == 0
start-dmd
servers == 2
ranges port == 2
ranges mmio == 2
ranges pci == 2
# Xen asks the highest server id first: the new toy answers, afresh.
inb 0x100 == 0
