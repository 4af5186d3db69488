# Requests in flight across kill-dmd / start-dmd (2 vCPUs): the new toy
# takes the server over (--reattach: the id it recorded in
# $RUNTIME_DIRECTORY, which outlives it), binds the ports the kill freed
# and answers what waits in the slots.
outb 0x100 0x42
sleep 0
stop-dmd
# The toy is stopped: this read waits in its slot, READY.
cfgread 00:03.0 0 4 == 0x56781234
kill-dmd
# No program runs: these look at once (no answer can come meanwhile).
servers == 1
ranges port == 1
ranges mmio == 1
ranges pci == 1
start-dmd
servers == 1
ranges port == 1
# The new toy's own state: nothing of the killed one's was saved.
inb 0x100 == 0

# A read the toy holds (INPROCESS) when it dies is handled again, and held
# again until vCPU 1 opens the gate.  The first read on vCPU 1 is answered
# only after the toy took vCPU 0's (one event socket, in order).
vcpu 0
inb 0x109 == 1
vcpu 1
inb 0x100 == 0
inb 0x100 == 0
kill-dmd
start-dmd
outb 0x109 0

# Over and over.
repeat 3
sleep 0
stop-dmd
cfgread 00:03.0 0 2 == 0x1234
kill-dmd
start-dmd
end
servers == 1
