package main

// mcpgen in front of a server written with the official TypeScript SDK:
// its example mcpServerOutputSchema.js (get_weather, with an output
// schema), started by `mcpgen serve` as a stdio subprocess. The SDK is
// installed by scripts/test.sh (MCPGEN_TS_SDK_DIR); the test skips
// without it, except under CI.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const tsGatewayHCL = `
server {
  name    = "ts-gateway-test"
  version = "1.0.0"
}

auth {
  stdio {
    subject = "local-agent"
    scopes  = ["weather.read"]
    claims  = { country = "UK" }
  }
}

source "mcp" "weather" {
  command = "NODE"
  args    = ["EXAMPLE"]
}

tool "weather" {
  description   = "Today's weather in a city of the caller's country."
  source        = source.mcp.weather
  upstream_tool = "get_weather"
  guard         = "'weather.read' in principal.scopes"
  param "city" {
    type       = "string"
    max_length = 40
  }
  bind "country" {
    from = "principal.claims.country"
  }
}
`

func TestGatewayTypeScriptSDKUpstream(t *testing.T) {
	dir := os.Getenv("MCPGEN_TS_SDK_DIR")
	example := filepath.Join(dir, "node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/mcpServerOutputSchema.js")
	node, nodeErr := exec.LookPath("node")
	if _, err := os.Stat(example); dir == "" || err != nil || nodeErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("under CI the TypeScript SDK upstream must run: node (%v) and MCPGEN_TS_SDK_DIR=%q holding the SDK (scripts/test.sh installs it)", nodeErr, dir)
		}
		t.Skip("no node or no MCPGEN_TS_SDK_DIR with @modelcontextprotocol/sdk (scripts/test.sh installs it)")
	}
	conf := filepath.Join(t.TempDir(), "gateway.hcl")
	body := strings.NewReplacer("NODE", node, "EXAMPLE", example).Replace(tsGatewayHCL)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := mainCommand(nil, "lock", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("mcpgen lock: %v\n%s", err, out)
	}
	lock, err := os.ReadFile(filepath.Join(filepath.Dir(conf), "mcpgen.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lock), `"key": "mcp.weather/get_weather"`) {
		t.Fatalf("the lock file does not pin get_weather:\n%s", lock)
	}

	s := startStdio(t, nil, conf)
	res := call(t, s.client, "weather", map[string]any{"city": "London"})
	if res.IsError {
		t.Fatalf("weather: %s", text(res))
	}
	got, ok := res.StructuredContent.(map[string]any)
	if !ok || got["conditions"] == nil || got["temperature"] == nil {
		t.Errorf("structuredContent = %#v, want the SDK server's weather report", res.StructuredContent)
	}
	// The caller cannot choose the bound argument.
	toolError(t, call(t, s.client, "weather", map[string]any{"city": "Paris", "country": "FR"}), "country")
}
