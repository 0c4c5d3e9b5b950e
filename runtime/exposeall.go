package runtime

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// lockName is review/lock.Name: the lock file beside the configuration.
const lockName = "mcpgen.lock"

// pinnedDefinitions are the upstream definitions the lock file beside the
// configuration pins (review/lock.Path), by adapter.PinKey: what
// expose_all generates tools from, so that every command (serve, validate,
// tools, diff, lock itself) sees the same tools without connecting to
// anything. An entry whose definition does not hash as recorded (a hand
// edit, which lock.Verifier refuses at serve) generates nothing; no lock
// file, or one that cannot be read, pins nothing.
func pinnedDefinitions(paths []string) map[string]json.RawMessage {
	if len(paths) == 0 {
		return nil
	}
	path := filepath.Join(filepath.Dir(paths[0]), lockName)
	if info, err := os.Stat(paths[0]); err == nil && info.IsDir() {
		path = filepath.Join(paths[0], lockName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var f struct {
		Upstream []struct {
			Key        string          `json:"key"`
			Hash       string          `json:"hash"`
			Definition json.RawMessage `json:"definition"`
		} `json:"upstream"`
	}
	if json.Unmarshal(data, &f) != nil {
		return nil
	}
	out := map[string]json.RawMessage{}
	for _, u := range f.Upstream {
		var b bytes.Buffer
		if json.Compact(&b, u.Definition) != nil {
			continue
		}
		sum := sha256.Sum256(b.Bytes())
		if "sha256:"+hex.EncodeToString(sum[:]) == u.Hash {
			out[u.Key] = u.Definition
		}
	}
	return out
}

// generateTools adds the tools sources generate (adapter.ToolGenerator)
// to the configuration, after the declared ones. A generated name that a
// declared tool or another source's generated tool already has is an
// error at the source.
func (g *Generation) generateTools(conf *cfg.Config, pinned map[string]json.RawMessage) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := map[string]hcl.Range{}
	for _, t := range conf.Tools {
		names[t.Name] = t.NameRange
	}
	for _, key := range g.order {
		gen, ok := g.sources[key].(adapter.ToolGenerator)
		if !ok {
			continue
		}
		tools, ds := gen.GenerateTools(pinned)
		diags = append(diags, ds...)
		for _, t := range tools {
			if first, dup := names[t.Name]; dup {
				r := t.NameRange
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate tool name",
					Detail: fmt.Sprintf("expose_all on source %s would expose an upstream tool as %q, the name of the tool at %s: set a prefix, or deny it.",
						key, t.Name, cfg.Pos(first)), Subject: &r})
				continue
			}
			names[t.Name] = t.NameRange
			conf.Tools = append(conf.Tools, t)
		}
	}
	return diags
}
