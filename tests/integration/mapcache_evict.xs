# mapcache = 16: dmd keeps two chunks of 8 guest pages mapped, one map
# call each; a third chunk evicts the least recently used one, and never
# are more than 16 pages mapped.
map-count == 0
map-calls == 0
outsb 0x3f8 "a" at 0x10000
map-count == 8
map-calls == 1
outsb 0x3f8 "b" at 0x20000
map-count == 16
map-calls == 2
# gfn 0x17 is in 0x10's chunk: no call, and 0x20's chunk is now the oldest
outsb 0x3f8 "a" at 0x17fff
map-calls == 2
outsb 0x3f8 "c" at 0x30000
map-count == 16
map-calls == 3
# 0x10's chunk stayed, 0x20's went
outsb 0x3f8 "a" at 0x10000
map-calls == 3
outsb 0x3f8 "b" at 0x20000
map-calls == 4
map-count == 16
# a buffer across a chunk boundary (gfns 0x7f and 0x80): two chunks
outsb 0x3f8 4096 at 0x7f800
map-calls == 6
map-count == 16
# three chunks in turn through two places: LRU misses every time
repeat 3
outsb 0x3f8 4096 at 0x40800
map-count == 16
outsb 0x3f8 4096 at 0x50800
map-count == 16
outsb 0x3f8 4096 at 0x60800
map-count == 16
end
map-calls == 15
