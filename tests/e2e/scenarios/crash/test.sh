# SPDX-License-Identifier: MIT
# crash: dmd is killed with SIGKILL twenty times, at random moments, while
# a Linux PVH guest streams through its 16550 both ways, and is restarted
# each time as systemd would (dmd-supervise: Restart=, the descriptor
# store).  The guest (tty-stream, linux-guest/init) keeps ttyS0 open and
# writes numbered lines; dom0's crash-host stays connected to dmd's socket
# the whole time, checks every line arrives once, in order, byte for byte,
# and sends lines the guest must echo.  Each restarted dmd must take over
# the ioreq server and the UART's state (docs/restart.md).
SOCKET=/run/dmd/linux-crash-com1.sock
. /e2e/crash.sh
