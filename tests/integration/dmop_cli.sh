#!/bin/sh
# dmop_cli.sh DMOP: dmop's command line without any Xen.  Every bad
# argument is exit status 2 with what is wrong, found before any call:
# no Xen is reachable here, so a call would fail with exit status 1 and
# name xendevicemodel_open.
set -u
dmop=$1
unset XENSIM_SOCKET
failed=0

# check NAME STATUS PATTERN ARGS...: dmop ARGS exits with STATUS, its
# output (stdout and stderr) contains PATTERN and never names a Xen call.
check() {
    name=$1 want=$2 pattern=$3
    shift 3
    out=$("$dmop" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit status $rc, expected $want"; echo "$out"; failed=1
    elif [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
        echo "FAIL $name: output lacks: $pattern"; echo "$out"; failed=1
    elif printf '%s\n' "$out" | grep -qF "xendevicemodel_"; then
        echo "FAIL $name: a Xen call was made"; echo "$out"; failed=1
    else
        echo "ok   $name"
    fi
}

check version 0 "dmop " --version
for c in create-server server-info map-range unmap-range set-server-state destroy-server \
         track-dirty-vram set-pci-intx-level set-isa-irq-level set-pci-link-route \
         modified-memory set-mem-type inject-event inject-msi map-mem-type shutdown \
         relocate-memory pin-cacheattr set-irq-level nr-vcpus servers; do
    check "help_$c" 0 "  $c " --help
done
check no_arguments 2 "expected DOMID COMMAND" 
check no_command 2 "expected DOMID COMMAND" 5
check unknown_command 2 "unknown command 'frobnicate'" 5 frobnicate
check bad_domid 2 "domain id 'five' is not a number" five nr-vcpus
check domid_range 2 "domain id 32752 is out of range" 32752 nr-vcpus
check negative 2 "vcpu '-1' is not a number" 5 inject-event -1 nmi
check trailing 2 "vcpu '0x1g' is not a number" 5 inject-event 0x1g nmi
check too_big 2 "first gfn 0x10000000000000000 is out of range" 5 modified-memory 0x10000000000000000 1
check isa_range 2 "isa irq 16 is out of range" 5 set-isa-irq-level 16 1
check level_range 2 "level 2 is out of range" 5 set-isa-irq-level 4 2
check link_range 2 "link 4 is out of range" 5 set-pci-link-route 4 5
check too_few 2 "set-isa-irq-level: too few arguments" 5 set-isa-irq-level 4
check too_many 2 "unexpected argument 'extra'" 5 nr-vcpus extra
check event_type 2 "unknown event type 'nmj'; one of: ext-interrupt nmi" 5 inject-event 0 nmj
check event_vector 2 "hw-exception needs a VECTOR" 5 inject-event 0 hw-exception
check event_vector_range 2 "vector 256 is out of range" 5 inject-event 0 hw-exception 256
check sw_int_len 2 "sw-interrupt needs an INSN_LEN" 5 inject-event 0 sw-interrupt 0x80
check reason 2 "unknown shutdown reason 'halt'; one of: poweroff reboot suspend crash watchdog soft_reset" 5 shutdown halt
check mem_type 2 "unknown memory type 'rom'" 5 set-mem-type rom 0x10 1
check nr_zero 2 "nr 0 is out of range" 5 set-mem-type ram_ro 0x10 0
check cacheattr 2 "unknown cache attribute 'xx'" 5 pin-cacheattr 0 1 xx
check cacheattr_order 2 "end gfn 1 is out of range (0x2.." 5 pin-cacheattr 2 1 wb
check range_kind 2 "unknown range kind 'io'" 5 map-range 0 io 0x3f8
check port_range 2 "start 0x10000 is out of range" 5 map-range 0 port 0x10000
check range_order 2 "end 0x3f7 is out of range" 5 map-range 0 port 0x3f8 0x3f7
check sbdf 2 "'00:20.0' is not a PCI address" 5 map-range 0 pci 00:20.0
check sbdf_text 2 "'0:1' is not a PCI address" 5 unmap-range 0 pci 0:1
check server_id 2 "server id 8 is out of range" 5 destroy-server 8
check server_state 2 "unknown state 'yes'" 5 set-server-state 0 yes
check bufioreq 2 "unknown bufioreq 'fast'" 5 create-server fast
check intx_pin 2 "unknown pin 'e'" 5 set-pci-intx-level 00:03.0 e 1
check access 2 "unknown access 'read'" 5 map-mem-type 0 read
check dirty_vram_nr 2 "nr 262145 is out of range" 5 track-dirty-vram 0 262145
# Well-formed: the first failure is opening Xen (exit 1), never a usage error.
out=$("$dmop" 5 nr-vcpus 2>&1); rc=$?
if [ "$rc" -eq 1 ]; then echo "ok   no_xen"; else echo "FAIL no_xen: exit status $rc"; echo "$out"; failed=1; fi
exit "$failed"
