# failed expectations of the DMOP effect actions (toy on x86, 1 vCPU)
event 0 pending == 1
mem-type 0x100 == 1
mem-type-map id == 0
cacheattr 0 == 6
dirty-vram pages == 1
relocated == 1
shutdown-reason == 0
link-route 0 == 9
