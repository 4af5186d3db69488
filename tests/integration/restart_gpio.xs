# kill -9 with a GPIO edge interrupt pending: the restarted dmd has the
# directions, the output latch, the host's input levels, the interrupt
# configuration and the latched edge with its line high.
writeb 0x09030400 0xf0        # lines 4-7 outputs
writeb 0x090303fc 0x50        # lines 4 and 6 high
writeb 0x0903040c 0x02        # line 1: rising edge
writeb 0x09030410 0x02
host-run "$DMD_GPIO @DIR@/gpio0.sock set 1 1"
wait-irq spi 39 1

sleep 0                       # every request answered
stop-dmd
readb 0x09030414 == 0x02      # RIS, in flight across the crash
kill-dmd
start-dmd

irq spi 39 == 1
readb 0x09030400 == 0xf0
readb 0x090303fc == 0x53      # inputs 0, 1 from the host; outputs 4, 6
readb 0x0903040c == 0x02
readb 0x09030410 == 0x02
readb 0x09030418 == 0x02      # MIS
writeb 0x0903041c 0x02        # clear the edge
irq spi 39 == 0
# the host side still knows every line, and a new edge still interrupts
host-run "$DMD_GPIO @DIR@/gpio0.sock get 6" "6 1 out"
host-run "$DMD_GPIO @DIR@/gpio0.sock set 1 0"
host-run "$DMD_GPIO @DIR@/gpio0.sock set 1 1"
wait-irq spi 39 1
readb 0x09030414 == 0x02
