#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the host packages kwine needs (Debian 12), only those missing.
. "$(dirname "$0")/lib.sh"

PKGS="bc bison ca-certificates ccache cpio curl debootstrap flex gcc git
	gcc-mingw-w64-x86-64 kmod libelf-dev libssl-dev make perl python3
	qemu-system-x86 rsync xz-utils"

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	log "deps: all host packages present"
	exit 0
fi
log "deps: installing ${missing[*]}"
as_root apt-get update -qq >/dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" > "$KWINE_BUILD/apt-host.log" 2>&1 ||
	{ tail -n 20 "$KWINE_BUILD/apt-host.log" >&2; die "apt-get install failed"; }
log "deps: done"
