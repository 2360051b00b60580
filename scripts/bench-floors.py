#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check make bench's floors: each absolute figure the table names must be
in results.ktap and inside its sane range, in every round.

A figure belongs to the round of the test whose result line follows it
("ok N NAME_rK"); one printed outside any round's test (EVERY "boot" in
the table) is checked once.  Prints one "floor:" line per figure (median
[min-max] over what was seen) and "N passed, N failed"; exits non-zero
when a floor is missing from a round, or out of range anywhere.
"""

import argparse
import re
import statistics
import sys

RESULT = re.compile(r'^(?:not )?ok \d+ \S+?(?:_r(\d+))?(?: |$)')


def split_rounds(path):
    """{round number or None: text} from a results.ktap"""
    rounds, pending = {}, []
    for line in open(path, errors='replace'):
        m = RESULT.match(line)
        if not m:
            pending.append(line)
            continue
        key = int(m.group(1)) if m.group(1) else None
        rounds[key] = rounds.get(key, '') + ''.join(pending)
        pending = []
    rounds[None] = rounds.get(None, '') + ''.join(pending)
    return rounds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('table')
    ap.add_argument('ktap')
    ap.add_argument('--counts')
    ap.add_argument('--rounds', type=int, default=0,
                    help='rounds run (tests named NAME_rN); 0: the whole '
                    'output is one round')
    args = ap.parse_args()

    by_round = split_rounds(args.ktap)
    whole = ''.join(by_round.values())
    passed = failed = 0
    for line in open(args.table):
        if not line.strip() or line.startswith('#'):
            continue
        name, regex, unit, lo, hi, every = line.rstrip('\n').split('\t')
        if every == 'round' and args.rounds:
            texts = {r: by_round.get(r, '') for r in range(1, args.rounds + 1)}
        else:
            texts = {None: whole}
        found, missing = [], []
        for r, text in texts.items():
            values = re.findall(regex, text, re.M)
            if not values:
                missing.append(r)
            found += values
        if not found:
            print(f'FAIL floor: {name}: not in the output (/{regex}/)')
            failed += 1
            continue
        values = [float(v) for v in found]
        bad = [v for v in found if not float(lo) <= float(v) <= float(hi)]
        ok = not bad and not missing
        shown = found[0] if len(set(found)) == 1 else \
            f'{statistics.median(values):g} [{min(values):g}-{max(values):g}]'
        why = ''
        if bad:
            why += f'; out of range: {", ".join(bad)}'
        if missing:
            why += f'; missing from round {", ".join(str(r) for r in missing)}'
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
