# Host commands beside the guest: host-run waits for one, host-spawn starts
# one in the background (optionally until it printed a text), host-wait
# collects it.  The guest keeps running meanwhile.
host-run "echo hello; echo to-stderr >&2" "hello\nto-stderr\n"
host-run "true"
host-run "printf 'a \"quoted\" word'" "\"quoted\""
host-spawn slow "echo started; sleep 0.3; echo done" "started"
outb 0x100 0x5a
inb 0x100 == 0x5a
host-wait slow "started\ndone\n" 3000
# the same name again, once the first one was waited for
host-spawn slow "exit 0"
host-wait slow
# two at once
host-spawn a "sleep 0.1; echo A"
host-spawn b "echo B"
host-wait b "B"
host-wait a "A"
