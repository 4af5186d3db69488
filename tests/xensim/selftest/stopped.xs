# A stopped toy answers nothing: the read is stuck.
sleep 0
stop-dmd
inb 0x100
sleep 0
