#!/usr/bin/env bash
# The official MCP conformance suite against mcpgen: builds mcpgen, serves
# examples/conformance.hcl over Streamable HTTP on 127.0.0.1 at a free port,
# and runs @modelcontextprotocol/conformance's server scenarios with
# testdata/conformance/expected-failures.yml as the baseline. It fails when a
# scenario outside the baseline fails, or one inside it passes.
#
# The suite needs Node 22, which the npm package node@22 provides: both are
# installed with npm into $MCPGEN_CONFORMANCE_CACHE (default
# ~/.cache/mcpgen-conformance), outside the repository, once. Without npm
# the run is skipped, except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE_VERSION=0.1.16
CACHE=${MCPGEN_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpgen-conformance}
log() { printf '\n== %s\n' "$*" >&2; }

if ! command -v npm >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "npm is required under CI to run the conformance suite" >&2
		exit 1
	fi
	log "no npm: conformance suite skipped"
	exit 0
fi

NODE=$CACHE/node_modules/node/bin/node
SUITE=$CACHE/node_modules/@modelcontextprotocol/conformance
installed() {
	[ -x "$NODE" ] && "$NODE" --version | grep -q '^v22\.' &&
		grep -q "\"version\": \"$SUITE_VERSION\"" "$SUITE/package.json" 2>/dev/null
}
if ! installed; then
	log "installing node@22 and @modelcontextprotocol/conformance@$SUITE_VERSION into $CACHE"
	mkdir -p "$CACHE"
	npm install --prefix "$CACHE" --no-audit --no-fund \
		"node@22" "@modelcontextprotocol/conformance@$SUITE_VERSION" >"$CACHE/npm.log" 2>&1 ||
		{ cat "$CACHE/npm.log" >&2; exit 1; }
	installed || { echo "node 22 or the suite is missing after npm install; see $CACHE/npm.log" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/mcpgen-conformance.XXXXXX)
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

log "building mcpgen"
go build -o "$WORK/mcpgen" ./cmd/mcpgen

# Port 0: the kernel picks a free port; the server logs its URL.
# test_tool_with_progress is a report that runs a while; it hears a
# keep-alive every 50ms.
"$WORK/mcpgen" serve --listen 127.0.0.1:0 --progress-interval 50ms examples/conformance.hcl >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
URL=
for _ in $(seq 1 100); do
	URL=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$WORK/serve.log" | head -n 1)
	[ -n "$URL" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$URL" ]; then
	echo "mcpgen did not start serving:" >&2
	cat "$WORK/serve.log" >&2
	exit 1
fi

log "conformance $SUITE_VERSION against $URL"
status=0
(cd "$WORK" && "$NODE" "$SUITE/dist/index.js" server --url "$URL" \
	--expected-failures "$OLDPWD/testdata/conformance/expected-failures.yml") >"$WORK/suite.log" 2>&1 || status=$?
grep -E '^[✓✗] |^Total|Baseline|Unexpected|stale|  ✗ ' "$WORK/suite.log" >&2 || true
if [ "$status" -ne 0 ]; then
	echo "conformance failed (exit $status); the full output:" >&2
	cat "$WORK/suite.log" >&2
	echo "server log:" >&2
	cat "$WORK/serve.log" >&2
fi
exit "$status"
