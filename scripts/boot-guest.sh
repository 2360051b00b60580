#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the guest kernel under QEMU (TCG) with the guest root over 9p, run
# the staged plan, and leave console.log and results.ktap in LOGDIR.
# Prints one line per finished test as it happens.  The QEMU run is killed
# after KWINE_QEMU_TIMEOUT seconds (default 4000: each test has its own
# limit in the guest, so this only catches a guest that stops; the plain
# plan took 1,133 s on a fresh 2-CPU machine, with a test timing out);
# the report step then finds the missing results.
# A guest whose init has not started within KWINE_BOOT_TIMEOUT seconds
# (default 900; its first KTAP line came after 1-2 minutes on the debug
# kernel, which runs KUnit at boot, and seconds on the plain one) hung
# while booting, before any test ran (the debug kernel does without the
# pci=noacpi of guest_cmdline: virtio's interrupt is lost and the root
# never mounts): QEMU is killed and the boot tried
# once more, with a warning and the hung console kept as
# console-boot-hung.log; a second hung boot fails the run.
# KWINE_QEMU_ARGS: more QEMU options (make bench adds -mem-prealloc).
#   boot-guest.sh BZIMAGE ROOT LOGDIR
. "$(dirname "$0")/lib.sh"

bz=${1:?bzImage}
root=${2:?root}
logdir=${3:?logdir}
tmo=${KWINE_QEMU_TIMEOUT:-4000}
boot_tmo=${KWINE_BOOT_TIMEOUT:-900}
mkdir -p "$logdir"
rm -f "$logdir/console.log" "$logdir/results.ktap" "$logdir/console-boot-hung.log" \
	"$logdir/boot-hung"

# TCG unless asked: a /dev/kvm that opens is no proof that KVM works (on
# these nested machines a KVM guest spins without a line of output).
# KWINE_TCG_THREAD=single runs both vCPUs on one host thread (make bench):
# with QEMU's default, a thread per vCPU, every guest cross-CPU wakeup is
# also a host thread wakeup, whose cost follows the host's load.
read -ra qemu_extra <<< "${KWINE_QEMU_ARGS:-}"
accel=tcg
[ "${KWINE_KVM:-0}" = 1 ] && accel=kvm
accel_opt=(-machine "accel=$accel")
if [ "$accel" = tcg ] && [ -n "${KWINE_TCG_THREAD:-}" ]; then
	accel_opt=(-accel "tcg,thread=$KWINE_TCG_THREAD")
	accel="tcg, thread=$KWINE_TCG_THREAD"
fi
# Default machine and CPU model: with "-cpu max", QEMU 7.2's TCG takes an
# iretq executed in user mode (Wine's syscall return path) for a supervisor
# access and faults under SMAP.
boot()
{
	: > "$logdir/results.ktap"
	rm -f "$logdir/console.log" "$logdir/boot-hung"
	log "qemu: booting ${bz#"$KWINE_TOP"/} ($accel, timeout ${tmo}s)"
	timeout -k 10 "$tmo" qemu-system-x86_64 "${accel_opt[@]}" \
		-m 2G -smp 2 -display none -no-reboot -monitor none \
		-serial "file:$logdir/console.log" -serial "file:$logdir/results.ktap" \
		-kernel "$bz" "${qemu_extra[@]}" \
		-virtfs "local,path=$root,mount_tag=root,security_model=none,multidevs=remap" \
		-append "console=ttyS0 root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose rw init=/kwine/init panic=-1 ${KWINE_CMDLINE:-}" \
		> "$logdir/qemu.out" 2>&1 < /dev/null &
	qemu=$!

	# The boot watchdog: no KTAP line from init in time, the guest hung.
	(
		waited=0
		while kill -0 "$qemu" 2>/dev/null; do
			[ -s "$logdir/results.ktap" ] && exit 0
			if [ "$waited" -ge "$boot_tmo" ]; then
				echo "$waited" > "$logdir/boot-hung"
				kill "$qemu" 2>/dev/null
				exit 0
			fi
			sleep 5
			waited=$((waited + 5))
		done
	) &
	watchdog=$!

	# Live progress from the results port, until QEMU (or its timeout) exits;
	# nothing of it may outlive this script and hold our stdout open.  A guest
	# that never finishes a test leaves grep without a match: with pipefail
	# that must not end this script before it records QEMU's status.
	tail --pid="$qemu" -n +1 -F "$logdir/results.ktap" 2>/dev/null |
		grep --line-buffered -E '^(not )?ok [0-9]+ ' |
		while IFS= read -r line; do log "guest: $line"; done || true

	rc=0
	wait "$qemu" || rc=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
}

# A boot, and a second one when the first hung before init.
boots()
{
	boot
	if [ -f "$logdir/boot-hung" ]; then
		log "qemu: WARNING: no output from the guest's init within ${boot_tmo}s: the boot hung" \
			"before any test ran (console: $(grep -v '^ ' "$logdir/console.log" | tail -n 1));" \
			"kept as console-boot-hung.log, booting once more"
		mv "$logdir/console.log" "$logdir/console-boot-hung.log"
		boot
		if [ -f "$logdir/boot-hung" ]; then
			log "qemu: the second boot hung too: giving up"
			rc=125
		else
			echo "the first boot hung before init, after ${boot_tmo}s" > "$logdir/boot-hung"
		fi
	fi
}

# What the guest cost the host: the CPU time of QEMU (and of this
# script's small helpers).
with_cpu "$logdir/host-cpu" boots
log "qemu: host CPU $(cat "$logdir/host-cpu")"
case $rc in
0) log "qemu: guest exited" ;;
124|137) log "qemu: TIMEOUT after ${tmo}s, guest killed" ;;
125) ;;
*) log "qemu: exited with status $rc: $(tail -n 3 "$logdir/qemu.out")" ;;
esac
echo "$rc" > "$logdir/qemu.rc"
