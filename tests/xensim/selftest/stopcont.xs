# stop-dmd, cont-dmd: a read issued while the toy is stopped is answered
# once it continues (see 'stopped_stuck' for the other half).
outb 0x100 0x42
sleep 0
stop-dmd
inb 0x100 == 0x42
cont-dmd
inb 0x100 == 0x42
# Stopped when the script ends: SIGTERM is followed by SIGCONT, as
# systemd sends them, and the toy stops cleanly.
sleep 0
stop-dmd
