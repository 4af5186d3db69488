# The second read must wait for vCPU 0's answer, which no program can give.
sleep 0
stop-dmd
inb 0x100
kill-dmd
inb 0x100
