# Xen's mapcache-invalidate broadcast reaches every enabled server and
# must be answered even though dmd keeps no mapcache.
invalidate
vcpu 1
invalidate
vcpu 0
outb 0x3ff 0x12
inb 0x3ff == 0x12
