#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check make bench's floors: each absolute figure the table names must be
in results.ktap and inside its sane range, in every round.

Prints one "floor:" line per figure (median [min-max] over the rounds) and
"N passed, N failed"; exits non-zero when a floor is missing from a round
or out of range in any.
"""

import argparse
import re
import statistics
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('table')
    ap.add_argument('ktap')
    ap.add_argument('--counts')
    ap.add_argument('--rounds', type=int, default=1,
                    help='rounds run: each floor must appear in as many')
    args = ap.parse_args()

    text = open(args.ktap, errors='replace').read()
    passed = failed = 0
    for line in open(args.table):
        if not line.strip() or line.startswith('#'):
            continue
        name, regex, unit, lo, hi, every = line.rstrip('\n').split('\t')
        want = args.rounds if every == 'round' else 1
        found = re.findall(regex, text, re.M)
        if not found:
            print(f'FAIL floor: {name}: not in the output (/{regex}/)')
            failed += 1
            continue
        values = [float(v) for v in found]
        bad = [v for v in found if not float(lo) <= float(v) <= float(hi)]
        ok = not bad and len(found) >= want
        shown = found[0] if len(set(found)) == 1 else \
            f'{statistics.median(values):g} [{min(values):g}-{max(values):g}]'
        why = ''
        if bad:
            why = f'; out of range: {", ".join(bad)}'
        elif len(found) < want:
            why = f'; missing from {want - len(found)} of {want} rounds'
        print(f'{"PASS" if ok else "FAIL"} floor: {name} {shown} {unit}'
              f' (sane: {lo}-{hi}; seen {len(found)}x{why})')
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
