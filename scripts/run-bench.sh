#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build what the guest needs, boot the bench kernel (plain plus
# userfaultfd, scripts/config/bench.config) with the
# benchmark plan, print every "# bench:" line.  Benchmarks report ratios
# against a baseline in the same boot; they are not pass/fail tests, but a
# benchmark that could not run fails the target.
. "$(dirname "$0")/lib.sh"

S=$KWINE_TOP/scripts
out=$KWINE_BUILD/kernel-bench
logdir=$KWINE_BUILD/logs/bench
bash "$S/install-deps.sh"
bash "$S/prepare-tree.sh" linux
bash "$S/prepare-tree.sh" wine
bash "$S/build-wine.sh"
# The plain kernel plus userfaultfd for pe-bench's baseline
# (scripts/config/bench.config), in a build directory of its own.
bash "$S/build-kernel.sh" bench
root=$(bash "$S/build-rootfs.sh")
rounds=${KWINE_ROUNDS:-5}
case $rounds in ''|*[!0-9]*) die "KWINE_ROUNDS=$rounds: want a number of rounds from 1 to 20" ;; esac
rounds=$((10#$rounds))
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] ||
	die "KWINE_ROUNDS=$rounds: want a number of rounds from 1 to 20"
KWINE_FLAVOUR=bench KWINE_ROUNDS=$rounds bash "$S/stage-guest.sh" "$root" "$out" "$KWINE_TOP/scripts/guest/bench.tsv"
# Round-robin TCG and a trusted TSC: see README, "Benchmarks".
# A round takes about 520 s of guest time (447 s of it the Wine sync
# bench, measured on 2026-12-04), the benchmarks run once about 230 s;
# a round's tests' limits add up to 4500 s.  The guest as a whole gets
# 600 s and 1000 s a round.
rm -f "$logdir/report.counts" "$logdir/floors.counts"
# -mem-prealloc: the guest's RAM is all backed by the host before it
# boots.  Otherwise the first time the guest uses a page of its RAM costs
# a host page fault (about 10 us under TCG), which hardware does not pay:
# a benchmark that allocates (a section's first touches build pages) was
# bimodal, 13-18 us a page in the rounds that met fresh guest memory and
# 3.4 us in those that reused it (2026-12-05), while its baseline, which
# allocates nothing, was not.
KWINE_QEMU_ARGS="-mem-prealloc ${KWINE_QEMU_ARGS:-}" \
KWINE_QEMU_TIMEOUT=${KWINE_QEMU_TIMEOUT:-$((600 + 1000 * rounds))} \
KWINE_TCG_THREAD=single KWINE_CMDLINE="tsc=reliable ${KWINE_CMDLINE:-}" \
	bash "$S/boot-guest.sh" "$out/arch/x86/boot/bzImage" "$root" "$logdir"
echo
echo "# $rounds rounds; each figure: median [min-max] over the rounds," \
	"ratios per round (every round: $logdir/results.ktap)"
status=0
python3 "$S/bench-rounds.py" --rounds "$rounds" "$logdir/results.ktap" || status=1
python3 "$S/ktap-report.py" --label bench --counts "$logdir/report.counts" \
	"$logdir" > "$logdir/report.txt" || status=1
grep -v '^PASS \|passed, .* failed' "$logdir/report.txt" || true
# The floors: a broken environment must not pass as a result.
python3 "$S/bench-floors.py" --rounds "$rounds" --counts "$logdir/floors.counts" \
	"$KWINE_TOP/scripts/guest/bench-floors.tsv" "$logdir/results.ktap" |
	grep -v 'passed, .* failed' || true
read -r p1 f1 _ < "$logdir/report.counts"
read -r p2 f2 _ < "$logdir/floors.counts" || { p2=0 f2=1; }
[ "$f2" = 0 ] || status=1
echo "$((p1 + p2)) passed, $((f1 + f2)) failed"
exit $status
