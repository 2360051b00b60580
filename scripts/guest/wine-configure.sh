#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest root, in the Wine build tree: generate what Debian's
# tarball lacks and configure in-tree (a Debian patch breaks out-of-tree
# builds), as debian/rules' override_dh_auto_configure does, with the
# install paths of Debian's binaries so that our parts are drop-in.
#   .kwine-configure.sh             generate, then configure for x86_64
#   .kwine-configure.sh i386-tests  configure again, for both PE
#                                   architectures (x86_64 Unix side),
#                                   a copy of a tree generated and
#                                   configured so: it builds the i386
#                                   conformance tests
set -e
configure()
{
	./configure --without-oss --without-sane --without-netapi \
		--without-x --without-freetype \
		--libdir=/usr/lib/x86_64-linux-gnu/wine --bindir=/usr/lib/wine \
		--mandir=/usr/share/man --includedir=/usr/include/wine \
		--datarootdir=/usr/share/wine \
		"$1" --with-mingw ZLIB_PE_LIBS=z \
		CFLAGS='-g -O2 -Wno-format'
}
if [ "${1:-}" = i386-tests ]; then
	configure --enable-archs=i386,x86_64
	exit
fi
./tools/make_unicode
./tools/make_requests
./tools/make_specfiles
(cd dlls/dsound && ./make_fir)
(cd dlls/opengl32 && ./make_opengl)
(cd dlls/winevulkan && ./make_vulkan -x /usr/share/vulkan/registry/vk.xml \
	-X /usr/share/vulkan/registry/video.xml)
ln -sf /usr/share/misc/config.sub tools
ln -sf /usr/share/misc/config.guess tools
# the icon source links of debian/rules
grep '^	ln -sf \.\./' debian/rules | sed 's/^	//' | sh
rm -rf libs/zlib
# Wine's own conformance tests for kernel32 and ntdll: Debian's
# disable/generated-data.patch drops their directories from configure.ac
# because the repacked tarball lacks their generated.c (data structure
# layout tests; Wine's generator, tools/winapi/winapi_test, is stale in
# 10.0 and its ntdll output does not build).  Put the directories back,
# with a generated.c whose one test skips; we run other tests of them.
for d in kernel32 ntdll; do
	grep -q "^WINE_CONFIG_MAKEFILE(dlls/$d/tests)" configure.ac ||
		sed -i "s|^WINE_CONFIG_MAKEFILE(dlls/$d)\$|&\nWINE_CONFIG_MAKEFILE(dlls/$d/tests)|" configure.ac
	grep -q "^WINE_CONFIG_MAKEFILE(dlls/$d/tests)" configure.ac
	[ -e dlls/$d/tests/generated.c ] || cat > dlls/$d/tests/generated.c <<'EOF'
/* kwine: stands in for generated.c, which Debian's Wine tarball lacks. */
#include <stdarg.h>
#include "windef.h"
#include "winbase.h"
#include "wine/test.h"

START_TEST(generated)
{
    skip("generated.c is not in Debian's Wine tarball\n");
}
EOF
done
autoreconf -fi
configure --enable-win64
