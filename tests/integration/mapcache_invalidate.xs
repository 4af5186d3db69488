# IOREQ_TYPE_INVALIDATE: the guest's p2m lost RAM, so dmd drops every
# cached mapping before it answers (xensim fails the run if any guest RAM
# is still mapped then); the next rep works and maps again.
# Loopback: what the guest sends comes back through RBR.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
outsb 0x3f8 "ping" at 0x9000
# gfn 0xa is in the same chunk, mapped read-only: mapped again writable
insb 0x3f8 4 at 0xa000 == "ping"
map-count == 8
map-calls == 2
invalidate
map-count == 0
outsb 0x3f8 "pong" at 0x9000
insb 0x3f8 4 at 0xa000 == "pong"
map-count == 8
map-calls == 4
# from another vCPU, with more than one chunk mapped
vcpu 1
outsb 0x3f8 "x" at 0x100000
map-count == 16
invalidate
map-count == 0
insb 0x3f8 1 at 0x100000 == "x"
map-count == 8
vcpu 0
invalidate
map-count == 0
