#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every KUnit suite configured in kunit/*.kunitconfig through the
# kernel's own tools/testing/kunit/kunit.py (a UML kernel, built in
# build/kunit/<name>, incremental and ccache'd).  Prints one line per test
# and ends with "N passed, N failed[, N skipped]"; counts to $1 when given.
. "$(dirname "$0")/lib.sh"

counts=${1:-}
pass=0 fail=0 skip=0
export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
cc="$KWINE_TOP/scripts/kcc gcc"

shopt -s nullglob
configs=("$KWINE_TOP"/kunit/*.kunitconfig)
[ ${#configs[@]} -gt 0 ] || die "no kunit/*.kunitconfig"

for cfg in "${configs[@]}"; do
	name=$(basename "$cfg" .kunitconfig)
	out=$KWINE_BUILD/kunit/$name
	mkdir -p "$out"
	log "kunit: $name (UML build and run)"
	rc=0
	python3 "$KERNEL_SRC/tools/testing/kunit/kunit.py" run \
		--kunitconfig="$cfg" --build_dir="$out" --jobs="$(nproc)" \
		--make_options "CC=$cc" --timeout=600 >"$out/kunit.log" 2>&1 || rc=$?
	# Leaf results as kunit.py prints them, then its own totals.
	sed -n 's/^\[[0-9:]*\] \[\(PASSED\|FAILED\|SKIPPED\|CRASHED\)\] \(.*\)$/\1 \2/p' \
		"$out/kunit.log" | sed "s/^\([A-Z]*\) /\1 kunit: $name: /" |
		sed 's/^PASSED/PASS/; s/^FAILED/FAIL/; s/^CRASHED/FAIL/; s/^SKIPPED/SKIP/'
	summary=$(grep -o 'Ran [0-9]* tests: .*' "$out/kunit.log" | tail -n 1 || true)
	p=$(grep -o 'passed: [0-9]*' <<<"$summary" | grep -o '[0-9]*') || true
	f=$(grep -o 'failed: [0-9]*' <<<"$summary" | grep -o '[0-9]*') || true
	c=$(grep -o 'crashed: [0-9]*' <<<"$summary" | grep -o '[0-9]*') || true
	s=$(grep -o 'skipped: [0-9]*' <<<"$summary" | grep -o '[0-9]*') || true
	p=${p:-0} f=$((${f:-0} + ${c:-0})) s=${s:-0}
	if [ -z "$summary" ] || [ "$p" -eq 0 ]; then
		echo "FAIL kunit: $name: no results (kunit.py exit $rc), log in ${out#"$KWINE_TOP"/}/kunit.log"
		tail -n 20 "$out/kunit.log" | sed 's/^/    /'
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL kunit: $name: kunit.py exit $rc"
		f=1
	fi
	log "kunit: $name: $summary"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

line="$pass passed, $fail failed"
[ "$skip" -eq 0 ] || line="$line, $skip skipped"
echo "$line"
[ -z "$counts" ] || echo "$pass $fail $skip" > "$counts"
# A skipped test is not a pass: it fails the run.
[ "$fail" -eq 0 ] && [ "$skip" -eq 0 ]
