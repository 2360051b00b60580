#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest root: Debian trixie (minbase) with Debian's Wine 10.0 (its
# 64-bit build and its 32-bit PE DLLs) and what rebuilding Wine parts needs.
# Built once into the cache and reused until this script changes.  Prints
# the root's path on stdout.
. "$(dirname "$0")/lib.sh"

WINE_DEB_VERSION='10.0~repack-6'
# Besides Wine: what the image section and module tests run in the guest
# (mkfs.ext4, apparmor_parser, insmod/rmmod) and strace, which counts the
# system calls of a Wine ping-pong (scripts/guest/pingpong-syscalls).
RUNTIME_PKGS="e2fsprogs apparmor kmod strace"
BUILD_PKGS="gcc make perl python3 flex bison autoconf automake autotools-dev
	dpkg-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 libz-mingw-w64-dev
	zlib1g-dev libvulkan-dev khronos-api unicode-data unicode-idna
	unicode-cldr-core libxml-libxml-perl unzip rsync"

stamp=$(stamp_of "$0" "$GUEST_SUITE" "$WINE_I386_SHA256")
root=$KWINE_CACHE/rootfs-$stamp

if [ -f "$root/.kwine-ready" ]; then
	echo "$root"
	exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap missing (run 'make deps')"
mirror=$(debian_mirror)

# Mounts for running programs in the chroot; always undone.
chroot_mounts=()
umount_all()
{
	local m i
	for ((i = ${#chroot_mounts[@]} - 1; i >= 0; i--)); do
		m=${chroot_mounts[$i]}
		as_root umount -l "$m" 2>/dev/null || true
	done
	chroot_mounts=()
}
trap umount_all EXIT
mount_chroot()
{
	as_root mount -t proc proc "$root/proc"; chroot_mounts+=("$root/proc")
	as_root mount --bind /dev "$root/dev"; chroot_mounts+=("$root/dev")
	as_root mount -t tmpfs tmpfs "$root/dev/shm"; chroot_mounts+=("$root/dev/shm")
}

in_root()
{
	as_root env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 chroot "$root" "$@"
}

# Remove a root safely: never through a mount into the host.
remove_root()
{
	local m
	for m in $(awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
		as_root umount -l "$m" || die "cannot unmount $m"
	done
	as_root rm -rf --one-file-system "$1"
}

# Old roots from earlier versions of this script go away.
for old in "$KWINE_CACHE"/rootfs-*; do
	if [ -d "$old" ] && [ "$old" != "$root" ]; then
		remove_root "$old"
	fi
done
remove_root "$root"
mkdir -p "$root"

log "rootfs: debootstrap $GUEST_SUITE"
as_root debootstrap --variant=minbase "$GUEST_SUITE" "$root" "$mirror" \
	> "$KWINE_BUILD/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$KWINE_BUILD/debootstrap.log" >&2; die "debootstrap failed (log: build/debootstrap.log)"; }

mount_chroot
log "rootfs: installing Wine $WINE_DEB_VERSION, test tools and build tools"
pins=""
for p in wine wine64 libwine; do
	pins="$pins $p=$WINE_DEB_VERSION"
done
in_root apt-get install -y --no-install-recommends $pins $RUNTIME_PKGS $BUILD_PKGS \
	> "$KWINE_BUILD/rootfs-apt.log" 2>&1 ||
	{ tail -n 30 "$KWINE_BUILD/rootfs-apt.log" >&2; die "apt-get in the guest root failed (log: build/rootfs-apt.log)"; }
in_root apt-get clean

# Wine runs 32-bit programs in 64-bit processes (WoW64) when it finds
# 32-bit PE DLLs beside its 64-bit ones: Debian's, from its i386 package
# of the same Wine (pinned in lib.sh), whose i386 Unix libraries and
# Debian's 32-bit loader WoW64 does not use.  Before the prefixes, so
# that wineboot fills their syswow64.  Files of that name from Debian's
# packages are kept.
log "rootfs: adding Wine's 32-bit PE DLLs (WoW64)"
bash "$KWINE_TOP/scripts/fetch-sources.sh" wine-i386 >&2
deb_tmp=$(mktemp -d "$KWINE_BUILD/wine-i386.XXXXXX")
dpkg-deb -x "$KWINE_CACHE/$WINE_I386_DEB" "$deb_tmp" ||
	die "cannot unpack $KWINE_CACHE/$WINE_I386_DEB"
as_root mkdir -p "$root/usr/lib/x86_64-linux-gnu/wine/i386-windows"
# Owned by root in the guest, whoever unpacked them.
as_root cp -r -n --preserve=mode,timestamps,links \
	"$deb_tmp/usr/lib/i386-linux-gnu/wine/i386-windows/." \
	"$root/usr/lib/x86_64-linux-gnu/wine/i386-windows/"
rm -rf "$deb_tmp"

# One prefix per Wine build, so that a lingering wineserver of one can
# never serve the other.
log "rootfs: creating Wine prefixes"
for pfx in stock kwine; do
	in_root env WINEPREFIX=/root/prefix-$pfx WINEDEBUG=-all \
		WINEDLLOVERRIDES='mscoree,mshtml=' /usr/lib/wine/wine64 wineboot --init \
		> "$KWINE_BUILD/rootfs-wineboot-$pfx.log" 2>&1 ||
		{ tail -n 20 "$KWINE_BUILD/rootfs-wineboot-$pfx.log" >&2; die "wineboot failed"; }
	in_root env WINEPREFIX=/root/prefix-$pfx /usr/lib/wine/wineserver -w
done

# wineboot's 32-bit half (wine.inf's Wow64Install, which a 32-bit
# rundll32 runs) fills syswow64.  A host kernel that runs no 32-bit code
# (ia32_emulation off, as in some VMs: "32-bit emulation disabled" in
# dmesg) kills that rundll32 without a word, and every 32-bit program then
# fails in the guest with "could not load kernel32.dll, status c0000135".
# On such a host, put in syswow64 what that half would have: for each file
# wineboot put in system32, the 32-bit PE file of that name (Wine installs
# a builtin DLL or program as a copy of its PE file) or the same NLS file.
# Not made there: the 32-bit COM servers' registrations and the registry
# keys under Wow6432Node, which nothing in the test plan reads.
i386=$root/usr/lib/x86_64-linux-gnu/wine/i386-windows
for pfx in stock kwine; do
	win=$root/root/prefix-$pfx/drive_c/windows
	[ ! -e "$win/syswow64/kernel32.dll" ] || continue
	log "rootfs: prefix-$pfx: wineboot ran no 32-bit code on this host; copying Wine's 32-bit files into syswow64"
	files=()
	for f in "$win"/system32/*; do
		[ -f "$f" ] || continue
		f=${f##*/}
		if [ -f "$i386/$f" ]; then
			files+=("$i386/$f")
		elif [ "${f%.nls}" != "$f" ]; then
			files+=("$win/system32/$f")
		fi
	done
	as_root cp -n --preserve=mode,timestamps -t "$win/syswow64" "${files[@]}"
	[ -e "$win/syswow64/kernel32.dll" ] ||
		die "prefix-$pfx: no 32-bit kernel32.dll in syswow64 (is $i386 there?)"
done

umount_all
touch "$root/.kwine-ready"
log "rootfs: ready at $root"
echo "$root"
