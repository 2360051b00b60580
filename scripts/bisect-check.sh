#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every patch of the kernel series must build on its own: for each commit
# from the base to the tip of kernel-src, build the ntsync driver object
# and the ntsync kselftests (against that commit's uapi headers) in a
# scratch worktree.  One result per commit; counts to $1 when given.
. "$(dirname "$0")/lib.sh"

counts=${1:-}
# The series starts after the base: our tag, or what a maintainer's own
# tree had checked out when the series was applied.
base=$(cat "$KERNEL_SRC/.git/kwine-base" 2>/dev/null || echo "v$KERNEL_VERSION")
wt=$KWINE_BUILD/bisect-src
out=$KWINE_BUILD/bisect
[ -f "$KWINE_BUILD/kernel/.config" ] || die "build the plain kernel first (make kernel)"
export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"

git -C "$KERNEL_SRC" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
git -C "$KERNEL_SRC" worktree prune
git -C "$KERNEL_SRC" worktree add -q --detach "$wt" "$base"
trap 'git -C "$KERNEL_SRC" worktree remove --force "$wt" 2>/dev/null || true' EXIT
mkdir -p "$out"
cp "$KWINE_BUILD/kernel/.config" "$out/.config"

pass=0 fail=0
for c in $(git -C "$KERNEL_SRC" rev-list --reverse "$base..HEAD"); do
	subject=$(git -C "$KERNEL_SRC" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	# Fresh each time: olddefconfig at an early commit drops the options
	# later commits add.
	cp "$KWINE_BUILD/kernel/.config" "$out/.config"
	if make -s -C "$wt" O="$out" CC="$cc" HOSTCC="$cc" -j"$(nproc)" \
		olddefconfig drivers/misc/ headers >"$out/log" 2>&1 &&
	   make -s -C "$wt/tools/testing/selftests" TARGETS=drivers/ntsync \
		O="$out/kselftest-build" KHDR_INCLUDES="-isystem $out/usr/include" \
		CC=gcc >>"$out/log" 2>&1; then
		echo "PASS bisect: builds: $subject"
		pass=$((pass + 1))
	else
		echo "FAIL bisect: builds: $subject"
		tail -n 20 "$out/log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ -z "$counts" ] || echo "$pass $fail 0" > "$counts"
[ "$fail" -eq 0 ]
