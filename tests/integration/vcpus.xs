# Two vCPUs with requests in flight at the same time, each to its own
# UART: every request is answered and no byte is lost or misrouted.
repeat 50
vcpu 0
outsb 0x3f8 "vcpu0 "
vcpu 1
outsb 0x2f8 "vcpu1 "
vcpu 0
outb 0x3ff 0x00
vcpu 1
outb 0x2ff 0x01
vcpu 0
inb 0x3ff == 0x00
vcpu 1
inb 0x2ff == 0x01
end
vcpu 0
outb 0x3f8 0x0a
vcpu 1
outb 0x2f8 0x0a
file-expect @DIR@/com1.log "vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 vcpu0 \n"
file-expect @DIR@/com2.log "vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 vcpu1 \n"
