package main

import (
	"bufio"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth"
)

func TestIssuerTokensValidate(t *testing.T) {
	const audience = "http://127.0.0.1:8080/mcp"
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-audience", audience, "-valid", "2h"}, outW, errW)
		outW.Close()
		errW.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	stderr := bufio.NewScanner(errR)
	urls := map[string]string{}
	for len(urls) < 2 && stderr.Scan() {
		f := strings.Fields(stderr.Text())
		if len(f) == 2 {
			urls[f[0]] = f[1]
		}
	}
	go io.Copy(io.Discard, errR)
	if urls["issuer"] == "" || urls["jwks"] == "" {
		t.Fatalf("stderr named no issuer and JWKS URLs: %v", urls)
	}
	j, err := auth.NewJWT(ctx, auth.JWTOptions{Issuer: urls["issuer"], Audience: audience, JWKSURL: urls["jwks"]})
	if err != nil {
		t.Fatalf("NewJWT: %v", err)
	}
	defer j.Close()

	want := map[string]struct {
		sub, org string
		scopes   []string
	}{
		"acme-agent":   {"agent@acme.example", "acme", []string{"orders.read", "catalog.read"}},
		"acme-manager": {"manager@acme.example", "acme", []string{"orders.read", "orders.write", "catalog.read"}},
		"globex-agent": {"agent@globex.example", "globex", []string{"orders.read", "catalog.read"}},
		"no-scopes":    {"visitor@acme.example", "acme", []string{}},
	}
	stdout := bufio.NewScanner(outR)
	stdout.Buffer(nil, 64<<10)
	for range want {
		if !stdout.Scan() {
			t.Fatalf("stdout ended early: %v", stdout.Err())
		}
		label, token, ok := strings.Cut(stdout.Text(), " ")
		w, known := want[label]
		if !ok || !known {
			t.Fatalf("unexpected line %q", stdout.Text())
		}
		id, err := j.Validate(ctx, token)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if id.Subject != w.sub || id.Claims["org"] != w.org || !reflect.DeepEqual(id.Scopes, w.scopes) {
			t.Errorf("%s: identity %+v", label, id)
		}
		exp := time.Unix(int64(id.Claims["exp"].(float64)), 0)
		if d := time.Until(exp); d < time.Hour || d > 2*time.Hour {
			t.Errorf("%s: expires in %s, want about 2h (-valid)", label, d)
		}
		delete(want, label)
	}
	go io.Copy(io.Discard, outR)
}

func TestIssuerFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-valid", "-1h"}, "-valid must be positive"},
		{[]string{"-audience", ""}, "-audience must not be empty"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-listen", "256.0.0.1:0"}, "256.0.0.1"},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
