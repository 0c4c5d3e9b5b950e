# Tests of technova.hcl: run them with `mcpgen test examples/technova.test.hcl`
# (docs/testing.md). Every case gets a fresh copy of the seeded database and
# its own rate limits; check_inventory reaches the stub below, never a real
# inventory service.

principal "acme_agent" {
  subject = "alice@acme"
  scopes  = ["orders.read", "orders.write", "catalog.read"]
  claims  = { org = "acme" }
}

principal "globex_agent" {
  subject = "bob@globex"
  scopes  = ["orders.read", "orders.write", "catalog.read"]
  claims  = { org = "globex" }
}

principal "acme_reporting" {
  subject = "acme-reporting"
  scopes  = ["orders.read", "catalog.read"]
  claims  = { org = "acme" }
}

principal "catalog_only" {
  subject = "catalog-bot"
  scopes  = ["catalog.read"]
}

# A fresh SQLite file per case, seeded with technova/seed.sql.
fixture "sql" "orders" {
  seed = file("technova/seed.sql")
}

stub "inventory" {
  response "/v1/stock/TN-LAP-101" {
    json = {
      sku          = "TN-LAP-101"
      available    = 7
      warehouses   = [{ code = "CMH", quantity = 4 }, { code = "RTM", quantity = 3 }]
      restock_date = null
    }
  }
  response "/v1/stock/TN-LAP-999" {
    status = 404
    json   = { error = "unknown sku \"TN-LAP-999\"" }
  }
}

# ---- Tenant isolation ------------------------------------------------------

test "acme agent reads an acme order" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 1002 }
  expect {
    rows   = 1
    assert = ["result.org == 'acme'", "result.id == 1002"]
  }
}

test "acme agent cannot read a globex order" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 1001 }
  expect {
    error = "No order with that number"
  }
}

test "acme agent lists only acme orders" {
  principal = "acme_agent"
  tool      = "list_orders"
  args      = { limit = 50 }
  expect {
    outcome = "ok"
    assert  = ["result.rows.size() == 50", "result.rows.all(r, r.org == 'acme')"]
  }
}

test "an org in the arguments is refused" {
  principal = "acme_agent"
  tool      = "list_orders"
  args      = { org = "globex" }
  expect {
    outcome = "invalid"
    error   = "org"
  }
}

test "globex agent reads the acme order resource as not found" {
  principal = "globex_agent"
  resource  = "order"
  args      = { order_id = 1002 }
  expect {
    error = "No order with that order number"
  }
}

# ---- The cancel rules ------------------------------------------------------

test "acme agent cancels a pending acme order" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1246, reason = "Customer ordered the wrong model" }
  # cancel_order asks the human at the client to confirm; here they accept.
  user {
    action = "accept"
  }
  expect {
    rows   = 1
    assert = "result.status == 'cancelled' && result.cancel_reason == 'Customer ordered the wrong model'"
  }
}

test "the cancelled order is pending again in the next case" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 1246 }
  expect {
    assert = "result.status == 'pending'"
  }
}

test "a paid order cannot be cancelled" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1225, reason = "Customer changed their mind" }
  user {
    action = "accept"
  }
  expect {
    error = "Only pending orders can be cancelled"
  }
}

test "acme agent cannot cancel a pending globex order" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1232, reason = "Customer changed their mind" }
  user {
    action = "accept"
  }
  expect {
    error = "Nothing was cancelled"
  }
}

test "nothing is cancelled when the user declines" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1246, reason = "Customer ordered the wrong model" }
  user {
    action = "decline"
  }
  expect {
    outcome = "declined"
    error   = "the user declined"
  }
}

test "a client that cannot ask its user cannot cancel" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1246, reason = "Customer ordered the wrong model" }
  user {
    action = "cannot_ask"
  }
  expect {
    outcome = "denied"
    error   = "cannot ask"
  }
}

test "cancelling is rate limited" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1225, reason = "Customer changed their mind" }
  calls     = 11
  user {
    action = "accept"
  }
  expect {
    outcome = "rate_limited"
    error   = "Rate limit exceeded"
  }
}

# ---- Scopes per role -------------------------------------------------------

test "the reporting key cannot cancel" {
  principal = "acme_reporting"
  tool      = "cancel_order"
  args      = { order_id = 1246, reason = "Customer changed their mind" }
  expect {
    outcome = "denied"
  }
}

test "cancel_order is hidden from the reporting key" {
  principal = "acme_reporting"
  tool      = "cancel_order"
  expect {
    visible = false
  }
}

test "the catalog bot searches products" {
  principal = "catalog_only"
  tool      = "search_products"
  args      = { query = "usb-c", limit = 5 }
  expect {
    outcome = "ok"
    assert  = "result.rows.size() > 0 && result.rows.size() <= 5"
  }
}

test "the catalog bot does not see orders" {
  principal = "catalog_only"
  tool      = "get_order"
  expect {
    visible = false
  }
}

test "the catalog bot checks stock through the stub" {
  principal = "catalog_only"
  tool      = "check_inventory"
  args      = { sku = "TN-LAP-101" }
  expect {
    assert = "result.available == 7 && result.warehouses.size() == 2"
  }
}

test "anonymous callers are denied" {
  principal = "anonymous"
  tool      = "list_orders"
  expect {
    outcome = "denied"
  }
}

test "the stdio principal reads its own org's orders" {
  principal = "stdio"
  tool      = "get_order"
  args      = { order_id = 1002 }
  expect {
    assert = "result.org == 'acme'"
  }
}

test "the summary prompt is hidden from the catalog bot" {
  principal = "catalog_only"
  prompt    = "summarize_order_issue"
  expect {
    visible = false
  }
}

test "the summary prompt embeds the order" {
  principal = "acme_agent"
  prompt    = "summarize_order_issue"
  args      = { order_id = "1002" }
  expect {
    assert = "text.contains('\"org\":\"acme\"')"
  }
}

# ---- Input validation ------------------------------------------------------

test "an order number must be positive" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 0 }
  expect {
    outcome = "invalid"
    error   = "order_id"
  }
}

test "an unknown status is refused" {
  principal = "acme_agent"
  tool      = "list_orders"
  args      = { status = "lost" }
  expect {
    outcome = "invalid"
    error   = "status"
  }
}

test "a cancel reason needs three characters" {
  principal = "acme_agent"
  tool      = "cancel_order"
  args      = { order_id = 1246, reason = "no" }
  expect {
    outcome = "invalid"
    error   = "reason"
  }
}

test "a malformed sku never reaches the inventory service" {
  principal = "catalog_only"
  tool      = "check_inventory"
  args      = { sku = "../../admin" }
  expect {
    outcome = "invalid"
    error   = "sku"
  }
}
