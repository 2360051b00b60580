#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read a guest run (results.ktap + console.log) and report it.

Every leaf result counts: a top-level test with nested KTAP/TAP results
(kselftests, our Win32 tests) counts each nested result; one without counts
itself.  Failures also come from what the run did not say: a missing result,
a nested plan with fewer results than announced, a guest that did not finish
its plan, QEMU killed on timeout, and any kernel oops, panic, WARN, BUG,
KASAN, lockdep or kmemleak report in the console log.

Prints one line per result, then each top-level test's run time against
its limit ("TIME"), with a warning (not a failure) for a test that used
more than half of it, and ends with "N passed, N failed[, N skipped]".
Writes the counts to --counts FILE for the overall summary, and the test
output before each failure (its last diagnostics) to --details FILE, which
run-tests.sh prints again just before the final count, where a CI log that
keeps only its tail still shows why a test failed.  Exit status is
non-zero on any failure, and on any skip unless --allow-skip.
"""

import argparse
import re
import sys

RESULT = re.compile(r'^(not )?ok (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)')
DETAIL_LINES = 15       # output lines kept to explain one failure

KERNEL_PROBLEMS = [
    re.compile(p) for p in (
        r'Kernel panic',
        r'\bOops\b',
        r'^\s*(\[[ \d.]+\] )?BUG: ',
        r'^\s*(\[[ \d.]+\] )?WARNING: ',
        r'general protection fault',
        r'KASAN: ',
        r'UBSAN: ',
        r'possible circular locking dependency',
        r'possible recursive locking',
        r'inconsistent lock state',
        r'suspicious RCU usage',
        r'unreferenced object 0x',
        r'INFO: task .* blocked for more than',
        r'watchdog: BUG: soft lockup',
        r'rcu: INFO: rcu_.* detected stalls',
        r'Call Trace:',
    )
]


class Test:
    def __init__(self, name):
        self.name = name
        self.ok = None
        self.directive = ''
        self.sub_plan = None
        self.subs = []          # (ok, name, directive, diagnostics)
        self.out = []           # its last output lines (indented, as is)


def is_skip(directive):
    return directive.upper().startswith('SKIP')


def parse_ktap(path):
    plan = None
    tests = []
    cur = None
    diag = []
    complete = False
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\r\n')
            if line.startswith('    '):
                inner = line[4:]
                if cur is None:
                    cur = Test('(unnamed)')
                    diag = []
                cur.out = (cur.out + [inner])[-DETAIL_LINES:]
                if inner.startswith('#'):
                    diag = (diag + [inner])[-DETAIL_LINES:]
                m = PLAN.match(inner)
                if m and cur.sub_plan is None:
                    cur.sub_plan = int(m.group(1))
                    continue
                m = RESULT.match(inner)
                if m:
                    cur.subs.append((m.group(1) is None,
                                     (m.group(3) or '').strip() or m.group(2),
                                     (m.group(4) or '').strip(), diag))
                    diag = []
                continue
            if line.startswith('# kwine: plan complete'):
                complete = True
                continue
            m = PLAN.match(line)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = RESULT.match(line)
            if m:
                t = cur if cur is not None else Test('')
                t.name = (m.group(3) or '').strip()
                t.ok = m.group(1) is None
                t.directive = (m.group(4) or '').strip()
                tests.append(t)
                cur = None
    if cur is not None:
        # Output of a test that never got its result line: the guest died.
        cur.name = '(test running when the guest stopped)'
        cur.ok = False
        cur.directive = 'no result'
        tests.append(cur)
    return plan, tests, complete


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('logdir')
    ap.add_argument('--label', default='guest')
    ap.add_argument('--counts')
    ap.add_argument('--details',
                    help='write the output that explains each failure here')
    ap.add_argument('--allow-skip', action='store_true')
    args = ap.parse_args()

    passed = failed = skipped = 0
    lines = []
    details = []

    def count(ok, name, why='', out=()):
        nonlocal passed, failed, skipped
        if ok is False and out:
            details.append(f'DETAIL {name}:')
            details.extend(f'DETAIL |{o}' for o in out)
        if ok is None:
            skipped += 1
            lines.append(f'SKIP {name}: {why}')
        elif ok:
            passed += 1
            lines.append(f'PASS {name}')
        else:
            failed += 1
            lines.append(f'FAIL {name}' + (f': {why}' if why else ''))

    try:
        plan, tests, complete = parse_ktap(f'{args.logdir}/results.ktap')
    except OSError as e:
        plan, tests, complete = None, [], False
        count(False, f'{args.label}: results', str(e))

    for t in tests:
        tname = f'{args.label}: {t.name}'
        if t.subs:
            for ok, sname, d, diag in t.subs:
                if is_skip(d):
                    count(None, f'{tname}: {sname}', d)
                else:
                    count(ok, f'{tname}: {sname}', d if not ok else '', diag)
            if t.sub_plan is not None and len(t.subs) < t.sub_plan:
                for i in range(len(t.subs), t.sub_plan):
                    count(False, f'{tname}: result {i + 1}',
                          f'missing ({len(t.subs)} of {t.sub_plan} reported)')
            if not t.ok and all(ok for ok, _, d, _ in t.subs
                                if not is_skip(d)):
                count(False, f'{tname}', t.directive or 'non-zero exit',
                      t.out)
        elif is_skip(t.directive):
            count(None, tname, t.directive)
        else:
            count(t.ok, tname, '' if t.ok else t.directive, t.out)

    if plan is None:
        count(False, f'{args.label}: plan', 'guest printed no plan (did it boot?)')
    elif len(tests) < plan:
        for i in range(len(tests), plan):
            count(False, f'{args.label}: test {i + 1}',
                  f'no result ({len(tests)} of {plan} reported)')
    if plan is not None and not complete:
        count(False, f'{args.label}: plan', 'guest did not finish its plan')

    try:
        rc = open(f'{args.logdir}/qemu.rc').read().strip()
    except OSError:
        rc = 'missing'
    if rc != '0':
        why = {'124': 'timed out', '137': 'timed out',
               '125': 'the boot hung twice before init'}.get(rc, f'exit status {rc}')
        count(False, f'{args.label}: qemu', why)

    problems = []
    try:
        with open(f'{args.logdir}/console.log', errors='replace') as f:
            for line in f:
                line = line.rstrip()
                if any(p.search(line) for p in KERNEL_PROBLEMS):
                    problems.append(line)
    except OSError as e:
        problems.append(f'no console log: {e}')
    if problems:
        count(False, f'{args.label}: kernel log clean',
              f'{len(problems)} problem lines, first: {problems[0].strip()}')
    else:
        count(True, f'{args.label}: kernel log clean')

    timing = []
    try:
        hung = open(f'{args.logdir}/boot-hung').read().strip()
        if rc == '0':
            timing.append(f'WARN {args.label}: {hung} (console-boot-hung.log); '
                          'the second boot ran the plan')
    except OSError:
        pass
    for t in tests:
        m = re.search(r'time=(\d+)s limit=(\d+)s', t.directive)
        if not m:
            continue
        used, limit = int(m.group(1)), int(m.group(2))
        timing.append(f'TIME {args.label}: {t.name} {used}s of {limit}s')
        if limit and used * 2 > limit:
            timing.append(f'WARN {args.label}: {t.name} used {used}s, '
                          f'more than half of its {limit}s limit')

    for line in lines + timing:
        print(line)
    summary = f'{passed} passed, {failed} failed'
    if skipped:
        summary += f', {skipped} skipped'
    print(summary)
    if args.counts:
        with open(args.counts, 'w') as f:
            f.write(f'{passed} {failed} {skipped}\n')
    if args.details:
        with open(args.details, 'w') as f:
            f.writelines(d + '\n' for d in details)
    if failed or (skipped and not args.allow_skip):
        if skipped and not failed:
            print(f'{args.label}: skipped tests count as failures here '
                  '(a test that needs something missing must fail)',
                  file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
