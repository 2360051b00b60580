#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the commits of kernel-src/ or wine-src/ (branch kwine, since the
# base tag) back into patches/linux or patches/wine with git format-patch:
# cover letter first (its text is the branch description: edit it with
# "git branch --edit-description kwine"), zeroed commit ids so that an
# unchanged commit gives an unchanged file.
#   export-patches.sh linux|wine
. "$(dirname "$0")/lib.sh"

which=${1:?usage: export-patches.sh linux|wine}
case $which in
linux) tree=$KERNEL_SRC base=v$KERNEL_VERSION ;;
wine) tree=$WINE_SRC base=wine-10.0-debian ;;
*) die "usage: export-patches.sh linux|wine" ;;
esac
[ -d "$tree/.git" ] || die "no git tree at $tree"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	die "$tree has uncommitted changes; commit them first"
dest=$KWINE_PATCHES/$which
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=$(git -C "$tree" rev-list --count "$base..HEAD")
# "PATCH v2" and so on: set with "git config branch.kwine.subjectprefix".
prefix=$(git -C "$tree" config branch.kwine.subjectprefix || echo PATCH)
# Kernel patches: an empty context line is written as an empty line, not
# a lone space, so that checkpatch finds no trailing whitespace even when
# run on the patch as a plain file (git am and patch accept both).
blank=false
[ "$which" = linux ] && blank=true
fmt()
{
	# The cover letter is from the newest commit's author and dated like
	# it, not from whoever runs this, "now": the same series always gives
	# the same files.
	GIT_COMMITTER_DATE=$(git -C "$tree" log -1 --format=%aI HEAD) \
	git -C "$tree" -c core.abbrev=12 -c diff.suppressBlankEmpty=$blank \
		-c user.name="$(git -C "$tree" log -1 --format=%an HEAD)" \
		-c user.email="$(git -C "$tree" log -1 --format=%ae HEAD)" \
		format-patch -q --cover-letter --subject-prefix="$prefix" \
		--cover-from-description=subject --zero-commit --no-signature \
		"$@" -o "$tmp" "$base..HEAD"
}
if [ "$n" -gt 0 ]; then
	fmt
	if [ "$which" = linux ] && [ -x "$tree/scripts/get_maintainer.pl" ]; then
		# Cc: whoever get_maintainer.pl names for the series.
		mapfile -t cc < <(cd "$tree" && perl scripts/get_maintainer.pl \
			--no-git --no-git-fallback --no-rolestats --no-roles \
			$(ls "$tmp"/*.patch | grep -v 0000-cover-letter) 2>/dev/null | sort -u)
		rm -f "$tmp"/*.patch
		fmt "${cc[@]/#/--cc=}"
	fi
fi
mkdir -p "$dest"
# Drop patches that are gone, rewrite only those that changed.
for f in "$dest"/*.patch; do
	[ -e "$f" ] || continue
	[ -e "$tmp/${f##*/}" ] || rm -f "$f"
done
changed=0
for f in "$tmp"/*.patch; do
	[ -e "$f" ] || continue
	if ! cmp -s "$f" "$dest/${f##*/}"; then
		cp "$f" "$dest/"
		changed=$((changed + 1))
	fi
done
log "export $which: $n patches, $changed files written to patches/$which"

# The tree is now what patches/ says: record that for prepare-tree.sh.
shopt -s nullglob
series=()
for p in "$dest"/*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] || series+=("$p")
done
stamp_of "${series[@]}" "$dest/0000-cover-letter.patch" none > "$tree/.git/kwine-series"
git -C "$tree" rev-parse HEAD > "$tree/.git/kwine-head"
