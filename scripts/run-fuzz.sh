#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make fuzz": boot the guest once and feed FUZZ_COUNT mutated PE images
# (seed FUZZ_SEED, default: the time) to ntsync image sections, on the
# KWINE_FUZZ_FLAVOUR kernel (default debug: KASAN and lockdep see every
# image).  Fails on any undocumented errno, a mapping that cannot be read,
# or any oops, WARN or KASAN report in the console log.
. "$(dirname "$0")/lib.sh"

flavour=${KWINE_FUZZ_FLAVOUR:-debug}
count=${FUZZ_COUNT:-100000}
seed=${FUZZ_SEED:-$(date +%s)}
out=$KWINE_BUILD/kernel
[ "$flavour" = plain ] || out=$KWINE_BUILD/kernel-$flavour
logdir=$KWINE_BUILD/logs/fuzz-$flavour
S=$KWINE_TOP/scripts

bash "$S/install-deps.sh"
bash "$S/prepare-tree.sh" linux
bash "$S/build-kernel.sh" "$flavour"
root=$(bash "$S/build-rootfs.sh")
# About 300 images a second under TCG on the plain kernel; far fewer on
# the debug one.  Allow generously, QEMU's own timeout covers the rest.
tmo=$((count / 5 + 600))
dirs="-d /usr/lib/x86_64-linux-gnu/wine/x86_64-windows -d /usr/lib/x86_64-linux-gnu/wine/i386-windows"
printf 'pe_fuzz\t%s\t/kwine/bin/pe-fuzz -s %s -n %s %s\n' "$tmo" "$seed" "$count" "$dirs" \
	> "$KWINE_BUILD/plan-fuzz"
bash "$S/stage-guest.sh" "$root" "$out" "$KWINE_BUILD/plan-fuzz"
log "fuzz: $count images, seed $seed, $flavour kernel"
KWINE_CMDLINE=$(guest_cmdline "$flavour") KWINE_QEMU_TIMEOUT=$((tmo + 300)) \
	bash "$S/boot-guest.sh" "$out/arch/x86/boot/bzImage" "$root" "$logdir"
grep '^    #' "$logdir/results.ktap" | sed 's/^    //' | tail -n 6
python3 "$S/ktap-report.py" --label "fuzz[$flavour]" "$logdir"
