# With --kill-at xendevicemodel_map_io_range_to_ioreq_server:2 the first
# toy dies in its start-up, its server created with one range (MMIO): the
# script starts without a program.
servers == 1
ranges mmio == 1
ranges port == 0
start-dmd
# The next toy (--reattach) takes that server over and completes it.
servers == 1
ranges mmio == 1
ranges port == 1
ranges pci == 1
cfgread 00:03.0 0 4 == 0x56781234
