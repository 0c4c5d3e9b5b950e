package hcl

import (
	"io"
	"os"
	"testing"

	"github.com/mcpgen/mcpgen/internal/fixture"
)

// FuzzLoad feeds arbitrary bytes through the loader and through the
// helpers adapters call on the bodies it leaves over: none may panic.
func FuzzLoad(f *testing.F) {
	seeds := fixture.Glob(f, "testdata/*/*.hcl")
	more := fixture.Glob(f, "testdata/*/*/*.hcl")
	for _, path := range append(seeds, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`tool "t" { source = source.a.b param "p" { type = "array" items = "number" default = [1e400] } }`))
	f.Add([]byte(`source "a" "b" { x = env("HOME") y = [for v in [1] : v] z = "${env("X", "1")}s" }`))

	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := LoadSource("testdata/fuzz.hcl", src)
		if cfg == nil || cfg.Server == nil {
			t.Fatalf("LoadSource returned no config or no server")
		}
		WriteDiagnostics(io.Discard, diags)
		for _, s := range cfg.Sources {
			attrs, _ := s.Body.JustAttributes()
			for _, attr := range attrs {
				StringAttr(attr, s.Ctx)
				PublicStringAttr(attr, s.Ctx)
				IntAttr(attr, s.Ctx)
				BoolAttr(attr, s.Ctx)
				DurationAttr(attr, s.Ctx)
			}
		}
		for _, tool := range cfg.Tools {
			attrs, _ := tool.Body.JustAttributes()
			for _, attr := range attrs {
				StringAttr(attr, tool.Ctx)
			}
		}
	})
}
