# Linux's pvpanic (drivers/misc/pvpanic/pvpanic-mmio.c on an ACPI QEMU0001
# port): probe reads the events, a panic writes PANICKED.
inb 0x505 == 0x03
inb 0x505 == 0x03
shutdown-reason == 0xffffffff
# kexec into a crash kernel: logged only
outb 0x505 0x02
shutdown-reason == 0xffffffff
# unknown bits: ignored
outb 0x505 0xfc
shutdown-reason == 0xffffffff
# panic: SHUTDOWN_crash (3), issued before the write is answered
outb 0x505 0x01
shutdown-reason == 3
# xensim only records the shutdown: the domain and dmd carry on
inb 0x505 == 0x03
