# map-count, map-calls, rep buffers `at GPA`, outsb COUNT, and the rule
# that an answered INVALIDATE leaves no guest RAM mapped.  The toy maps a
# page per byte and, with --keep-page, keeps the page its last rep began on
# (a one-page mapcache) until an INVALIDATE; with --stale-page it keeps it
# across one, and the invalidate fails (see meson.build).
map-count == 0
map-calls == 0
# across the page boundary at 0x4000: a map per byte, and the page kept
outsb 0x108 "ab" at 0x3fff
map-calls == 3
map-count == 1
insb 0x108 2 at 0x7fff == "ab"
map-calls == 6
map-count == 1
# COUNT bytes of what is in guest RAM already: the "ab" insb put there
outsb 0x108 2 at 0x7fff
insb 0x108 2 == "ab"
map-count == 1
invalidate
map-count == 0
# the next rep maps again
outsb 0x108 4096 at 0x10000
map-calls == 4109
map-count == 1
insb 0x108 3 at 0xfff000 == "\x00\x00\x00"
