#!/usr/bin/env bash
# The example deployment on one machine, on loopback ports: N mcpgen
# replicas serving deploy/mcpgen.hcl with one session key, one PostgreSQL
# and one Redis shared by all, behind HAProxy. Everything lives in
# $MCPGEN_DEPLOY_DIR (default /tmp/mcpgen-deploy); nothing is installed
# system-wide except the Debian packages it needs (haproxy, postgresql,
# redis-server), with apt-get, when missing and running as root.
#
#   deploy/run.sh start [N]       start N replicas (default 3) and the rest
#   deploy/run.sh status          what runs where; exits 1 if something is down
#   deploy/run.sh stop            stop everything and remove the directory
#   deploy/run.sh env             the addresses, as shell variables
#
# Operations, one replica (1..N) at a time or all of them:
#
#   deploy/run.sh restart I       SIGTERM (the replica drains), then start it
#   deploy/run.sh rolling         restart every replica, one after another
#   deploy/run.sh kill I          SIGKILL, then start it again
#   deploy/run.sh reload          SIGHUP every replica (the configuration is
#                                 $MCPGEN_DEPLOY_DIR/config, a copy)
#   deploy/run.sh pg stop|start   stop or start PostgreSQL
#   deploy/run.sh redis stop|start
#
# MCPGEN_BIN names the mcpgen binary to run; by default it is built here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${MCPGEN_DEPLOY_DIR:-/tmp/mcpgen-deploy}
# How long a replica keeps serving after SIGTERM with /readyz answering 503:
# more than HAProxy needs to mark it down (fall 2 x inter 500ms).
DRAIN_DELAY=${MCPGEN_DRAIN_DELAY:-2s}

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
# pg_bin, free_port
. "$ROOT/scripts/lib.sh"

as_postgres() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need() { # need COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || die "$1 is missing: install the $2 package"
	log "installing $2"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	command -v "$1" >/dev/null 2>&1 || die "$1 is missing after installing $2"
}

# wait_for DESCRIPTION COMMAND...: retry COMMAND for up to 30 s.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 300); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "timed out waiting for $what"
}

load_env() {
	[ -f "$DIR/env" ] || die "not started ($DIR/env is missing)"
	# shellcheck disable=SC1091
	. "$DIR/env"
}

ready() { curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null; }

# haproxy_state I prints replica I's state as HAProxy sees it (UP, DOWN...).
haproxy_state() {
	curl -fsS "http://127.0.0.1:$STATS_PORT/;csv" | awk -F, -v s="r$1" '$1 == "mcpgen" && $2 == s { print $18 }'
}
haproxy_up() { [ "$(haproxy_state "$1")" = UP ]; }

start_replica() {
	local i=$1 port ops
	port=$(eval echo "\$REPLICA_${i}_PORT")
	ops=$(eval echo "\$REPLICA_${i}_OPS")
	DEPLOY_PG_DSN=$PG_DSN DEPLOY_REDIS_URL=$REDIS_URL \
		setsid "$MCPGEN_BIN" serve --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$ops" \
		--session-key-file "$DIR/session.key" --trusted-proxy 127.0.0.1 \
		--drain-delay "$DRAIN_DELAY" --grace 30s "$DIR/config" \
		>>"$DIR/replica-$i.log" 2>&1 </dev/null &
	echo $! >"$DIR/replica-$i.pid"
	# Up to 60 s on a loaded machine; a replica that exited says why.
	local n pid=$!
	for n in $(seq 600); do
		ready "$ops" 2>/dev/null && break
		alive "$pid" || die "replica $i exited before it was ready; its log ends: $(tail -n 5 "$DIR/replica-$i.log")"
		[ "$n" = 600 ] && die "timed out waiting for replica $i's /readyz; its log ends: $(tail -n 5 "$DIR/replica-$i.log")"
		sleep 0.1
	done
	wait_for "HAProxy to see replica $i up" haproxy_up "$i"
}

replica_pid() { cat "$DIR/replica-$1.pid" 2>/dev/null; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop_replica() { # stop_replica I SIGNAL
	local pid
	pid=$(replica_pid "$1")
	alive "$pid" || return 0
	kill -s "$2" "$pid"
	local i
	for i in $(seq 600); do
		alive "$pid" || return 0
		sleep 0.1
	done
	die "replica $1 (pid $pid) did not exit after SIG$2"
}

start_pg() {
	as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/server.log" -w \
		-o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}
stop_pg() { as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null; }

start_redis() {
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save '' --appendonly no \
		--daemonize yes --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" >/dev/null
	# Daemonized, it binds after returning: a port taken since free_port
	# chose it shows only in its log.
	local i
	for i in $(seq 300); do
		redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "timed out waiting for Redis on 127.0.0.1:$REDIS_PORT; its log ends: $(tail -n 5 "$DIR/redis/redis.log" 2>/dev/null)"
}
stop_redis() {
	redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
	wait_for "Redis to stop" bash -c "! redis-cli -p $REDIS_PORT ping"
}

write_haproxy_cfg() {
	local i
	{
		sed -e "s|@PORT@|$LB_PORT|g" -e "s|@STATS_PORT@|$STATS_PORT|g" "$ROOT/deploy/haproxy.cfg"
		for i in $(seq "$REPLICAS"); do
			printf '  server r%d 127.0.0.1:%s check port %s\n' "$i" \
				"$(eval echo "\$REPLICA_${i}_PORT")" "$(eval echo "\$REPLICA_${i}_OPS")"
		done
	} >"$DIR/haproxy.cfg"
}

cmd_start() {
	local n=${1:-3} i
	[ "$n" -ge 1 ] 2>/dev/null || die "start: N must be a positive number, not $n"
	[ -f "$DIR/env" ] && die "already started in $DIR (deploy/run.sh stop first)"
	need haproxy haproxy
	need redis-server redis-server
	need curl curl
	pg_bin >/dev/null || need initdb postgresql
	mkdir -p "$DIR/pg" "$DIR/redis" "$DIR/config"
	: >"$DIR/ports"
	cp "$ROOT/deploy/mcpgen.hcl" "$DIR/config/"
	head -c 32 /dev/urandom >"$DIR/session.key"
	chmod 600 "$DIR/session.key"
	if [ -z "${MCPGEN_BIN:-}" ]; then
		log "building mcpgen"
		(cd "$ROOT" && go build -o "$DIR/mcpgen" ./cmd/mcpgen)
		MCPGEN_BIN=$DIR/mcpgen
	fi
	PG_BIN=$(pg_bin)
	PG_PORT=$(free_port "$DIR/ports")
	REDIS_PORT=$(free_port "$DIR/ports")
	LB_PORT=$(free_port "$DIR/ports")
	STATS_PORT=$(free_port "$DIR/ports")
	REPLICAS=$n
	{
		echo "MCPGEN_BIN=$MCPGEN_BIN"
		echo "PG_BIN=$PG_BIN"
		echo "PG_PORT=$PG_PORT"
		echo "PG_DSN='postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable'"
		echo "REDIS_PORT=$REDIS_PORT"
		echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
		echo "LB_PORT=$LB_PORT"
		echo "STATS_PORT=$STATS_PORT"
		echo "MCP_URL=http://127.0.0.1:$LB_PORT/mcp"
		echo "REPLICAS=$n"
		for i in $(seq "$n"); do
			echo "REPLICA_${i}_PORT=$(free_port "$DIR/ports")"
			echo "REPLICA_${i}_OPS=$(free_port "$DIR/ports")"
		done
	} >"$DIR/env.tmp"
	mv "$DIR/env.tmp" "$DIR/env"
	load_env

	log "PostgreSQL on 127.0.0.1:$PG_PORT"
	if [ "$(id -u)" = 0 ]; then chown postgres "$DIR/pg"; fi
	as_postgres "$PG_BIN/initdb" -D "$DIR/pg/data" -A trust -U postgres >"$DIR/pg/initdb.log" 2>&1
	start_pg
	psql -q "$PG_DSN" -c 'CREATE TABLE writes (seq bigserial PRIMARY KEY, call_id text NOT NULL, client text NOT NULL, at timestamptz NOT NULL DEFAULT now())'

	log "Redis on 127.0.0.1:$REDIS_PORT"
	start_redis

	log "HAProxy on 127.0.0.1:$LB_PORT (stats on $STATS_PORT)"
	write_haproxy_cfg
	haproxy -c -q -f "$DIR/haproxy.cfg"
	haproxy -D -f "$DIR/haproxy.cfg" -p "$DIR/haproxy.pid"

	for i in $(seq "$n"); do
		log "replica $i on 127.0.0.1:$(eval echo "\$REPLICA_${i}_PORT")"
		start_replica "$i"
	done
	log "serving $MCP_URL"
}

cmd_stop() {
	[ -f "$DIR/env" ] || { rm -rf "$DIR"; return 0; }
	load_env
	local i pid
	for i in $(seq "$REPLICAS"); do stop_replica "$i" TERM || true; done
	pid=$(cat "$DIR/haproxy.pid" 2>/dev/null || true)
	if alive "$pid"; then kill "$pid"; fi
	stop_redis || true
	stop_pg 2>/dev/null || true
	rm -rf "$DIR"
}

cmd_status() {
	load_env
	local i bad=0 pid
	echo "mcp        $MCP_URL"
	for i in $(seq "$REPLICAS"); do
		pid=$(replica_pid "$i")
		if alive "$pid" && ready "$(eval echo "\$REPLICA_${i}_OPS")"; then
			echo "replica $i  pid $pid ready, HAProxy: $(haproxy_state "$i")"
		else
			echo "replica $i  not ready, HAProxy: $(haproxy_state "$i" 2>/dev/null || echo '?')"
			bad=1
		fi
	done
	if as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then echo "postgres   up"; else echo "postgres   down"; bad=1; fi
	if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then echo "redis      up"; else echo "redis      down"; bad=1; fi
	return $bad
}

replica_arg() {
	load_env
	[ "${1:-}" -ge 1 ] 2>/dev/null && [ "$1" -le "$REPLICAS" ] || die "name a replica from 1 to $REPLICAS, not '${1:-}'"
}

case "${1:-}" in
start) cmd_start "${2:-3}" ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) load_env && cat "$DIR/env" ;;
restart)
	replica_arg "${2:-}"
	stop_replica "$2" TERM
	start_replica "$2"
	;;
rolling)
	load_env
	for i in $(seq "$REPLICAS"); do
		stop_replica "$i" TERM
		start_replica "$i"
	done
	;;
kill)
	replica_arg "${2:-}"
	stop_replica "$2" KILL
	start_replica "$2"
	;;
reload)
	load_env
	for i in $(seq "$REPLICAS"); do kill -HUP "$(replica_pid "$i")"; done
	;;
pg)
	load_env
	case "${2:-}" in stop) stop_pg ;; start) start_pg ;; *) die "pg stop|start" ;; esac
	;;
redis)
	load_env
	case "${2:-}" in stop) stop_redis ;; start) start_redis ;; *) die "redis stop|start" ;; esac
	;;
*)
	sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
