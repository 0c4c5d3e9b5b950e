package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ConfigFromEnv is the configuration of a trace exporter speaking
// protocol (HTTPProtobuf or GRPC), read from the environment (getenv, as
// os.Getenv) as the OTLP exporter specification says: each setting from
// OTEL_EXPORTER_OTLP_TRACES_X, else OTEL_EXPORTER_OTLP_X, for X in
// ENDPOINT, HEADERS, TIMEOUT, COMPRESSION, CERTIFICATE,
// CLIENT_CERTIFICATE, CLIENT_KEY and INSECURE.
//
// For http/protobuf, a generic endpoint is a base URL, /v1/traces
// appended to its path; a per-signal one is used as it is. A value that
// cannot be used is an error naming its variable; every such value is
// reported, not only the first.
func ConfigFromEnv(protocol string, getenv func(string) string) (Config, error) {
	c := Config{Protocol: protocol}
	var errs []error
	bad := func(name, v, why string, args ...any) {
		errs = append(errs, fmt.Errorf("%s=%q: %s", name, v, fmt.Sprintf(why, args...)))
	}
	lookup := func(x string) (name, value string) {
		name = "OTEL_EXPORTER_OTLP_TRACES_" + x
		if v := getenv(name); v != "" {
			return name, v
		}
		name = "OTEL_EXPORTER_OTLP_" + x
		return name, getenv(name)
	}

	if name, v := lookup("INSECURE"); v != "" {
		switch strings.ToLower(v) {
		case "true":
			c.Insecure = true
		case "false":
		default:
			bad(name, v, "use true or false")
		}
	}
	if name, v := lookup("ENDPOINT"); v != "" {
		var err error
		switch protocol {
		case GRPC:
			_, _, err = grpcEndpoint(v, c.Insecure)
		default:
			if name == "OTEL_EXPORTER_OTLP_ENDPOINT" {
				v = TracesURL(v)
			}
			_, err = httpEndpoint(v, "")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		c.Endpoint = v
	}
	if name, v := lookup("HEADERS"); v != "" {
		h, err := parseHeaders(v)
		if err != nil {
			// Not the value: headers carry credentials.
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		c.Headers = h
	}
	if name, v := lookup("TIMEOUT"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 || ms > int64(time.Duration(1<<63-1)/time.Millisecond) {
			bad(name, v, "must be a positive whole number of milliseconds")
		}
		c.Timeout = time.Duration(ms) * time.Millisecond
	}
	if name, v := lookup("COMPRESSION"); v != "" {
		switch v {
		case "gzip":
			c.Gzip = true
		case "none":
		default:
			bad(name, v, "use gzip or none")
		}
	}
	var tc tls.Config
	if name, v := lookup("CERTIFICATE"); v != "" {
		pem, err := os.ReadFile(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		} else {
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				bad(name, v, "the file holds no PEM certificate")
			}
		}
	}
	certName, cert := lookup("CLIENT_CERTIFICATE") // each from its own variable
	keyName, key := lookup("CLIENT_KEY")
	switch {
	case cert != "" && key != "":
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q, %s=%q: %w", certName, cert, keyName, key, err))
		} else {
			tc.Certificates = []tls.Certificate{pair}
		}
	case cert != "":
		bad(certName, cert, "needs its key, which neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY nor OTEL_EXPORTER_OTLP_CLIENT_KEY names")
	case key != "":
		bad(keyName, key, "needs its certificate, which neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE nor OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE names")
	}
	if tc.RootCAs != nil || tc.Certificates != nil {
		c.TLS = &tc
	}
	return c, errors.Join(errs...)
}

// TracesURL is the URL of the trace endpoint under an OTLP/HTTP base URL
// (http://collector:4318 → http://collector:4318/v1/traces), the path
// appended to the base's path, before any query. A base that is not a
// URL gets it appended as it is, for the error to show.
func TracesURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return strings.TrimSuffix(base, "/") + tracesPath
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + tracesPath
	if u.RawPath != "" {
		u.RawPath = strings.TrimSuffix(u.RawPath, "/") + tracesPath
	}
	return u.String()
}

// parseHeaders reads a list of headers as the specification writes it:
// key=value pairs separated by commas, values percent-encoded (as W3C
// baggage is). Errors name the entry by its position, not its value.
func parseHeaders(v string) (map[string]string, error) {
	h := map[string]string{}
	for i, entry := range strings.Split(v, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		k, val, ok := strings.Cut(entry, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("entry %d is not key=value", i+1)
		}
		if r, ok := invalidHeaderName(k); ok {
			// Not the name either: the key or token of an entry written
			// with ":" rather than "=" ends up there.
			return nil, fmt.Errorf("entry %d: the name before = holds %q, which a header name cannot", i+1, r)
		}
		val, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): the value is not valid percent-encoding", i+1, k)
		}
		if strings.ContainsFunc(val, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			// net/http would refuse to send it, at every export.
			return nil, fmt.Errorf("entry %d (%s): the value holds a control character (a line break, say)", i+1, k)
		}
		h[k] = val
	}
	return h, nil
}

// invalidHeaderName is the first character of k that an HTTP token (RFC
// 9110) cannot hold, and true, or false when k is a token.
func invalidHeaderName(k string) (rune, bool) {
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return r, true
		}
	}
	return 0, false
}
