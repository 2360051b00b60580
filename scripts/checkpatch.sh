#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict on every patch of the kernel series: one result
# per patch.  Writes counts to $1 when given.
. "$(dirname "$0")/lib.sh"

counts=${1:-}
cp=$KERNEL_SRC/scripts/checkpatch.pl
[ -x "$cp" ] || die "no checkpatch.pl in $KERNEL_SRC (run 'make prepare')"
# Our kernel-src/ is cut from a tarball and has no upstream history, so
# checkpatch cannot look up the ids in Fixes: tags.  In a maintainer's own
# tree (KERNEL_SRC=) with history, that check stays on.
ignore=()
if [ -z "$(git -C "$KERNEL_SRC" rev-parse -q --verify "v$KERNEL_VERSION^" 2>/dev/null)" ]; then
	ignore=(--ignore UNKNOWN_COMMIT_ID)
fi
pass=0 fail=0
shopt -s nullglob

# What an editor left in a commit message that checkpatch does not see:
# the comment lines of "git commit" or "git rebase -i" (git strips them
# only when the message goes through the editor it started itself).
leftovers()
{
	sed -n '1,/^---$/p' "$1" |
		grep -n -E 'an empty message aborts the commit|interactive rebase in progress|^# (Please enter|On branch|Changes to be committed)' |
		sed 's/^/commit message leftover, line /' || true
}
for p in "$KWINE_PATCHES"/linux/*.patch; do
	case ${p##*/} in 0000-cover-letter.patch) continue ;; esac
	# checkpatch asks "does MAINTAINERS need updating?" of any patch that
	# adds a file without touching MAINTAINERS.  Answer it here instead:
	# every added file must already belong to the NTSYNC entry.
	extra=()
	added=$(awk '/^diff --git /{ f = $4; sub(/^b\//, "", f) } /^new file mode/{ print f }' "$p")
	if [ -n "$added" ] && ! grep -q '^ MAINTAINERS *|' "$p"; then
		uncovered=
		for f in $added; do
			(cd "$KERNEL_SRC" && perl scripts/get_maintainer.pl --no-git \
				--no-git-fallback --sections -f "$f" 2>/dev/null) |
				grep -q '^NTSYNC ' || uncovered="$uncovered $f"
		done
		[ -n "$uncovered" ] || extra=(--ignore FILE_PATH_CHANGES)
	fi
	rc=0
	out=$(cd "$KERNEL_SRC" && perl "$cp" --strict --quiet --no-tree --show-types "${ignore[@]}" "${extra[@]}" "$p" 2>&1) || rc=$?
	left=$(leftovers "$p")
	[ -z "$left" ] || out="$out${out:+$'\n'}$left"
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		echo "PASS checkpatch: ${p##*/}"
		pass=$((pass + 1))
	else
		echo "FAIL checkpatch: ${p##*/}"
		echo "$out" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
# Wine's patches have no checkpatch, but the same leftovers.
left=
for p in "$KWINE_PATCHES"/wine/*.patch; do
	l=$(leftovers "$p")
	[ -z "$l" ] || left="$left${p##*/}: $l"$'\n'
done
if [ -z "$left" ]; then
	echo "PASS commit messages: wine"
	pass=$((pass + 1))
else
	echo "FAIL commit messages: wine"
	printf '%s' "$left" | sed 's/^/    /'
	fail=$((fail + 1))
fi
# The kernel test robot's builds (make robot) take hours on a fresh
# 2-core machine, more than CI has: instead, make robot records the tree
# of a series it found clean, and the series under test must be that one.
verdict=$KWINE_PATCHES/posting/robot.verdict
tree=$(git -C "$KERNEL_SRC" rev-parse "HEAD^{tree}")
dirty=$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)
if [ -n "$dirty" ]; then
	echo "FAIL robot verdict: $KERNEL_SRC has uncommitted changes, which no verdict covers"
	fail=$((fail + 1))
elif [ -f "$verdict" ] && [ "$(sed -n 's/^tree //p' "$verdict")" = "$tree" ]; then
	echo "PASS robot verdict: make robot passed on this series ($(sed -n 's/^date //p' "$verdict"): $(sed -n 's/^result //p' "$verdict"))"
	pass=$((pass + 1))
else
	echo "FAIL robot verdict: make robot has not passed on this series (tree $tree);"
	echo "    run 'make robot' and commit patches/posting/robot.verdict with the patches"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ -z "$counts" ] || echo "$pass $fail 0" > "$counts"
[ "$fail" -eq 0 ]
