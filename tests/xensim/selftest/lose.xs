# The notification of the request after lose-notify is dropped: only a
# watchdog sweep in the toy (--watchdog) can answer it.
outb 0x100 0x5a
lose-notify
inb 0x100 == 0x5a
inb 0x100 == 0x5a
