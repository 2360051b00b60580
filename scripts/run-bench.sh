#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build what the guest needs, boot the plain kernel with the
# benchmark plan, print every "# bench:" line.  Benchmarks report ratios
# against a baseline in the same boot; they are not pass/fail tests, but a
# benchmark that could not run fails the target.
. "$(dirname "$0")/lib.sh"

S=$KWINE_TOP/scripts
out=$KWINE_BUILD/kernel
logdir=$KWINE_BUILD/logs/bench
bash "$S/install-deps.sh"
bash "$S/prepare-tree.sh" linux
bash "$S/prepare-tree.sh" wine
bash "$S/build-wine.sh"
bash "$S/build-kernel.sh" plain
root=$(bash "$S/build-rootfs.sh")
bash "$S/stage-guest.sh" "$root" "$out" "$KWINE_TOP/scripts/guest/bench.tsv"
bash "$S/boot-guest.sh" "$out/arch/x86/boot/bzImage" "$root" "$logdir"
echo
sed -n 's/^ *# bench: /bench: /p' "$logdir/results.ktap"
python3 "$S/ktap-report.py" --label bench "$logdir" > "$logdir/report.txt" ||
	{ cat "$logdir/report.txt"; die "a benchmark did not run to completion"; }
