// Package resilience is the retry and circuit_breaker blocks that the HTTP
// and MCP adapters share: their settings, schemas and decoders, the
// backoff between attempts, and the breaker's state machine. Adapters may
// not import each other, so what both need lives here, under
// adapters/internal, where nothing outside adapters/ can reach it.
//
// What counts as a failure, which calls may be retried and what a
// refused call tells the client stay with each adapter.
package resilience
