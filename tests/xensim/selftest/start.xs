start-dmd
