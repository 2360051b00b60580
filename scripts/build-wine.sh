#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched Wine parts (ntdll, wineserver) from wine-src/ inside the
# guest root, with the configure paths Debian's binaries use, and install
# them as a complete second Wine under /opt/kwine in the guest root: stock
# Wine stays in /usr, so one guest runs both.  Also builds Wine's own
# kernel32, ntdll and psapi conformance tests, for x86_64 and for i386, which
# stage-guest.sh copies into the guest.
. "$(dirname "$0")/lib.sh"

root=$(bash "$KWINE_TOP/scripts/build-rootfs.sh")
[ -f "$WINE_SRC/configure.ac" ] || die "no Wine tree at $WINE_SRC (run 'make prepare')"
bld=/kwine-build/wine

mounted=()
cleanup()
{
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		as_root umount -l "${mounted[$i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
for m in proc dev; do
	if [ $m = proc ]; then
		as_root mount -t proc proc "$root/proc"
	else
		as_root mount --bind /dev "$root/dev"
	fi
	mounted+=("$root/$m")
done

in_root()
{
	as_root env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		chroot "$root" "$@"
}

# Copy the sources in; unchanged files keep their mtimes, so make stays
# incremental.  Generated files of the in-tree build are left alone.
log "wine: syncing sources"
as_root mkdir -p "$root$bld"
as_root rsync -a --exclude=/.git "$WINE_SRC/" "$root$bld/"

# make goes by mtimes, and this machine's clock cannot be trusted across
# sessions (seen on 2026-12-04: an object file stamped hours after the
# source it was built from, which had changed since, so make kept the
# stale object).  So a source file whose content is not what the last
# build compiled is stamped newer than every file of the build tree:
# C sources and headers only (the configure stamp below covers the
# files configure reads).  The content of a file is its git blob id (of
# the working tree's copy for files changed since the index); the first
# build with this stamps them all.
sources()
{
	local f
	git -C "$WINE_SRC" ls-files -m > "$KWINE_BUILD/wine-sources.modified"
	git -C "$WINE_SRC" ls-files -s | awk -F '\t' -v mod="$KWINE_BUILD/wine-sources.modified" '
		BEGIN { while ((getline line < mod) > 0) m[line] = 1 }
		!($2 in m) { split($1, a, " "); print a[2] "\t" $2 }'
	while IFS= read -r f; do
		[ -f "$WINE_SRC/$f" ] && printf '%s\t%s\n' "$(git -C "$WINE_SRC" hash-object -- "$f")" "$f"
	done < "$KWINE_BUILD/wine-sources.modified"
}
manifest=$root$bld/.kwine-sources
sources | LC_ALL=C sort > "$KWINE_BUILD/wine-sources.new"
changed=$(as_root cat "$manifest" 2>/dev/null | LC_ALL=C comm -13 - "$KWINE_BUILD/wine-sources.new" |
	cut -f2- | grep -E '\.[ch]$' || true)
if [ -n "$changed" ]; then
	newest=$(as_root find "$root$bld" -type f -printf '%T@\n' | sort -n | tail -n 1)
	newest=${newest%.*}
	stamp=$(date +%s)
	[ "${newest:-0}" -ge "$stamp" ] && stamp=$((newest + 1))
	log "wine: $(echo "$changed" | wc -l) source files changed since the last build"
	(cd "$root$bld" && echo "$changed" | as_root xargs -d '\n' touch -c -d "@$stamp")
fi

# The ntsync uapi header of our kernel series: the Wine patches build their
# ntsync support when configure finds <linux/ntsync.h>, and use the timer
# ioctls if it has them.  Debian's linux-libc-dev lacks both.
hdr=$KERNEL_SRC/include/uapi/linux/ntsync.h
[ -f "$hdr" ] || die "no $hdr (run 'make prepare')"
as_root mkdir -p "$root/usr/local/include/linux"
as_root cp "$hdr" "$root/usr/local/include/linux/ntsync.h"

# Configure once per configure input (configure.ac, the Makefile.in files,
# the spec files, the server protocol, the ntsync header,
# scripts/guest/wine-configure.sh).
conf=$KWINE_TOP/scripts/guest/wine-configure.sh
cstamp=$(stamp_of "$conf" "$WINE_SRC/configure.ac" "$hdr" \
	"$(git -C "$WINE_SRC" ls-files -s -- configure.ac '*Makefile.in' '*.spec' server/protocol.def | sha256sum)")
if [ "$(cat "$root$bld/.kwine-configured" 2>/dev/null)" != "$cstamp" ]; then
	log "wine: generating files and configuring (about 3 minutes)"
	as_root cp "$conf" "$root$bld/.kwine-configure.sh"
	in_root sh -c "cd $bld && sh ./.kwine-configure.sh" \
		> "$KWINE_BUILD/wine-configure.log" 2>&1 ||
		{ tail -n 30 "$KWINE_BUILD/wine-configure.log" >&2; die "Wine configure failed (log: build/wine-configure.log)"; }
	echo "$cstamp" | as_root tee "$root$bld/.kwine-configured" >/dev/null
fi

# Also Wine's own conformance tests for kernel32, ntdll and psapi (x86_64), which
# the guest runs under both Wines (scripts/guest/wine-conformance): one
# executable per DLL, each running one test file per invocation.  The first
# build compiles about 70 files (1-2 minutes); make redoes only what changed.
log "wine: building ntdll, wineserver and the kernel32, ntdll and psapi tests"
in_root make -C "$bld" -j"$(nproc)" server/wineserver dlls/ntdll/all \
	dlls/kernel32/tests/x86_64-windows/kernel32_test.exe \
	dlls/ntdll/tests/x86_64-windows/ntdll_test.exe \
	dlls/psapi/tests/x86_64-windows/psapi_test.exe \
	> "$KWINE_BUILD/wine-build.log" 2>&1 ||
	{ grep -E 'error|Error' "$KWINE_BUILD/wine-build.log" | head -n 30 >&2; die "Wine build failed (log: build/wine-build.log)"; }
as_root cp "$KWINE_BUILD/wine-sources.new" "$manifest"

# The same conformance tests as 32-bit programs, which the guest runs
# under WoW64: built in a copy of the generated and configured tree,
# configured again for both PE architectures.  The copy is made again
# whenever the tree is configured again or the tests' sources or Wine's
# headers change (the kwine patches change neither); its own stamp is
# written last, so an interrupted copy or configure is made again.
b32=/kwine-build/wine-i386
stamp32=$(stamp_of "$cstamp" "$(git -C "$WINE_SRC" ls-files -s -- dlls/kernel32/tests \
	dlls/ntdll/tests dlls/psapi/tests include | sha256sum)")
if [ "$(as_root cat "$root$b32/.kwine-i386-configured" 2>/dev/null)" != "$stamp32" ]; then
	log "wine: configuring a copy of the tree for the i386 tests (about 1 minute)"
	as_root rm -rf "$root$b32"
	as_root cp -a "$root$bld" "$root$b32"
	in_root sh -c "cd $b32 && sh ./.kwine-configure.sh i386-tests" \
		> "$KWINE_BUILD/wine-configure-i386.log" 2>&1 ||
		{ tail -n 30 "$KWINE_BUILD/wine-configure-i386.log" >&2; die "Wine configure for i386 failed (log: build/wine-configure-i386.log)"; }
	echo "$stamp32" | as_root tee "$root$b32/.kwine-i386-configured" >/dev/null
fi
log "wine: building the kernel32, ntdll and psapi tests for i386"
in_root make -C "$b32" -j"$(nproc)" \
	dlls/kernel32/tests/i386-windows/kernel32_test.exe \
	dlls/ntdll/tests/i386-windows/ntdll_test.exe \
	dlls/psapi/tests/i386-windows/psapi_test.exe \
	> "$KWINE_BUILD/wine-build-i386.log" 2>&1 ||
	{ grep -E 'error|Error' "$KWINE_BUILD/wine-build-i386.log" | head -n 30 >&2; die "Wine i386 test build failed (log: build/wine-build-i386.log)"; }

# /opt/kwine mirrors Debian's layout (Wine finds its parts by relative
# paths), hard-linked to stock Wine except for the rebuilt files.
log "wine: installing patched Wine into /opt/kwine"
in_root sh -e -c "
	rm -rf /opt/kwine
	for d in /usr/lib/wine /usr/lib/x86_64-linux-gnu/wine /usr/share/wine; do
		mkdir -p /opt/kwine\${d%/*}
		cp -al \$d /opt/kwine\$d
	done
	inst() { rm -f \"/opt/kwine\$2\"; cp \"$bld/\$1\" \"/opt/kwine\$2\"; }
	inst server/wineserver /usr/lib/wine/wineserver64
	# Debian's wineserver wrapper names the stock binary; ours names ours.
	sed 's|/usr/lib/wine/|/opt/kwine/usr/lib/wine/|g' /usr/lib/wine/wineserver > /opt/kwine/wineserver.new
	rm -f /opt/kwine/usr/lib/wine/wineserver
	mv /opt/kwine/wineserver.new /opt/kwine/usr/lib/wine/wineserver
	chmod 755 /opt/kwine/usr/lib/wine/wineserver
	inst dlls/ntdll/ntdll.so /usr/lib/x86_64-linux-gnu/wine/x86_64-unix/ntdll.so
	inst dlls/ntdll/x86_64-windows/ntdll.dll /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntdll.dll
	# The prefix keeps a copy of each builtin DLL in system32, which
	# wineboot wrote from stock Wine when the guest root was built; a
	# prefix of the patched Wine holds its ntdll.dll (kernel32:loader
	# compares the loaded module's headers with that file).
	cp "$bld/dlls/ntdll/x86_64-windows/ntdll.dll" /root/prefix-kwine/drive_c/windows/system32/ntdll.dll
"
log "wine: done"
