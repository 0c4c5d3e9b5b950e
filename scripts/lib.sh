# Shell functions that scripts/test.sh and deploy/run.sh share. Source it;
# it sets no options and runs nothing.

# pg_bin prints the directory of PostgreSQL's server programs (initdb,
# pg_ctl, postgres): Debian's versioned directory, else wherever initdb is
# on PATH.
pg_bin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
	return 1
}

# free_port [RESERVED] prints a loopback port nothing listens on, below the
# kernel's ephemeral range: a port that an outgoing connection holds there
# answers no connection attempt, yet cannot be bound. With RESERVED (a
# file), the port is appended to it and ports already in it are skipped, so
# that ports handed out before anything binds them stay distinct.
free_port() {
	local p lo=10000 hi=32768 eph reserved=${1:-}
	if read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && [ "$eph" -gt $((lo + 1000)) ]; then
		hi=$eph
	fi
	while :; do
		p=$((lo + RANDOM % (hi - lo)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		if [ -n "$reserved" ]; then
			grep -qx "$p" "$reserved" 2>/dev/null && continue
			echo "$p" >>"$reserved"
		fi
		echo "$p"
		return
	done
}
