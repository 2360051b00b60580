/*
 * image-relocs.dll.c built without its shared section, as
 * image-relocs-noshare.dll: image-relocs.exe loads it at two addresses.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define KW_NO_SHARED
#include "image-relocs.dll.c"
