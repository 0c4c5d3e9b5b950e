package hcl

import (
	"encoding/json"
	"testing"
)

// Test blocks decode into a plain model: arguments as the JSON a client
// sends, stub bodies encoded, assertions with their ranges, and a
// principal may be declared in a later file than the case using it.
func TestLoadTestCases(t *testing.T) {
	src := `
fixture "sql" "orders" {
  driver = "postgres"
  dsn    = "postgres://127.0.0.1/postgres"
  seed   = "CREATE TABLE t (id INTEGER);"
}

stub "inventory" {
  response "/v1/stock/A" {
    json = { sku = "A", warehouses = [{ code = "CMH", quantity = 4 }] }
  }
  response "/v1/down" {
    status = 503
    body   = "down"
  }
}

test "cancel" {
  principal = "later"
  tool      = "cancel_order"
  args      = { order_id = 1042, reason = "wrong model", tags = ["a", "b"] }
  calls     = 3
  expect {
    outcome = "rate_limited"
    error   = "Rate limit"
    rows    = 0
    assert  = ["outcome == 'rate_limited'", "text != ''"]
  }
}

test "hidden" {
  principal = "anonymous"
  prompt    = "summary"
  expect {
    visible = false
  }
}

principal "later" {
  subject = "x"
}
`
	tests, diags := LoadTestSource("t.test.hcl", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %s", diags.Error())
	}
	f := tests.Fixture("sql.orders")
	if f == nil || f.Driver != FixturePostgres || f.DSN == "" || !f.HasSeed {
		t.Fatalf("fixture: %+v", f)
	}
	st := tests.Stub("inventory")
	if st == nil || len(st.Responses) != 2 {
		t.Fatalf("stub: %+v", st)
	}
	if r := st.Responses[0]; r.Status != 200 || r.ContentType != "application/json" ||
		r.Body != `{"sku":"A","warehouses":[{"code":"CMH","quantity":4}]}` {
		t.Errorf("json response: %+v", r)
	}
	if r := st.Responses[1]; r.Status != 503 || r.Body != "down" || r.ContentType != "" {
		t.Errorf("body response: %+v", r)
	}
	c := tests.Case("cancel")
	if c == nil || c.Kind != TargetTool || c.Target != "cancel_order" || c.Calls != 3 || c.Principal != "later" {
		t.Fatalf("case: %+v", c)
	}
	args, _ := json.Marshal(c.Args)
	if string(args) != `{"order_id":1042,"reason":"wrong model","tags":["a","b"]}` {
		t.Errorf("args = %s", args)
	}
	if r := c.ArgRanges["reason"]; r.Start.Line != 21 || r.Start.Column != 34 {
		t.Errorf("reason is at %s, want t.test.hcl:21:34", Pos(r))
	}
	e := c.Expect
	if e.Outcome != "rate_limited" || !e.HasError || e.Rows == nil || *e.Rows != 0 || e.Visible != nil || len(e.Asserts) != 2 || !e.CallsNeeded() {
		t.Errorf("expect: %+v", e)
	}
	if a := e.Asserts[1]; a.Expr != "text != ''" || a.Range.Start.Line != 27 || a.Range.Start.Column != 45 {
		t.Errorf("assert: %+v at %s", a, Pos(a.Range))
	}
	h := tests.Case("hidden")
	if h.Kind != TargetPrompt || h.Expect.Visible == nil || *h.Expect.Visible || h.Expect.CallsNeeded() {
		t.Errorf("hidden: %+v", h)
	}
}
