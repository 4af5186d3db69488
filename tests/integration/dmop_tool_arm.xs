# dmop ($DMOP) on Arm: set_irq_level raises an SPI, the x86-only DMOPs
# are refused with EOPNOTSUPP (exit status 1, the call named), the
# server calls work.
host-run "$DMOP 1 nr-vcpus" "vcpus 1"
host-run "$DMOP 1 servers" "server 0 ours"
host-run "$DMOP 1 set-irq-level 40 1"
irq spi 40 == 1
host-run "$DMOP 1 set-irq-level 40 0"
irq spi 40 == 0
host-run "$DMOP 1 set-irq-level 2000 1; echo status $?" "set-irq-level: irq 2000 is out of range (0..1019)\nTry 'dmop --help'.\nstatus 2"
host-run "$DMOP 1 set-isa-irq-level 4 1; echo status $?" "xendevicemodel_set_isa_irq_level(domain 1, irq 4, level 1): Operation not supported\nstatus 1"
host-run "$DMOP 1 shutdown poweroff; echo status $?" "xendevicemodel_shutdown(domain 1, poweroff): Operation not supported\nstatus 1"
host-run "$DMOP 1 create-server atomic; echo status $?" "xendevicemodel_create_ioreq_server(domain 1, bufioreq atomic): Invalid argument\nstatus 1"
host-run "$DMOP 1 create-server" "server 1"
servers == 2
host-run "$DMOP 1 server-info 1 --gfns; echo status $?" "xendevicemodel_get_ioreq_server_info(domain 1, server 1): Operation not supported\nstatus 1"
host-run "$DMOP 1 destroy-server 1"
servers == 1
readl 0x09010000
