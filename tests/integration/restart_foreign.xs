# The config changed between the crash and the restart (COM1 moved to
# 0x2f8): the state saved for the other config is set aside, the UART
# starts from reset at its new place, and the range the config no longer
# names is unmapped from the server taken over.
outb 0x3ff 0x5a
sleep 0                       # every request answered
kill-dmd
host-run "sed -i 's/port = 0x3f8/port = 0x2f8/' @DIR@/restart_foreign.ini"
start-dmd
servers == 1
ranges port == 1
inb 0x2ff == 0x00
inb 0x3ff == 0xff             # nobody claims it any more
