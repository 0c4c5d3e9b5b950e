// Package http is the adapter for `source "http"`: tools that call an
// internal HTTP API with the server's own credentials.
//
// It registers itself as "http" from init; cmd imports it for that effect.
//
// # Building requests
//
// A tool's path is a template (/v1/stock/{sku}); every placeholder is a
// param or bind. Values are escaped as one path segment each (url.PathEscape,
// and . and .. as %2E), the URL is assembled from base_url's parts, and the
// result is parsed again and refused unless its scheme, host and path (as
// sent, and cleaned as a server would) are under base_url. Query parameters,
// headers and the JSON body are CEL over args and binds, so the body is data
// encoded as JSON, never text pasted into a template. Header values with
// control characters (CR, LF) are refused. The caller's own credentials are
// never seen here: the runtime gives adapters validated arguments and binds
// only, and requests carry the headers the source declares.
//
// # Sending
//
// Each attempt has the source's timeout and the call's context, so the
// tool's timeout cancels it. Failed attempts (network errors, and the
// statuses in retry.statuses) are retried for idempotent methods, or any
// method with retry_unsafe; a connection that failed to open is retried for
// every method, since nothing was sent. Waits grow exponentially with
// jitter, and a wait that would outlast the call is not started.
//
// A per-source circuit breaker counts calls that failed (5xx, network
// errors, timeouts; not 4xx, which prove the upstream is alive). After
// `failures` in a row it opens: calls fail at once with "upstream
// unavailable, retry after". After open_for it lets half_open_probes calls
// through; that many successes close it, one failure opens it again.
//
// # Answers
//
// Bodies are read through a limit of max_response_bytes + 1: a larger body
// is cut off, never buffered whole, and is a tool error. 2xx: a JSON object
// body is structuredContent as is (compacted, numbers exact); any other
// JSON value or text is wrapped as {"body": ...}; an empty body is {}. A
// result expression (CEL over args, binds and response: status, headers,
// body) shapes it instead; a non-object result is wrapped as {"result": ...}.
// 3xx not followed, 4xx and 5xx are tool errors; a 4xx carries a short,
// single-line summary of the upstream's message with every configured
// header value scrubbed out. Response headers never reach the client.
package http
