#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the host packages kwine needs (Debian 12), only those missing.
#
#   install-deps.sh [GROUP...]
#
# Groups: "base" (the default: what make test needs), "robot" (make
# robot's compilers and checkers), "series" (make series: b4).
. "$(dirname "$0")/lib.sh"

declare -A GROUP
GROUP[base]="bc bison ca-certificates ccache cpio curl debootstrap flex gcc git
	gcc-mingw-w64-i686 gcc-mingw-w64-x86-64 kmod libelf-dev libssl-dev make perl
	python3 qemu-system-x86 rsync xz-utils"
# The kernel needs LLVM >= 17 and Debian 12's clang is 14: clang-19 is
# Debian 12's newest (ROBOT_LLVM in robot.sh must match).
GROUP[robot]="${GROUP[base]} sparse codespell gcc-aarch64-linux-gnu
	clang-19 lld-19 llvm-19"
# git send-email's Perl modules are only recommended by git-email.
GROUP[series]="git perl python3 b4 git-email libmailtools-perl libauthen-sasl-perl"

PKGS=
for g in "${@:-base}"; do
	[ -n "${GROUP[$g]:-}" ] || die "deps: unknown group $g (base, robot, series)"
	PKGS="$PKGS ${GROUP[$g]}"
done

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	log "deps: all host packages present${1:+ ($*)}"
	exit 0
fi
log "deps: installing ${missing[*]}"
as_root apt-get update -qq >/dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" > "$KWINE_BUILD/apt-host.log" 2>&1 ||
	{ tail -n 20 "$KWINE_BUILD/apt-host.log" >&2; die "apt-get install failed"; }
log "deps: done"
