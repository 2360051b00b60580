# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the kwine scripts.  Source it; do not run it.

set -euo pipefail

KWINE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KWINE_CACHE=${KWINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwine}
KWINE_BUILD=${KWINE_BUILD:-$KWINE_TOP/build}
KERNEL_SRC=${KERNEL_SRC:-$KWINE_TOP/kernel-src}
WINE_SRC=${WINE_SRC:-$KWINE_TOP/wine-src}
KWINE_PATCHES=${KWINE_PATCHES:-$KWINE_TOP/patches}
KWINE_START=${KWINE_START:-$(date +%s)}
export KWINE_TOP KWINE_CACHE KWINE_BUILD KERNEL_SRC WINE_SRC KWINE_PATCHES KWINE_START

mkdir -p "$KWINE_CACHE" "$KWINE_BUILD"

# Pinned inputs (see shared BRIEF): Debian pool path and sha256.
KERNEL_VERSION=7.2.8
KERNEL_TARBALL=linux_7.2.8.orig.tar.xz
KERNEL_POOL=pool/main/l/linux
KERNEL_SHA256=08f058f9de8d487e32a5c9e2855ee7e35bee1a047e77d37ba797d734c0cc07b3
WINE_TARBALL='wine_10.0~repack.orig.tar.xz'
WINE_POOL=pool/main/w/wine
WINE_SHA256=e87ff2971c9b2e79fc63341f044d7513e66f3c3782b49609746428caa87c6ee6
WINE_DEBIAN_TARBALL='wine_10.0~repack-6.debian.tar.xz'
WINE_DEBIAN_SHA256=2a8343e7da627528a348e591fcf4531a9935512d771f896226b5f375d4898679
# Debian's 32-bit PE DLLs of the same Wine, for 32-bit programs (WoW64).
WINE_I386_DEB='libwine_10.0~repack-6_i386.deb'
WINE_I386_SHA256=fef4802a6553a17eaa40003333a86fc697440d1d21c5824f2dbd1c444f01527b
GUEST_SUITE=trixie

# CPU seconds of a "times" line ("0m1.250s 0m0.500s": children's user, sys).
cpu_of()
{
	awk '{ for (i = 1; i <= 2; i++) {
		split($i, t, /[ms]/); s[i] = t[1] * 60 + t[2] } }
	     END { printf "%.0f %.0f\n", s[1], s[2] }'
}

# Run a command in this shell and write what its children cost in CPU to
# FILE ("U s user, S s sys"); returns the command's status.  "times" sees
# only the children of the shell it runs in, so it must not run in a
# subshell; the variables are prefixed so that the command's own (a
# function setting "rc", say) are not shadowed.
with_cpu()
{
	local _wc_file=$1 _wc_u0 _wc_s0 _wc_u1 _wc_s1 _wc_rc=0
	shift
	times > "$_wc_file"
	read -r _wc_u0 _wc_s0 < <(tail -n 1 "$_wc_file" | cpu_of)
	"$@" || _wc_rc=$?
	times > "$_wc_file"
	read -r _wc_u1 _wc_s1 < <(tail -n 1 "$_wc_file" | cpu_of)
	echo "$((_wc_u1 - _wc_u0)) s user, $((_wc_s1 - _wc_s0)) s sys" > "$_wc_file"
	return "$_wc_rc"
}

# Seconds of CPU time the whole machine has spent busy since it booted
# (/proc/stat: user, nice, system, irq, softirq and steal; not idle or
# iowait), whoever spent it.
machine_cpu()
{
	awk -v hz="$(getconf CLK_TCK)" \
		'$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

# One progress line per stage: "[  12s] stage: message".
log()
{
	local now
	now=$(date +%s)
	printf '[%5ss] %s\n' "$((now - KWINE_START))" "$*" >&2
}

die()
{
	log "ERROR: $*"
	exit 1
}

# The Debian mirror this machine's apt uses; never hard-coded in the repo.
debian_mirror()
{
	local uri=""
	if [ -n "${KWINE_MIRROR:-}" ]; then
		echo "$KWINE_MIRROR"
		return
	fi
	shopt -s nullglob
	for f in /etc/apt/sources.list.d/*.sources; do
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f" |
			grep -E '/debian/?$' | head -n 1 || true)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			uri=$(awk '$1 == "deb" || $1 == "deb-src" {
				for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break }
			}' "$f" | grep -E '/debian/?$' | head -n 1 || true)
			[ -n "$uri" ] && break
		done
	fi
	shopt -u nullglob
	[ -n "$uri" ] || die "no Debian mirror found in apt configuration (set KWINE_MIRROR)"
	echo "${uri%/}"
}

# Run a command as root (we are root in CI; sudo for a developer).
as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# Print a stamp (sha256) over the given files/strings, for rebuild checks.
stamp_of()
{
	local x
	for x in "$@"; do
		if [ -f "$x" ]; then
			sha256sum < "$x"
		else
			echo "$x"
		fi
	done | sha256sum | cut -c1-16
}

# The kernel command line for a guest of FLAVOUR, on top of KWINE_CMDLINE:
# the debug kernel says it is the debug kernel, which the guest plan reads,
# and boots with pci=noacpi (set KWINE_DEBUG_CMDLINE to replace that).
# With kmemleak, KASAN and lockdep together, each allocation under TCG
# costs three stack unwinds, and the ACPI interpreter evaluating the PCI
# interrupt routing tables for virtio-pci allocates so much that the boot
# stalled there for over 400 s; the legacy PIRQ table QEMU also provides
# routes the same interrupts in no time.
guest_cmdline()
{
	if [ "$1" = debug ]; then
		echo "${KWINE_DEBUG_CMDLINE-pci=noacpi} kwine.flavour=debug ${KWINE_CMDLINE:-}"
	else
		echo "${KWINE_CMDLINE:-}"
	fi
}
