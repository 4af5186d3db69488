# The fd store (toy --fdstore): before READY=1 the toy stores "state" (a
# memfd) and "pipe" (a pipe's read end whose writer it keeps).
inb 0x10b == 0
fdstore == 2
kill-dmd
# The store outlives the program.
fdstore == 2
# The pipe's writer died with the toy: the pipe hangs up and is closed.
# "state" is passed as fd 3 (LISTEN_FDNAMES=state); the toy stores it
# again, which adds nothing.
start-dmd
fdstore == 1
inb 0x10b == 1
# FDSTOREREMOVE=1 FDNAME=state
outb 0x10b 1
fdstore == 0
kill-dmd
# Nothing to pass: this toy starts as the first did.
start-dmd
inb 0x10b == 0
fdstore == 2
