# Guest buffers that cross pages, in both directions, through the cache
# (chunks of 8 pages): inside one chunk one mapping serves both pages;
# across a chunk boundary each chunk is mapped once.  The same reps again
# make no map call at all.
outb 0x3fb 0x03
outb 0x3fa 0x07
outb 0x3fc 0x1b
# gfns 0x41 and 0x42: chunk 0x40
outsb 0x3f8 "0123456789abcdef" at 0x41ff8
map-calls == 1
# gfns 0x42 and 0x43: chunk 0x40 again, now writable
insb 0x3f8 16 at 0x42ff8 == "0123456789abcdef"
map-calls == 2
map-count == 8
# gfns 0x47 and 0x48: chunks 0x40 and 0x48
outsb 0x3f8 "ABCDEFGHIJKLMNOP" at 0x47ff8
map-calls == 3
map-count == 16
# gfns 0x4f and 0x50: chunk 0x48 writable, chunk 0x50
insb 0x3f8 16 at 0x4fff8 == "ABCDEFGHIJKLMNOP"
map-calls == 5
map-count == 24
# the same again: every page is cached
outsb 0x3f8 "0123456789abcdef" at 0x41ff8
insb 0x3f8 16 at 0x42ff8 == "0123456789abcdef"
outsb 0x3f8 "ABCDEFGHIJKLMNOP" at 0x47ff8
insb 0x3f8 16 at 0x4fff8 == "ABCDEFGHIJKLMNOP"
map-calls == 5
# xensim's own placement across a page boundary (gfns 0xff and 0x100:
# chunks 0xf8 and 0x100), both ways
outsb 0x3f8 "xy"
insb 0x3f8 2 == "xy"
map-calls == 9
# a repeated 4096-byte rep on one buffer: one map call in all
repeat 50
outsb 0x3f8 4096 at 0x80000
end
map-calls == 10
map-count == 48
