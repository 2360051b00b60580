#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the kernel series in KERNEL_SRC (its commits since the base) as
# separate postable series, signed by whoever runs this:
#
#   make-series.sh [--check] [OUT]      (make series / make series-check)
#
# - patches/posting/series.map assigns each commit to one series by its
#   subject (a commit that matches no series, or two, stops the run);
# - patches/posting/NAME.cover holds each series' version, subject prefix,
#   extra Cc and cover letter text;
# - the series are rebuilt in a scratch clone (build/series/tree, sharing
#   KERNEL_SRC's objects; KERNEL_SRC is never touched), each on top of the
#   ones before it, with the poster (git config user.name/user.email) as
#   author and Signed-off-by where the placeholder identity was;
# - git format-patch writes OUT/N-NAME/ (default build/series/out) with
#   base-commit: and prerequisite-patch-id: lines, To: the maintainers
#   and Cc: the reviewers and lists get_maintainer.pl names, linux-api
#   for uapi changes, and the cover's own Cc;
# - then checks: subjects whole and unfolded, b4 am -m on each series'
#   mbox without warnings, git send-email --dry-run, git am of all of
#   them on a fresh base giving the tree of KERNEL_SRC.  With --check, also whether they are ready
#   to post: no [[...]] placeholder left in a cover letter, a base-commit
#   that exists upstream.
. "$(dirname "$0")/lib.sh"

check_ready=0
if [ "${1:-}" = --check ]; then
	check_ready=1
	shift
fi
out=${1:-$KWINE_BUILD/series/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
posting=$KWINE_PATCHES/posting
work=$KWINE_BUILD/series
tree=$work/tree
placeholder_name="kwine developer"
placeholder_email="kwine@localhost"

# --- The poster -------------------------------------------------------
name=${GIT_AUTHOR_NAME:-$(git -C "$KWINE_TOP" config user.name || true)}
email=${GIT_AUTHOR_EMAIL:-$(git -C "$KWINE_TOP" config user.email || true)}
if [ -z "$name" ] || [ -z "$email" ]; then
	die "series: who posts this?  Set your identity first:
    git config --global user.name 'Your Name'
    git config --global user.email you@example.org
  The patches are signed off (Developer's Certificate of Origin) by that identity."
fi
if [ "$name" = "$placeholder_name" ] || [ "$email" = "$placeholder_email" ]; then
	die "series: '$name <$email>' is kwine's placeholder identity, which cannot sign off
  patches (Developer's Certificate of Origin).  Set your own:
    git config --global user.name 'Your Name'; git config --global user.email you@example.org"
fi
case $email in
*@*.*) ;;
*) die "series: '$email' (git config user.email) is not a mail address" ;;
esac
poster="$name <$email>"
export POSTER=$poster

# --- The commits and their series ---------------------------------------
[ -d "$KERNEL_SRC/.git" ] || die "no kernel tree at $KERNEL_SRC (run 'make prepare')"
[ -f "$posting/series.map" ] || die "no $posting/series.map"
head=$(git -C "$KERNEL_SRC" rev-parse --verify HEAD)
if [ -f "$KERNEL_SRC/.git/kwine-base" ]; then
	base=$(cat "$KERNEL_SRC/.git/kwine-base")
else
	base=$(git -C "$KERNEL_SRC" rev-parse --verify "v$KERNEL_VERSION^{commit}")
fi
[ -z "$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)" ] ||
	log "series: $KERNEL_SRC has uncommitted changes; only its commits are written"

order=()
declare -A rules
while read -r s rule; do
	[ -n "$s" ] || continue
	case $s in \#*) continue ;; esac
	[ -n "${rules[$s]:-}" ] || order+=("$s")
	rules[$s]="${rules[$s]:+${rules[$s]}|}($rule)"
done < "$posting/series.map"
for s in "${order[@]}"; do
	[ -f "$posting/$s.cover" ] || die "series: no cover letter $posting/$s.cover for series $s"
done

declare -A members
bad=0
while read -r c; do
	subject=$(git -C "$KERNEL_SRC" log -1 --format=%s "$c")
	hits=()
	for s in "${order[@]}"; do
		grep -qE -- "${rules[$s]}" <<< "$subject" && hits+=("$s")
	done
	if [ ${#hits[@]} -ne 1 ]; then
		log "series: '$subject' matches ${#hits[@]} series (${hits[*]:-none}) in patches/posting/series.map"
		bad=1
		continue
	fi
	members[${hits[0]}]="${members[${hits[0]}]:-} $c"
done < <(git -C "$KERNEL_SRC" rev-list --reverse "$base..$head")
[ $bad = 0 ] || die "series: every commit must match the rules of exactly one series"

# --- The cover files ------------------------------------------------------
# Header lines "Key: value" up to the first blank line (lines starting
# with # are notes for us, dropped), then the cover letter's body.
cover_field()	# cover_field NAME KEY: every value of KEY, one per line
{
	awk -v key="$2" 'NF == 0 { exit } /^#/ { next }
		{ k = $0; sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
		  if (tolower(k) == tolower(key)) print v }' "$posting/$1.cover"
}
cover_body()
{
	awk 'body { print; next } NF == 0 { body = 1 }' "$posting/$1.cover"
}

# --- Rebuild the commits in the scratch clone ------------------------------
if [ ! -d "$tree/.git" ]; then
	rm -rf "$tree"
	git clone -q --shared --no-checkout "$KERNEL_SRC" "$tree"
	git -C "$tree" config gc.auto 0
fi
# Only when a series does not follow the one before it in KERNEL_SRC
# must a commit be cherry-picked; that needs a checkout.
pick_tree()	# pick_tree COMMIT ONTO: prints the tree of COMMIT applied on ONTO
{
	local wt=$work/pick
	[ -d "$wt" ] || git -C "$tree" worktree add -q --detach "$wt" "$2" >/dev/null
	git -C "$wt" checkout -q -f --detach "$2"
	git -C "$wt" cherry-pick --no-commit "$1" >/dev/null 2>&1 || {
		git -C "$wt" cherry-pick --abort >/dev/null 2>&1 || true
		die "series: '$(git -C "$tree" log -1 --format=%s "$1")' does not apply out of its order; reorder kernel-src so that each series follows the one before"
	}
	git -C "$wt" write-tree
	git -C "$wt" reset -q --hard
}
rewrite_message()	# stdin -> stdout
{
	PH_NAME=$placeholder_name PH_EMAIL=$placeholder_email \
	perl -pe 's/^Signed-off-by:\s*\Q$ENV{PH_NAME}\E\s*<\Q$ENV{PH_EMAIL}\E>\s*$/Signed-off-by: $ENV{POSTER}\n/' |
		git -C "$tree" interpret-trailers --if-exists addIfDifferent \
			--trailer "Signed-off-by: $poster"
}

parent=$base orig_prev=$base
declare -A tip first_parent
posted=()
for s in "${order[@]}"; do
	if [ -z "${members[$s]:-}" ]; then
		log "series: no commit of kernel-src is in series $s; skipping it"
		continue
	fi
	posted+=("$s")
	first_parent[$s]=$parent
	for c in ${members[$s]}; do
		if [ "$(git -C "$tree" rev-parse "$c^")" = "$orig_prev" ]; then
			t=$(git -C "$tree" rev-parse "$c^{tree}")
		else
			t=$(pick_tree "$c" "$parent")
		fi
		IFS=$'\t' read -r an ae ad < <(git -C "$tree" log -1 --format=$'%an\t%ae\t%aI' "$c")
		if [ "$an" = "$placeholder_name" ] || [ "$ae" = "$placeholder_email" ]; then
			an=$name ae=$email
		fi
		parent=$(git -C "$tree" log -1 --format=%B "$c" | rewrite_message |
			GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
			GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$ad \
			git -C "$tree" commit-tree "$t" -p "$parent")
		orig_prev=$c
	done
	tip[$s]=$parent
	git -C "$tree" update-ref "refs/heads/$s" "$parent"
done
[ "$(git -C "$tree" rev-parse "$parent^{tree}")" = "$(git -C "$tree" rev-parse "$head^{tree}")" ] ||
	die "series: the series in posting order do not add up to kernel-src's tree"

# --- Recipients -----------------------------------------------------------
# get_maintainer.pl (read-only, in KERNEL_SRC): maintainers and
# supporters go in To:, reviewers and lists in Cc:.
get_maintainer()	# get_maintainer ARGS... -> "to|cc<TAB>address" lines
{
	(cd "$KERNEL_SRC" && perl scripts/get_maintainer.pl --no-git --no-git-fallback "$@" 2>/dev/null) |
		while IFS= read -r line; do
			# "Name <addr> (role)" or "list@host (role)"; a role may
			# itself hold parentheses ("Real-time Linux (PREEMPT_RT)").
			case $line in
			*'>'*) addr=${line%%'>'*}'>' ;;
			*) addr=${line%% *} ;;
			esac
			role=${line#"$addr"}
			role=${role# (}
			case $role in
			maintainer:* | supporter:*) printf 'to\t%s\n' "$addr" ;;
			*) printf 'cc\t%s\n' "$addr" ;;
			esac
		done
}

# --- format-patch -----------------------------------------------------------
# b4 0.12 fails on folded headers it copies (Subject:, From:): write
# every header on one line.  git send-email folds what it sends itself.
unfold_headers()	# unfold_headers FILE
{
	awk 'hdr && /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	     hdr && line != "" { print line; line = "" }
	     hdr && /^$/ { hdr = 0; print; next }
	     hdr { line = $0; next }
	     NR == 1 { hdr = 1 }
	     { print }
	     END { if (line != "") print line }' "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

declare -A dir_of prefix_of
upstream_base=${UPSTREAM_BASE:-}
[ -z "$upstream_base" ] || [[ $upstream_base =~ ^[0-9a-f]{40}$ ]] ||
	die "series: UPSTREAM_BASE must be a full commit id (40 hex digits)"
synthetic_base=0
if [ -z "$upstream_base" ] &&
   [ "$(git -C "$tree" log -1 --format=%ae "$base")" = kwine@localhost ] &&
   [ -z "$(git -C "$tree" rev-parse -q --verify "$base^" 2>/dev/null)" ]; then
	synthetic_base=1
fi
i=0
for s in "${posted[@]}"; do
	i=$((i + 1))
	dir=$out/$i-$s
	dir_of[$s]=$dir
	mkdir -p "$dir"
	rm -f "$dir"/*.patch "$dir"/*.mbox
	version=$(cover_field "$s" version | head -n 1)
	prefix=$(cover_field "$s" prefix | head -n 1)
	subject=$(cover_field "$s" subject | head -n 1)
	[ -n "$subject" ] || die "series: $s.cover has no Subject:"
	prefix=${prefix:-PATCH}
	# v1 is not written out, as usual; -v would also rename the files.
	if [ -n "$version" ] && [ "$version" != 1 ]; then
		prefix_of[$s]="$prefix v$version"
	else
		prefix_of[$s]=$prefix
	fi
	range="${first_parent[$s]}..${tip[$s]}"

	# The patches' files, for get_maintainer.pl and the uapi check.
	rm -rf "$work/gm"
	git -C "$tree" format-patch -q -o "$work/gm" "$range"
	# The first time an address comes decides To: or Cc:: the cover's
	# To-Maintainers-Of: files, then get_maintainer.pl on the patches
	# by the files they touch, then by MAINTAINERS' K: keywords, whose
	# maintainers ("Real-time Linux" for PREEMPT_RT in a comment) go in
	# Cc: only.
	mapfile -t rcpt < <({
		while read -r f; do
			[ -n "$f" ] && get_maintainer -f "$f"
		done < <(cover_field "$s" to-maintainers-of)
		get_maintainer --no-keywords "$work/gm"/*.patch
		get_maintainer "$work/gm"/*.patch | sed 's/^to/cc/'
		while read -r f; do
			[ -n "$f" ] && get_maintainer -f "$f" | sed 's/^to/cc/'
		done < <(cover_field "$s" cc-maintainers-of)
		cover_field "$s" cc | tr ',' '\n' | sed 's/^ *//; s/ *$//; /^$/d; s/^/cc\t/'
		if git -C "$tree" diff --name-only "$range" | grep -q '^include/uapi/'; then
			printf 'cc\t%s\n' linux-api@vger.kernel.org
		fi
	} | awk -F'\t' '!seen[$2]++')
	to=() cc=()
	for r in "${rcpt[@]}"; do
		case $r in
		to$'\t'*) to+=(--to="${r#*$'\t'}") ;;
		cc$'\t'*) cc+=(--cc="${r#*$'\t'}") ;;
		esac
	done
	[ ${#to[@]} -gt 0 ] || die "series: get_maintainer.pl names no maintainer for $s"

	# The cover letter: the branch description (subject, blank line,
	# body), then what the series applies on.
	{
		echo "$subject"
		echo
		cover_body "$s"
		if [ "${first_parent[$s]}" != "$base" ]; then
			echo
			echo "This series applies to v$KERNEL_VERSION on top of:"
			for p in "${posted[@]}"; do
				[ "$p" = "$s" ] && break
				echo "  [${prefix_of[$p]}] $(cover_field "$p" subject | head -n 1)"
			done
			echo "(prerequisite-patch-id lines below)."
		fi
	} > "$work/$s.description"
	git -C "$tree" config "branch.$s.description" "$(cat "$work/$s.description")"

	git -C "$tree" -c core.abbrev=12 -c user.name="$name" -c user.email="$email" format-patch -q -o "$dir" --cover-letter \
		--cover-from-description=subject --subject-prefix="${prefix_of[$s]}" \
		--thread=shallow --base="$base" "${to[@]}" "${cc[@]}" \
		"${first_parent[$s]}..$s"
	for f in "$dir"/*.patch; do unfold_headers "$f"; done
	if [ -n "$upstream_base" ]; then
		sed -i "s/^base-commit: [0-9a-f]*\$/base-commit: $upstream_base/" "$dir"/0000-cover-letter.patch
	fi
	cat "$dir"/*.patch > "$dir/$s.mbox"
	log "series: $s: $(ls "$dir"/*.patch | wc -l) files in ${dir#"$KWINE_TOP"/}/"
done

# --- Checks -----------------------------------------------------------------
pass=0 fail=0
result()	# result PASS|FAIL text [details]
{
	echo "$1 $2"
	[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/    /'
	if [ "$1" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}
header()	# header FILE NAME: the header's value, unfolded
{
	awk -v h="$2" 'NF == 0 { exit }
		found && /^[ \t]/ { sub(/^[ \t]+/, " "); v = v $0; next }
		found { exit }
		index($0, h ": ") == 1 { v = substr($0, length(h) + 3); found = 1 }
		END { print v }' "$1"
}

for s in "${posted[@]}"; do
	dir=${dir_of[$s]}
	mapfile -t files < <(ls "$dir"/*.patch)
	n=$((${#files[@]} - 1))
	problems=
	# Subjects: on one line (b4 0.12 fails on folded ones), whole.
	mapfile -t commits < <(git -C "$tree" rev-list --reverse "${first_parent[$s]}..$s")
	width=${#n}
	for k in $(seq 0 "$n"); do
		f=${files[$k]}
		if [ "$k" = 0 ]; then
			want=$(cover_field "$s" subject | head -n 1)
		else
			want=$(git -C "$tree" log -1 --format=%s "${commits[$((k - 1))]}")
		fi
		want="[${prefix_of[$s]} $(printf "%0${width}d/%d" "$k" "$n")] $want"
		if [ "$(grep -c '^Subject: ' "$f")" != 1 ] || [ "$(header "$f" Subject)" != "$want" ] ||
		   [ "$(grep -m1 '^Subject: ' "$f")" != "Subject: $want" ]; then
			problems+="${f##*/}: Subject is not '$want' on one line"$'\n'
		fi
		[ -n "$(header "$f" To)" ] || problems+="${f##*/}: no To:"$'\n'
		# Every recipient "Name <user@host>" or "user@host", nothing
		# else: a role get_maintainer.pl appends must not leak in.
		# (split at commas outside quotes: get_maintainer.pl quotes
		# names with a comma, "Lee, Chun-Yi"; a name may hold
		# parentheses, "Rob Herring (Arm)", but nothing may follow '>')
		bad_rcpt=$( { header "$f" To; header "$f" Cc; } |
			perl -ne 'chomp; my $n = () = s/\\"//gr =~ /"/g; print "(unbalanced quotes) $_\n" if $n % 2;
				for (/((?:"(?:[^"\\]|\\.)*"|[^,"])+)/g) { s/^\s+|\s+$//g; print "$_\n" if length }' |
			grep -Ev '^("([^"\\]|\\.)*"|[^<>"@,]+) <[^<>() @,"]+@[^<>() @,"]+>$|^<?[^<>() @,"]+@[^<>() @,"]+>?$' || true)
		[ -z "$bad_rcpt" ] ||
			problems+="${f##*/}: malformed recipients: $(echo "$bad_rcpt" | paste -sd '|')"$'\n'
		[ "$(header "$f" From)" = "$poster" ] || [ "$k" != 0 ] ||
			problems+="${f##*/}: From: is not $poster"$'\n'
		if [ "$k" != 0 ]; then
			tail=$(awk '/^---$/ { exit } { l = $0 } END { print l }' "$f")
			grep -qF "Signed-off-by: $poster" "$f" || problems+="${f##*/}: no Signed-off-by: $poster"$'\n'
			! grep -qF "$placeholder_email" "$f" || problems+="${f##*/}: the placeholder identity is still in it"$'\n'
			[ "$tail" = "Signed-off-by: $poster" ] || problems+="${f##*/}: last trailer is '$tail', not the poster's sign-off"$'\n'
		fi
	done
	grep -q '^base-commit: ' "${files[0]}" || problems+="no base-commit: in the cover letter"$'\n'
	if [ -z "$problems" ]; then
		result PASS "$s: $n patches, subjects whole, To: $(header "${files[0]}" To | cut -c1-60)..., signed off by $poster"
	else
		result FAIL "$s: headers" "${problems%$'\n'}"
	fi

	# b4 am -m: no errors, no warnings about trailers or anything else.
	rm -rf "$work/b4-$s"
	mkdir -p "$work/b4-$s"
	b4log=$work/b4-$s/b4.log
	if (cd "$work/b4-$s" && b4 am -m "$dir/$s.mbox" -o "$work/b4-$s" >"$b4log" 2>&1) &&
	   ! grep -vE '^ +(\[|Link:|git am)|^Cover:' "$b4log" |
		grep -qiE 'traceback|error|warning|✗|unknown|not found|missing|could not|trailer' &&
	   ls "$work/b4-$s"/*.mbx >/dev/null 2>&1 &&
	   [ "$(grep -c '^From: ' "$(ls "$work/b4-$s"/*.mbx | head -n 1)")" = "$n" ]; then
		result PASS "$s: b4 am -m (b4 $(b4 --version 2>/dev/null)): $n patches, no warnings"
	else
		result FAIL "$s: b4 am -m" "$(cat "$b4log")"
	fi
done

# git send-email --dry-run: what posting would send, to whom (nothing
# leaves the machine).
for s in "${posted[@]}"; do
	dir=${dir_of[$s]}
	n=$(ls "$dir"/*.patch | wc -l)
	sendlog=$work/send-email-$s.log
	if git -C "$tree" send-email --dry-run --confirm=never \
			"$dir"/*.patch >"$sendlog" 2>&1 &&
	   [ "$(grep -c '^Dry-OK' "$sendlog")" = "$n" ]; then
		result PASS "$s: git send-email --dry-run: $n mails to $(grep '^RCPT TO:' "$sendlog" | sort -u | wc -l) addresses"
	else
		result FAIL "$s: git send-email --dry-run" "$(tail -n 20 "$sendlog")"
	fi
done

# git am of every series, in order, on a fresh base: each must apply,
# and the last must give kernel-src's tree.
amwt=$work/am
if [ ! -d "$amwt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$amwt" "$base" >/dev/null 2>&1 ||
		die "series: cannot make a worktree in $amwt"
fi
git -C "$amwt" am --abort >/dev/null 2>&1 || true
git -C "$amwt" checkout -q -f --detach "$base"
git -C "$amwt" clean -q -fdx
for s in "${posted[@]}"; do
	dir=${dir_of[$s]}
	if amout=$(git -C "$amwt" -c user.name="$name" -c user.email="$email" am -q \
			$(ls "$dir"/*.patch | grep -v '/0000-cover-letter.patch$') 2>&1) &&
	   [ "$(git -C "$amwt" rev-parse HEAD^{tree})" = "$(git -C "$tree" rev-parse "$s^{tree}")" ]; then
		result PASS "$s: git am on v$KERNEL_VERSION$( [ "${first_parent[$s]}" = "$base" ] || echo " with the series before it")"
	else
		git -C "$amwt" am --abort >/dev/null 2>&1 || true
		result FAIL "$s: git am" "$amout"
		break
	fi
done

# Ready to post?  Placeholders left in the cover letters, a base-commit
# nobody else has.
notes=
for s in "${posted[@]}"; do
	todo=$(grep -n "\\[\\[" "$posting/$s.cover" | grep -v "^[0-9]*:#" | sed "s/^/line /" || true)
	[ -z "$todo" ] || notes+="$s: cover letter placeholders to fill in (patches/posting/$s.cover):"$'\n'"$todo"$'\n'
done
if [ $synthetic_base = 1 ]; then
	notes+="base-commit: $base is v$KERNEL_VERSION as unpacked from Debian's tarball, unknown upstream: pass UPSTREAM_BASE=<id of v$KERNEL_VERSION in linux-stable>, or run with KERNEL_SRC=<your tree with upstream history>"$'\n'
fi
if [ $check_ready = 1 ]; then
	if [ -z "$notes" ]; then
		result PASS "ready to post: no placeholders, base-commit upstream"
	else
		result FAIL "ready to post" "${notes%$'\n'}"
	fi
elif [ -n "$notes" ]; then
	echo "NOTE before posting (make series-check fails on these):"
	printf '%s' "$notes" | sed 's/^/    /'
fi
log "series: written to $out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
