kill-dmd
