// Package auth validates the credentials of MCP callers over HTTP: OAuth 2.1 bearer tokens
// (JWTs from an external authorization server) and API keys. The server validates, it never
// issues; the caller's credential is read here and nowhere else, and never forwarded.
//
// The rules, and why:
//
//   - Only the Authorization header is read, exactly once: a token in a URL leaks into logs
//     and histories (OAuth 2.1 drops the query parameter), and two headers could be read
//     differently by a proxy and by us. Another scheme (Basic...) counts as no credential,
//     a malformed header is a 400 (RFC 6750 §3.1).
//   - Tokens longer than MaxTokenBytes are refused before any parsing, so a caller cannot make
//     us decode megabytes.
//   - The algorithm comes from an allow-list of asymmetric algorithms, checked against the
//     header before any key is chosen. "none" and HMAC cannot be configured at all: HMAC next
//     to RSA is the key-confusion attack (the public key used as an HMAC secret).
//   - The key is chosen by kid from the issuer's JWKS and must fit the algorithm (type, curve,
//     and the key's own "alg" if it has one). Symmetric keys in a JWKS are ignored.
//   - An unknown kid refetches the JWKS, since issuers rotate keys, but at most once per
//     MinRefetch, so made-up kids cannot turn us into a hammer on the key server. The JWKS
//     must be https (http only on loopback) and redirects are not followed.
//   - iss must match exactly; aud must contain the server's canonical URL (RFC 8707), so a
//     token minted for another resource is refused; exp is required and, like nbf and iat,
//     checked with Leeway. A token without sub is refused: audit records name the caller.
//   - Refusals are *Error values with the HTTP status, the RFC 6750 error code and a fixed
//     reason for logs; no reason ever quotes the credential or the library's message.
//   - API keys are stored as SHA-256 hashes. Lookup hashes once and compares with every entry
//     in constant time, with no early exit, so timing tells neither which key nor how much of
//     one matched. Keys are 32 random bytes, so an unsalted hash is enough.
//
// Signature checks and JWK parsing are lestrrat-go/jwx's; nothing here is hand-rolled crypto.
// Package authtest is a local issuer for tests and the TechNova demo.
package auth
