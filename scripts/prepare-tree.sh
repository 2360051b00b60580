#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Create kernel-src/ or wine-src/ as a git tree: the pinned sources as a base
# commit (tagged), our series applied on branch "kwine" with git am.
#
#   prepare-tree.sh linux|wine
#
# A tree that already has the current series applied is left alone, and so
# are a developer's own commits on top of it (export them with
# "make export").  A tree whose series is stale is re-created only when it
# carries no local work; otherwise we stop and say so.
. "$(dirname "$0")/lib.sh"

which=${1:?usage: prepare-tree.sh linux|wine}
case $which in
linux)
	tree=$KERNEL_SRC
	base_tag=v$KERNEL_VERSION
	cache_repo=$KWINE_CACHE/linux-$KERNEL_VERSION.git
	;;
wine)
	tree=$WINE_SRC
	base_tag=wine-10.0-debian
	cache_repo=$KWINE_CACHE/wine-10.0-debian.git
	;;
*)
	die "usage: prepare-tree.sh linux|wine"
	;;
esac
patchdir=$KWINE_PATCHES/$which
series=()
shopt -s nullglob
for p in "$patchdir"/*.patch; do
	case ${p##*/} in
	0000-cover-letter.patch) ;;
	*) series+=("$p") ;;
	esac
done
shopt -u nullglob
want=$(stamp_of "${series[@]}" "$patchdir/0000-cover-letter.patch" none)

# Debian's tarballs are xz files of many blocks, which xz unpacks on
# every core when asked to (-T0); tar's own -J uses one.
untar_xz()
{
	tar -I 'xz -T0' -xf "$@"
}

# No automatic gc: committing a whole kernel tree as the base would
# otherwise repack it (minutes of CPU) before we even clone it.  The
# user's own ignore file and line-ending settings must not change what
# the base commits hold: their ids are what base-commit: and the robot's
# verdict name.
git_quiet()
{
	git -c init.defaultBranch=master -c advice.detachedHead=false -c gc.auto=0 \
		-c core.excludesFile=/dev/null -c core.autocrlf=false "$@"
}

# Base commits are deterministic: same tree, same sha on every machine.
git_base()
{
	GIT_AUTHOR_NAME=kwine GIT_AUTHOR_EMAIL=kwine@localhost \
	GIT_COMMITTER_NAME=kwine GIT_COMMITTER_EMAIL=kwine@localhost \
	GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
		git_quiet "$@"
}

make_base_linux()
{
	local tmp=$1
	bash "$KWINE_TOP/scripts/fetch-sources.sh" kernel
	log "prepare linux: unpacking $KERNEL_TARBALL"
	untar_xz "$KWINE_CACHE/$KERNEL_TARBALL" -C "$tmp" --strip-components=1
	git_quiet -C "$tmp" init -q
	git_quiet -C "$tmp" add -A
	git_base -C "$tmp" commit -q -m "Linux $KERNEL_VERSION" \
		-m "Unpacked from Debian's $KERNEL_TARBALL (sha256 $KERNEL_SHA256)."
	git_base -C "$tmp" tag "$base_tag"
}

make_base_wine()
{
	local tmp=$1 p
	bash "$KWINE_TOP/scripts/fetch-sources.sh" wine
	log "prepare wine: unpacking $WINE_TARBALL"
	untar_xz "$KWINE_CACHE/$WINE_TARBALL" -C "$tmp" --strip-components=1
	git_quiet -C "$tmp" init -q
	git_quiet -C "$tmp" add -A -f
	git_base -C "$tmp" commit -q -m "Wine 10.0" \
		-m "Unpacked from Debian's $WINE_TARBALL (sha256 $WINE_SHA256)."
	git_base -C "$tmp" tag wine-10.0
	# Debian's binaries in the guest carry Debian's patches; ours must
	# build on the same sources to be drop-in compatible with them.
	untar_xz "$KWINE_CACHE/$WINE_DEBIAN_TARBALL" -C "$tmp"
	grep -v -e '^#' -e '^[[:space:]]*$' "$tmp/debian/patches/series" |
	while read -r p; do
		patch -d "$tmp" -p1 -s -F0 -N < "$tmp/debian/patches/$p" ||
			die "Debian patch $p does not apply"
	done
	git_quiet -C "$tmp" add -A -f
	git_base -C "$tmp" commit -q -m "Debian 10.0~repack-6 packaging and patches" \
		-m "debian/ from $WINE_DEBIAN_TARBALL (sha256 $WINE_DEBIAN_SHA256), with debian/patches/series applied."
	git_base -C "$tmp" tag "$base_tag"
}

ensure_cache_repo()
{
	local tmp
	[ -d "$cache_repo" ] && git -C "$cache_repo" rev-parse -q --verify "refs/tags/$base_tag" >/dev/null && return
	tmp=$(mktemp -d "$KWINE_CACHE/base.XXXXXX")
	"make_base_$which" "$tmp"
	rm -rf "$cache_repo"
	git_quiet clone -q --bare "$tmp" "$cache_repo"
	rm -rf "$tmp"
}

apply_series()
{
	local p
	git -C "$tree" checkout -q -B kwine "$base_tag"
	# An automatic repack of a whole kernel tree costs minutes of CPU in
	# the middle of a build; these trees are short-lived.
	git -C "$tree" config gc.auto 0
	git -C "$tree" config --local user.name >/dev/null || git -C "$tree" config user.name "kwine developer"
	git -C "$tree" config --local user.email >/dev/null || git -C "$tree" config user.email "kwine@localhost"
	for p in "${series[@]}"; do
		# Keep the author dates from the patches, commit dates fixed:
		# the same series gives the same commits on every machine.
		if ! git -C "$tree" am -q --committer-date-is-author-date --keep-cr "$p" >"$KWINE_BUILD/git-am-$which.log" 2>&1; then
			git -C "$tree" am --abort >/dev/null 2>&1 || true
			cat "$KWINE_BUILD/git-am-$which.log" >&2
			die "patch does not apply: patches/$which/${p##*/}"
		fi
	done
	# The cover letter's text lives on as the branch description, so that
	# "make export" writes it back unchanged.
	if [ -f "$patchdir/0000-cover-letter.patch" ]; then
		# (a long Subject: is folded over several header lines)
		awk 'hdr_done == 0 && /^Subject: / { subj = $0; in_subj = 1; next }
		     hdr_done == 0 && in_subj && /^[ \t]/ { sub(/^[ \t]+/, " "); subj = subj $0; next }
		     hdr_done == 0 { in_subj = 0 }
		     hdr_done == 0 && /^$/ { hdr_done = 1
			sub(/^Subject: \[PATCH[^]]*\] /, "", subj); print subj; print ""; next }
		     hdr_done == 1 && /^[^ ].*\([0-9]+\):$/ { exit }
		     hdr_done == 1 { print }' "$patchdir/0000-cover-letter.patch" |
			sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$tree/.git/kwine-description"
		git -C "$tree" config branch.kwine.description "$(cat "$tree/.git/kwine-description")"
		# and its subject prefix ("PATCH v2") as the one to export with
		prefix=$(sed -n 's|^Subject: \[\(PATCH[^]]*\) 0*/[0-9]*\].*|\1|p' "$patchdir/0000-cover-letter.patch")
		git -C "$tree" config branch.kwine.subjectprefix "${prefix:-PATCH}"
	fi
	echo "$want" > "$tree/.git/kwine-series"
	git -C "$tree" rev-parse "$base_tag^{commit}" > "$tree/.git/kwine-base"
	git -C "$tree" rev-parse HEAD > "$tree/.git/kwine-head"
	log "prepare $which: ${#series[@]} patches applied on $base_tag"
}

if [ "$which" = linux ] && [ "$KERNEL_SRC" != "$KWINE_TOP/kernel-src" ] &&
   [ -e "$KERNEL_SRC" ] && [ ! -f "$KERNEL_SRC/.git/kwine-series" ]; then
	# A maintainer's own tree: apply the series on a branch of its own,
	# based on whatever they have checked out.
	[ -d "$KERNEL_SRC/.git" ] || die "KERNEL_SRC=$KERNEL_SRC is not a git tree"
	[ -z "$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)" ] ||
		die "KERNEL_SRC=$KERNEL_SRC has uncommitted changes"
	base_tag=$(git -C "$KERNEL_SRC" rev-parse HEAD)
	log "prepare linux: applying series to your tree $KERNEL_SRC on branch kwine"
	apply_series
	exit 0
fi

if [ -d "$tree/.git" ]; then
	have=$(cat "$tree/.git/kwine-series" 2>/dev/null || echo none)
	head=$(git -C "$tree" rev-parse HEAD)
	applied=$(cat "$tree/.git/kwine-head" 2>/dev/null || echo none)
	if [ "$have" = "$want" ]; then
		if [ "$head" != "$applied" ]; then
			log "prepare $which: $tree has local commits on the series (export them with 'make export')"
		fi
		exit 0
	fi
	if [ "$head" != "$applied" ] || [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
		die "$tree has local work but patches/$which changed; export or drop it, or remove the tree"
	fi
	log "prepare $which: series changed, re-applying"
	apply_series
	exit 0
fi

ensure_cache_repo
log "prepare $which: creating $tree"
rm -rf "$tree"
git_quiet clone -q --no-checkout "$cache_repo" "$tree"
git -C "$tree" remote remove origin
apply_series
