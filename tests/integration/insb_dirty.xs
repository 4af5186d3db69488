# What dmd writes into guest RAM (rep insb) must be reported with
# xendevicemodel_modified_memory, or log-dirty tracking (live migration)
# misses it.  Reading guest RAM (rep outsb) dirties nothing.
# Loopback: what the guest sends comes back through RBR.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
dirty-count == 0
outsb 0x3f8 "dirty"
dirty-count == 0
# xensim's rep buffer straddles a page boundary: both pages were written
insb 0x3f8 5 == "dirty"
dirty-count == 2
outsb 0x3f8 "x"
dirty-count == 2
# one byte: one page
insb 0x3f8 1 == "x"
dirty-count == 3
