#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest root, in the Wine build tree: generate what Debian's
# tarball lacks and configure in-tree (a Debian patch breaks out-of-tree
# builds), as debian/rules' override_dh_auto_configure does, with the
# install paths of Debian's binaries so that our parts are drop-in.
set -e
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
autoreconf -fi
./configure --without-oss --without-sane --without-netapi \
	--without-x --without-freetype \
	--libdir=/usr/lib/x86_64-linux-gnu/wine --bindir=/usr/lib/wine \
	--mandir=/usr/share/man --includedir=/usr/include/wine \
	--datarootdir=/usr/share/wine \
	--enable-win64 --with-mingw ZLIB_PE_LIBS=z \
	CFLAGS='-g -O2 -Wno-format'
