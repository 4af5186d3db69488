# toy --fdstore --fdstore-flood 70: "state", "pipe" and 62 of the 70, in
# messages of 16 descriptors; the store is full at 64.
fdstore == 64
kill-dmd
# The pipe is dropped (POLLHUP); 63 are passed, "state" first as fd 3.
start-dmd
inb 0x10b == 1
# The 63 stored again add nothing; one more of the next 70 fits.
fdstore == 64
