#!/usr/bin/env bash
# The whole test suite: formatting, vet, staticcheck, race-enabled tests against SQLite
# and a real PostgreSQL started here, then a short run of every fuzz target.
#
#   scripts/test.sh              everything
#   FUZZTIME=30s scripts/test.sh fuzz longer
#
# It needs Go, PostgreSQL (15 or newer), MariaDB, redis-server, haproxy and
# npm (installed with apt-get when missing and running as root). Under CI=true
# a missing PostgreSQL, MariaDB, Redis, HAProxy or Node fails the run instead
# of skipping their tests.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
log() { printf '\n== %s\n' "$*" >&2; }

# pg_bin, free_port
. scripts/lib.sh

start_postgres() {
	local bin
	if ! bin=$(pg_bin); then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			log "installing PostgreSQL"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
			bin=$(pg_bin) || return 1
		else
			return 1
		fi
	fi
	PGDIR=$(mktemp -d /tmp/mcpgen-pg.XXXXXX)
	local port
	port=$(free_port)
	local as=()
	if [ "$(id -u)" = 0 ]; then
		# initdb and postgres refuse to run as root.
		chown postgres "$PGDIR"
		as=(runuser -u postgres --)
	fi
	"${as[@]}" "$bin/initdb" -D "$PGDIR/data" -A trust -U postgres >"$PGDIR/initdb.log" 2>&1
	"${as[@]}" "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
		-o "-p $port -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
	export MCPGEN_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	STOP_PG=("${as[@]}" "$bin/pg_ctl" -D "$PGDIR/data" -m immediate stop)
	log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

start_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			log "installing Redis"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
			command -v redis-server >/dev/null 2>&1 || return 1
		else
			return 1
		fi
	fi
	REDISDIR=$(mktemp -d /tmp/mcpgen-redis.XXXXXX)
	local port
	port=$(free_port)
	redis-server --bind 127.0.0.1 --port "$port" --dir "$REDISDIR" --save '' --appendonly no \
		--daemonize yes --pidfile "$REDISDIR/redis.pid" --logfile "$REDISDIR/redis.log" >/dev/null
	local i
	for i in $(seq 50); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -p "$port" ping >/dev/null 2>&1 || return 1
	export MCPGEN_TEST_REDIS_ADDR="127.0.0.1:$port"
	log "Redis $(redis-server --version | awk '{print $3}') on $MCPGEN_TEST_REDIS_ADDR"
}

# ensure_chromium installs Debian's chromium when it is missing (as root),
# for the reviewer's page test (review/page), which drives it headless.
ensure_chromium() {
	command -v chromium >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "installing chromium"
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	fi
	command -v chromium >/dev/null 2>&1
}

# start_mysql starts a private MariaDB (Debian's mariadb-server, installed when
# missing) on a random 127.0.0.1 port and a socket in a temporary directory,
# with its data there too, and exports MCPGEN_TEST_MYSQL_DSN (the server's
# root user over TCP, in go-sql-driver/mysql's DSN format).
start_mysql() {
	PATH=$PATH:/usr/sbin # mariadbd lives there, outside some users' PATH
	if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			log "installing MariaDB"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
			command -v mariadbd >/dev/null 2>&1 || return 1
		else
			return 1
		fi
	fi
	MYDIR=$(mktemp -d /tmp/mcpgen-mysql.XXXXXX)
	local port user
	port=$(free_port)
	user=$(id -un)
	if [ "$(id -u)" = 0 ]; then
		# mariadbd refuses to run as root unless told to: run it as mysql.
		chown mysql "$MYDIR"
		user=mysql
	fi
	mariadb-install-db --no-defaults --user="$user" --datadir="$MYDIR/data" \
		--auth-root-authentication-method=normal --skip-test-db >"$MYDIR/install.log" 2>&1 || {
		cat "$MYDIR/install.log" >&2
		return 1
	}
	mariadbd --no-defaults --user="$user" --datadir="$MYDIR/data" --socket="$MYDIR/mysqld.sock" \
		--pid-file="$MYDIR/mysqld.pid" --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
		--innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=64M --max-connections=300 \
		--log-error="$MYDIR/server.log" >/dev/null 2>&1 &
	local i
	for i in $(seq 300); do
		mariadb-admin --no-defaults --socket="$MYDIR/mysqld.sock" -uroot ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	mariadb-admin --no-defaults --socket="$MYDIR/mysqld.sock" -uroot ping >/dev/null 2>&1 || {
		cat "$MYDIR/server.log" >&2
		return 1
	}
	# Over TCP root authenticates with a password (unix_socket only works on
	# the socket): give it one. The database is the tests' to use.
	mariadb --no-defaults --socket="$MYDIR/mysqld.sock" -uroot -e \
		"CREATE USER IF NOT EXISTS root@'127.0.0.1'; ALTER USER root@'127.0.0.1' IDENTIFIED BY 'mcpgen'; GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION; CREATE DATABASE mcpgen;"
	export MCPGEN_TEST_MYSQL_DSN="root:mcpgen@tcp(127.0.0.1:$port)/mcpgen"
	log "MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$port"
}

cleanup() {
	if [ -n "${STOP_PG+x}" ]; then "${STOP_PG[@]}" >/dev/null 2>&1 || true; fi
	if [ -n "${PGDIR:-}" ]; then rm -rf "$PGDIR"; fi
	if [ -n "${MYDIR:-}" ]; then
		if [ -f "$MYDIR/mysqld.pid" ]; then
			# mariadbd writes its files until it has exited: wait (10 s at
			# most) before removing them.
			local pid i
			pid=$(cat "$MYDIR/mysqld.pid")
			kill "$pid" 2>/dev/null || true
			for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
		rm -rf "$MYDIR"
	fi
	if [ -n "${REDISDIR:-}" ]; then
		if [ -f "$REDISDIR/redis.pid" ]; then kill "$(cat "$REDISDIR/redis.pid")" 2>/dev/null || true; fi
		rm -rf "$REDISDIR"
	fi
}
trap cleanup EXIT

if [ -z "${MCPGEN_TEST_POSTGRES_DSN:-}" ]; then
	if ! start_postgres; then
		if [ "${CI:-}" = true ]; then
			echo "PostgreSQL is required under CI and could not be started" >&2
			exit 1
		fi
		log "no PostgreSQL: its tests will skip"
	fi
fi

if [ -z "${MCPGEN_TEST_MYSQL_DSN:-}" ]; then
	if ! start_mysql; then
		if [ "${CI:-}" = true ]; then
			echo "MariaDB is required under CI and could not be started" >&2
			exit 1
		fi
		log "no MariaDB: its tests will skip"
	fi
fi

if [ -z "${MCPGEN_TEST_REDIS_ADDR:-}" ]; then
	if ! start_redis; then
		if [ "${CI:-}" = true ]; then
			echo "Redis is required under CI and could not be started" >&2
			exit 1
		fi
		log "no Redis: its tests will skip"
	fi
fi

if ! ensure_chromium; then
	if [ "${CI:-}" = true ]; then
		echo "chromium is required under CI and could not be installed" >&2
		exit 1
	fi
	log "no chromium: the page's browser test will skip"
fi

# ensure_ts_sdk installs the official TypeScript SDK and Node 22 (the npm
# package node@22) with npm, once, into one cache, $MCPGEN_TS_CACHE (default
# ~/.cache/mcpgen-tsclient), used by everything that runs them: the gateway's
# TypeScript upstream (MCPGEN_TS_SDK_DIR), the confirmation tests' client
# (MCPGEN_TS_CLIENT_DIR) and the fault phases' client. Node 22 goes first on
# PATH, so each runs on the same node. npm itself comes from Debian's npm
# when missing (as root).
ensure_ts_sdk() {
	local cache=${MCPGEN_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpgen-tsclient} sdk=1.32.2
	ts_installed() {
		"$cache/node_modules/node/bin/node" --version 2>/dev/null | grep -q '^v22\.' &&
			grep -q "\"version\": \"$sdk\"" "$cache/node_modules/@modelcontextprotocol/sdk/package.json" 2>/dev/null
	}
	if ! ts_installed; then
		if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			log "installing npm"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
		fi
		command -v npm >/dev/null 2>&1 || return 1
		log "installing node@22 and @modelcontextprotocol/sdk@$sdk into $cache"
		mkdir -p "$cache"
		npm install --prefix "$cache" --no-audit --no-fund "node@22" "@modelcontextprotocol/sdk@$sdk" >"$cache/npm.log" 2>&1 ||
			{ cat "$cache/npm.log" >&2; return 1; }
		ts_installed || { echo "node 22 or the SDK is missing after npm install; see $cache/npm.log" >&2; return 1; }
	fi
	export MCPGEN_TS_SDK_DIR=$cache MCPGEN_TS_CLIENT_DIR=$cache PATH=$cache/node_modules/node/bin:$PATH
}
if ! ensure_ts_sdk; then
	if [ "${CI:-}" = true ]; then
		echo "node 22 and @modelcontextprotocol/sdk are required under CI and could not be installed" >&2
		exit 1
	fi
	log "no node or TypeScript SDK: the tests that run them will skip, the fault phases too"
fi

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-ed:" >&2
	echo "$unformatted" >&2
	exit 1
fi

# The examples and the valid fixtures are kept in mcpgen fmt's layout
# (the invalid ones are not: their wants are written to their lines).
log "mcpgen fmt --check"
go run ./cmd/mcpgen fmt --check examples hcl/testdata/valid \
	cmd/mcpgen/testdata/bench cmd/mcpgen/testdata/e2e cmd/mcpgen/testdata/limits review/access/testdata

# The example's config tests (docs/testing.md), in fmt's layout too: a
# directory given to fmt skips test files, so the file is named.
example_tests() {
	go run ./cmd/mcpgen fmt --check examples/technova.test.hcl
	go run ./cmd/mcpgen test examples/technova.test.hcl
}
log "mcpgen test examples/technova.test.hcl"
example_tests

# run_faults runs the example deployment's fault phases (deploy/faults_test.go)
# through deploy/run.sh: HAProxy, PostgreSQL and Redis of its own on loopback
# ports, and the official TypeScript SDK (ensure_ts_sdk) as one of the
# clients. The tables of one run go to $MCPGEN_FAULTS_REPORT when set.
run_faults() {
	if ! command -v haproxy >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "installing HAProxy"
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
	fi
	if ! command -v haproxy >/dev/null 2>&1 || [ -z "${MCPGEN_TS_SDK_DIR:-}" ]; then
		if [ "${CI:-}" = true ]; then
			echo "the fault phases need haproxy and the TypeScript SDK (ensure_ts_sdk) under CI" >&2
			return 1
		fi
		log "no haproxy or TypeScript SDK: fault phases skipped"
		return 0
	fi
	log "fault phases (deploy/run.sh, HAProxy, three replicas)"
	MCPGEN_FAULTS=1 go test -count=1 -v -timeout 20m -run '^TestFaults' ./deploy
}

log "go vet"
go vet ./...

# Pinned: a newer staticcheck may not know this Go release, or may find new
# things on a run that should only test the change at hand.
log "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

log "go test -race"
go test -race -count=1 ./...

run_faults

# fuzz TARGET PKG runs one fuzz target for FUZZTIME. Go 1.26's fuzz
# coordinator can report a bare "context deadline exceeded" when -fuzztime
# ends while a worker is mid-call (go.dev/issue/75804, fixed in Go 1.27):
# no input failed and nothing was written. Only that exact outcome is
# retried, once; a real finding prints "Failing input written" and fails.
fuzz() {
	local target=$1 pkg=$2 fuzztime=${3:-$FUZZTIME} out attempt
	for attempt in 1 2; do
		out=$(go test -run='^$' -fuzz="^$target\$" -fuzztime="$fuzztime" "$pkg" 2>&1) && {
			printf '%s\n' "$out"
			# A target that moved away leaves a run that fuzzes nothing and passes.
			if grep -q 'no fuzz tests to fuzz' <<<"$out"; then
				echo "fuzz: $target is not in $pkg" >&2
				return 1
			fi
			return 0
		}
		printf '%s\n' "$out"
		if [ "$attempt" = 1 ] && grep -q '^    context deadline exceeded$' <<<"$out" &&
			! grep -q 'Failing input written' <<<"$out"; then
			log "$target: the fuzz coordinator's deadline race (no failing input); running it again"
			continue
		fi
		return 1
	done
}

# The reviewer's page in the browser again, keeping its screenshot and
# HTML as artifacts (the run above removes them with its temporary dirs).
page_artifacts() {
	local dir=${MCPGEN_ARTIFACTS:-$(mktemp -d /tmp/mcpgen-artifacts.XXXXXX)}
	mkdir -p "$dir"
	log "reviewer's page in chromium (artifacts in $dir)"
	go test -count=1 -run '^TestPageInBrowser$' -v -artifacts -outputdir "$dir" ./review/page | grep -E 'screenshot:|^(ok|FAIL|---)'
}
page_artifacts

log "fuzz ($FUZZTIME each)"
fuzz FuzzValidate ./runtime
fuzz FuzzCheck ./runtime
fuzz FuzzRowString ./runtime/adapter
fuzz FuzzLoad ./hcl
fuzz FuzzFormat ./hcl
fuzz FuzzGuard ./runtime/guard
fuzz FuzzBearerToken ./runtime/auth
fuzz FuzzValidate ./runtime/auth
# FuzzLint's calls are slow (a whole offline build each), so a time limit
# nearly always ends mid-call and hits the deadline race above; a count of
# calls has no deadline.
fuzz FuzzLint ./review/lint 3000x
fuzz FuzzAnalyzeSQL ./review/lint

# Its own script: it installs Node 22 and the suite with npm on first use.
scripts/conformance.sh

log "ok"
