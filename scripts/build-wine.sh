#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched Wine parts (ntdll, wineserver) from wine-src/ inside the
# guest root, with the configure paths Debian's binaries use, and install
# them as a complete second Wine under /opt/kwine in the guest root: stock
# Wine stays in /usr, so one guest runs both.
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

# Configure once per configure input (configure.ac, Makefile.in, this
# script); what debian/rules' override_dh_auto_configure does.
cstamp=$(stamp_of "$0" "$WINE_SRC/configure.ac" "$WINE_SRC/Makefile.in" \
	"$(git -C "$WINE_SRC" ls-files -s -- '*Makefile.in' '*.spec' server/protocol.def | sha256sum)")
if [ "$(cat "$root$bld/.kwine-configured" 2>/dev/null)" != "$cstamp" ]; then
	log "wine: generating files and configuring (about 2 minutes)"
	in_root sh -e -c "
		cd $bld
		./tools/make_unicode
		./tools/make_requests
		./tools/make_specfiles
		(cd dlls/dsound && ./make_fir)
		(cd dlls/opengl32 && ./make_opengl)
		(cd dlls/winevulkan && ./make_vulkan -x /usr/share/vulkan/registry/vk.xml -X /usr/share/vulkan/registry/video.xml)
		ln -sf /usr/share/misc/config.sub tools
		ln -sf /usr/share/misc/config.guess tools
		grep '^	ln -sf \.\./' debian/rules | sed 's/^	//' | sh
		rm -rf libs/zlib
		autoreconf -fi
		./configure --without-oss --without-sane --without-netapi \
			--without-x --without-freetype \
			--libdir=/usr/lib/x86_64-linux-gnu/wine --bindir=/usr/lib/wine \
			--mandir=/usr/share/man --includedir=/usr/include/wine \
			--datarootdir=/usr/share/wine \
			--enable-win64 --with-mingw ZLIB_PE_LIBS=z \
			CFLAGS='-g -O2 -Wno-format'
	" > "$KWINE_BUILD/wine-configure.log" 2>&1 ||
		{ tail -n 30 "$KWINE_BUILD/wine-configure.log" >&2; die "Wine configure failed (log: build/wine-configure.log)"; }
	echo "$cstamp" | as_root tee "$root$bld/.kwine-configured" >/dev/null
fi

log "wine: building ntdll and wineserver"
in_root make -C "$bld" -j"$(nproc)" server/wineserver dlls/ntdll \
	> "$KWINE_BUILD/wine-build.log" 2>&1 ||
	{ grep -E 'error|Error' "$KWINE_BUILD/wine-build.log" | head -n 30 >&2; die "Wine build failed (log: build/wine-build.log)"; }

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
	inst dlls/ntdll/ntdll.so /usr/lib/x86_64-linux-gnu/wine/x86_64-unix/ntdll.so
	inst dlls/ntdll/x86_64-windows/ntdll.dll /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntdll.dll
"
log "wine: done"
