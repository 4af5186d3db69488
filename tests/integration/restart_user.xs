# Run with --user nobody: after a crash the next dmd (root, then nobody
# again) takes the server over from the files the first one left as
# nobody, and everything carries on.
host-run "stat -c %U @DIR@/run/1.state @DIR@/run/1.server @DIR@/run/com1.sock" "nobody\nnobody\nnobody"
outb 0x3ff 0x42
outb 0x70 0x40
outb 0x71 0x99
sleep 0                       # every request answered
kill-dmd
start-dmd
inb 0x3ff == 0x42
outb 0x70 0x40
inb 0x71 == 0x99
servers == 1
