# Run with --kill-at xenevtchn_notify:1: dmd dies with the first answer
# written (IORESP_READY) but its vCPU never notified.  The next dmd must
# notify it: the guest gets 'a' once, and 'b' next.  (Without FIFOs the
# UART holds one byte: 'b' waits in the socket until 'a' is read, and the
# next dmd reads it from there; the sleep lets it.)
host-connect host @DIR@/com1.sock
host-send host "ab"
sleep 100
inb 0x3f8 == 0x61
start-dmd
sleep 100
inb 0x3f8 == 0x62
inb 0x3fd == 0x60
