cfgwrite 00:09.0 0x10 4 0xfebf1000
cfgwrite 00:09.0 0x04 2 0x0002
# 1 MHz clock, no stage-1 interrupt; stage 1 about 1 s (0xfffff ticks of
# 32 clocks), stage 2 about 1 ms.
cfgwrite 00:09.0 0x60 2 0x0007
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1000 0xfffff
writew 0xfebf100c 0x80
writew 0xfebf100c 0x86
writel 0xfebf1004 1000
# Half of the unlock sequence is state too.
cfgwrite 00:09.0 0x68 1 0x02
writew 0xfebf100c 0x80
kill-dmd
start-dmd
writew 0xfebf100c 0x86
writel 0xfebf1000 0x2000
readl 0xfebf1000 == 0x2000
readl 0xfebf1004 == 1000
cfgread 00:09.0 0x60 2 == 0x0007
cfgread 00:09.0 0x68 1 == 0x02
shutdown-reason == 0xffffffff
# The restored count runs out: SHUTDOWN_poweroff (0).
wait-shutdown 0
cfgread 00:09.0 0x68 1 == 0x00
