#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Download the pinned kernel and Wine source tarballs, and Debian's package
# of Wine's 32-bit PE DLLs, from the Debian archive this machine is
# configured for, check their sha256, and keep them in the cache.  A
# verified file is never downloaded again.
. "$(dirname "$0")/lib.sh"

fetch()
{
	local pool=$1 file=$2 sum=$3 dest url
	dest=$KWINE_CACHE/$file
	if [ -f "$dest" ] && [ -f "$dest.ok" ]; then
		return 0
	fi
	url="$(debian_mirror)/$pool/$(printf '%s' "$file" | sed 's/~/%7E/g')"
	log "fetch: $file"
	curl -fL --retry 3 --connect-timeout 30 -o "$dest.part" "$url" ||
		die "download failed: $url"
	echo "$sum  $dest.part" | sha256sum -c --quiet - ||
		die "sha256 mismatch for $file (expected $sum)"
	mv "$dest.part" "$dest"
	touch "$dest.ok"
}

what=${1:-all}
case $what in
kernel|all)
	fetch "$KERNEL_POOL" "$KERNEL_TARBALL" "$KERNEL_SHA256" ;;&
wine|all)
	fetch "$WINE_POOL" "$WINE_TARBALL" "$WINE_SHA256"
	fetch "$WINE_POOL" "$WINE_DEBIAN_TARBALL" "$WINE_DEBIAN_SHA256" ;;&
wine-i386|all)
	fetch "$WINE_POOL" "$WINE_I386_DEB" "$WINE_I386_SHA256" ;;
esac
log "fetch: $what sources verified"
