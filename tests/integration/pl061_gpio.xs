# GPIO through dmd-gpio ($DMD_GPIO, set by meson): inputs a host sets
# reach the guest with their interrupts; outputs the guest drives reach a
# watcher while other clients use the socket; errors give dmd-gpio's exit
# statuses.
host-run "$DMD_GPIO @DIR@/gpio0.sock get" "0 1 in\n1 0 in\n2 0 in\n"
host-run "$DMD_GPIO @DIR@/gpio0.sock get 0" "0 1 in"
readb 0x09030004 == 0x01

# line 3: an interrupt on its rising edge
writeb 0x0903040c 0x08
writeb 0x09030410 0x08
irq spi 39 == 0
host-run "$DMD_GPIO @DIR@/gpio0.sock set 3 1"
wait-irq spi 39 1
readb 0x09030418 == 0x08
readb 0x09030020 == 0x08
readb 0x090303fc == 0x09
writeb 0x0903041c 0x08
irq spi 39 == 0
# the same level again is no edge, and falling is not rising
host-run "$DMD_GPIO @DIR@/gpio0.sock set 3 1"
host-run "$DMD_GPIO @DIR@/gpio0.sock set 3 0"
irq spi 39 == 0
readb 0x09030414 == 0x00
readb 0x09030020 == 0x00

# A watcher sees the guest make line 5 an output and drive it high, and
# another client set line 6, while a third asks.
host-spawn watcher "$DMD_GPIO @DIR@/gpio0.sock watch --count 3 --timeout 4000" "watching"
writeb 0x09030400 0x20
writeb 0x09030080 0x20
host-run "$DMD_GPIO @DIR@/gpio0.sock get 5" "5 1 out"
host-run "$DMD_GPIO @DIR@/gpio0.sock set 6 1"
host-wait watcher "5 0 out\n5 1 out\n6 1 in\n"
readb 0x09030100 == 0x40

# A level set on an output waits until the guest makes it an input.
host-run "$DMD_GPIO @DIR@/gpio0.sock set 5 0" "note: the guest drives this line"
readb 0x09030080 == 0x20
writeb 0x09030400 0x00
readb 0x09030080 == 0x00
host-run "$DMD_GPIO @DIR@/gpio0.sock get 5" "5 0 in"

# Errors: a line dmd lacks is status 1, a bad command line 2, no socket 3,
# a watch that sees too few changes 4.
host-run "$DMD_GPIO @DIR@/gpio0.sock set 9 1; test $? -eq 1" "no line 9 (lines are 0..7)"
host-run "$DMD_GPIO @DIR@/gpio0.sock set 1 2; test $? -eq 2" "usage: set LINE 0|1"
host-run "$DMD_GPIO @DIR@/none.sock get; test $? -eq 3" "cannot connect to @DIR@/none.sock"
host-run "$DMD_GPIO @DIR@/gpio0.sock watch --count 1 --timeout 100; test $? -eq 4" "0 of 1 changes within 100 ms"
