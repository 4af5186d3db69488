# Xen's notify_via_xen_event_channel can fail silently: the write below
# sits READY in its slot with no event.  Only dmd's 1-second watchdog
# sweep can find and answer it before the vCPU counts as stuck.
outb 0x3ff 0x00
lose-notify
outb 0x3ff 0x7e
inb 0x3ff == 0x7e
