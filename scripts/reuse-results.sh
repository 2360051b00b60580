#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Reuse a guest plan's results when nothing that goes into the run changed
# (as "go test" reuses a cached result).  A green run of a flavour's plan
# is kept in build/reuse/ under a key computed over everything the guest
# sees and everything that judges it; a later run whose key is the same
# takes the kept results.ktap and console.log and reports them again
# through the same report, saying so.  A run that failed, skipped or
# stopped is never kept.  KWINE_RERUN set to anything boots the guest
# anyway.  build/ is the checkout's own: a clean clone (CI) has nothing to
# reuse.
#
#   reuse-results.sh key FLAVOUR ROOT BZIMAGE CMDLINE   print the key
#   reuse-results.sh lookup FLAVOUR KEY LOGDIR          put the kept run's
#       logs into LOGDIR and exit 0, or exit 1 when there is none
#   reuse-results.sh store FLAVOUR KEY LOGDIR COUNTS    keep LOGDIR's run
#       if COUNTS says "N 0 0" with N > 0
#
# The key covers: the bzImage; every file the run staged into the guest
# root's /kwine (test programs, plan, init, ntsync.ko, and the checksums
# of the patched Wine in /opt/kwine); Wine's conformance test programs in
# the root's Wine build tree; the guest root's stamp (its package set);
# this repository's scripts (boot, report, limits); the kernel command
# line, T=, the QEMU options and QEMU's version.  What went into a key is
# kept beside it (BUILD/reuse/FLAVOUR.inputs), so that a run that could
# not reuse says what changed.
. "$(dirname "$0")/lib.sh"

store_dir=$KWINE_BUILD/reuse

key()
{
	local flavour=$1 root=$2 bz=$3 cmdline=$4
	[ -f "$bz" ] || die "reuse: no $bz"
	[ -d "$root/kwine" ] || die "reuse: nothing staged in $root/kwine"
	mkdir -p "$store_dir"
	{
		echo "flavour $flavour"
		echo "root $(basename "$root")"
		echo "cmdline $cmdline"
		echo "tests ${KWINE_TESTS:-}"
		echo "qemu ${KWINE_QEMU_ARGS:-} tcg ${KWINE_TCG_THREAD:-} kvm ${KWINE_KVM:-0}"
		echo "timeouts ${KWINE_QEMU_TIMEOUT:-} ${KWINE_BOOT_TIMEOUT:-}"
		qemu-system-x86_64 --version | head -n 1
		sha256sum "$bz" | cut -d' ' -f1
		(cd "$root/kwine" && as_root find . -type f -print0 | sort -z |
			as_root xargs -0 sha256sum)
		if [ -d "$root/kwine-build" ]; then
			(cd "$root/kwine-build" && as_root find . -type f -name '*_test.exe' -print0 |
				sort -z | as_root xargs -0 -r sha256sum)
		fi
		(cd "$KWINE_TOP/scripts" && find . -type f ! -path './guest/*' -print0 |
			sort -z | xargs -0 sha256sum)
	} > "$store_dir/$flavour.inputs.new"
	sha256sum < "$store_dir/$flavour.inputs.new" | cut -c1-32
}

lookup()
{
	local flavour=$1 key=$2 logdir=$3 d
	d=$store_dir/$flavour-$key
	if [ ! -f "$d/complete" ]; then
		# Say what changed since the last kept run of this flavour.
		if [ -f "$store_dir/$flavour.inputs" ] && [ -f "$store_dir/$flavour.inputs.new" ]; then
			diff "$store_dir/$flavour.inputs" "$store_dir/$flavour.inputs.new" |
				grep '^[<>]' | head -n 6 | sed 's/^/reuse: changed: /' >&2
		fi
		return 1
	fi
	mkdir -p "$logdir"
	rm -f "$logdir/console.log" "$logdir/results.ktap" "$logdir/qemu.out" \
		"$logdir/console-boot-hung.log" "$logdir/boot-hung"
	cp "$d/results.ktap" "$d/console.log" "$logdir/" || return 1
	cat "$d/complete"
}

store()
{
	local flavour=$1 key=$2 logdir=$3 counts=$4 p f s d
	read -r p f s < "$counts" || return 0
	[ "${p:-0}" -gt 0 ] && [ "$f" = 0 ] && [ "${s:-0}" = 0 ] || return 0
	d=$store_dir/$flavour-$key
	rm -rf "$d"
	mkdir -p "$d"
	cp "$logdir/results.ktap" "$logdir/console.log" "$d/" &&
		echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $p passed" > "$d/complete"
	[ ! -f "$store_dir/$flavour.inputs.new" ] ||
		cp "$store_dir/$flavour.inputs.new" "$store_dir/$flavour.inputs"
	# The last three green runs of a flavour are kept (a full plan and
	# T= runs): a few megabytes of logs each.
	find "$store_dir" -maxdepth 1 -type d -name "$flavour-*" -printf '%T@ %p\n' |
		sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -rf
}

cmd=${1:?key, lookup or store}
shift
case $cmd in
key) key "$@" ;;
lookup) lookup "$@" ;;
store) store "$@" ;;
*) die "reuse-results.sh: unknown command $cmd" ;;
esac
