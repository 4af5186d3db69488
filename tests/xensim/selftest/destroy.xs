# xl destroy while the toy serves the guest: with --watchdog it notices
# (nr_vcpus fails ESRCH), tears down and exits 0 without SIGTERM.
outb 0x100 0x11
inb 0x100 == 0x11
destroy-domain
