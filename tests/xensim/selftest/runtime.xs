# The toy's record in $RUNTIME_DIRECTORY outlives it: the next one finds it.
kill-dmd
start-dmd
servers == 1
