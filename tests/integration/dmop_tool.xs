# dmop ($DMOP, set by meson) issues each DMOP against the simulated
# domain; every effect is checked with xensim's own view, and Xen's
# refusals come back naming the call, its arguments and errno (exit 1).
host-run "$DMOP 1 nr-vcpus" "vcpus 2"
host-run "$DMOP 1 servers" "server 0 ours"
host-run "$DMOP 1 servers" "server 1 none"
host-run "$DMOP 1 server-info 0" "server 0"

# A second server: created, given ranges, enabled, disabled, destroyed.
host-run "$DMOP 1 create-server atomic" "server 1"
servers == 2
host-run "$DMOP 1 server-info 1" "bufioreq-port"
host-run "$DMOP 1 map-range 1 port 0x500 0x507"
host-run "$DMOP 1 map-range 1 mmio 0xfe000000 0xfe000fff"
host-run "$DMOP 1 map-range 1 pci 00:07.0"
ranges port == 2
ranges mmio == 1
ranges pci == 1
host-run "$DMOP 1 map-range 1 port 0x500; echo status $?" "xendevicemodel_map_io_range_to_ioreq_server(domain 1, server 1, port 0x500-0x500): File exists\nstatus 1"
host-run "$DMOP 1 set-server-state 1 on"
host-run "$DMOP 1 set-server-state 1 off"
host-run "$DMOP 1 unmap-range 1 port 0x500 0x507"
host-run "$DMOP 1 unmap-range 1 pci 00:07.0"
ranges port == 1
ranges pci == 0
host-run "$DMOP 1 destroy-server 1"
servers == 1
ranges mmio == 0
host-run "$DMOP 1 destroy-server 1; echo status $?" "xendevicemodel_destroy_ioreq_server(domain 1, server 1): No such file or directory\nstatus 1"
# dmd still answers
inb 0x3ff
outb 0x3ff 0x5a
inb 0x3ff == 0x5a

# Interrupt lines
host-run "$DMOP 1 set-isa-irq-level 5 1"
irq isa 5 == 1
host-run "$DMOP 1 set-isa-irq-level 5 0"
irq isa 5 == 0
host-run "$DMOP 1 set-pci-intx-level 00:06.0 b 1"
irq intx 00:06.0 == 1
host-run "$DMOP 1 set-pci-intx-level 00:06.0 b 0"
irq intx 00:06.0 == 0
host-run "$DMOP 1 set-pci-link-route 2 11"
link-route 2 == 11
host-run "$DMOP 1 inject-msi 0xfee00000 0x4031"
msi-count == 1
host-run "$DMOP 1 set-irq-level 40 1; echo status $?" "xendevicemodel_set_irq_level(domain 1, irq 40, level 1): Operation not supported\nstatus 1"

# Events: one pending per vCPU (EBUSY) until the vCPU runs
host-run "$DMOP 1 inject-event 0 nmi"
event 0 type == 2
event 0 vector == 2
event 0 pending == 1
host-run "$DMOP 1 inject-event 0 nmi; echo status $?" "xendevicemodel_inject_event(domain 1, vcpu 0, nmi): Device or resource busy\nstatus 1"
inb 0x3ff
event 0 pending == 0
host-run "$DMOP 1 inject-event 1 hw-exception 14 0x2 0 0x1234"
event 1 type == 3
event 1 vector == 14
event 1 error-code == 2
event 1 extra == 0x1234
host-run "$DMOP 1 inject-event 2 nmi; echo status $?" "xendevicemodel_inject_event(domain 1, vcpu 2, nmi): Invalid argument\nstatus 1"

# Memory
host-run "$DMOP 1 modified-memory 0x10 3"
dirty-count == 3
host-run "$DMOP 1 modified-memory 0x100000 1; echo status $?" "Invalid argument\nstatus 1"
host-run "$DMOP 1 set-mem-type ram_ro 0x20 2"
mem-type 0x20 == 1
mem-type 0x21 == 1
mem-type 0x22 == 0
host-run "$DMOP 1 set-mem-type ram_rw 0x20 2"
mem-type 0x20 == 0
host-run "$DMOP 1 set-mem-type ioreq_server 0x30 1; echo status $?" "xendevicemodel_set_mem_type(domain 1, ioreq_server, gfn 0x30, nr 1): Invalid argument\nstatus 1"
host-run "$DMOP 1 map-mem-type 0 write"
mem-type-map id == 0
mem-type-map flags == 2
host-run "$DMOP 1 set-mem-type ioreq_server 0x30 1"
mem-type 0x30 == 4
host-run "$DMOP 1 map-mem-type 0 write; echo status $?" "Device or resource busy\nstatus 1"
host-run "$DMOP 1 map-mem-type 0 none"
mem-type-map id == 0xffff
mem-type 0x30 == 0
host-run "$DMOP 1 track-dirty-vram 0x40 4" "dirty 0x40\ndirty 0x41\ndirty 0x42\ndirty 0x43"
touch 0x42
host-run "$DMOP 1 track-dirty-vram 0x40 4" "dirty 0x42\n"
dirty-vram first == 0x40
dirty-vram nr == 4
dirty-vram pages == 1
host-run "$DMOP 1 track-dirty-vram 0 0"
dirty-vram nr == 0
host-run "$DMOP 1 relocate-memory 2 0x50 0x60"
relocated == 2
mem-type 0x50 == 3
host-run "$DMOP 1 relocate-memory 1 0x50 0x70; echo status $?" "Invalid argument\nstatus 1"
host-run "$DMOP 1 pin-cacheattr 0x80 0x8f wc"
cacheattr 0x88 == 1
host-run "$DMOP 1 pin-cacheattr 0x88 0x90 wb; echo status $?" "xendevicemodel_pin_memory_cacheattr(domain 1, gfn 0x88-0x90, wb): Device or resource busy\nstatus 1"
host-run "$DMOP 1 pin-cacheattr 0x80 0x8f delete"
cacheattr 0x88 == 0xff

# Another domain: ESRCH
host-run "$DMOP 2 nr-vcpus; echo status $?" "xendevicemodel_nr_vcpus(domain 2): No such process\nstatus 1"

# Last: shutdown is recorded
host-run "$DMOP 1 shutdown reboot"
shutdown-reason == 1
