// Package mcp is the adapter for `source "mcp"`: another MCP server,
// reached over Streamable HTTP (url) or started as a stdio subprocess
// (command), whose tools mcpgen re-exposes one by one under its own names,
// guards, binds and limits (`upstream_tool`).
//
// The source holds one long-lived session with the upstream. It is opened
// lazily when the upstream is down at start, re-initialized when the
// upstream forgets it (404) or its process dies (restarted with backoff),
// and guarded by the same retry and circuit_breaker blocks as an HTTP
// source. Only the source's own credentials (headers) go upstream.
//
// Each exposed upstream tool is pinned: the SHA-256 of its definition as
// announced (name, title, description, schemas, annotations) must equal
// the one mcpgen.lock recorded (adapter.OpenOptions.Pins), or without a
// lock file the one read first. The definitions are read again at every
// new session and at every notifications/tools/list_changed; a tool whose
// definition drifted answers as unavailable until a reviewer re-locks.
//
// This package imports mcp-go's client, which adapters/sql and
// adapters/http do not link.
package mcp
