# xenstore of a domain, in a form two toolstacks can be compared by: every
# node (with its permissions, `xenstore-ls -fp`) that belongs to domain D,
# with what differs between two restores of the same guest (domid, uuid,
# event channels, frame numbers, ptys, pids, times) replaced by names.

# xs_dump DOMID UUID OUT: the normalised tree, one "path = value (perms)" a
# line, sorted; each stage to a file and checked (TCG makes a busybox helper
# segfault now and then: retried)
xs_dump() {
	local i
	for i in 1 2 3; do
		xs_raw $1 $2 > /tmp/xs.raw && [ -s /tmp/xs.raw ] &&
			xs_normalise $1 $2 < /tmp/xs.raw > /tmp/xs.norm && [ -s /tmp/xs.norm ] &&
			sort /tmp/xs.norm > $3 && return 0
		echo "# (reading xenstore of domain $1 failed, try $i)"
		sleep 1
	done
	fail "infrastructure: reading xenstore of domain $1 failed 3 times"
}

xs_raw() {
	local d=$1 u=$2 b
	for b in $(xenstore-list /local/domain/0/backend 2>/dev/null); do
		xenstore-ls -fp /local/domain/0/backend/$b/$d 2>/dev/null
	done
	xenstore-ls -fp /local/domain/0/device-model/$d 2>/dev/null
	xenstore-ls -fp /libxl/$d 2>/dev/null
	xenstore-ls -fp /vm/$u 2>/dev/null
	xenstore-ls -fp /local/domain/$d        # the one that must be there: its status counts
}

xs_normalise() {
	local d=$1 u=$2
	tr -d '\r' | awk -v d=$d -v u=$u '
	function dom(s) {       # the domid as a path component or a whole value
		gsub("/local/domain/" d "/", "/local/domain/D/", s); sub("/local/domain/" d "$", "/local/domain/D", s)
		gsub("/" d "/", "/D/", s); sub("/" d "$", "/D", s)
		gsub(u, "UUID", s)
		return s
	}
	{
		p = index($0, " = "); if (!p) next
		path = dom(substr($0, 1, p - 1)); rest = substr($0, p + 3)
		q = match(rest, /\([^()]*\)[ \t]*$/)
		perms = q ? substr(rest, RSTART + 1, RLENGTH - 2) : ""; sub(/[ \t]*$/, "", perms); sub(/\)$/, "", perms)
		value = q ? substr(rest, 1, RSTART - 1) : rest; sub(/[ \t]+$/, "", value)
		n = split(perms, pp, ","); perms = ""
		for (i = 1; i <= n; i++) {
			x = substr(pp[i], 2)
			perms = perms (i > 1 ? "," : "") substr(pp[i], 1, 1) (x == d ? "D" : x)
		}
		value = dom(value)
		if (value == "\"" d "\"") value = "\"D\""
		if (path ~ /\/(port|ring-ref)$/ || path ~ /device-model-pid$/ || path ~ /start_time$/)
			value = "\"N\""
		if (path ~ /\/tty$/) sub(/pts\/[0-9]+/, "pts/N", value)
		print path " = " value " (" perms ")"
	}'
}

# xs_keys FILE: "path (perms)" without the values, for the key-by-key comparison
xs_keys() { sed -E 's/ = ".*"  \(/ (/' "$1"; }

# xs_compare KIND XL SIF: the two trees key by key, into OUT/xs-KIND-compare.txt
# and on the console:  "=" same value and permissions, "~" differ, "xl"
# only after xl restore, "sif" only after sif's.  Fails on any difference
# but those listed here with the reason.
# /libxl/D: libxl's private bookkeeping of the domains it made
XS_XL_ONLY='^/libxl/D'
# platform/: xl writes its config's (acpi...), sif the VM's platformdata, as xenopsd
XS_EITHER='^/local/domain/D/platform'
xs_compare() {
	local k=$1 out=$OUT/xs-$1-compare.txt bad
	[ -s "$2" ] && [ -s "$3" ] || fail "no xenstore tree to compare ($2, $3)"
	awk '
	function parse(line, f,   p, rest) {
		p = index(line, " = ")
		if (!p) return
		path = substr(line, 1, p - 1); rest = substr(line, p + 3)
		perms = rest; sub(/^.*\(/, "(", perms); sub(/[ \t]*\([^(]*\)[ \t]*$/, "", rest)
		if (f == 1) { xl[path] = rest; xp[path] = perms } else { sf[path] = rest; sp[path] = perms }
		all[path] = 1
	}
	FNR == 1 { file++ }
	{ parse($0, file) }
	END {
		for (p in all) {
			if (!(p in sf)) printf "xl    %s = %s %s\n", p, xl[p], xp[p]
			else if (!(p in xl)) printf "sif   %s = %s %s\n", p, sf[p], sp[p]
			else if (xl[p] == sf[p] && xp[p] == sp[p]) printf "=     %s = %s %s\n", p, xl[p], xp[p]
			else printf "~     %s = xl %s %s, sif %s %s\n", p, xl[p], xp[p], sf[p], sp[p]
		}
	}' "$2" "$3" > /tmp/xs.cmp && [ -s /tmp/xs.cmp ] && sort -k2 /tmp/xs.cmp > $out && [ -s $out ] ||
		fail "infrastructure: comparing $2 and $3"
	echo "# xenstore, xl restore vs sif vm-resume ($k; domid D, uuid UUID, numbers N):"
	cat $out
	bad=$(sure awk -v a="$XS_XL_ONLY" -v e="$XS_EITHER" '$1 == "=" || ($1 == "xl" && $2 ~ a) || $2 ~ e {next} {print}' $out)
	[ -z "$bad" ] || fail "xenstore after sif's restore differs from xl's: $(echo "$bad" | head -5 | tr '\n' ';')"
	echo "# xenstore: $(grep -c '^=' $out) keys as xl leaves them; xl only: $(grep -c '^xl' $out); sif only: $(grep -c '^sif' $out)"
}
