# A vCPU writes to the UART the moment dmd enables its server, before dmd
# has bound the event channels: that notification is lost, as in Xen.
# dmd's sweep after binding must find the READY slot and answer it.
early
outb 0x3f8 0x21
end
outb 0x3f8 0x0a
file-expect @DIR@/com1.log "!\n"
