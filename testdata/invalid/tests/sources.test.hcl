# Fixtures and stubs that name no source of their kind.

fixture "sql" "order" { # want@15: Unknown source; There is no sql source "order". Did you mean "orders"?
}

fixture "http" "stock" { # want@9: Unsupported fixture type
}

fixture "sql" "orders" {
  dsn = "postgres://localhost/x" # want@9: Unexpected dsn
}

stub "stocks" { # want@6: Unknown source; There is no http source "stocks". Did you mean "stock"?
  response "stock/AB-123" { # want@12: Invalid stub path
    status = 200
  }
  response "/stock/AB-123" {
    status = 700 # want@14: Invalid status
  }
}

test "ok" {
  principal = "anonymous"
  tool      = "list_orders"
  expect {
    outcome = "denied"
  }
}
