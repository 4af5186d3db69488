# SPDX-License-Identifier: MIT
# hvm-dmop: dmop(8) against a running HVM guest (next to qemu-xen and dmd),
# each effect seen from inside the guest or in Xen's answers: the vCPU
# count, the servers, a page made read-only that drops the guest's write,
# the same page's writes sent to dmd's server, the page moved away and
# back, cache-attribute pins, a PCI link rerouted, dirty-page tracking.  Then
# dmd's i6300esb watchdog reboots the guest once it stops petting it
# (linux-guest/init hvm_dmop answers through page-probe on COM2).
plan 47

dmd_stdin_fifo /tmp/com2.in # dmd's stdio backend: >&7 reaches the guest

serve_guest linux-hvm-dmop

said() { file_has_line "$DMD_OUT" "$1"; }
wait_until 150 said ready
check guest-ready "$(said ready && echo yes || echo no)" yes

# ask COMMAND: page-probe's answer (the next line dmd's COM2 receives) in
# ANSWER, "none" after 20 s.
ask() {
    before=$(wc -l <"$DMD_OUT")
    printf '%s\n' "$1" >&7
    n=0
    while [ "$(wc -l <"$DMD_OUT")" -le "$before" ] && [ $n -lt 80 ]; do
        sleep 0.25
        n=$((n + 1))
    done
    ANSWER=$(sed -n "$((before + 1))p" "$DMD_OUT")
    note "page-probe: $1 -> ${ANSWER:-none}"
    ANSWER=${ANSWER:-none}
}

# Xen's maximum vCPUs (maxvcpus = 2), not the one xl brought online.
dmop_rc nr-vcpus
check nr-vcpus "$RC:$OUT" "0:vcpus 2"
# Two servers of dom0's: qemu-xen's and dmd's.
dmop_rc servers
check servers-ours "$(grep -c ' ours ' /tmp/dmop.out)" 2

# inject-event is the events scenario's: on this AMD (SVM) host Xen 4.17
# turns an NMI or an external interrupt into an invalid exception and
# crashes the guest (README.md, "Every DMOP on real Xen").

ask pfn
pfn=${ANSWER#pfn }
check page-frame "$(case "$pfn" in 0x*) echo found ;; *) echo "$ANSWER" ;; esac)" found

# A page made ram_ro: the guest's store is dropped; ram_rw again: it lands.
ask "write 90"
check page-writable "$ANSWER" "byte 90"
dmop_rc set-mem-type ram_ro "$pfn" 1
check set-ram-ro "$RC" 0
ask "write 165"
check write-dropped "$ANSWER" "byte 90"
dmop_rc set-mem-type ram_rw "$pfn" 1
check set-ram-rw "$RC" 0
ask "write 165"
check write-lands "$ANSWER" "byte 165"

# The page claimed for dmd's ioreq server (map-mem-type, then set-mem-type
# ioreq_server): the guest's store reaches dmd as a request (no device
# there: logged at debug and dropped) instead of RAM; reads still see RAM.
# Released again before the dirty tracking, which takes only ram_rw pages.
server=$(sed -n 's/.*created ioreq server \([0-9]*\) .*/\1/p' "$DMD_LOG")
dmop_rc map-mem-type "$server" write
check map-mem-type "$RC" 0
dmop_rc set-mem-type ioreq_server "$pfn" 1
check set-ioreq-server-type "$RC" 0
ask "write 33"
check write-not-in-ram "$ANSWER" "byte 165"
addr=$(printf '0x%x' $((pfn * 4096)))
check dmd-got-write "$(grep -c "unclaimed mmio write at $addr size 1 " "$DMD_LOG")" 1
dmop_rc set-mem-type ram_rw "$pfn" 1
dmop_rc map-mem-type "$server" none
check map-mem-type-none "$RC" 0

# relocate-memory moves the page to a free frame (its own then reads as a
# hole: all-ones, from Xen's null handler) and back (the byte is there
# again: the same page came back).
far=0x20000
dmop_rc relocate-memory 1 "$pfn" $far
check relocate-away "$RC" 0
ask read
check page-gone "$ANSWER" "byte 255"
dmop_rc relocate-memory 1 $far "$pfn"
check relocate-back "$RC" 0
ask read
check page-back "$ANSWER" "byte 165"

# pin-cacheattr: Xen keeps the pin, so an overlapping one is refused
# (EBUSY) until it is deleted, and a second delete finds nothing (ENOENT).
# What a pin changes, the memory type of the guest's mappings, applies to
# Intel EPT and shadow paging, not to this AMD SVM (HAP) guest.
dmop_rc pin-cacheattr "$pfn" "$pfn" uc
check pin-uc "$RC" 0
dmop_rc pin-cacheattr "$pfn" $((pfn + 1)) wb
check pin-overlap-busy "$RC:$(grep -c 'Device or resource busy' /tmp/dmop.err)" 1:1
dmop_rc pin-cacheattr "$pfn" "$pfn" delete
check pin-delete "$RC" 0
dmop_rc pin-cacheattr "$pfn" "$pfn" delete
check pin-delete-again "$RC:$(grep -c 'No such file or directory' /tmp/dmop.err)" 1:1

# modified-memory, which dmd itself issues after writing guest memory
# (rep ins), marks pages in the log-dirty bitmap migration reads
# (logdirty: XEN_DOMCTL_SHADOW_OP_CLEAN).  The guest leaves its page alone,
# so only the DMOP makes it dirty.
logdirty "$domid" on
check logdirty-on $? 0
logdirty "$domid" clean "$pfn" >/dev/null
check logdirty-page-idle "$(logdirty "$domid" clean "$pfn")" "dirty 0"
dmop_rc modified-memory "$pfn" 1
check modified-memory "$RC" 0
check logdirty-page-marked "$(logdirty "$domid" clean "$pfn")" "dirty 1"
check logdirty-cleaned "$(logdirty "$domid" clean "$pfn")" "dirty 0"
logdirty "$domid" off
check logdirty-off $? 0

# set-pci-link-route: Xen's routing of PCI interrupt link 0 to an ISA IRQ,
# as the guest's HVM save record shows it (xen-hvmctx: "PCI LINK: r0 r1 r2
# r3"), moved to another IRQ and back.
links() { xen-hvmctx "$domid" | sed -n 's/.*PCI LINK: //p'; }
before=$(links)
# shellcheck disable=SC2086 # one word per link
set -- $before
moved=$(( ${1:-0} == 9 ? 7 : 9 ))
dmop_rc set-pci-link-route 0 $moved
check link-route "$RC" 0
check link-moved "$(links)" "$moved ${2:-} ${3:-} ${4:-}"
dmop_rc set-pci-link-route 0 "${1:-0}"
check link-back "$(links)" "$before"

# Dirty tracking of that page: a new range reports it; then only a write
# of the guest's makes it dirty again.  (Xen 4.17 with HAP reports a new
# range dirty on the second call too: the type change that arms the
# tracking lands lazily.  Seen 2026-12-07; the loop allows three calls.)
dmop_rc track-dirty-vram "$pfn" 1
check dirty-new-range "$RC:$OUT" "0:dirty $pfn"
n=0
while dmop_rc track-dirty-vram "$pfn" 1 && [ -n "$OUT" ] && [ $n -lt 3 ]; do
    n=$((n + 1))
done
check dirty-settles-clean "$RC:$OUT" "0:"
ask "write 7"
dmop_rc track-dirty-vram "$pfn" 1
check dirty-after-write "$RC:$OUT" "0:dirty $pfn"
dmop_rc track-dirty-vram "$pfn" 1
check dirty-clean-again "$RC:$OUT" "0:"
ask read
check page-kept "$ANSWER" "byte 7"
# Stopping (nr 0) reaches Linux's privcmd with the empty buffer
# libxendevicemodel makes for it, which privcmd refuses: dmop says so.
dmop_rc track-dirty-vram 0 0
check dirty-stop-refused "$RC:$(grep -c 'refused by the dom0 kernel' /tmp/dmop.err)" 1:1
ask quit

# The watchdog: Linux's i6300esb drives it, the guest stops petting it,
# dmd asks Xen for a reboot, xl (on_reboot = destroy) reports reason 1.
said bye && wait_until 30 said 'petting stopped'
check guest-stopped-petting "$(said 'petting stopped' && echo yes || echo no)" yes
said 'petting stopped' && wait_domain_gone "$domid" 60
check guest-rebooted "$(domain_exists "$domid" && echo running || echo gone)" gone
check xl-reason "$(grep -c 'shut down, reason code 1 ' /var/log/xen/xl-linux-hvm-dmop.log)" 1
dmd_wait_exit 10
check dmd-exit-after-guest "$DMD_RC" 0
dmd_reap
check dmd-watchdog-fired "$(grep -c 'wdt0: watchdog expired: .* (action reboot)' "$DMD_LOG")" 1
check dmd-asked-reboot "$(grep -c 'wdt0: shutting the guest down (reason 1, reboot)' "$DMD_LOG")" 1
# Nothing else worse than a notice: the expiry is dmd's only error.
check dmd-no-other-warnings "$(dmd_warnings)" 1
check_dmd_users
finish
