# A page dmd writes (rep insb) is reported with modified_memory by the
# request that wrote it, whether its mapping was cached already or not:
# log-dirty tracking (live migration) must see every write.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
dirty-count == 0
outsb 0x3f8 "abc" at 0x20000
dirty-count == 0
insb 0x3f8 3 at 0x20800 == "abc"
dirty-count == 1
map-calls == 2
# cached and writable now: no map call, reported again
outsb 0x3f8 "def" at 0x20000
insb 0x3f8 3 at 0x20800 == "def"
dirty-count == 2
map-calls == 2
# across two pages of the cached chunk: both reported
outsb 0x3f8 "gh" at 0x20fff
insb 0x3f8 2 at 0x20fff == "gh"
dirty-count == 4
map-calls == 2
# reading guest RAM dirties nothing
outsb 0x3f8 "i" at 0x20800
dirty-count == 4
insb 0x3f8 1 at 0x21000 == "i"
dirty-count == 5
map-calls == 2
