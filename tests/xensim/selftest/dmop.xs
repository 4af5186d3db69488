# The DMOPs that change the guest rather than talk to an ioreq server,
# each issued by the toy (run with --vcpus 2): push the arguments with
# writeq 0xa0828, make DMOP N with writel 0xa0830 N, read the errno back
# with readl 0xa0830 (0: success).  Their effects show in event, mem-type,
# mem-type-map, cacheattr, dirty-vram, relocated, shutdown-reason and
# link-route; Xen's refusals as the errno.  The toy issues everything from
# vCPU 1: vCPU 0 must not run, or it takes its pending event.
vcpu 1

# inject_event (13): vcpu, vector, type, error_code, insn_len, extra
event 0 pending == 0
writeq 0xa0828 0
writeq 0xa0828 0x0e
writeq 0xa0828 3
writeq 0xa0828 2
writeq 0xa0828 0
writeq 0xa0828 0xdead000
writel 0xa0830 13
readl 0xa0830 == 0
event 0 pending == 1
event 0 vector == 0x0e
event 0 type == 3
event 0 error-code == 2
event 0 insn-len == 0
event 0 extra == 0xdead000
event 0 count == 1
# one pending event per vCPU: EBUSY (16)
writeq 0xa0828 0
writeq 0xa0828 0x20
writel 0xa0830 13
readl 0xa0830 == 16
event 0 vector == 0x0e
# vCPU 2 of 2, and -1: EINVAL (22)
writeq 0xa0828 2
writel 0xa0830 13
readl 0xa0830 == 22
writeq 0xa0828 0xffffffff
writel 0xa0830 13
readl 0xa0830 == 22
# vCPU 0 runs: the event is delivered, another one may come
vcpu 0
touch 0x10
vcpu 1
event 0 pending == 0
event 0 count == 1
writeq 0xa0828 0
writeq 0xa0828 0x30
writeq 0xa0828 4
writeq 0xa0828 0xffffffff
writeq 0xa0828 2
writel 0xa0830 13
readl 0xa0830 == 0
event 0 pending == 1
event 0 vector == 0x30
event 0 type == 4
event 0 insn-len == 2
event 0 count == 2
event 1 pending == 0
vcpu 0
inb 0x100
vcpu 1
event 0 pending == 0

# set_mem_type (12): mem_type, first_pfn, nr
# HVMMEM_ram_rw 0, ram_ro 1, mmio_dm 2, unused 3, ioreq_server 4
mem-type 0x100 == 0
writeq 0xa0828 1
writeq 0xa0828 0x100
writeq 0xa0828 2
writel 0xa0830 12
readl 0xa0830 == 0
mem-type 0x100 == 1
mem-type 0x101 == 1
mem-type 0x102 == 0
# HVMMEM_unused, and a type past HVMMEM_ioreq_server: EINVAL
writeq 0xa0828 3
writeq 0xa0828 0x100
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
writeq 0xa0828 5
writeq 0xa0828 0x100
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
# past the end of RAM (4096 pages), and nr 0: EINVAL
writeq 0xa0828 1
writeq 0xa0828 0xfff
writeq 0xa0828 2
writel 0xa0830 12
readl 0xa0830 == 22
writeq 0xa0828 1
writeq 0xa0828 0x100
writeq 0xa0828 0
writel 0xa0830 12
readl 0xa0830 == 22
# HVMMEM_ioreq_server while no server claims the type: EINVAL
writeq 0xa0828 4
writeq 0xa0828 0x200
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
# mmio_dm, and a hole only becomes mmio_dm again
writeq 0xa0828 2
writeq 0xa0828 0x300
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 0
mem-type 0x300 == 2
writeq 0xa0828 0
writeq 0xa0828 0x300
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
# read-only back to read-write
writeq 0xa0828 0
writeq 0xa0828 0x100
writeq 0xa0828 2
writel 0xa0830 12
readl 0xa0830 == 0
mem-type 0x101 == 0

# map_mem_type_to_ioreq_server (15): type, flags [, server id]
mem-type-map id == 0xffff
# another type, the READ flag, an unknown flag: EINVAL; no server 5: ENOENT (2)
writeq 0xa0828 2
writeq 0xa0828 2
writel 0xa0830 15
readl 0xa0830 == 22
writeq 0xa0828 4
writeq 0xa0828 1
writel 0xa0830 15
readl 0xa0830 == 22
writeq 0xa0828 4
writeq 0xa0828 6
writel 0xa0830 15
readl 0xa0830 == 22
writeq 0xa0828 4
writeq 0xa0828 2
writeq 0xa0828 5
writel 0xa0830 15
readl 0xa0830 == 2
# unmapping what is not mapped: EINVAL
writeq 0xa0828 4
writeq 0xa0828 0
writel 0xa0830 15
readl 0xa0830 == 22
writeq 0xa0828 4
writeq 0xa0828 2
writel 0xa0830 15
readl 0xa0830 == 0
mem-type-map id == 0
mem-type-map flags == 2
# claimed already: EBUSY
writeq 0xa0828 4
writeq 0xa0828 2
writel 0xa0830 15
readl 0xa0830 == 16
# now pages may become HVMMEM_ioreq_server, from ram_rw only
writeq 0xa0828 4
writeq 0xa0828 0x200
writeq 0xa0828 2
writel 0xa0830 12
readl 0xa0830 == 0
mem-type 0x200 == 4
mem-type 0x201 == 4
mem-type-map pages == 2
writeq 0xa0828 4
writeq 0xa0828 0x300
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
# and from HVMMEM_ioreq_server to ram_rw only
writeq 0xa0828 1
writeq 0xa0828 0x200
writeq 0xa0828 1
writel 0xa0830 12
readl 0xa0830 == 22
# unmapping turns the pages left back into ram_rw
writeq 0xa0828 4
writeq 0xa0828 0
writel 0xa0830 15
readl 0xa0830 == 0
mem-type-map id == 0xffff
mem-type-map pages == 0
mem-type 0x200 == 0

# relocate_memory (17): size, src_gfn, dst_gfn
relocated == 0
outsb 0x108 "moved" at 0x400000
insb 0x108 5 == "moved"
writeq 0xa0828 1
writeq 0xa0828 0x400
writeq 0xa0828 0x500
writel 0xa0830 17
readl 0xa0830 == 0
relocated == 1
mem-type 0x400 == 3
mem-type 0x500 == 0
outsb 0x108 5 at 0x500000
insb 0x108 5 == "moved"
# the source is a hole now, and RAM ends at 0xfff: EINVAL
writeq 0xa0828 1
writeq 0xa0828 0x400
writeq 0xa0828 0x600
writel 0xa0830 17
readl 0xa0830 == 22
writeq 0xa0828 2
writeq 0xa0828 0xfff
writeq 0xa0828 0x600
writel 0xa0830 17
readl 0xa0830 == 22
writeq 0xa0828 2
writeq 0xa0828 0x600
writeq 0xa0828 0xfff
writel 0xa0830 17
readl 0xa0830 == 22
# size 0 does nothing
writeq 0xa0828 0
writeq 0xa0828 0x400
writeq 0xa0828 0x600
writel 0xa0830 17
readl 0xa0830 == 0
relocated == 1

# pin_memory_cacheattr (18): start, end, type (UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7)
cacheattr 0x10 == 0xff
writeq 0xa0828 0x10
writeq 0xa0828 0x1f
writeq 0xa0828 1
writel 0xa0830 18
readl 0xa0830 == 0
cacheattr 0x10 == 1
cacheattr 0x1f == 1
cacheattr 0x20 == 0xff
# the same range again changes the type
writeq 0xa0828 0x10
writeq 0xa0828 0x1f
writeq 0xa0828 6
writel 0xa0830 18
readl 0xa0830 == 0
cacheattr 0x15 == 6
# overlapping: EBUSY; start > end, type 2 or 3, beyond 2^52: EINVAL
writeq 0xa0828 0x18
writeq 0xa0828 0x30
writeq 0xa0828 0
writel 0xa0830 18
readl 0xa0830 == 16
writeq 0xa0828 0x20
writeq 0xa0828 0x1f
writeq 0xa0828 0
writel 0xa0830 18
readl 0xa0830 == 22
writeq 0xa0828 0x40
writeq 0xa0828 0x40
writeq 0xa0828 2
writel 0xa0830 18
readl 0xa0830 == 22
writeq 0xa0828 0x40
writeq 0xa0828 0x40
writeq 0xa0828 3
writel 0xa0830 18
readl 0xa0830 == 22
writeq 0xa0828 0x40
writeq 0xa0828 0x10000000000000
writeq 0xa0828 0
writel 0xa0830 18
readl 0xa0830 == 22
# outside RAM is fine: the range is pinned, not the memory
writeq 0xa0828 0x100000
writeq 0xa0828 0x100000
writeq 0xa0828 7
writel 0xa0830 18
readl 0xa0830 == 0
cacheattr 0x100000 == 7
# ~0 deletes exactly that range; again: ENOENT
writeq 0xa0828 0x10
writeq 0xa0828 0x1f
writeq 0xa0828 0xffffffff
writel 0xa0830 18
readl 0xa0830 == 0
cacheattr 0x10 == 0xff
writeq 0xa0828 0x10
writeq 0xa0828 0x1f
writeq 0xa0828 0xffffffff
writel 0xa0830 18
readl 0xa0830 == 2

# track_dirty_vram (7): first_pfn, nr; the bitmap's first bytes at 0xa0838
dirty-vram calls == 0
writeq 0xa0828 0x100
writeq 0xa0828 16
writel 0xa0830 7
readl 0xa0830 == 0
# a new range: every page dirty
readq 0xa0838 == 0xffff
dirty-vram pages == 16
dirty-vram first == 0x100
dirty-vram nr == 16
# then what the guest wrote since: touch, and the buffer of a rep insb
touch 0x102
touch 0x10e 2
insb 0x108 1 at 0x105000
writeq 0xa0828 0x100
writeq 0xa0828 16
writel 0xa0830 7
readl 0xa0830 == 0
readq 0xa0838 == 0xc024
dirty-vram pages == 4
writeq 0xa0828 0x100
writeq 0xa0828 16
writel 0xa0830 7
readq 0xa0838 == 0
dirty-vram pages == 0
# more than 1 GB of pages, or past the end of RAM: EINVAL
writeq 0xa0828 0
writeq 0xa0828 0x40001
writel 0xa0830 7
readl 0xa0830 == 22
writeq 0xa0828 0xff8
writeq 0xa0828 16
writel 0xa0830 7
readl 0xa0830 == 22
# nr 0 stops tracking; the next call starts afresh
writeq 0xa0828 0
writeq 0xa0828 0
writel 0xa0830 7
readl 0xa0830 == 0
dirty-vram nr == 0
writeq 0xa0828 0x100
writeq 0xa0828 4
writel 0xa0830 7
readq 0xa0838 == 0xf
dirty-vram calls == 5

# set_pci_link_route (10): link, irq
link-route 1 == 0
writeq 0xa0828 1
writeq 0xa0828 10
writel 0xa0830 10
readl 0xa0830 == 0
link-route 1 == 10
writeq 0xa0828 4
writeq 0xa0828 5
writel 0xa0830 10
readl 0xa0830 == 22
writeq 0xa0828 1
writeq 0xa0828 16
writel 0xa0830 10
readl 0xa0830 == 22
link-route 1 == 10

# remote_shutdown (16): reason
shutdown-reason == 0xffffffff
writeq 0xa0828 2
writel 0xa0830 16
readl 0xa0830 == 0
shutdown-reason == 2
