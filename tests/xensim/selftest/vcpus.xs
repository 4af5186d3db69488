# Two vCPUs with a request in flight at once: vCPU 0's read of the gate
# port is held by the toy until vCPU 1 writes it.  Were the requests
# serialised, vCPU 0 would be stuck.
vcpu 0
inb 0x109 == 1
vcpu 1
outb 0x109 0
# a non-I/O action waits for both
irq isa 5 == 0
vcpu 1
outsb 0x108 "from vCPU 1"
msi-count == 0
vcpu 0
insb 0x108 11 == "from vCPU 1"
