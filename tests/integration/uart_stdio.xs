# The stdio backend: guest output on dmd's stdout (run.sh collects it with
# dmd's log), stdin at its end (the test runner gives /dev/null).
outsb 0x3f8 "guest text via stdout\n"
inb 0x3fd & 0x60 == 0x60
