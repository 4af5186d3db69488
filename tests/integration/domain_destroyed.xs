# `xl destroy` under a running dmd: Xen tears its ioreq server down and
# the domain id stops existing.  Nobody sends SIGTERM: dmd must notice on
# its own (its watchdog sweep), clean up what is still its own (mappings,
# local ports, handles) and exit 0.
outb 0x3fb 0x03
outb 0x3fc 0x0b
outsb 0x3f8 "bye\n"
file-expect @DIR@/com1.log "bye\n"
outb 0x3ff 0x42
inb 0x3ff == 0x42
destroy-domain
