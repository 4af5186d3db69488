# Xen's mapcache-invalidate broadcast reaches every enabled server and
# must be answered, from any vCPU, also with nothing mapped
# (mapcache_invalidate.xs is the one with mappings to drop).
invalidate
vcpu 1
invalidate
vcpu 0
outb 0x3ff 0x12
inb 0x3ff == 0x12
