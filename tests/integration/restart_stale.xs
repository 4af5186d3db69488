# Started with a record (left by --pre) naming server 5, which Xen does not
# have: the record is forgotten, a server is created, nothing is leaked.
servers == 1
outb 0x3ff 0x11
inb 0x3ff == 0x11
