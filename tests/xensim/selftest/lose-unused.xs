lose-notify
# nobody claims port 0x3f8: no request, so nothing to drop
outb 0x3f8 0x55
