#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the test harness itself: what must make a run fail does.
#   - a patch that does not apply stops prepare-tree.sh and names the patch;
#   - a guest that panics, a test that overruns its timeout, a guest
#     that hangs and one that hangs while booting are all reported as
#     failures, never as passes;
#   - a guest plan's results are reused only from a green run with the
#     same inputs.
# Needs a built kernel (build/kernel) and the guest root.
#   harness-selftest.sh [COUNTS_FILE]
. "$(dirname "$0")/lib.sh"

counts=${1:-}
S=$KWINE_TOP/scripts
kout=$KWINE_BUILD/kernel
work=$KWINE_BUILD/harness
rm -rf "$work"
mkdir -p "$work"
pass=0 fail=0

result()
{
	if [ "$1" = ok ]; then
		echo "PASS harness: $2"
		pass=$((pass + 1))
	else
		echo "FAIL harness: $2: $3"
		fail=$((fail + 1))
	fi
}

# 1. A broken patch: corrupt the last patch's context in a copy of the
#    series and prepare a scratch tree from it.  The Wine series: both
#    trees take the same git am path in prepare-tree.sh, and a scratch
#    Wine tree takes 5 s where a kernel tree took 82 s (2026-12-02).
broken_patch()
{
	local last out
	cp -r "$KWINE_PATCHES" "$work/patches"
	last=$(ls "$work/patches/wine/"*.patch | grep -v 0000-cover | tail -n 1)
	if [ -z "$last" ]; then
		result fail broken_patch_stops_run "the series has no patch to break"
		return
	fi
	# Turn the first context line of the first hunk into garbage.
	awk 'h == 1 && /^ / && !done { print " kwine-broken-context"; done = 1; next }
	     /^@@ / { h = 1 } { print }' "$last" > "$last.new" && mv "$last.new" "$last"
	if out=$(WINE_SRC=$work/wine KWINE_PATCHES=$work/patches \
		bash "$S/prepare-tree.sh" wine 2>&1); then
		result fail broken_patch_stops_run "prepare-tree.sh succeeded on a broken series"
	elif grep -q "patch does not apply: patches/wine/${last##*/}" <<<"$out"; then
		result ok broken_patch_stops_run
	else
		result fail broken_patch_stops_run "no message naming ${last##*/}: $(tail -n 1 <<<"$out")"
	fi
	rm -rf "$work/wine"
}

# Boot the guest with PLAN and report; prints the report, returns its status.
guest_run()
{
	local plan=$1 logdir=$2 root
	root=$(bash "$S/build-rootfs.sh") || return 99
	# the harness's own plan, whole: not filtered by a T=PATTERN of
	# the run it is part of (make test T=... failed every boot here)
	KWINE_TESTS= bash "$S/stage-guest.sh" "$root" "$kout" "$plan" >/dev/null 2>&1 || return 98
	bash "$S/boot-guest.sh" "$kout/arch/x86/boot/bzImage" "$root" "$logdir" 2>/dev/null
	python3 "$S/ktap-report.py" --label harness "$logdir"
}

# 2. One boot: a passing test, one that overruns its timeout, one that
#    uses most of its limit, one that leaves a process running (in a
#    session of its own, holding the test's output open) and one after
#    it, then a panic.  QEMU gets 600 s: a guest whose init waited for
#    the left process would end there, on a timeout.
panic_and_timeout()
{
	local out rc
	# zombie_leader: a process whose leader thread exits (exit(2), not
	# exit_group(2)) while its other thread blocks in read(2) on a pipe
	# nothing writes to, which is how a Wine process outlived
	# "wineserver -k" in two debug guests (its leader Z, a thread in
	# anon_pipe_read).  cgroup.kill does not end such a process; the
	# guest's init must, and fail the test.  PYTHONHASHSEED: python3
	# would otherwise wait at startup for the guest's random pool
	# (90 s in a guest with no hardware RNG).
	printf '%s\t%s\t%s\n' passes 30 true slow 3 'sleep 60' half 10 'sleep 6' \
		leaves 30 'setsid sleep 3000 & echo started' after_leaves 30 true \
		zombie_leader 60 "PYTHONHASHSEED=0 setsid python3 -c 'import os, threading, ctypes; r, w = os.pipe(); threading.Thread(target=os.read, args=(r, 1)).start(); ctypes.CDLL(None).syscall(60, 0)' & sleep 3; echo started" \
		panics 30 'echo c > /proc/sysrq-trigger' after_panic 30 true > "$work/plan-panic"
	rc=0
	out=$(KWINE_QEMU_TIMEOUT=600 guest_run "$work/plan-panic" "$work/panic") || rc=$?
	echo "$out" > "$work/panic.report"
	if [ $rc -eq 0 ]; then
		result fail panic_fails_run "report passed a panicking guest"
	elif ! grep -q 'FAIL harness: kernel log clean.*Kernel panic' <<<"$out"; then
		result fail panic_fails_run "panic not reported: $(tail -n 1 <<<"$out")"
	elif ! grep -q 'FAIL harness: test 8: no result' <<<"$out"; then
		result fail panic_fails_run "missing results not reported"
	else
		result ok panic_fails_run
	fi
	if grep -q '^PASS harness: passes$' <<<"$out" &&
	   grep -q '^FAIL harness: slow: TIMEOUT' <<<"$out"; then
		result ok test_timeout_fails
	else
		result fail test_timeout_fails "expected 'passes' to pass and 'slow' to time out"
	fi
	# What a test leaves running is killed and fails it, within the
	# grace (10 s), and the next test runs.
	local took
	took=$(sed -n 's/^TIME harness: leaves \([0-9]*\)s of 30s$/\1/p' <<<"$out")
	if grep -q '^FAIL harness: leaves: left processes running: sleep\[' <<<"$out" &&
	   grep -q '^PASS harness: after_leaves$' <<<"$out" &&
	   [ -n "$took" ] && [ "$took" -le 25 ]; then
		result ok left_process_fails_test
	else
		result fail left_process_fails_test "want 'leaves' failed within 25 s ('${took:-no time}') and 'after_leaves' run: $(grep -E 'harness: (leaves|after_leaves)' <<<"$out" | tr '\n' ';')"
	fi
	# The zombie leader's process is ended (by kill(2), after cgroup.kill
	# left it), and the test fails; no "does not end".
	local zl
	zl=$(sed -n '/^ok 5 after_leaves/,/zombie_leader/p' "$work/panic/results.ktap")
	if grep -q '^FAIL harness: zombie_leader: left processes running: python3\[' <<<"$out" &&
	   ! grep -q 'does not end' <<<"$zl" &&
	   grep -q '# kwine: pid [0-9]*: its leader had exited (Z), and cgroup.kill left thread(s) [0-9]* without SIGKILL: kill -KILL' <<<"$zl" &&
	   grep -q "# kwine:   thread [0-9]* ([^)]*) state S " <<<"$zl"; then
		result ok zombie_leader_killed
	else
		result fail zombie_leader_killed "want it failed as left running, ended by kill -KILL, its live thread listed: $(tr '\n' ';' <<<"$zl")"
	fi
	# Run times are reported, and a test past half its limit is flagged.
	if grep -q '^TIME harness: passes [0-9]*s of 30s$' <<<"$out" &&
	   grep -q '^WARN harness: half used [0-9]*s, more than half of its 10s limit$' <<<"$out" &&
	   ! grep -q '^WARN harness: passes' <<<"$out"; then
		result ok test_time_reported
	else
		result fail test_time_reported "no TIME line for 'passes' or no WARN for 'half'"
	fi
}

# 3. A guest that hangs: QEMU is killed at the deadline, the run fails.
hang()
{
	local out rc
	printf 'hangs\t9999\tsleep 9999\n' > "$work/plan-hang"
	rc=0
	out=$(KWINE_QEMU_TIMEOUT=60 guest_run "$work/plan-hang" "$work/hang") || rc=$?
	echo "$out" > "$work/hang.report"
	log "harness: hang: qemu.rc=$(cat "$work/hang/qemu.rc" 2>/dev/null)"
	if [ $rc -ne 0 ] && grep -q 'FAIL harness: qemu: timed out' <<<"$out"; then
		result ok hang_fails_run
	else
		result fail hang_fails_run "rc=$rc: $(grep '^FAIL' <<<"$out" | tr '\n' ';') qemu.rc=$(cat "$work/hang/qemu.rc" 2>/dev/null) qemu.out: $(tail -n 2 "$work/hang/qemu.out" 2>/dev/null | tr '\n' ' ')"
	fi
}

# 4. A guest that hangs while booting, before its init runs (here it
#    waits for a root disk that does not exist): the boot watchdog kills
#    QEMU and boots once more, the second hang fails the run, and both
#    take the watchdog's time, not QEMU's overall timeout.
boot_hang()
{
	local out rc start took
	printf 'passes\t30\ttrue\n' > "$work/plan-boot-hang"
	rc=0
	start=$SECONDS
	out=$(KWINE_BOOT_TIMEOUT=20 KWINE_QEMU_TIMEOUT=600 \
		KWINE_CMDLINE='root=/dev/vdz rootfstype=ext4 rootwait' \
		guest_run "$work/plan-boot-hang" "$work/boot-hang") || rc=$?
	took=$((SECONDS - start))
	echo "$out" > "$work/boot-hang.report"
	if [ $rc -eq 0 ]; then
		result fail boot_hang_fails_run "report passed a guest that never booted"
	elif ! grep -q 'FAIL harness: qemu: the boot hung twice before init' <<<"$out"; then
		result fail boot_hang_fails_run "no boot hang reported: $(grep '^FAIL' <<<"$out" | tr '\n' ';')"
	elif [ ! -s "$work/boot-hang/console-boot-hung.log" ]; then
		result fail boot_hang_fails_run "the first boot's console was not kept"
	elif [ "$took" -gt 300 ]; then
		result fail boot_hang_fails_run "took ${took}s with a 20 s watchdog"
	else
		result ok boot_hang_fails_run
	fi
}

# 5. make bench's floors: a run whose own figures are out of range in any
# round, or missing from one, fails; the summary gives median [min-max]
# over the rounds, ratios with their "x" next to the median.
bench_floors()
{
	local k=$work/floors.ktap t=$KWINE_TOP/scripts/guest/bench-floors.tsv r out
	echo '# kernel 7, 2 cpus' > "$k"
	for r in 1 2; do
		printf '%s\n' \
			"# medians of 1 rounds: pingpong_ns stock 900000 kwine 90000 native ${r}0000; w" \
			'# bench: timerfd+poll latency over 9 samples: p50 90 us, p99 99 us, max 99 us' \
			'# bench: pe fault cost per page, pages already relocated (shared): 1.0 us, plain file mapping 1.2 us, x' \
			"# bench: wine x86_64 $((r + 2)).0x (goal >= 5x), -$r us" >> "$k"
		[ $r = 2 ] || echo '# bench: only once 7' >> "$k"
		echo "ok $r bench_r$r" >> "$k"
	done
	if ! out=$(python3 "$S/bench-floors.py" --rounds 2 "$t" "$k"); then
		result fail bench_floors_checked "a sane run was refused: $(grep FAIL <<<"$out" | head -n 1)"
		return
	fi
	if out=$(python3 "$S/bench-floors.py" --rounds 3 "$t" "$k"); then
		result fail bench_floors_checked "floors missing from round 3 passed"
		return
	fi
	if ! grep -q '^FAIL floor: futex_pingpong .*missing from round 3' <<<"$out"; then
		result fail bench_floors_checked "round 3 missing: $(head -n 1 <<<"$out")"
		return
	fi
	out=$(python3 "$S/bench-rounds.py" --rounds 2 "$k" | tail -n 2 | tr '\n' '|')
	if [ "$out" != "bench: wine x86_64 3.5x [3.0-4.0] (goal >= 5x), -1.5 [-2, -1] us|bench: only once 7 (in 1 of 2 rounds)|" ]; then
		result fail bench_floors_checked "rounds summary: $out"
		return
	fi
	sed -i 's/native 20000/native 300000/' "$k"
	if out=$(python3 "$S/bench-floors.py" --rounds 2 "$t" "$k"); then
		result fail bench_floors_checked "a 300 us futex round trip in round 2 passed"
	elif grep -q '^FAIL floor: futex_pingpong .*out of range: 300000' <<<"$out"; then
		result ok bench_floors_checked
	else
		result fail bench_floors_checked "300 us round trip: $(head -n 1 <<<"$out")"
	fi
}

# 6. The reader of the debug guest's KUnit results (guest/kunit-results)
#    passes a clean suite and fails a failed parameter, a missing case, a
#    suite that did not pass and a missing results file.
kunit_results()
{
	local d=$work/kunit/demo good out why=
	mkdir -p "$d"
	good='KTAP version 1
1..1
    KTAP version 1
    # Subtest: demo
    1..3
    ok 1 first
        KTAP version 1
        # Subtest: params
        ok 1 one
        ok 2 two
    # params: pass:2 fail:0 skip:0 total:2
    ok 2 params
    ok 3 last
ok 1 demo'
	printf '%s\n' "$good" > "$d/results"
	out=$(KWINE_KUNIT_DIR=$work/kunit sh "$S/guest/kunit-results" demo) ||
		why="a clean suite failed: $(tail -n 1 <<<"$out")"
	[ -n "$why" ] || [ "$(grep -c '^ok ' <<<"$out")" = 4 ] ||
		why="a clean suite gave $(grep -c '^ok ' <<<"$out") results, want 4"
	local bad
	for bad in 's/^        ok 2 two/        not ok 2 two/' '/ok 3 last/d' \
		's/^ok 1 demo/not ok 1 demo/'; do
		[ -z "$why" ] || break
		printf '%s\n' "$good" | sed "$bad" > "$d/results"
		KWINE_KUNIT_DIR=$work/kunit sh "$S/guest/kunit-results" demo >/dev/null &&
			why="passed with: $bad"
	done
	rm -f "$d/results"
	[ -n "$why" ] || ! KWINE_KUNIT_DIR=$work/kunit sh "$S/guest/kunit-results" demo >/dev/null ||
		why="passed with no results file"
	if [ -z "$why" ]; then
		result ok kunit_results_checked
	else
		result fail kunit_results_checked "$why"
	fi
}

# 7. Reused results: a green run is kept and found again under the same
#    inputs; a changed staged file, kernel or T= finds nothing; a failed,
#    skipped or empty run is never kept.  No boot: a root with a staged
#    /kwine and a kernel image made up here.
reuse()
{
	local d=$work/reuse root bz k k2 why=
	root=$d/rootfs-test
	bz=$d/bzImage
	mkdir -p "$root/kwine/bin" "$d/logs"
	echo kernel > "$bz"
	echo plan > "$root/kwine/plan"
	echo prog > "$root/kwine/bin/prog"
	echo "ok 1 demo" > "$d/logs/results.ktap"
	echo console > "$d/logs/console.log"
	ru() { KWINE_BUILD=$d/build bash "$S/reuse-results.sh" "$@"; }
	k=$(ru key plain "$root" "$bz" "") || why="no key"
	for bad in "0 1 0" "3 0 1" "0 0 0"; do
		echo "$bad" > "$d/counts"
		ru store plain "$k" "$d/logs" "$d/counts"
		! ru lookup plain "$k" "$d/out" >/dev/null ||
			why="${why:+$why; }a run with counts '$bad' was kept"
	done
	echo "3 0 0" > "$d/counts"
	ru store plain "$k" "$d/logs" "$d/counts"
	if ! ru lookup plain "$k" "$d/out" >/dev/null ||
	   ! cmp -s "$d/logs/results.ktap" "$d/out/results.ktap"; then
		why="${why:+$why; }a green run was not found again"
	fi
	echo prog2 > "$root/kwine/bin/prog"
	k2=$(ru key plain "$root" "$bz" "")
	[ "$k2" != "$k" ] || why="${why:+$why; }a changed test program kept the key"
	echo prog > "$root/kwine/bin/prog"
	echo kernel2 > "$bz"
	k2=$(ru key plain "$root" "$bz" "")
	[ "$k2" != "$k" ] || why="${why:+$why; }a changed kernel kept the key"
	echo kernel > "$bz"
	k2=$(KWINE_TESTS=demo KWINE_BUILD=$d/build bash "$S/reuse-results.sh" key plain "$root" "$bz" "")
	[ "$k2" != "$k" ] || why="${why:+$why; }T= kept the key"
	k2=$(ru key plain "$root" "$bz" "")
	[ "$k2" = "$k" ] || why="${why:+$why; }the same inputs gave another key"
	if [ -z "$why" ]; then
		result ok reuse_only_unchanged_green_runs
	else
		result fail reuse_only_unchanged_green_runs "$why"
	fi
}

# 8. scripts/kcc, the kernel builds' compiler, never hands back a stale
#    object: a source whose assembler pulls in a file (.incbin, .include)
#    is compiled afresh after that file changed, wherever the source
#    stands among the arguments (ccache's depend mode alone handed back
#    the old bytes); a kernel object (-nostdinc) goes through depend mode,
#    is served from the cache when nothing changed and rebuilt when its
#    header changed; a host object is rebuilt when a system header it
#    includes changed (-MMD does not list those, so depend mode would
#    miss it); and no file that a kernel source of x86, arm64 or UML
#    #includes holds an assembler include, which kcc, looking only at the
#    source, could not see.
kcc_checks()
{
	local d=$1 n f b asmf dirs
	export CCACHE_DIR=$d/ccache CCACHE_LOGFILE=$d/ccache.log
	unset CCACHE_DISABLE CCACHE_NODIRECT CCACHE_RECACHE CCACHE_DEPEND CCACHE_READONLY
	kc() { (cd "$d" && "$S/kcc" gcc "$@"); }
	bytes() { objcopy -O binary -j .data "$d/$1" "$d/$1.bin" && od -An -tx1 "$d/$1.bin" | tr -d ' \n'; }
	printf '\t.data\n\t.incbin "blob"\n' > "$d/bin.S"
	printf '\t.data\n\t.include "part.s"\n' > "$d/inc.S"
	# as a kernel object and as a host one, twice each
	for n in -nostdinc -nostdinc -I. -I.; do
		for b in 41 42; do
			printf "\\x$b" > "$d/blob"
			printf '\t.byte 0x%s\n' "$b" > "$d/part.s"
			kc "$n" -Wp,-MMD,bin.o.d -c -o bin.o bin.S &&
				kc "$n" -Wp,-MMD,inc.o.d -c inc.S -o inc.o ||
				echo "an assembler source did not compile"
		done
		[ "$(bytes bin.o)" = 42 ] || echo ".incbin gave '$(bytes bin.o)' with $n"
		[ "$(bytes inc.o)" = 42 ] || echo ".include gave '$(bytes inc.o)' with $n"
	done
	printf '#include "v.h"\nchar v = V;\n' > "$d/k.c"
	: > "$CCACHE_LOGFILE"
	for n in 51 52 52 53; do
		echo "#define V 0x$n" > "$d/v.h"
		kc -nostdinc -Wp,-MMD,k.o.d -c k.c -o k.o || echo "k.c did not compile"
		[ "$(bytes k.o)" = "$n" ] || echo "k.o gave '$(bytes k.o)' with V 0x$n"
	done
	grep -q 'Got result key from dependency file' "$CCACHE_LOGFILE" ||
		echo "the kernel object did not go through depend mode"
	n=$(ccache --print-stats | awk '$1 == "direct_cache_hit" { print $2 }')
	[ "${n:-0}" = 1 ] || echo "$n direct hits from the cache, want 1 (the same k.c twice)"
	# A host object, after a depend-mode build of the same command left
	# its entry in the cache (as a7c8e8a's builds did), and with
	# CCACHE_DEPEND=1 in the caller's environment.
	mkdir -p "$d/sys"
	printf '#include <h.h>\nchar h = H;\n' > "$d/h.c"
	echo "#define H 0x60" > "$d/sys/h.h"
	(cd "$d" && CCACHE_DEPEND=1 ccache gcc -isystem sys -Wp,-MMD,h.o.d -c -o h.o h.c) ||
		echo "h.c did not compile"
	: > "$CCACHE_LOGFILE"
	for n in 61 62; do
		echo "#define H 0x$n" > "$d/sys/h.h"
		CCACHE_DEPEND=1 kc -isystem sys -Wp,-MMD,h.o.d -c -o h.o h.c || echo "h.c did not compile"
		[ "$(bytes h.o)" = "$n" ] || echo "h.o gave '$(bytes h.o)' after the system header said 0x$n"
	done
	! grep -q 'Got result key from dependency file' "$CCACHE_LOGFILE" ||
		echo "the host object went through depend mode"
	# Every file with an assembler include outside a comment (tools/
	# too: kernel/bpf and lib #include files of it), and every file name
	# that appears in an #include of a kernel source (Documentation and
	# other architectures left out; tools/ is built for the host).
	cd "$KERNEL_SRC/arch/x86" || { echo "no kernel tree at $KERNEL_SRC"; return; }
	cd "$KERNEL_SRC"
	dirs=$(ls -d -- */ | grep -vxE 'arch/|tools/|Documentation/')
	# (KCC_CHECK_ARCHES: others, to see this fail on riscv's compat vDSO)
	dirs="$dirs ${KCC_CHECK_ARCHES:-arch/x86 arch/arm64 arch/um}"
	# shellcheck disable=SC2086 # a list of directories
	asmf=$(grep -rIiE 'incbin|[.]include\b' --exclude-dir=.git $dirs tools |
		grep -vE '^[^:]*:[[:space:]]*(\*|//|/\*)' | cut -d: -f1 | sort -u |
		grep -vE '\.(rst|txt|py|l|y|sh|pl|mk)$|(^|/)(Makefile|Kconfig|Kbuild)[^/]*$')
	[ -n "$asmf" ] || echo "found no assembler include in the kernel at all (rmpiggy.S has one)"
	# shellcheck disable=SC2086
	grep -rhoIE '^[[:space:]]*#[[:space:]]*include(_next)?[[:space:]]*[<"][^>"]+[>"]' --exclude-dir=.git $dirs |
		sed -E 's/.*[<"]([^>"]+)[>"]/\1/; s|.*/||' | sort -u > "$d/included" ||
		echo "cannot list the kernel's #include targets"
	for f in $asmf; do
		b=${f##*/}
		! grep -qxF "$b" "$d/included" || echo "$f has an assembler include and is #included (as $b)"
	done
}

kcc_cache()
{
	local d=$work/kcc why
	mkdir -p "$d"
	if ! command -v ccache >/dev/null; then
		result fail kcc_never_stale "ccache is not installed (make deps)"
		return
	fi
	why=$(kcc_checks "$d" 2>&1 | paste -sd ';' - | sed 's/;/; /g')
	if [ -z "$why" ]; then
		result ok kcc_never_stale
	else
		result fail kcc_never_stale "$why"
	fi
}

log "harness: kcc and ccache"
kcc_cache
log "harness: bench floors"
bench_floors
log "harness: KUnit results reader"
kunit_results
log "harness: broken patch"
broken_patch
log "harness: panic and timeout (one boot)"
panic_and_timeout
log "harness: hang (60 s)"
hang
log "harness: boot hang (2 x 20 s)"
boot_hang
log "harness: reused results"
reuse

echo "$pass passed, $fail failed"
[ -z "$counts" ] || echo "$pass $fail 0" > "$counts"
[ "$fail" -eq 0 ]
