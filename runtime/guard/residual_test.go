package guard

import (
	"strings"
	"testing"
)

func TestResidual(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
	tests := []struct {
		src       string
		decided   bool
		allow     bool
		err       string
		condition string
	}{
		{`'orders.read' in principal.scopes`, true, true, "", ""},
		{`'orders.write' in principal.scopes`, true, false, "", ""},
		{`'orders.read' in principal.scopes && args.order_id < 1000`, false, false, "", `args.order_id < 1000`},
		{`'orders.write' in principal.scopes && args.order_id < 1000`, true, false, "", ""},
		{`'orders.write' in principal.scopes || args.order_id == 1`, false, false, "", `args.order_id == 1`},
		{`principal.claims.org == 'acme' && (args.order_id < 10 || principal.claims.level > 5)`, false, false, "", `args.order_id < 10`},
		{`principal.claims.team == 'x'`, true, false, "no such key", ""},
		// An error beside an unknown is unknown in CEL (the arguments could
		// make the && false first): tools/list shows the tool, and so does
		// the matrix, with the known values put in.
		{`principal.claims.team == 'x' && args.order_id < 10`, false, false, "",
			`{"level": 3, "org": "acme"}.team == "x" && args.order_id < 10`},
		// The request's transport is known; its time is not.
		{`request.transport == 'http'`, true, true, "", ""},
		{`request.transport == 'stdio' || request.time.getHours() < 18`, false, false, "", `request.time.getHours() < 18`},
		{`tool.read_only`, true, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			prg, err := env.CompileGuard(tt.src)
			if err != nil {
				t.Fatalf("CompileGuard: %v", err)
			}
			r := prg.Residual(vars(), false)
			if r.Decided != tt.decided || r.Allow != tt.allow || r.Condition != tt.condition ||
				(tt.err == "") != (r.Err == nil) || (r.Err != nil && !strings.Contains(r.Err.Error(), tt.err)) {
				t.Errorf("Residual = %+v; want decided %v allow %v err %q condition %q", r, tt.decided, tt.allow, tt.err, tt.condition)
			}
			// Agreement with what tools/list uses: a guard ruled out here
			// (decided false or an error) is never Possible, and one that is
			// Possible is allowed or depends.
			if denied := r.Decided && !r.Allow; denied == prg.Possible(vars()) {
				t.Errorf("Residual %+v disagrees with Possible = %v", r, prg.Possible(vars()))
			}
		})
	}
	// With the arguments known (a static resource), they are put in.
	prg, err := env.CompileGuard(`args.order_id < 1000`)
	if err != nil {
		t.Fatal(err)
	}
	if r := prg.Residual(vars(), true); !r.Decided || r.Allow {
		t.Errorf("Residual with args known = %+v, want decided false (order_id 1042)", r)
	}
}
