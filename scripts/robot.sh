#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the kernel test robot runs on a posted series, run on the series in
# KERNEL_SRC (its HEAD) against its base (v7.2.8):
#
#  - builds of vmlinux and the modules, W=1, for x86_64 with gcc (and the
#    32-bit compat layer), x86_64 with Debian's clang (LLVM=1), i386 and
#    arm64 (Debian's cross gcc): tinyconfig plus scripts/config/robot.config
#    (MODULES, NTSYNC=m, NTSYNC_PE_SECTIONS, the KUnit option, SECURITY),
#    so that modpost sees every symbol a module needs;
#  - sparse (C=2) on the C files the series changes;
#  - scripts/kernel-doc -Wall and codespell on the files it changes;
#  - with ROBOT_EACH=1, the x86_64 gcc build at every commit of the series.
#
# A check fails on a build error or on a diagnostic the base does not
# have (robot-warnings.py: same message in the same file, line numbers
# masked).  One PASS/FAIL line per check, then "N passed, N failed".
#
#   robot.sh [COUNTS_FILE]
#
# Work tree: build/robot/src, a clone of KERNEL_SRC sharing its objects
# (KERNEL_SRC itself is never touched); outputs in build/robot/out/TARGET,
# logs in build/robot/logs.  The base is built in full once and its
# diagnostics kept; every run then moves each output tree from the base to
# the series, so kbuild rebuilds exactly what the series changes (ccache
# makes the rest cheap).
#
# Variables: ROBOT_TARGETS (default "x86_64-gcc x86_64-clang i386 arm64"),
# ROBOT_LLVM (the LLVM= suffix, default -19: the kernel needs LLVM >= 17,
# Debian 12's default clang is 14), ROBOT_EACH=1, ROBOT_JOBS (default 2).
. "$(dirname "$0")/lib.sh"

# The whole script is one function, read before it runs: editing this file
# while a robot runs does not change what that run does.
main()
{
counts=${1:-}

robot=$KWINE_BUILD/robot
src=$robot/src
logs=$robot/logs
targets=${ROBOT_TARGETS:-x86_64-gcc x86_64-clang i386 arm64}
llvm=${ROBOT_LLVM:--19}
jobs=${ROBOT_JOBS:-2}
warn_py=$KWINE_TOP/scripts/robot-warnings.py
mkdir -p "$robot/out" "$logs"

[ -d "$KERNEL_SRC/.git" ] || die "no kernel tree at $KERNEL_SRC (run 'make prepare')"
head=$(git -C "$KERNEL_SRC" rev-parse --verify HEAD)
if [ -f "$KERNEL_SRC/.git/kwine-base" ]; then
	base=$(cat "$KERNEL_SRC/.git/kwine-base")
else
	base=$(git -C "$KERNEL_SRC" rev-parse --verify "v$KERNEL_VERSION^{commit}")
fi
[ -z "$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)" ] ||
	log "robot: $KERNEL_SRC has uncommitted changes; only its commits are checked"
mapfile -t commits < <(git -C "$KERNEL_SRC" rev-list --reverse "$base..$head")
# A run of every target on the series as prepare-tree.sh makes it (on the
# tarball's base, committed) decides patches/posting/robot.verdict: the
# old verdict goes now, a clean run writes a new one at the end.
verdict=$KWINE_PATCHES/posting/robot.verdict
full_run=0
if [ "$targets" = "x86_64-gcc x86_64-clang i386 arm64" ] && [ -f "$KERNEL_SRC/.git/kwine-base" ] &&
   [ -z "$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)" ]; then
	full_run=1
	rm -f "$verdict"
fi
[ ${#commits[@]} -gt 0 ] || die "no commits between the base and HEAD of $KERNEL_SRC"
log "robot: ${#commits[@]} commits on $(git -C "$KERNEL_SRC" log -1 --format=%s "$base")"

export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$robot
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=kwine KBUILD_BUILD_HOST=kwine
# every compiler through scripts/kcc (ccache's depend mode, .incbin uncached)
ccache="$KWINE_TOP/scripts/kcc "

# The work tree: a clone sharing KERNEL_SRC's objects, checked out at the
# base or the series as each phase needs.
if [ ! -d "$src/.git" ]; then
	log "robot: cloning $KERNEL_SRC into $src"
	rm -rf "$src"
	git -c advice.detachedHead=false clone -q --shared --no-checkout "$KERNEL_SRC" "$src"
	git -C "$src" config gc.auto 0
fi
# After each checkout: the Kconfig type (bool, tristate, ...) of every
# symbol the fragments name, empty for those the tree does not have.
declare -A ktype
checkout()
{
	local sym type
	git -C "$src" -c advice.detachedHead=false checkout -q -f --detach "$1" ||
		die "robot: cannot check out $1 in $src"
	ktype=()
	while read -r sym type; do
		ktype[$sym]=$type
	done < <(grep -rhE -A3 --include="Kconfig*" --exclude-dir=.git \
			"^(menu)?config ($(sed -n 's/^CONFIG_\([A-Z0-9_]*\)=.*/\1/p' \
				"$KWINE_TOP"/scripts/config/robot*.config | paste -sd '|'))\$" "$src" |
		awk '/^(menu)?config / { sym = $2; next }
		     sym != "" && $1 ~ /^(bool|tristate|int|hex|string)$/ { print sym, $1; sym = "" }')
}

# Files the series changes, as they exist at the head.
mapfile -t changed < <(git -C "$KERNEL_SRC" diff --name-only --diff-filter=d "$base" "$head")
kernel_c=() doc_files=()
for f in "${changed[@]}"; do
	case $f in
	tools/* | scripts/* | Documentation/*) ;;
	*.c) kernel_c+=("$f"); doc_files+=("$f") ;;
	*.h) doc_files+=("$f") ;;
	esac
done

# Per target: ARCH, the make variables, the config fragments.
target_setup()
{
	frags=("$KWINE_TOP/scripts/config/robot.config")
	case $1 in
	x86_64-gcc)
		arch=x86_64
		mk=(CC="${ccache}gcc" HOSTCC="${ccache}gcc")
		frags+=("$KWINE_TOP/scripts/config/robot-x86_64.config") ;;
	x86_64-clang)
		arch=x86_64
		mk=(LLVM="$llvm" CC="${ccache}clang$llvm" HOSTCC="${ccache}clang$llvm")
		frags+=("$KWINE_TOP/scripts/config/robot-x86_64.config") ;;
	i386)
		arch=i386
		mk=(CC="${ccache}gcc" HOSTCC="${ccache}gcc") ;;
	arm64)
		arch=arm64
		mk=(CROSS_COMPILE=aarch64-linux-gnu- CC="${ccache}aarch64-linux-gnu-gcc" HOSTCC="${ccache}gcc") ;;
	*) die "robot: unknown target $1" ;;
	esac
	tname=$1
	out=$robot/out/$1
}

# W=1 runs kernel-doc on every file it builds: with the system's python3
# rather than through whatever wrapper (pyenv) comes first in PATH.  No
# standard input: a Kconfig prompt must fail, not wait (or stop a
# background job on the terminal).
python=$(command -v /usr/bin/python3 || command -v python3)
kmake()
{
	nice -n 10 make -C "$src" O="$out" ARCH="$arch" PYTHON3="$python" "${mk[@]}" "$@" </dev/null
}

# tinyconfig + fragments, written to $out/.config only when it changed.
# Every fragment line for a symbol the tree has must come out as asked.
# The result is kept per target, commit, fragments and toolchain, so a
# run over the same commits does not regenerate it; Kconfig's own tools
# stay built in build/robot/kconfig/TARGET.
configure()
{
	local cfg=$robot/kconfig/$tname line sym want bad=0 saved
	saved=$robot/kconfig/$tname-$(stamp_of "$(git -C "$src" rev-parse HEAD)" \
		"${frags[@]}" "$(toolchain_id "$tname")").config
	if [ -f "$saved" ]; then
		cmp -s "$saved" "$out/.config" || cp "$saved" "$out/.config"
		return 0
	fi
	mkdir -p "$cfg"
	# "=m" of a bool symbol would be dropped by Kconfig: ask for "=y".
	cat "${frags[@]}" | while IFS= read -r line; do
		case $line in
		CONFIG_*=m)
			sym=${line%%=*}
			if [ "${ktype[${sym#CONFIG_}]:-}" = bool ]; then
				echo "$sym=y"
				continue
			fi ;;
		esac
		echo "$line"
	done > "$cfg/fragment.config"
	kmake -s O="$cfg" tinyconfig >/dev/null 2>"$cfg/err" || { cat "$cfg/err" >&2; return 1; }
	KCONFIG_CONFIG="$cfg/.config" "$src/scripts/kconfig/merge_config.sh" -m -Q \
		-O "$cfg" "$cfg/.config" "$cfg/fragment.config" >"$cfg/merge.log" 2>&1 ||
		{ cat "$cfg/merge.log" >&2; return 1; }
	kmake -s O="$cfg" olddefconfig >/dev/null 2>"$cfg/err" || { cat "$cfg/err" >&2; return 1; }
	while IFS= read -r line; do
		sym=${line%%=*} want=${line#*=}
		[ -n "${ktype[${sym#CONFIG_}]:-}" ] || continue
		if ! grep -qxF "$sym=$want" "$cfg/.config"; then
			echo "config: wanted $sym=$want, got: $(grep "^$sym=\|^# $sym " "$cfg/.config" || echo unset)"
			bad=1
		fi
	done < <(grep '^CONFIG_' "$cfg/fragment.config")
	[ $bad = 0 ] || return 1
	cp "$cfg/.config" "$saved"
	cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"
}

# Build vmlinux and the modules with W=1; -k so that one error does not
# hide the next.  Output (stdout and stderr) to $1; returns make's status.
build()
{
	kmake -k -j"$jobs" W=1 vmlinux modules >"$1" 2>&1
}

pass=0 fail=0
result()	# result PASS|FAIL "check" [detail file]
{
	echo "$1 $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		sed 's/^/    /' "$3" | head -n 40
		[ "$(wc -l < "$3")" -le 40 ] || echo "    ... (all of it in ${3#"$KWINE_TOP"/})"
	fi
	if [ "$1" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

# Judge one build log against the base's: errors first (make failed),
# then the diagnostics the base does not have.
judge()	# judge name status log label
{
	local name=$1 status=$2 logf=$3 label=$4 new=$logs/$1.new
	python3 "$warn_py" "$logs/${name%%@*}.base.log" "$logf" > "$new"
	if [ "$status" -ne 0 ]; then
		[ -s "$new" ] || tail -n 20 "$logf" > "$new"
		result FAIL "$label: build failed" "$new"
	elif [ -s "$new" ]; then
		result FAIL "$label: $(wc -l < "$new") new warning(s)" "$new"
	else
		result PASS "$label"
	fi
}

toolchain_id()
{
	case $1 in
	x86_64-clang) "clang$llvm" --version | head -n 1 ;;
	arm64) aarch64-linux-gnu-gcc --version | head -n 1 ;;
	*) gcc --version | head -n 1 ;;
	esac
}

# sparse (C=2: check even what is not rebuilt) on the changed C files
# built in the x86_64 gcc tree, through scripts/robot-sparse: Debian's
# sparse 0.6.4 with what it predates spelled the way it understands.
sparse_check()	# sparse_check LOG
{
	local objs=() f
	target_setup x86_64-gcc
	for f in "${kernel_c[@]}"; do
		[ -f "$src/$f" ] && [ -f "$out/${f%.c}.o" ] && objs+=("${f%.c}.o")
	done
	: > "$1"
	[ ${#objs[@]} -gt 0 ] || return 0
	kmake -k -j"$jobs" W=1 C=2 CHECK="$KWINE_TOP/scripts/robot-sparse" \
		"${objs[@]}" >"$1" 2>&1
}

kerneldoc_check()	# kerneldoc_check LOG
{
	local files=() f
	for f in "${doc_files[@]}"; do [ -f "$src/$f" ] && files+=("$f"); done
	: > "$1"
	[ ${#files[@]} -gt 0 ] || return 0
	(cd "$src" && "$python" scripts/kernel-doc -Wall -none "${files[@]}") >"$1" 2>&1
}

# codespell, less scripts/config/codespell-ignore: kernel identifiers
# codespell takes for typos (iput(), the VFS call; parm, the ioctl
# argument throughout ntsync.c), one per line.
codespell_check()	# codespell_check LOG
{
	local files=() f
	for f in "${changed[@]}"; do [ -f "$src/$f" ] && files+=("$f"); done
	: > "$1"
	[ ${#files[@]} -gt 0 ] || return 0
	(cd "$src" && codespell -I "$KWINE_TOP/scripts/config/codespell-ignore" -- "${files[@]}") >"$1" 2>&1 || true
}

# kernel-doc and codespell need no build: the base, then the series.
checkout "$base"
kerneldoc_check "$logs/kernel-doc.base.log"
codespell_check "$logs/codespell.base.log"
checkout "$head"
kerneldoc_check "$logs/kernel-doc.log"
python3 "$warn_py" "$logs/kernel-doc.base.log" "$logs/kernel-doc.log" > "$logs/kernel-doc.new"
if [ -s "$logs/kernel-doc.new" ]; then
	result FAIL "kernel-doc -Wall: $(wc -l < "$logs/kernel-doc.new") new warning(s)" "$logs/kernel-doc.new"
else
	result PASS "kernel-doc -Wall (${#doc_files[@]} files)"
fi
codespell_check "$logs/codespell.log"
python3 "$warn_py" --all "$logs/codespell.base.log" "$logs/codespell.log" > "$logs/codespell.new"
if [ -s "$logs/codespell.new" ]; then
	result FAIL "codespell: $(wc -l < "$logs/codespell.new") new misspelling(s)" "$logs/codespell.new"
else
	result PASS "codespell (${#changed[@]} files)"
fi

# Each target: the base, then the series, so that each result comes as
# soon as its builds are done.  A target whose base diagnostics are
# known (same base, fragments and toolchain) is only moved back to the
# base, which rebuilds what the series changed; otherwise the base is
# built in full and its diagnostics kept.
for t in $targets; do
	target_setup "$t"
	checkout "$base"
	# (bump "base-v1" when the way the base is built changes)
	stamp=$(stamp_of base-v1 "$base" "${frags[@]}" "$(toolchain_id "$t")")
	if [ -f "$out/.config" ] && [ "$(cat "$logs/$t.base.stamp" 2>/dev/null)" = "$stamp" ]; then
		log "robot[$t]: back to the base"
		configure > "$logs/$t.config.log" 2>&1 ||
			die "robot[$t]: base config: $(cat "$logs/$t.config.log")"
		build "$logs/$t.base-again.log" ||
			{ tail -n 20 "$logs/$t.base-again.log" >&2; die "robot[$t]: the base does not build"; }
	else
		log "robot[$t]: full build of the base"
		rm -rf "$out"
		mkdir -p "$out"
		configure > "$logs/$t.config.log" 2>&1 ||
			die "robot[$t]: base config: $(cat "$logs/$t.config.log")"
		build "$logs/$t.base.log" ||
			{ tail -n 20 "$logs/$t.base.log" >&2; die "robot[$t]: the base does not build"; }
		echo "$stamp" > "$logs/$t.base.stamp"
	fi
	[ "$t" != x86_64-gcc ] || sparse_check "$logs/sparse.base.log"

	checkout "$head"
	log "robot[$t]: the series"
	if ! configure > "$logs/$t.config.log" 2>&1; then
		result FAIL "$t W=1: config" "$logs/$t.config.log"
		continue
	fi
	status=0
	build "$logs/$t.log" || status=$?
	judge "$t" "$status" "$logs/$t.log" "$t W=1: vmlinux, modules"
	if [ "$t" = x86_64-gcc ]; then
		status=0
		sparse_check "$logs/sparse.log" || status=$?
		judge sparse "$status" "$logs/sparse.log" "sparse C=2 (x86_64): ${kernel_c[*]}"
	fi
done

# Phase 3 (ROBOT_EACH=1): the x86_64 gcc build at every commit, each
# judged against the base: kbuild rebuilds only what the commit changed,
# so a warning is reported on the patch that brings it.
if [ "${ROBOT_EACH:-0}" = 1 ]; then
	t=x86_64-gcc
	target_setup "$t"
	checkout "$base"
	configure > "$logs/$t.config.log" 2>&1 && build "$logs/$t.base-again.log" ||
		die "robot[$t]: the base does not build"
	i=0
	for c in "${commits[@]}"; do
		i=$((i + 1))
		checkout "$c"
		name="$t@$i"
		subject=$(git -C "$src" log -1 --format=%s "$c")
		log "robot[$name]: $subject"
		if ! configure > "$logs/$name.config.log" 2>&1; then
			result FAIL "$t patch $i/${#commits[@]}: config ($subject)" "$logs/$name.config.log"
			continue
		fi
		status=0
		build "$logs/$name.log" || status=$?
		judge "$name" "$status" "$logs/$name.log" "$t W=1 patch $i/${#commits[@]}: $subject"
	done
fi

log "robot: done"
# A clean run of every target over the whole series leaves its verdict in
# patches/posting/robot.verdict, with the tree it checked: make test (in
# checkpatch's stage) fails while the series it tests has no such
# verdict, since a fresh CI machine cannot run these builds in its time.
if [ "$fail" -eq 0 ] && [ "$full_run" = 1 ]; then
	{
		echo "# Written by make robot (scripts/robot.sh) after a run of every"
		echo "# check on the series whose tree is named below, all passed."
		echo "# make test checks that the series it tests is that tree."
		echo "tree $(git -C "$KERNEL_SRC" rev-parse "$head^{tree}")"
		echo "date $(date -u +%Y-%m-%d)"
		echo "result $pass passed, 0 failed: x86_64 gcc and clang ($llvm), i386, arm64 W=1;" \
			"sparse; kernel-doc -Wall; codespell$([ "${ROBOT_EACH:-0}" = 1 ] && echo "; every commit (x86_64 gcc)")"
	} > "$verdict"
	log "robot: verdict written to ${verdict#"$KWINE_TOP"/} (commit it with the series)"
fi
echo "$pass passed, $fail failed"
[ -z "$counts" ] || echo "$pass $fail 0" > "$counts"
[ "$fail" -eq 0 ]
}

main "$@"
exit
