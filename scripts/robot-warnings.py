#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the diagnostics of two build or checker logs.

    robot-warnings.py [--all] BASE_LOG NEW_LOG

Prints every diagnostic of NEW_LOG that BASE_LOG does not have, one per
line, as NEW_LOG wrote it (colours and the relative path to the source
tree removed).  Diagnostics are compared as multisets of normalised
lines: line and column numbers and code offsets are masked, so a warning
that only moved is not new, while a second copy of a known warning is.

A diagnostic is a line with "warning:" or "error:" in it (compilers,
sparse, kernel-doc, objtool, the linker) or one starting with "WARNING:"
or "ERROR:" (modpost); make's own "*** ... Error 1" lines are not.  With
--all, every non-empty line is one (codespell).
"""
import collections
import re
import sys

ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
# O= builds print sources as ../../src/drivers/...: drop the way there.
RELPATH = re.compile(r'(^|[\s\'"(])(?:\.\./)+[^/\s]+/')
# file:line[:col] at the start of a line, or after a file name with an
# extension anywhere (kernel-doc's "Warning: drivers/x.c:12 ...").
POSITION = re.compile(r'^([^\s:]+):\d+(?::\d+)?|(\.[A-Za-z]+):\d+(?::\d+)?')
OFFSET = re.compile(r'\+0x[0-9a-f]+(/0x[0-9a-f]+)?')
DIAG = re.compile(r'(warning|error):|^(WARNING|ERROR)\b', re.IGNORECASE)


def clean(line):
    line = ANSI.sub('', line.rstrip('\n'))
    return RELPATH.sub(r'\1', line)


def key(line):
    line = POSITION.sub(lambda m: m.group(1) or m.group(2), line)
    return OFFSET.sub('+0x', line).strip()


def diagnostics(path, everything):
    out = []
    with open(path, errors='replace') as f:
        for raw in f:
            line = clean(raw)
            if not line.strip():
                continue
            if not everything:
                if line.startswith('make') or '***' in line:
                    continue
                if not DIAG.search(line):
                    continue
            out.append(line)
    return out


def main(argv):
    everything = False
    if argv and argv[0] == '--all':
        everything = True
        argv = argv[1:]
    if len(argv) != 2:
        sys.exit(__doc__)
    base = collections.Counter(key(l) for l in diagnostics(argv[0], everything))
    for line in diagnostics(argv[1], everything):
        k = key(line)
        if base[k] > 0:
            base[k] -= 1
        else:
            print(line)


if __name__ == '__main__':
    main(sys.argv[1:])
