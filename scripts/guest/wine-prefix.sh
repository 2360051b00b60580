# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest scripts that need a Wine prefix at rest
# (wine-conformance, wine-sync-bench) or look at a Wine program's
# processes (image-sections, ntsync-used); run-wine keeps the prefixes in
# /root/prefix-stock and /root/prefix-kwine; KWINE_DIR (default /kwine)
# is where run-wine is, as for the scripts that source this.

# wine_top WINE: where WINE's files are ("" for stock, /opt/kwine)
wine_top()
{
	case $1 in
	kwine) echo /opt/kwine ;;
	*) echo ;;
	esac
}

# proc_exes: "PID EXE" a line for every process whose executable can
# be read, in the order of the glob /proc/[0-9]*.  One find reads them
# all: a readlink(1) a process, the way these scripts did it before,
# forks a hundred-odd times a scan, and each fork costs tens of
# milliseconds under TCG (seconds a scan, more under KASAN).
proc_exes()
{
	find /proc/[0-9]*/exe -maxdepth 0 -printf '%h %l\n' 2>/dev/null |
		awk '{ pid = $1; sub(/^[^ ]* /, "") }
		$0 != "" { sub(/^\/proc\//, "", pid); print pid, $0 }'
}

# wine_pids WINE: the pids of WINE's processes (its loaders', not its
# server's), sorted, on one line
wine_pids()
{
	proc_exes | awk -v t="$(wine_top "$1")/usr/lib/wine/" '
	{ pid = $1; sub(/^[^ ]* /, "") }
	$0 == t "wine64" || $0 == t "wine64-preloader" ||
	$0 == t "wine" || $0 == t "wine-preloader" { print pid }' |
		sort -n | paste -sd ' '
}

# wine_probe_pids NAME: the pids of the Wine processes (any Wine's
# loader, not its server) with NAME on their command line, one a line;
# not Wine's launcher of a 32-bit program from a 64-bit loader
# ("start.exe /exec NAME"), whose command line names it too
wine_probe_pids()
{
	for wpp_p in $(proc_exes | awk '
		{ pid = $1; sub(/^[^ ]* /, ""); sub(/.*\//, "") }
		/^wine/ && !/^wineserver/ { print pid }'); do
		wpp_cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$wpp_p/cmdline") || continue
		case $wpp_cmd in *"$1"*) ;; *) continue ;; esac
		case $wpp_cmd in "start.exe /exec "*) continue ;; esac
		echo "$wpp_p"
	done
}

# wine_settle WINE QUIET MAX: start WINE's server, persistent, and its
# prefix's services with a first program, then wait until no process of
# that Wine has started or ended for QUIET seconds (at most MAX).
# Prints "settled after Ns: K processes" and succeeds, or prints "not
# settled within MAXs" and fails.  The server stays until it is shut
# down (wineserver -k, or run-wine without RUN_WINE_KEEP_SERVER), or,
# should the caller be killed meanwhile, a minute after MAX: left alone,
# a server exits 3 s after its last program, with the services.
wine_settle()
{
	ws_t0=$(date +%s)
	WINEPREFIX=/root/prefix-$1 "$(wine_top "$1")/usr/lib/wine/wineserver64" -p$(($3 + 60)) \
		< /dev/null > /dev/null 2>&1
	RUN_WINE_KEEP_SERVER=1 timeout -k 10 "$3" "${KWINE_DIR:-/kwine}/run-wine" "$1" cmd.exe /c exit \
		< /dev/null > /dev/null 2>&1
	ws_quiet=0 ws_last=
	while [ "$ws_quiet" -lt "$2" ] && [ $(( $(date +%s) - ws_t0 )) -lt "$3" ]; do
		ws_now=$(wine_pids "$1")
		if [ -n "$ws_now" ] && [ "$ws_now" = "$ws_last" ]; then
			ws_quiet=$((ws_quiet + 1))
		else
			ws_quiet=0
		fi
		ws_last=$ws_now
		sleep 1
	done
	if [ "$ws_quiet" -lt "$2" ]; then
		echo "not settled within ${3}s"
		return 1
	fi
	echo "settled after $(( $(date +%s) - ws_t0 ))s: $(echo "$ws_last" | wc -w) processes"
}
