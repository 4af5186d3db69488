host-spawn a "true"
host-wait b
