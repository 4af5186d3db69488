# a syntax error on line 2
event 0 vectors == 1
