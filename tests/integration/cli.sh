#!/bin/sh
# cli.sh DMD CASEDIR CONFDIR: dmd's command line and --check-config, as a
# user meets them (exit statuses from dmd --help, messages naming
# FILE:LINE), and every example configuration in CONFDIR is valid.
set -u
dmd=$1 casedir=$2 confdir=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/dmd-cli.XXXXXX")
trap 'rm -rf "$dir"' EXIT
failed=0

# check NAME STATUS PATTERN COMMAND...: COMMAND exits with STATUS and its
# output (stdout and stderr) contains PATTERN (a fixed string; "" = any).
check() {
    name=$1 want=$2 pattern=$3
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit status $rc, expected $want"; echo "$out"; failed=1
    elif [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
        echo "FAIL $name: output lacks: $pattern"; echo "$out"; failed=1
    else
        echo "ok   $name"
    fi
}

check version 0 "dmd " "$dmd" --version
check help 0 "ns16550" "$dmd" --help
check no_arguments 2 "--config FILE is required" "$dmd"
check no_domid 2 "--domid N is required" "$dmd" --config "$casedir/uart_probe.ini"
check bad_domid 2 "is not a domain id" "$dmd" --domid 0 --config x.ini
check bad_domid_text 2 "is not a domain id" "$dmd" --domid 1x --config x.ini
check bad_log_level 2 "--log-level" "$dmd" --log-level loud --check-config --config x.ini
check bad_log_target 2 "--log-target" "$dmd" --log-target syslog --check-config --config x.ini
check stray_argument 2 "unexpected argument" "$dmd" --check-config --config x.ini extra
check unknown_option 2 "Try 'dmd --help'" "$dmd" --frobnicate

check valid 0 "valid: arch x86, bufioreq atomic, 1 device(s)" \
    "$dmd" --check-config --config "$casedir/uart_probe.ini"
check valid_lists_device 0 "uart0: ns16550 at port 0x3f8-0x3ff, irq isa:4" \
    "$dmd" --check-config --config "$casedir/uart_probe.ini"
check missing_file 1 "$dir/none.ini: cannot open" \
    "$dmd" --check-config --config "$dir/none.ini"

# The user dmd becomes, and the system call filter: checked with the
# config, or (--user) before any Xen call.
cat > "$dir/user.ini" <<INI
[dmd]
user = nobody
seccomp = no
runtime_dir = $dir/run

[uart0]
type = ns16550
port = 0x3f8
INI
check user_shown 0 "runs as nobody once its Xen handles are restricted" \
    "$dmd" --check-config --config "$dir/user.ini"
check seccomp_off_shown 0 "system calls: not limited" \
    "$dmd" --check-config --config "$dir/user.ini"
check runtime_dir_shown 0 "after a crash: $dir/run/DOMID.server and DOMID.state" \
    "$dmd" --check-config --config "$dir/user.ini"
printf '[dmd]\nuser = no-such-user-here\n' > "$dir/nouser.ini"
check unknown_user 1 "$dir/nouser.ini:2: [dmd] \`user\` = \`no-such-user-here\` is not a user" \
    "$dmd" --check-config --config "$dir/nouser.ini"
printf '[dmd]\nuser = root\n' > "$dir/root.ini"
check root_user 1 "is root: name an unprivileged user" \
    "$dmd" --check-config --config "$dir/root.ini"
printf '[dmd]\nseccomp = maybe\n' > "$dir/seccomp.ini"
check bad_seccomp 1 "$dir/seccomp.ini:2: [dmd] \`seccomp\`" \
    "$dmd" --check-config --config "$dir/seccomp.ini"
check unknown_user_option 3 "user no-such-user-here: no such user" \
    "$dmd" -f -t stderr --domid 1 --config "$casedir/uart_probe.ini" --user no-such-user-here

cat > "$dir/broken.ini" <<'INI'
[dmd]
arch = x86

[uart0]
type = ns16550
port = 0x3f8
irq = isa:16
colour = blue

[uart1]
type = ns16550
port = 0x3fc
INI
check broken_exit 1 "configuration is invalid" "$dmd" --check-config --config "$dir/broken.ini"
check broken_irq 1 "$dir/broken.ini:7: [uart0] \`irq\`" \
    "$dmd" --check-config --config "$dir/broken.ini"
check broken_key 1 "$dir/broken.ini:8: [uart0] unknown key \`colour\`" \
    "$dmd" --check-config --config "$dir/broken.ini"

# A device with no PCI ids of its own goes behind PCI only with the ids
# named in the config.
printf '[rtc0]\ntype = mc146818\npci = 00:07.0\n' > "$dir/pci_noid.ini"
check pci_without_ids 1 "$dir/pci_noid.ini:3: [rtc0] \`pci\`: device type mc146818 has no PCI vendor and device id of its own" \
    "$dmd" --check-config --config "$dir/pci_noid.ini"

# An invalid config stops dmd before any Xen call, also when serving.
check serve_broken 1 "$dir/broken.ini:7:" "$dmd" --domid 1 --config "$dir/broken.ini"
# A stdio backend needs the terminal: refused without --foreground.
printf '[uart0]\ntype = ns16550\nport = 0x3f8\nbackend = stdio\n' > "$dir/stdio.ini"
check stdio_needs_foreground 1 "a stdio backend needs --foreground" \
    "$dmd" --domid 1 --config "$dir/stdio.ini"
# Detached start-up that fails (no Xen here, or no simulator): the command
# still returns the child's status, 3.
check daemon_start_failure 3 "" env -u XENSIM_SOCKET "$dmd" --domid 1 \
    --config "$casedir/uart_probe.ini" --log-target stderr

# The shipped examples stay valid.  Their state_dir (/var/lib/dmd/...) is
# pointed into the scratch directory, which exists here.
for example in "$confdir"/*.ini; do
    name=$(basename "$example" .ini)
    sed "s|^state_dir = /var/lib/dmd/|state_dir = $dir/|" "$example" > "$dir/$name.ini"
    check "example_$name" 0 "valid:" "$dmd" --check-config --config "$dir/$name.ini"
done

exit $failed
