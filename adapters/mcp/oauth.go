package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// The oauth block: the source's own credentials as an OAuth 2.0 client
// credentials grant (RFC 6749, section 4.4). The token is fetched before a
// session starts, kept until shortly before it expires, and fetched again
// when a session ends (the upstream may have refused it).

var oauthSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "token_url", Required: true},
		{Name: "client_id", Required: true},
		{Name: "client_secret", Required: true},
		{Name: "scopes"},
	},
}

type oauthSettings struct {
	tokenURL, clientID, clientSecret string
	scopes                           []string
}

const (
	tokenEarly        = 30 * time.Second // renew this long before expiry
	tokenDefaultLife  = time.Hour        // when the server does not say
	maxTokenBodyBytes = 64 << 10
)

func (s *Source) decodeOAuth(b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := b.Body.Content(oauthSchema)
	o := &oauthSettings{}
	str := func(name string, dst *string) {
		if attr, ok := content.Attributes[name]; ok {
			v, ds := cfg.StringAttr(attr, ctx)
			diags = append(diags, ds...)
			if !ds.HasErrors() && strings.TrimSpace(v) == "" {
				diags = append(diags, cfg.AttrError(attr, "Empty "+name, "%s must not be empty.", name))
			}
			*dst = strings.TrimRight(v, "\r\n") // a file() secret usually ends in a newline
		}
	}
	str("token_url", &o.tokenURL)
	str("client_id", &o.clientID)
	str("client_secret", &o.clientSecret)
	if attr, ok := content.Attributes["token_url"]; ok && o.tokenURL != "" {
		u, err := url.Parse(o.tokenURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
			diags = append(diags, cfg.AttrError(attr, "Invalid token_url", "token_url must be an http:// or https:// URL with a host and no credentials."))
		}
	}
	if attr, ok := content.Attributes["scopes"]; ok {
		list, ds := stringList(attr, ctx)
		diags = append(diags, ds...)
		o.scopes = list
	}
	s.oauth = o
	return diags
}

// tokenSource fetches and caches the source's access token.
type tokenSource struct {
	cfg    *oauthSettings
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// get returns a token valid for a while yet, fetching one if needed.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.now().Add(tokenEarly).Before(ts.expires) {
		return ts.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(ts.cfg.scopes) > 0 {
		form.Set("scope", strings.Join(ts.cfg.scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.cfg.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749, section 2.3.1: form-encoded, then HTTP Basic.
	req.SetBasicAuth(url.QueryEscape(ts.cfg.clientID), url.QueryEscape(ts.cfg.clientSecret))
	resp, err := ts.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBodyBytes))
	if err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		// The body may echo the request; the status is enough.
		return "", fmt.Errorf("the token endpoint answered %s", resp.Status)
	}
	var tok struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", errors.New("the token endpoint's answer has no access_token")
	}
	if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "bearer") {
		return "", fmt.Errorf("the token endpoint issued a %q token; only bearer tokens are supported", tok.TokenType)
	}
	life := tokenDefaultLife
	if secs, err := tok.ExpiresIn.Int64(); err == nil && secs > 0 {
		life = time.Duration(secs) * time.Second
	}
	ts.token, ts.expires = tok.AccessToken, ts.now().Add(life)
	return ts.token, nil
}

// forget drops the cached token, so that the next session fetches a new one.
func (ts *tokenSource) forget() {
	ts.mu.Lock()
	ts.token = ""
	ts.mu.Unlock()
}

// cached returns the last token without fetching: for a request whose
// renewal failed, and for scrubbing it from errors.
func (ts *tokenSource) cached() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.token
}
