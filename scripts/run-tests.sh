#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test driver behind "make test" and "make qemu-test".
#
#   run-tests.sh test        checkpatch, QEMU (the debug guest runs the KUnit
#                            suite), bisect and the harness's own
#                            failure-path tests
#   run-tests.sh qemu-test   build everything and run the guest plan
#
# Every stage runs even when an earlier one failed, so the summary shows all
# of them.  Each stage leaves "passed failed skipped" in build/results/;
# the last line is the sum, "N passed, N failed", and the exit status is
# non-zero on any failure.  KWINE_FLAVOURS (default "plain debug") picks
# the kernels: plain, and debug (KASAN, lockdep, kmemleak).
. "$(dirname "$0")/lib.sh"

mode=${1:-test}
flavours=${KWINE_FLAVOURS:-plain debug}
results=$KWINE_BUILD/results
rm -rf "$results"
mkdir -p "$results"
S=$KWINE_TOP/scripts

# A stage that fails before it could count anything counts as one failure.
# Each stage's end says how long it took and how much CPU time the whole
# machine spent meanwhile, background builds included (they run beside
# the stages; each says what it used itself when a stage waits for it):
# where a fresh machine's time goes, in the terms that bound it.
stage()
{
	local name=$1 t0 c0 rc=0
	shift
	t0=$(date +%s) c0=$(machine_cpu)
	log "stage $name"
	"$@" || rc=$?
	log "stage $name: $(( $(date +%s) - t0 )) s; the machine's CPU meanwhile: $(( $(machine_cpu) - c0 )) s"
	if [ $rc != 0 ]; then
		[ -f "$results/$name.counts" ] || echo "0 1 0" > "$results/$name.counts"
		log "stage $name: FAILED"
		return 1
	fi
	[ -f "$results/$name.counts" ] || echo "1 0 0" > "$results/$name.counts"
	return 0
}

# The guest root needs neither source tree, and a fresh machine spends
# the first minutes unpacking and committing them on one core (the
# kernel's 96 s, Wine's 34 s; 2026-12-06): the root is built beside
# them, in a process group of its own (bg_stop stops it), and
# build-wine.sh, which needs it, finds it ready.  Measured at 61dcff4:
# the build stage 108 s shorter, the whole run not (it is CPU-bound,
# and the plain kernel beside lost what the root took).
build_all()
{
	local rootfs_pid rc=0
	bash "$S/install-deps.sh" || return 1
	set -m
	bash "$S/build-rootfs.sh" >/dev/null </dev/null &
	rootfs_pid=$!
	set +m
	bash "$S/prepare-tree.sh" linux &&
	{ [[ " $flavours " != *" plain "* ]] || bg_start kernel-plain; } &&
	bash "$S/prepare-tree.sh" wine || rc=1
	wait "$rootfs_pid" || { log "build: the guest root was not built"; rc=1; }
	[ $rc = 0 ] && bash "$S/build-wine.sh"
}

# Work that needs no guest runs in the background while one runs, at idle
# CPU priority (SCHED_IDLE): under TCG a guest that waits on a timer, a
# sleep or its disk leaves host cores idle, and a kernel build there takes
# them without slowing the guest (a runnable guest thread always wins).
# The jobs run one after the other, each into build/bg/JOB.log; a stage
# that needs one waits for it and prints its log.  A job never started
# (a failed plain kernel build, say) runs in the foreground as before.
bg=$KWINE_BUILD/bg
rm -rf "$bg"
mkdir -p "$bg"

bg_job()
{
	case $1 in
	kernel-*) bash "$S/build-kernel.sh" "${1#kernel-}" ;;
	bisect) bash "$S/bisect-check.sh" "$results/bisect.counts" ;;
	esac
}

bg_start()
{
	local job
	[ $# -gt 0 ] && [ -z "${KWINE_NO_BACKGROUND:-}" ] || return 0
	log "background (idle priority): $*"
	# A process group of its own, so that one kill stops the chain and
	# whatever it runs (set -m: job control, which gives it that group).
	set -m
	(
		chrt --idle -p 0 "$BASHPID" >/dev/null 2>&1 ||
			renice -n 19 -p "$BASHPID" >/dev/null 2>&1 || true
		for job in "$@"; do
			rc=0
			with_cpu "$bg/$job.cpu" bg_job "$job" > "$bg/$job.log" 2>&1 || rc=$?
			echo "$rc" > "$bg/$job.rc.new"
			mv "$bg/$job.rc.new" "$bg/$job.rc"
		done
	) </dev/null &
	set +m
	for job in "$@"; do
		echo "$!" > "$bg/$job.started"
	done
}

# An interrupted run leaves no build running behind it: stop each chain
# still running (jobs -pr lists only those, so a pid reused since cannot
# be hit) with its whole process group.
bg_stop()
{
	local p
	for p in $(jobs -pr); do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
}
trap bg_stop EXIT
trap 'exit 130' INT

# Run JOB in the foreground, or wait for its background run and print
# what it printed (each line carries the time it was printed).
run_job()
{
	local job=$1 rc t0 pid
	if [ ! -f "$bg/$job.started" ]; then
		bg_job "$job"
		return
	fi
	t0=$(date +%s)
	pid=$(cat "$bg/$job.started")
	while [ ! -f "$bg/$job.rc" ]; do
		if ! kill -0 "$pid" 2>/dev/null && [ ! -f "$bg/$job.rc" ]; then
			log "background $job: its chain (pid $pid) died without a result; output so far:"
			cat "$bg/$job.log" 2>/dev/null || true
			return 1
		fi
		sleep 2
	done
	rc=$(cat "$bg/$job.rc")
	log "background $job: exit status $rc (waited $(( $(date +%s) - t0 )) s for it; it used $(cat "$bg/$job.cpu" 2>/dev/null || echo "? s") of CPU); its output:"
	cat "$bg/$job.log"
	return "$rc"
}

qemu_run()
{
	local flavour=$1 out root logdir f bz
	out=$KWINE_BUILD/kernel
	[ "$flavour" = plain ] || out=$KWINE_BUILD/kernel-$flavour
	logdir=$KWINE_BUILD/logs/$flavour
	run_job "kernel-$flavour" || return 1
	if [ "$flavour" = plain ]; then
		# The kernels of the flavours after plain (one before it was
		# built in the foreground by its own stage).
		local jobs=() after=0
		for f in $flavours; do
			[ $after = 0 ] || jobs+=("kernel-$f")
			[ "$f" != plain ] || after=1
		done
		[ "$mode" != test ] || jobs+=(bisect)
		bg_start "${jobs[@]}"
	fi
	root=$(bash "$S/build-rootfs.sh") || return 1
	KWINE_FLAVOUR=$flavour bash "$S/stage-guest.sh" "$root" "$out" || return 1
	local cmdline key kept
	cmdline=$(guest_cmdline "$flavour")
	bz=$out/arch/x86/boot/bzImage
	key=$(bash "$S/reuse-results.sh" key "$flavour" "$root" "$bz" "$cmdline") || return 1
	if [ -z "${KWINE_RERUN:-}" ] &&
	   kept=$(bash "$S/reuse-results.sh" lookup "$flavour" "$key" "$logdir"); then
		log "qemu-$flavour: nothing the guest runs or sees changed since the green run of $kept: its results reused, not run again (KWINE_RERUN=1 boots the guest)"
		echo "qemu-$flavour ($kept)" >> "$results/reused"
	else
		KWINE_CMDLINE=$cmdline bash "$S/boot-guest.sh" "$bz" "$root" "$logdir" || return 1
		kept=
	fi
	log "report: full console log in ${logdir#"$KWINE_TOP"/}/console.log"
	python3 "$S/ktap-report.py" --label "qemu[$flavour]" \
		--counts "$results/qemu-$flavour.counts" \
		--details "$results/qemu-$flavour.details" "$logdir" || return 1
	[ -n "$kept" ] ||
		bash "$S/reuse-results.sh" store "$flavour" "$key" "$logdir" "$results/qemu-$flavour.counts"
}

status=0
if stage build build_all; then
	if [ "$mode" = test ]; then
		stage checkpatch bash "$S/checkpatch.sh" "$results/checkpatch.counts" || status=1
		# A KUnit suite whose plan line NAME_kunit@debug runs in the
		# debug guest runs there, at boot and under KASAN, instead of in
		# a UML kernel of its own that a fresh machine spends minutes
		# building; "make kunit" still runs them all in UML.  Any suite
		# without such a line, or a run without the debug guest or with
		# T=PATTERN, gets the UML run.
		if compgen -G "$KWINE_TOP/kunit/*.kunitconfig" >/dev/null; then
			uml=0
			[[ " $flavours " == *" debug "* ]] && [ -z "${KWINE_TESTS:-}" ] || uml=1
			for cfg in "$KWINE_TOP"/kunit/*.kunitconfig; do
				grep -q "^$(basename "$cfg" .kunitconfig)_kunit@debug	" \
					"$KWINE_TOP/scripts/guest/plan.tsv" || uml=1
			done
			if [ $uml = 1 ]; then
				stage kunit bash "$S/run-kunit.sh" "$results/kunit.counts" || status=1
			else
				log "kunit: no UML run: the debug guest runs every suite at boot (plan lines *_kunit@debug; make kunit runs them in UML)"
			fi
		fi
	fi
	harness_done=0
	for f in $flavours; do
		stage "qemu-$f" qemu_run "$f" || status=1
		# The harness's checks boot the plain kernel, and spend most
		# of their time waiting for a guest to hang or time out: right
		# after the plain guest they run while a fresh machine is still
		# building the debug kernel (at idle priority), instead of
		# after the debug guest, at the end of the critical path.
		if [ "$mode" = test ] && [ "$f" = plain ]; then
			stage harness bash "$S/harness-selftest.sh" "$results/harness.counts" || status=1
			harness_done=1
		fi
	done
	if [ "$mode" = test ]; then
		stage bisect run_job bisect || status=1
		[ $harness_done = 1 ] ||
			stage harness bash "$S/harness-selftest.sh" "$results/harness.counts" || status=1
	fi
else
	status=1
fi

# Sum every stage's counts; "build" counts only when it failed.
passed=0 failed=0 skipped=0
for c in "$results"/*.counts; do
	name=$(basename "$c" .counts)
	read -r p f s < "$c"
	[ "$name" = build ] && [ "$f" = 0 ] && continue
	if [ "$s" = 0 ]; then
		log "summary: $name: $p passed, $f failed"
	else
		log "summary: $name: $p passed, $f failed, $s skipped"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
[ -z "${KWINE_TESTS:-}" ] ||
	log "summary: the guest ran only the tests matching T=$KWINE_TESTS (flavours: $flavours)"
if [ -f "$results/reused" ]; then
	while read -r r; do
		log "summary: $r: results of an earlier green run with the same inputs, reused (KWINE_RERUN=1 runs it again)"
	done < "$results/reused"
fi
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ] || status=1
# What the guest printed before each failure, again, here at the end: a
# CI log that keeps only its tail still says why a test failed.
for d in "$results"/*.details; do
	[ -s "$d" ] || continue
	log "summary: output before the failures in $(basename "$d" .details) (at most 80 lines)"
	head -n 80 "$d"
done
line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
echo "$line"
exit "$status"
