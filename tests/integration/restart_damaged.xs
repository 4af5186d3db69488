# A state file damaged between the crash and the restart is set aside
# (1.state.bad, with a log line) and the UART starts from reset; the
# server is still taken over, with nothing leaked.
outb 0x3ff 0x5a
outb 0x3fb 0x03
sleep 0                       # every request answered
kill-dmd
host-run "dd if=/dev/urandom of=@DIR@/run/1.state bs=1 seek=200 count=64 conv=notrunc 2>/dev/null; printf 'XXXXXXXX' | dd of=@DIR@/run/1.state bs=1 seek=0 conv=notrunc 2>/dev/null"
start-dmd
inb 0x3ff == 0x00
inb 0x3fb == 0x00
host-run "test -f @DIR@/run/1.state.bad"
servers == 1
ranges port == 1
