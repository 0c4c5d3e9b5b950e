package runtime

import (
	"encoding/json"
	"io"
	"os"
	"testing"

	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/fixture"
)

// FuzzCheck runs whatever parses through the whole offline build: the
// adapters' decoders, params, guards, binds, limits, resources, prompts and
// the Surface. Any input may be wrong; none may crash the loader.
func FuzzCheck(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../testdata/invalid/*.hcl", "../examples/*.hcl", "../hcl/testdata/*/*.hcl"} {
		seeds = append(seeds, fixture.Glob(f, pattern)...)
	}
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		conf, diags := cfg.LoadSource("fuzz.hcl", src)
		gen, more := check(conf)
		cfg.WriteDiagnostics(io.Discard, append(diags, more...))
		if _, err := json.Marshal(gen.Surface()); err != nil {
			t.Fatalf("the surface does not encode: %v", err)
		}
	})
}
