# mapcache = 0: nothing stays mapped after a request; each request maps
# its pages one call per page, again every time.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
outsb 0x3f8 "hello" at 0x10ffe
map-count == 0
map-calls == 2
insb 0x3f8 5 at 0x10ffe == "hello"
map-count == 0
map-calls == 4
dirty-count == 2
outsb 0x3f8 "again" at 0x10ffe
map-count == 0
map-calls == 6
insb 0x3f8 5 at 0x10ffe == "again"
map-count == 0
map-calls == 8
dirty-count == 4
invalidate
outsb 0x3f8 "z"
insb 0x3f8 1 == "z"
map-count == 0
map-calls == 10
