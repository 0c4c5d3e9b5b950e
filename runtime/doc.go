// Package runtime is mcpgen's engine. Build turns configuration files into
// a Generation (or diagnostics), the same way for every command and for
// reload; a Generation's Surface is the one model of what clients are
// offered and what the server runs for each; Server serves one generation
// at a time over mcp-go, routing every request through the per-call path
// (validate, guard and binds, limits, the adapter, audit and metrics) and
// swapping generations on reload without dropping a call.
//
// Transports live in runtime/transport, the adapter contract in
// runtime/adapter; runtime never imports an adapter.
package runtime
