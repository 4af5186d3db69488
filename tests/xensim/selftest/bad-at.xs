# the buffer must lie inside guest RAM (16 MB): a syntax error on line 3
outsb 0x108 "x" at 0xffffff
outsb 0x108 "xy" at 0xffffff
