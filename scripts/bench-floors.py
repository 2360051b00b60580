#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check make bench's floors: each absolute figure the table names must be
in results.ktap and inside its sane range.

Prints one "floor:" line per figure and "N passed, N failed"; exits non-zero
when a floor is missing or out of range.
"""

import argparse
import re
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('table')
    ap.add_argument('ktap')
    ap.add_argument('--counts')
    args = ap.parse_args()

    text = open(args.ktap, errors='replace').read()
    passed = failed = 0
    for line in open(args.table):
        if not line.strip() or line.startswith('#'):
            continue
        name, regex, unit, lo, hi = line.rstrip('\n').split('\t')
        m = re.search(regex, text, re.M)
        if not m:
            print(f'FAIL floor: {name}: not in the output (/{regex}/)')
            failed += 1
            continue
        value = float(m.group(1))
        ok = float(lo) <= value <= float(hi)
        print(f'{"PASS" if ok else "FAIL"} floor: {name} {m.group(1)} {unit}'
              f' (sane: {lo}-{hi})')
        if ok:
            passed += 1
        else:
            failed += 1
    print(f'{passed} passed, {failed} failed')
    if args.counts:
        with open(args.counts, 'w') as f:
            f.write(f'{passed} {failed} 0\n')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
