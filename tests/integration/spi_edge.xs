# An edge-triggered SPI: each time the controller's interrupt rises, Xen
# sees 1 then 0, so the next interrupt is a new edge although the guest
# never saw the line "fall".
# line 0: interrupt on its rising edge
writeb 0x0903040c 0x01
writeb 0x09030410 0x01
host-run "$DMD_GPIO @DIR@/gpio0.sock set 0 1"
readb 0x09030418 == 0x01
irq spi 40 == 0
irq-edges spi 40 == 1
# still pending: no new edge until the guest clears it and another comes
host-run "$DMD_GPIO @DIR@/gpio0.sock set 0 0"
irq-edges spi 40 == 1
writeb 0x0903041c 0x01
host-run "$DMD_GPIO @DIR@/gpio0.sock set 0 1"
readb 0x09030418 == 0x01
irq-edges spi 40 == 2
irq spi 40 == 0
