#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest kernel out of tree (O=build/kernel[-debug]) with ccache:
# tinyconfig plus the fragments in scripts/config/, then bzImage, the uapi
# headers and the ntsync kselftests.
#
#   build-kernel.sh [plain|debug|bench]
. "$(dirname "$0")/lib.sh"

flavour=${1:-${KWINE_FLAVOUR:-plain}}
fragments=("$KWINE_TOP/scripts/config/base.config")
case $flavour in
plain) out=$KWINE_BUILD/kernel
       fragments+=("$KWINE_TOP/scripts/config/plain.config") ;;
debug) out=$KWINE_BUILD/kernel-debug
       fragments+=("$KWINE_TOP/scripts/config/debug.config") ;;
bench) out=$KWINE_BUILD/kernel-bench
       fragments+=("$KWINE_TOP/scripts/config/plain.config"
		   "$KWINE_TOP/scripts/config/bench.config") ;;
*) die "usage: build-kernel.sh [plain|debug|bench]" ;;
esac
[ -f "$KERNEL_SRC/Makefile" ] || die "no kernel tree at $KERNEL_SRC (run 'make prepare')"
mkdir -p "$out"

export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$KERNEL_SRC
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=kwine KBUILD_BUILD_HOST=kwine
# scripts/kcc: ccache in depend mode, sources with .incbin uncached
cc="$KWINE_TOP/scripts/kcc gcc"
kmake()
{
	make -s -C "$KERNEL_SRC" O="$out" CC="$cc" HOSTCC="$cc" -j"$(nproc)" "$@"
}

# Regenerate the config into a scratch dir; replace .config only when it
# differs, so that an unchanged config costs no rebuild.
log "kernel[$flavour]: config"
cfg=$out/.kwine-config
rm -rf "$cfg"
mkdir -p "$cfg"
make -s -C "$KERNEL_SRC" O="$cfg" HOSTCC="$cc" tinyconfig >/dev/null
KCONFIG_CONFIG="$cfg/.config" "$KERNEL_SRC/scripts/kconfig/merge_config.sh" \
	-m -Q -O "$cfg" "$cfg/.config" "${fragments[@]}" >"$cfg/merge.log" 2>&1 ||
	{ cat "$cfg/merge.log" >&2; die "merge_config failed"; }
make -s -C "$KERNEL_SRC" O="$cfg" HOSTCC="$cc" olddefconfig >/dev/null

# Every symbol a fragment asks for must come out as asked; a silently
# dropped option (say NTSYNC) would make the test run meaningless.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n)
		if grep -q "^${line%%=*}=" "$cfg/.config"; then
			log "config: wanted ${line%%=*} off, got: $(grep "^${line%%=*}=" "$cfg/.config")"
			bad=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$cfg/.config"; then
			log "config: wanted $line, got: $(grep "^${line%%=*}=\|^# ${line%%=*} " "$cfg/.config" || echo unset)"
			bad=1
		fi ;;
	esac
done < <(cat "${fragments[@]}" | grep '^CONFIG_')
[ "$bad" = 0 ] || die "kernel config does not match scripts/config fragments"
if ! cmp -s "$cfg/.config" "$out/.config"; then
	cp "$cfg/.config" "$out/.config"
fi
rm -rf "$cfg"

log "kernel[$flavour]: bzImage"
kmake olddefconfig >/dev/null
kmake bzImage 2> >(grep -v '^$' >&2) || die "kernel build failed"
if grep -q '^CONFIG_MODULES=y' "$out/.config"; then
	log "kernel[$flavour]: modules"
	kmake modules 2> >(grep -v '^$' >&2) || die "module build failed"
fi
log "kernel[$flavour]: headers"
kmake headers >/dev/null

# The ntsync kselftests through the kselftest build: once with its own
# flags, once optimized as distributions build them.
log "kernel[$flavour]: kselftests"
for variant in default O2; do
	uflags=
	[ $variant = O2 ] && uflags=-O2
	make -s -C "$KERNEL_SRC/tools/testing/selftests" TARGETS=drivers/ntsync \
		O="$out/kselftest-$variant" KHDR_INCLUDES="-isystem $out/usr/include" \
		CC=gcc USERCFLAGS="$uflags" >/dev/null || die "kselftest build ($variant) failed"
	[ -x "$out/kselftest-$variant/kselftest/drivers/ntsync/ntsync" ] ||
		die "kselftest build ($variant) made no ntsync binary"
done
log "kernel[$flavour]: done: $out/arch/x86/boot/bzImage"
