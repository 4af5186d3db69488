# SPDX-License-Identifier: MIT
# crash (Arm64): the x86 crash scenario (tests/e2e/scenarios/crash) on Arm.
# dmd is killed with SIGKILL twenty times, at random moments, while a Linux
# domU streams through its PL011 both ways (interrupt-driven: GIC 33
# through set_irq_level), and is restarted each time as systemd would
# (dmd-supervise: Restart=, the descriptor store).  The guest (tty-stream,
# arm64/guest-init) keeps ttyAMA1 open and writes numbered lines; dom0's
# crash-host stays connected to dmd's socket the whole time, checks every
# line arrives once, in order, byte for byte, and sends lines the guest
# must echo.  Each restarted dmd must take over the ioreq server and the
# PL011's state (docs/restart.md); exactly one server is left at the end
# (dmop servers counts it).  dmd-supervise, crash-host and tty-stream are
# the x86 lane's, cross-built by tests/e2e/arm64/run.
SOCKET=/run/dmd/linux-crash-uart0.sock
. /e2e/crash.sh
