host-run "exit 3"
host-run "echo hi" "bye"
host-run "sleep 5" 100
host-spawn s "sleep 5" "never" 100
host-wait s 100
host-spawn quick "echo gone" "never"
host-wait quick
host-spawn dup "true"
host-spawn dup "true"
host-wait dup
host-spawn left "sleep 5"
