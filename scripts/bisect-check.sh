#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every patch of the kernel series must build on its own, both ways
# distributions build ntsync: for each commit from the base to the tip of
# kernel-src, in a scratch worktree, build drivers/misc with ntsync built
# in and as a module (the plain kernel's config, CONFIG_NTSYNC=m and =y),
# check that every symbol the module needs is exported to it at that
# commit, and build the ntsync kselftests against that commit's uapi
# headers.  One result per commit and way; counts to $1 when given.
. "$(dirname "$0")/lib.sh"

counts=${1:-}
# The series starts after the base: our tag, or what a maintainer's own
# tree had checked out when the series was applied.
base=$(cat "$KERNEL_SRC/.git/kwine-base" 2>/dev/null || echo "v$KERNEL_VERSION")
wt=$KWINE_BUILD/bisect-src
out=$KWINE_BUILD/bisect
[ -f "$KWINE_BUILD/kernel/.config" ] || die "build the plain kernel first (make kernel)"
export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
cc="$KWINE_TOP/scripts/kcc gcc"

git -C "$KERNEL_SRC" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
git -C "$KERNEL_SRC" worktree prune
git -C "$KERNEL_SRC" worktree add -q --detach "$wt" "$base"
trap 'git -C "$KERNEL_SRC" worktree remove --force "$wt" 2>/dev/null || true' EXIT
mkdir -p "$out/m" "$out/y"

# What vmlinux exports: the plain kernel's Module.symvers, minus the
# exports the series itself adds, which count only from the commit that
# adds them (checked in that commit's tree).
[ -f "$KWINE_BUILD/kernel/Module.symvers" ] ||
	die "no Module.symvers in $KWINE_BUILD/kernel (make kernel)"
added=$(git -C "$KERNEL_SRC" diff "$base..HEAD" -- '*.c' ':!tools/' ':!Documentation/' |
	sed -n 's/^+EXPORT_SYMBOL[A-Z_]*(\([A-Za-z0-9_]*\).*/\1/p' | sort -u)
exported()
{
	local sym=$1
	if grep -qx "$sym" <<<"$added"; then
		git -C "$wt" grep -qE "^EXPORT_SYMBOL[A-Z_]*\($sym," -- '*.c' ':!tools/' ':!Documentation/'
	else
		awk -v s="$sym" '$2 == s { f = 1 } END { exit !f }' \
			"$KWINE_BUILD/kernel/Module.symvers"
	fi
}

pass=0 fail=0
result()
{
	if [ "$1" = 0 ]; then
		echo "PASS bisect: $2: $subject$4"
		pass=$((pass + 1))
	else
		echo "FAIL bisect: $2: $subject$4"
		tail -n 20 "$3" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

# A commit that changes only selftests and documentation text leaves the
# files that kbuild and the symbol check read as they were at the last
# commit built: that build's verdict is its verdict, and only its
# selftests are built.  Not exempt: the rest of tools/ (objtool is built
# from it), any other file under Documentation/ (the top Kconfig sources
# Documentation/Kconfig), and a rename, which counts both its paths.
kernel_unchanged()
{
	local files
	[ -n "$1" ] || return 1
	files=$(git -C "$KERNEL_SRC" diff-tree -r --no-renames --name-only "$1" "$2")
	! grep -v -E '^tools/testing/selftests/|^Documentation/.*\.(rst|txt)$' <<<"$files" | grep -q .
}

# Whether commit $2 leaves every Kconfig file and kconfig itself as
# commit $1 had them.
kconfig_unchanged()
{
	[ -n "$1" ] || return 1
	! git -C "$KERNEL_SRC" diff --no-renames --name-only "$1" "$2" |
		grep -qE '(^|/)Kconfig[^/]*$|^scripts/kconfig/'
}

built= n=0
total=$(git -C "$KERNEL_SRC" rev-list --count "$base..HEAD")
declare -A rc_of
for c in $(git -C "$KERNEL_SRC" rev-list --reverse "$base..HEAD"); do
	n=$((n + 1))
	subject=$(git -C "$KERNEL_SRC" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	t0=$(date +%s)
	same=0
	kernel_unchanged "$built" "$c" && same=1
	for way in m y; do
		o=$out/$way
		rc=0 note=
		if [ $same = 1 ]; then
			# Same kernel sources: the build's verdict is that of $built.
			rc=${rc_of[$way]}
			note=" (kernel sources as at ${built:0:12}: only selftests or documentation changed)"
			[ $way = y ] && [ $rc = 0 ] && : > "$o/log"
		else
			# A fresh config from the plain kernel's where the
			# Kconfig files changed: olddefconfig at an early commit
			# drops the options later commits add.  Where none did,
			# the last commit's config is this one's too, and a
			# .config left alone saves kbuild a syncconfig.
			targets=(drivers/misc/)
			if ! kconfig_unchanged "$built" "$c" || [ ! -f "$o/.config" ]; then
				sed "s/^CONFIG_NTSYNC=[my]\$/CONFIG_NTSYNC=$way/" \
					"$KWINE_BUILD/kernel/.config" > "$o/.config"
				targets=(olddefconfig drivers/misc/)
			fi
			[ $way = y ] && targets+=(headers)
			make -s -C "$wt" O="$o" CC="$cc" HOSTCC="$cc" -j"$(nproc)" \
				"${targets[@]}" >"$o/log" 2>&1 || rc=1
			if [ $rc = 0 ] && [ $way = m ]; then
				[ -f "$o/drivers/misc/ntsync.o" ] || { echo "no ntsync.o" >>"$o/log"; rc=1; }
				for sym in $(nm -u "$o/drivers/misc/ntsync.o" 2>>"$o/log" | awk '{ print $2 }'); do
					case $sym in __this_module) continue ;; esac
					exported "$sym" || { echo "ntsync.ko needs $sym, which is not exported at this commit" >>"$o/log"; rc=1; }
				done
			fi
			rc_of[$way]=$rc
		fi
		if [ $rc = 0 ] && [ $way = y ]; then
			make -s -C "$wt/tools/testing/selftests" TARGETS=drivers/ntsync \
				O="$o/kselftest-build" KHDR_INCLUDES="-isystem $o/usr/include" \
				CC=gcc >>"$o/log" 2>&1 || { rc=1; note=" (its kselftests do not build)"; }
		fi
		case $way in m) what="builds as a module" ;; y) what="builds built in" ;; esac
		result $rc "$what" "$o/log" "$note"
	done
	[ $same = 1 ] || built=$c
	log "bisect: $n/$total ${c:0:12} $(( $(date +%s) - t0 )) s: $subject"
done
echo "$pass passed, $fail failed"
[ -z "$counts" ] || echo "$pass $fail 0" > "$counts"
[ "$fail" -eq 0 ]
