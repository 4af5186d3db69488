# raw: a write has no value to expect
raw pio write 1 1 0x100 0x41 == 0x41
