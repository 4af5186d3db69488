# a syntax error on line 3: vCPU 1 of 1
event 0 pending
event 1 pending
