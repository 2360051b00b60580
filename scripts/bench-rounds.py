#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise make bench's rounds: every "# bench:" line, once per round.

make bench runs each benchmark in several rounds, interleaved (round 1 of
every benchmark, then round 2, ...).  Lines that differ only in their
numbers are the same figure from different rounds; this prints each once,
in the order of its first appearance, with every number that varied
replaced by "median [min-max]" over the rounds.  A ratio is taken from
each round's own baseline and only then summarised, so "3.7x [3.1-4.0]"
is the spread of same-round ratios.  A line that did not appear in every
round says in how many it did.  A "# bench once:" line, from a
benchmark run once rather than in every round, is printed as it is,
after the others.
"""

import argparse
import re
import statistics
import sys

# A figure: a number not glued to a word ("x86_64", "PE32+", "r1" are
# text), with its sign.
NUM = re.compile(r'(?<![A-Za-z_\d.])(?:-(?=\d))?\d+(?:\.\d+)?')


def fmt(values, decimals, unit=''):
    """median [min-max] of values, with the decimals the benchmark used"""
    def f(v):
        return f'{v:.{decimals}f}'
    lo, hi = min(values), max(values)
    if lo == hi:
        return f(lo) + unit
    sep = ', ' if lo < 0 else '-'
    med = statistics.median(values)
    # the midpoint of an even count may need one more decimal
    shown = f'{med:.{decimals + 1}f}' if round(med, decimals) != med else f(med)
    return f'{shown}{unit} [{f(lo)}{sep}{f(hi)}]'


def summarise(lines, rounds):
    order, seen = [], {}
    for line in lines:
        key = NUM.sub('#', line)
        if key not in seen:
            seen[key] = []
            order.append(key)
        seen[key].append(line)
    out = []
    for key in order:
        group = seen[key]
        columns = list(zip(*(NUM.findall(line) for line in group)))
        parts = key.split('#')
        text = parts[0]
        for i, col in enumerate(columns):
            decimals = max(len(c.split('.')[1]) if '.' in c else 0 for c in col)
            after = parts[i + 1]
            # a ratio keeps its "x" next to the median: "3.9x [3.7-4.1]"
            unit = 'x' if after.startswith('x') and len(set(col)) > 1 else ''
            text += fmt([float(c) for c in col], decimals, unit)
            text += after[len(unit):]
        if rounds and len(group) != rounds:
            text += f' (in {len(group)} of {rounds} rounds)'
        out.append(text)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('ktap')
    ap.add_argument('--rounds', type=int, default=0,
                    help='rounds run; lines seen in fewer are marked')
    args = ap.parse_args()
    lines, once = [], []
    for line in open(args.ktap, errors='replace'):
        m = re.match(r'^\s*# bench: (.*?)\s*$', line)
        if m:
            lines.append(m.group(1))
        # from a test that runs once, not in every round: as it is
        m = re.match(r'^\s*# bench once: (.*?)\s*$', line)
        if m:
            once.append(m.group(1))
    if not lines:
        print('no "# bench:" line in the output', file=sys.stderr)
        return 1
    for text in summarise(lines, args.rounds) + once:
        print('bench: ' + text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
