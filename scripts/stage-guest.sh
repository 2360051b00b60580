#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Put this run's test programs, init and plan into the guest root's /kwine.
#   stage-guest.sh ROOT KERNEL_BUILD_DIR [PLAN]
# A plan line whose name ends in "@plain" is staged only when KWINE_FLAVOUR
# (default plain) is plain: the debug kernel (KASAN under TCG) would take
# far too long over it; one ending in "@debug" only on the debug kernel.
# The suffix is dropped.  Lines whose name ends in
# "@round" (make bench) run KWINE_ROUNDS times (default 5), interleaved
# after all other lines: round 1 of each, then round 2 of each, ...; the
# suffix becomes "_rN".
. "$(dirname "$0")/lib.sh"

root=${1:?root}
kout=${2:?kernel build dir}
plan=${3:-$KWINE_TOP/scripts/guest/plan.tsv}
rounds=${KWINE_ROUNDS:-5}
case $rounds in ''|*[!0-9]*) die "KWINE_ROUNDS=$rounds: want a number of rounds from 1 to 20" ;; esac
[ "$((10#$rounds))" -ge 1 ] && [ "$((10#$rounds))" -le 20 ] ||
	die "KWINE_ROUNDS=$rounds: want a number of rounds from 1 to 20"
g=$root/kwine
as_root rm -rf "$g"
as_root mkdir -p "$g/bin" "$g/bin32"
mkdir -p "$KWINE_BUILD/guest/i386"
as_root cp "$KWINE_TOP/scripts/guest/init" "$KWINE_TOP/scripts/guest/run-wine" \
	"$KWINE_TOP/scripts/guest/kmemleak-check" "$KWINE_TOP/scripts/guest/ntsync-used" \
	"$KWINE_TOP/scripts/guest/wine-sync-bench" "$KWINE_TOP/scripts/guest/wine-prefix.sh" \
	"$KWINE_TOP/scripts/guest/module-check" \
	"$KWINE_TOP/scripts/guest/lsm-check" "$KWINE_TOP/scripts/guest/pingpong-syscalls" \
	"$KWINE_TOP/scripts/guest/kunit-results" "$KWINE_TOP/scripts/guest/image-sections" \
	"$KWINE_TOP/scripts/guest/image-mem-bench" "$KWINE_TOP/scripts/guest/server-exit" \
	"$KWINE_TOP/scripts/guest/server-kill-hidden" "$g/"
grep -v '^#' "$plan" | grep . |
	awk -F '\t' -v OFS='\t' -v flavour="${KWINE_FLAVOUR:-plain}" \
		-v rounds="$((10#$rounds))" '
		$1 ~ /@plain$/ { if (flavour != "plain") next; sub(/@plain$/, "", $1) }
		$1 ~ /@debug$/ { if (flavour != "debug") next; sub(/@debug$/, "", $1) }
		$1 ~ /@round$/ { sub(/@round$/, "", $1); round[++nr] = $0; next }
		{ print }
		END {
			for (r = 1; r <= rounds; r++)
				for (i = 1; i <= nr; i++) {
					split(round[i], f, "\t")
					line = f[1] "_r" r
					for (j = 2; j in f; j++)
						line = line "\t" f[j]
					print line
				}
		}' > "$KWINE_BUILD/guest/plan"
# T=PATTERN (KWINE_TESTS): only the tests whose name matches the extended
# regular expression, plus loading the module they need.
if [ -n "${KWINE_TESTS:-}" ]; then
	awk -F '\t' -v pat="$KWINE_TESTS" '$1 ~ pat || $1 == "ntsync_module_load"' \
		"$KWINE_BUILD/guest/plan" > "$KWINE_BUILD/guest/plan.t"
	grep -qv '^ntsync_module_load	' "$KWINE_BUILD/guest/plan.t" ||
		die "T=$KWINE_TESTS matches no test of the ${KWINE_FLAVOUR:-plain} plan"
	log "stage: only the tests matching T=$KWINE_TESTS: $(cut -f1 "$KWINE_BUILD/guest/plan.t" | tr '\n' ' ')"
	mv "$KWINE_BUILD/guest/plan.t" "$KWINE_BUILD/guest/plan"
fi
as_root cp "$KWINE_BUILD/guest/plan" "$g/plan"

log "stage: test programs"
# Each program is compiled through ccache and then linked (ccache caches
# no link): the second flavour of a run, and a run whose sources did not
# change, compile nothing (32 s a flavour on a 2-core machine without it).
export CCACHE_DIR=${CCACHE_DIR:-$KWINE_CACHE/ccache}
ccache=
command -v ccache >/dev/null && ccache=ccache
# prog OUT SRC CC [FLAGS...]: compile SRC and link OUT with the same FLAGS.
prog()
{
	local out=$1 src=$2 cc=$3
	shift 3
	$ccache "$cc" "$@" -c -o "$out.o" "$src" && "$cc" "$@" -o "$out" "$out.o"
}
prog "$KWINE_BUILD/guest/kwine-reboot" "$KWINE_TOP/scripts/guest/kwine-reboot.c" \
	gcc -O2 -Wall -static || die "building kwine-reboot failed"
as_root cp "$KWINE_BUILD/guest/kwine-reboot" "$g/bin/"
# Every program the ntsync kselftest build made, as NAME-VARIANT.
for v in default O2; do
	for t in "$kout/kselftest-$v/kselftest/drivers/ntsync/"*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		as_root cp "$t" "$g/bin/$(basename "$t")-$v"
	done
done
# selftests/wine/ holds the Win32 programs (tests, probe and benchmark),
# built with mingw as NAME.exe, and the DLLs they load, NAME.dll.c built
# as NAME.dll next to them; selftests/bench/ and selftests/fuzz/ hold
# native Linux programs.  The PE programs carry no link time stamp, so
# that the same sources stage the same files (scripts/reuse-results.sh).
for w in "$KWINE_TOP"/selftests/wine/*.dll.c; do
	[ -e "$w" ] || continue
	prog "$KWINE_BUILD/guest/$(basename "$w" .c)" "$w" \
		x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -Wl,--no-insert-timestamp -shared ||
		die "building ${w#"$KWINE_TOP"/} failed"
	as_root cp "$KWINE_BUILD/guest/$(basename "$w" .c)" "$g/bin/"
done
for w in "$KWINE_TOP"/selftests/wine/*.c; do
	[ -e "$w" ] || continue
	case $w in *.dll.c) continue ;; esac
	prog "$KWINE_BUILD/guest/$(basename "$w" .c).exe" "$w" \
		x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -Wl,--no-insert-timestamp ||
		die "building ${w#"$KWINE_TOP"/} failed"
	as_root cp "$KWINE_BUILD/guest/$(basename "$w" .c).exe" "$g/bin/"
done
# The image tests and the ntsync probe again as 32-bit programs, in bin32
# (their DLLs have the same names), which Wine runs in 64-bit processes
# (WoW64): the loader maps their 32-bit DLLs below 4 GiB.
for w in image-relocs.dll image-relocs-noshare.dll image-relocs.exe image-probe.exe \
	ntsync-probe.exe; do
	src=$KWINE_TOP/selftests/wine/${w%.exe}.c
	flags=
	case $w in *.dll) src=$KWINE_TOP/selftests/wine/$w.c flags=-shared ;; esac
	# shellcheck disable=SC2086 # no flags or one
	prog "$KWINE_BUILD/guest/i386/$w" "$src" \
		i686-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -Wl,--no-insert-timestamp $flags ||
		die "building ${src#"$KWINE_TOP"/} for i386 failed"
	as_root cp "$KWINE_BUILD/guest/i386/$w" "$g/bin32/"
done
# A modular kernel's ntsync.ko, which scripts/guest/module-check loads.
as_root mkdir -p "$g/modules"
if grep -q '^CONFIG_NTSYNC=m' "$kout/.config"; then
	[ -f "$kout/drivers/misc/ntsync.ko" ] || die "no ntsync.ko in $kout"
	as_root cp "$kout/drivers/misc/ntsync.ko" "$g/modules/"
fi
for b in "$KWINE_TOP"/selftests/bench/*.c "$KWINE_TOP"/selftests/fuzz/*.c \
	 "$KWINE_TOP"/selftests/kernel/*.c; do
	[ -e "$b" ] || continue
	prog "$KWINE_BUILD/guest/$(basename "$b" .c)" "$b" \
		gcc -O2 -Wall -Wextra -Werror -static -isystem "$kout/usr/include" ||
		die "building ${b#"$KWINE_TOP"/} failed"
	as_root cp "$KWINE_BUILD/guest/$(basename "$b" .c)" "$g/bin/"
done
# Wine's own kernel32, ntdll and psapi conformance tests, built in the guest root
# by build-wine.sh, and the script that runs them under both Wines.
as_root cp "$KWINE_TOP/scripts/guest/wine-conformance" "$g/"
# The i386 builds of them go to bin/i386, which wine-conformance runs as
# i386/DLL:FILE.
as_root mkdir -p "$g/bin/i386"
for d in kernel32 ntdll psapi; do
	t=kwine-build/wine/dlls/$d/tests/x86_64-windows/${d}_test.exe
	[ -f "$root/$t" ] || die "no /$t in the guest root (run 'make wine')"
	as_root cp "$root/$t" "$g/bin/"
	t=kwine-build/wine-i386/dlls/$d/tests/i386-windows/${d}_test.exe
	[ -f "$root/$t" ] || die "no /$t in the guest root (run 'make wine')"
	as_root cp "$root/$t" "$g/bin/i386/"
done

# What run-wine checks: /opt/kwine holds the files we built.
( cd "$root" && sha256sum opt/kwine/usr/lib/wine/wineserver64 \
	opt/kwine/usr/lib/x86_64-linux-gnu/wine/x86_64-unix/ntdll.so \
	opt/kwine/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntdll.dll ) |
	as_root tee "$g/kwine-wine.sha256" >/dev/null
( cd "$root" && sha256sum kwine-build/wine/server/wineserver \
	kwine-build/wine/dlls/ntdll/ntdll.so \
	kwine-build/wine/dlls/ntdll/x86_64-windows/ntdll.dll ) |
	awk '{ print $1 }' > "$KWINE_BUILD/guest/built.sha256"
awk '{ print $1 }' "$g/kwine-wine.sha256" | cmp -s - "$KWINE_BUILD/guest/built.sha256" ||
	die "/opt/kwine in the guest root is not the Wine build (run 'make wine')"

# The guest has no display.  Wine's desktop (explorer), which starts with
# the first window a prefix needs, then fails to load a driver: creating a
# window fails, and loading user32 in a new process waits seconds for a
# desktop.  Both prefixes use Wine's null display driver instead: windows
# exist, off screen.  user.reg is only read when a wineserver starts, and
# none runs now.
for pfx in "$root"/root/prefix-stock "$root"/root/prefix-kwine; do
	reg=$pfx/user.reg
	[ -f "$reg" ] || die "no Wine prefix at $pfx (the guest root is incomplete)"
	grep -q '^\[Software\\\\Wine\\\\Drivers\]' "$reg" && continue
	printf '\n[Software\\\\Wine\\\\Drivers] %s\n"Graphics"="null"\n' "$(date +%s)" |
		as_root tee -a "$reg" >/dev/null
done
