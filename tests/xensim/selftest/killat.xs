# With --kill-at xenevtchn_notify:2 the toy dies as it is about to notify
# its answer to the read, already written (IORESP_READY).
outb 0x100 0x42
# 0x42 is the killed toy's answer: the next toy would say 0.
inb 0x100 == 0x42
# start-dmd waits for that death; the next toy (--reattach) finds the
# answer in the slot and notifies it again.
start-dmd
servers == 1
inb 0x100 == 0
