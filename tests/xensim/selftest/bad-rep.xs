# `at` needs a guest address: a syntax error on line 3
insb 0x108 2 at 0x1000 == "ab"
insb 0x108 2 at == "ab"
