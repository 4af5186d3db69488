# Started with a record (left by --pre) that is not one dmd writes: it is
# kept as 1.server.bad, a server is created, nothing is leaked.
servers == 1
outb 0x3ff 0x11
inb 0x3ff == 0x11
host-run "test -f @DIR@/run/1.server.bad"
