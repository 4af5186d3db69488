# kill-dmd takes no argument
kill-dmd now
