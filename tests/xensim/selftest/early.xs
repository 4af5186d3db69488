# The guest runs while dmd starts: this read is issued when the server is
# enabled, before its ports are bound.  The notification is lost; only a
# sweep of the slots after binding finds it.
early
outb 0x100 0x77
end
inb 0x100 == 0x77
