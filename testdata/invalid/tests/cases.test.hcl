# Mistakes in test files, checked against review/configtest/testdata/shop.hcl.

principal "agent" {
  subject = "alice"
  scopes  = ["orders.read"]
  claims  = { org = "acme" }
}

test "unknown tool" {
  principal = "agent"
  tool      = "get_ordr" # want@15: Unknown tool; There is no tool "get_ordr". Did you mean "get_order"?
  expect {
    outcome = "ok"
  }
}

test "unknown principal" {
  principal = "agnet" # want@15: Unknown principal; No principal "agnet" is declared. Did you mean "agent"?
  tool      = "list_orders"
  expect {
    outcome = "ok"
  }
}

test "args that cannot match" {
  principal = "agent"
  tool      = "get_order"
  args      = { order_id = "x" } # want@15: Arguments do not match the tool's params; tool get_order would refuse these arguments
  expect {
    outcome = "ok"
  }
}

test "a missing argument" {
  principal = "agent"
  tool      = "get_order" # want@15: Arguments do not match the tool's params
  expect {
    rows = 1
  }
}

test "invalid args may be expected" {
  principal = "agent"
  tool      = "get_order"
  args      = { order_id = "x", org = "globex" }
  expect {
    outcome = "invalid"
  }
}

test "an assertion that does not compile" {
  principal = "agent"
  tool      = "list_orders"
  expect {
    assert = ["result.rows.all(r, r.org == 'acme')", "result.rows.all(r, r.org = 'acme')"] # want@54: Invalid assertion; The CEL expression does not compile
  }
}

test "an assertion that is not true or false" {
  principal = "agent"
  tool      = "list_orders"
  expect {
    assert = "text + 'x'" # want@14: Invalid assertion; An assertion must be true or false; this one is string
  }
}

test "a resource variable that does not exist" {
  principal = "agent"
  resource  = "order"
  args      = { order = 1 } # want@17: Unknown template variable; There is no variable of shop://orders/{order_id} named "order" # want@15: Missing argument; resource order reads shop://orders/{order_id}
  expect {
    outcome = "ok"
  }
}

test "prompt arguments are strings" {
  principal = "agent"
  prompt    = "explain"
  args      = { order_id = 1 } # want@17: Prompt arguments are strings; MCP passes prompt arguments as strings: write order_id = "1"
  expect {
    outcome = "ok"
  }
}

test "an unknown outcome" {
  principal = "agent"
  tool      = "list_orders"
  expect {
    outcome = "refused" # want@15: Invalid outcome; outcome must be one of ok, error, denied, invalid, rate_limited, timeout
  }
}

test "two targets" {
  principal = "agent"
  tool      = "list_orders"
  prompt    = "explain" # want@15: Conflicting targets
  expect {
    visible = true
  }
}

test "no expectation" {
  principal = "agent"
  tool      = "list_orders"
  expect { # want@3: Empty expect block
  }
}

test "unknown principal" { # want@1: Duplicate test; test "unknown principal" is already declared at
  principal = "agent"
  tool      = "list_orders"
  expect {
    outcome = "ok"
  }
}

test "a user who does something else" {
  principal = "agent"
  tool      = "list_orders"
  user {
    action = "shrug" # want@14: Invalid user action; action must be one of accept, decline, cancel, cannot_ask, not "shrug".
  }
  expect {
    outcome = "ok"
  }
}

test "a user who declines with answers" {
  principal = "agent"
  tool      = "list_orders"
  user {
    action  = "decline"
    answers = { note = "x" } # want@15: Conflicting user block; Only a user who accepts gives answers
  }
  expect {
    outcome = "ok"
  }
}
