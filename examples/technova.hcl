# TechNova: an order assistant for support agents.
#
# Data and reset instructions: technova/README.md. Every statement below runs
# unchanged on SQLite (the embedded default) and PostgreSQL 15:
#   TECHNOVA_DRIVER=postgres TECHNOVA_DB=postgres://user@host/technova?timezone=UTC mcpgen serve technova.hcl
# MySQL and MariaDB (10.6 or newer) take their own statement where a
# `dialect "mysql"` block gives one, and their own seed:
#   TECHNOVA_DRIVER=mysql TECHNOVA_DB=mysql://user:password@host:3306/technova mcpgen serve technova.hcl
# They have no string_agg, no CAST(... AS TEXT), no expressions in LIMIT and
# (MariaDB) no UPDATE ... RETURNING, and || is OR there; the other tools
# share one statement.
#
# Portability notes, so a reviewer need not rediscover them:
#   * Optional params are bound as NULL when absent. PostgreSQL cannot infer the
#     type of a bare NULL parameter, so each one is wrapped in CAST(... AS TEXT)
#     or CAST(... AS INTEGER), which SQLite accepts too.
#   * get_order aggregates its items with string_agg(... ORDER BY ...), which
#     PostgreSQL has and SQLite has since 3.44 (the embedded driver ships 3.5x).
#   * Case-insensitive matching is LOWER(...) LIKE ..., with ! escaping LIKE
#     wildcards so a % or _ typed by the model matches literally.
#   * cancel_order stamps CURRENT_TIMESTAMP: UTC on SQLite, the session time
#     zone on PostgreSQL, hence timezone=UTC in the DSN above.

server {
  name         = "technova"
  version      = "1.0.0"
  instructions = <<-EOT
    Order tools for TechNova support agents. TechNova sells laptops, monitors,
    audio gear, accessories, storage and networking products to customers of
    two organizations, acme and globex. Each agent works for one of them and
    sees only that organization's orders.

    - Money is in US cents (12900 means $129.00). Times are UTC.
    - An order moves pending -> paid -> shipped -> delivered, or is cancelled.
    - Use get_order when you know the order number, list_orders to find orders
      by customer email or status, search_products for catalog questions.
    - cancel_order changes data and cannot be undone: only call it when the
      agent has asked for that specific order to be cancelled. Only pending
      orders can be cancelled.
  EOT
}

# Who may call what. Tokens come from an external authorization server (for
# a local try, examples/technova/issuer prints some); service callers may use
# an API key instead; a local stdio client runs as the stdio principal.
# Every order tool reads the caller's organization from its identity (bind
# "org") and never from arguments, so an acme agent cannot see or touch a
# globex order whatever the model asks for. The catalog is shared by both
# organizations and needs no org.
auth {
  resource = "http://127.0.0.1:8080/mcp"
  scopes   = ["orders.read", "orders.write", "catalog.read"]

  jwt {
    issuer   = env("TECHNOVA_ISSUER", "http://127.0.0.1:9000")
    jwks_url = env("TECHNOVA_JWKS_URL", "http://127.0.0.1:9000/jwks.json")
  }

  # A read-only reporting job at acme. The default hash is of the demo key
  # in technova/README.md: set TECHNOVA_REPORTING_KEY_HASH anywhere real.
  api_key "acme_reporting" {
    hash    = env("TECHNOVA_REPORTING_KEY_HASH", "sha256:1e63cf461ab57de98909dfa3bcbde99107aae965aab246c12a581bc17466ba2a")
    subject = "acme-reporting"
    scopes  = ["orders.read", "catalog.read"]
    claims  = { org = "acme" }
  }

  stdio {
    subject = "local-support-agent"
    scopes  = ["orders.read", "orders.write", "catalog.read"]
    claims  = { org = env("TECHNOVA_ORG", "acme") }
  }
}

source "sql" "orders" {
  driver = env("TECHNOVA_DRIVER", "sqlite")
  dsn    = env("TECHNOVA_DB", "file:technova.db")
  seed   = file("technova/seed.sql")

  # MySQL indexes no TEXT column whole: its seed uses VARCHAR (see its header).
  dialect "mysql" {
    seed = file("technova/seed.mysql.sql")
  }
}

tool "get_order" {
  title       = "Get order"
  description = <<-EOT
    Look up one order by its order number. Use it when the order number is
    known, for example to answer where an order is or what it contains. To find
    orders by customer email or status use list_orders instead.
    Returns the order: status, org, customer name and email, subtotal, shipping and
    total in cents, the placed/paid/shipped/delivered/cancelled times (null
    until they happen), cancel_reason, tracking_number, and items, a one-line
    text summary of the order lines. An unknown order number is an error.
  EOT
  source      = source.sql.orders
  timeout     = "5s"
  guard       = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order number, e.g. 1042."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT o.id, o.org, o.status,
           c.name  AS customer_name,
           c.email AS customer_email,
           o.subtotal_cents, o.shipping_cents, o.total_cents,
           o.placed_at, o.paid_at, o.shipped_at, o.delivered_at,
           o.cancelled_at, o.cancel_reason, o.tracking_number,
           (SELECT string_agg(i.quantity || ' x ' || p.name || ' (' || p.sku || ') at '
                              || i.unit_price_cents || ' cents', ', ' ORDER BY i.id)
              FROM order_items i
              JOIN products p ON p.id = i.product_id
             WHERE i.order_id = o.id) AS items
      FROM orders o
      JOIN customers c ON c.id = o.customer_id
     WHERE o.id = :order_id
       AND o.org = :org
  SQL

  dialect "mysql" {
    sql = <<-SQL
      SELECT o.id, o.org, o.status,
             c.name  AS customer_name,
             c.email AS customer_email,
             o.subtotal_cents, o.shipping_cents, o.total_cents,
             o.placed_at, o.paid_at, o.shipped_at, o.delivered_at,
             o.cancelled_at, o.cancel_reason, o.tracking_number,
             (SELECT GROUP_CONCAT(CONCAT(i.quantity, ' x ', p.name, ' (', p.sku, ') at ',
                                         i.unit_price_cents, ' cents') ORDER BY i.id SEPARATOR ', ')
                FROM order_items i
                JOIN products p ON p.id = i.product_id
               WHERE i.order_id = o.id) AS items
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
       WHERE o.id = :order_id
         AND o.org = :org
    SQL
  }

  result {
    one       = true
    not_found = "No order with that number. Check the number with the customer, or find their orders with list_orders by customer_email."
  }
}

tool "list_order_items" {
  title       = "List order items"
  description = <<-EOT
    List the lines of one order as separate rows: sku, product name, quantity,
    unit price and line total in cents. Use it only when you need per-line
    figures, for example to explain a total. get_order already includes a text
    summary of the items, so do not call this just to see what was ordered.
    Every order has at least one line: an empty list means the order does not
    exist.
  EOT
  source      = source.sql.orders
  timeout     = "5s"
  guard       = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order number, e.g. 1042."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT p.sku, p.name, i.quantity, i.unit_price_cents,
           i.quantity * i.unit_price_cents AS line_total_cents
      FROM order_items i
      JOIN orders o ON o.id = i.order_id
      JOIN products p ON p.id = i.product_id
     WHERE i.order_id = :order_id
       AND o.org = :org
     ORDER BY i.id
  SQL

  result {
    max_rows = 20
  }
}

tool "list_orders" {
  title       = "List orders"
  description = <<-EOT
    List orders, newest first, optionally filtered by status and by customer
    email. Use it to find a customer's orders or to see, for example, all
    pending orders. Do not use it to look up an order whose number you know:
    use get_order, which returns the full order with its items.
    Each row has id, org, status, customer_email, total_cents and placed_at,
    and total_matches, the number of orders matching the filters across all
    pages. Results are paged: raise page to see older orders.
  EOT
  source      = source.sql.orders
  timeout     = "5s"
  guard       = "'orders.read' in principal.scopes"

  param "status" {
    type        = "string"
    required    = false
    enum        = ["pending", "paid", "shipped", "delivered", "cancelled"]
    description = "Only orders in this status, e.g. \"pending\". Omit for all statuses."
  }

  param "customer_email" {
    type        = "string"
    required    = false
    pattern     = "[^@\\s]+@[^@\\s]+"
    max_length  = 254
    description = "Only orders of the customer with exactly this email address (case does not matter), e.g. \"jane.doe@example.com\". Omit for all customers."
  }

  param "limit" {
    type        = "integer"
    minimum     = 1
    maximum     = 50
    default     = 20
    description = "How many orders per page, 1 to 50, e.g. 10. Defaults to 20."
  }

  param "page" {
    type        = "integer"
    minimum     = 1
    default     = 1
    description = "Which page of results, starting at 1, e.g. 2 for the second page. Defaults to 1."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT o.id, o.org, o.status,
           c.email AS customer_email,
           o.total_cents, o.placed_at,
           COUNT(*) OVER () AS total_matches
      FROM orders o
      JOIN customers c ON c.id = o.customer_id
     WHERE o.org = :org
       AND (CAST(:status AS TEXT) IS NULL OR o.status = CAST(:status AS TEXT))
       AND (CAST(:customer_email AS TEXT) IS NULL
            OR c.email = LOWER(CAST(:customer_email AS TEXT)))
     ORDER BY o.placed_at DESC, o.id DESC
     LIMIT CAST(:limit AS INTEGER)
    OFFSET (CAST(:page AS INTEGER) - 1) * CAST(:limit AS INTEGER)
  SQL

  # MySQL's LIMIT takes no expression: the page is cut by row number.
  dialect "mysql" {
    sql = <<-SQL
      SELECT id, org, status, customer_email, total_cents, placed_at, total_matches
        FROM (SELECT o.id, o.org, o.status,
                     c.email AS customer_email,
                     o.total_cents, o.placed_at,
                     COUNT(*) OVER () AS total_matches,
                     ROW_NUMBER() OVER (ORDER BY o.placed_at DESC, o.id DESC) AS n
                FROM orders o
                JOIN customers c ON c.id = o.customer_id
               WHERE o.org = :org
                 AND (:status IS NULL OR o.status = :status)
                 AND (:customer_email IS NULL OR c.email = LOWER(:customer_email))) AS matches
       WHERE n > (:page - 1) * :limit
         AND n <= :page * :limit
       ORDER BY n
    SQL
  }

  result {
    max_rows = 50
  }
}

tool "cancel_order" {
  title       = "Cancel order"
  description = <<-EOT
    Cancel one pending order and record why. This changes data and cannot be
    undone: call it only when the agent has asked to cancel this specific order.
    Only orders in status pending (not yet paid) can be cancelled. Paid, shipped
    or delivered orders cannot be cancelled with this tool: tell the agent so
    instead of retrying. Check the status with get_order first if unsure.
    Returns the order id, its new status (cancelled), cancel_reason and
    cancelled_at. An order that does not exist or is not pending is an error,
    and nothing is changed.
  EOT
  source      = source.sql.orders
  timeout     = "5s"
  guard       = "'orders.write' in principal.scopes"

  read_only   = false
  destructive = true
  idempotent  = false

  # Cancelling cannot be undone: a model in a loop, or a leaked token,
  # must not cancel an organization's orders faster than an agent would.
  rate_limit {
    rate = "10/m"
  }

  # The human at the client confirms every cancellation; the model cannot
  # answer for them. A client that cannot ask its user is refused.
  confirm {
    message = "Cancel order {{order_id}}? Reason given: {{reason}}. This cannot be undone."
  }

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The number of the pending order to cancel, e.g. 1042."
  }

  param "reason" {
    type        = "string"
    min_length  = 3
    max_length  = 500
    description = "Why the order is cancelled, in the words of the agent or customer, e.g. \"Customer ordered the wrong model\"."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    UPDATE orders
       SET status        = 'cancelled',
           cancel_reason = :reason,
           cancelled_at  = CURRENT_TIMESTAMP
     WHERE id = :order_id
       AND org = :org
       AND status = 'pending'
    RETURNING id, status, cancel_reason, cancelled_at
  SQL

  # MariaDB has no UPDATE ... RETURNING: a procedure of the seed updates,
  # then returns the row it changed.
  dialect "mysql" {
    sql = "CALL technova_cancel_order(:order_id, :org, :reason)"
  }

  result {
    one       = true
    not_found = "Nothing was cancelled: the order does not exist or is not pending. Only pending orders can be cancelled. Use get_order to see its current status."
  }
}

tool "search_products" {
  title       = "Search products"
  description = <<-EOT
    Search the TechNova catalog by a word or phrase in the product name,
    description or sku, optionally within one category. Use it for questions
    about products, prices or what is sold. It does not show stock or orders.
    Returns sku, name, category, price_cents and description, name matches
    first. An empty list means nothing matched: try a shorter or different word.
  EOT
  source      = source.sql.orders
  timeout     = "5s"
  guard       = "'catalog.read' in principal.scopes"

  param "query" {
    type        = "string"
    min_length  = 1
    max_length  = 100
    description = "Text to find in the name, description or sku, case-insensitive, e.g. \"usb-c\" or \"headphones\"."
  }

  param "category" {
    type        = "string"
    required    = false
    enum        = ["laptops", "monitors", "audio", "accessories", "storage", "networking"]
    description = "Only products in this category, e.g. \"audio\". Omit to search all categories."
  }

  param "limit" {
    type        = "integer"
    minimum     = 1
    maximum     = 50
    default     = 10
    description = "The most products to return, 1 to 50, e.g. 5. Defaults to 10."
  }

  sql = <<-SQL
    WITH needle AS (
      SELECT '%' || REPLACE(REPLACE(REPLACE(LOWER(CAST(:query AS TEXT)),
                     '!', '!!'), '%', '!%'), '_', '!_') || '%' AS pattern
    )
    SELECT p.sku, p.name, p.category, p.price_cents, p.description
      FROM products p, needle n
     WHERE (LOWER(p.name) LIKE n.pattern ESCAPE '!'
            OR LOWER(p.description) LIKE n.pattern ESCAPE '!'
            OR LOWER(p.sku) LIKE n.pattern ESCAPE '!')
       AND (CAST(:category AS TEXT) IS NULL OR p.category = CAST(:category AS TEXT))
     ORDER BY CASE WHEN LOWER(p.name) LIKE n.pattern ESCAPE '!' THEN 0 ELSE 1 END,
              p.name
     LIMIT CAST(:limit AS INTEGER)
  SQL

  dialect "mysql" {
    sql = <<-SQL
      WITH needle AS (
        SELECT CONCAT('%', REPLACE(REPLACE(REPLACE(LOWER(:query),
                       '!', '!!'), '%', '!%'), '_', '!_'), '%') AS pattern
      )
      SELECT p.sku, p.name, p.category, p.price_cents, p.description
        FROM products p, needle n
       WHERE (LOWER(p.name) LIKE n.pattern ESCAPE '!'
              OR LOWER(p.description) LIKE n.pattern ESCAPE '!'
              OR LOWER(p.sku) LIKE n.pattern ESCAPE '!')
         AND (:category IS NULL OR p.category = :category)
       ORDER BY CASE WHEN LOWER(p.name) LIKE n.pattern ESCAPE '!' THEN 0 ELSE 1 END,
                p.name
       LIMIT :limit
    SQL
  }

  result {
    max_rows = 50
  }
}

# ---- Resources and prompts ----------------------------------------------
#
# An order as a resource, for clients that attach context rather than call
# tools, and a support prompt that embeds it. The resource runs through the
# same path as a tool: its order_id is validated like a param, and a guard
# or bind on it applies exactly as on get_order.

resource "order" {
  uri_template = "technova://orders/{order_id}"
  title        = "Order"
  description  = "One order with its customer, amounts, timeline and items, as JSON."
  source       = source.sql.orders
  timeout      = "5s"
  guard        = "'orders.read' in principal.scopes"

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order number, e.g. 1042."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = <<-SQL
    SELECT o.id, o.org, o.status,
           c.name  AS customer_name,
           c.email AS customer_email,
           o.subtotal_cents, o.shipping_cents, o.total_cents,
           o.placed_at, o.paid_at, o.shipped_at, o.delivered_at,
           o.cancelled_at, o.cancel_reason, o.tracking_number,
           (SELECT string_agg(i.quantity || ' x ' || p.name || ' (' || p.sku || ') at '
                              || i.unit_price_cents || ' cents', ', ' ORDER BY i.id)
              FROM order_items i
              JOIN products p ON p.id = i.product_id
             WHERE i.order_id = o.id) AS items
      FROM orders o
      JOIN customers c ON c.id = o.customer_id
     WHERE o.id = :order_id
       AND o.org = :org
  SQL

  dialect "mysql" {
    sql = <<-SQL
      SELECT o.id, o.org, o.status,
             c.name  AS customer_name,
             c.email AS customer_email,
             o.subtotal_cents, o.shipping_cents, o.total_cents,
             o.placed_at, o.paid_at, o.shipped_at, o.delivered_at,
             o.cancelled_at, o.cancel_reason, o.tracking_number,
             (SELECT GROUP_CONCAT(CONCAT(i.quantity, ' x ', p.name, ' (', p.sku, ') at ',
                                         i.unit_price_cents, ' cents') ORDER BY i.id SEPARATOR ', ')
                FROM order_items i
                JOIN products p ON p.id = i.product_id
               WHERE i.order_id = o.id) AS items
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
       WHERE o.id = :order_id
         AND o.org = :org
    SQL
  }

  result {
    one       = true
    not_found = "No order with that order number."
  }
}

prompt "summarize_order_issue" {
  title       = "Summarize an order issue"
  description = "Summarize the state of one order and what the customer may need, for a support agent."
  # Who may read orders may use it; others are not shown it.
  guard = "'orders.read' in principal.scopes"

  argument "order_id" {
    description = "The order number, e.g. 1042."
    complete {
      source = source.sql.orders
      guard  = "'orders.read' in principal.scopes"
      bind "org" {
        from = "principal.claims.org"
      }
      sql = <<-SQL
        SELECT CAST(id AS TEXT) AS order_id FROM orders
         WHERE org = :org
           AND CAST(id AS TEXT) LIKE CAST(:value AS TEXT) || '%'
         ORDER BY id
      SQL
      dialect "mysql" {
        sql = <<-SQL
          SELECT CAST(id AS CHAR) AS order_id FROM orders
           WHERE org = :org
             AND CAST(id AS CHAR) LIKE CONCAT(:value, '%')
           ORDER BY id
        SQL
      }
      result {
        max_rows = 100
      }
    }
  }

  message "user" "resource" {
    uri = "technova://orders/{{order_id}}"
  }
  message "user" "text" {
    text = <<-EOT
      Above is TechNova order {{order_id}}. In three to five sentences for a
      support agent: say where the order stands (status and the latest
      timestamp), what it contains, and anything unusual (a cancellation and
      its reason, a long wait since payment without shipping, a missing
      tracking number on a shipped order). Money is in US cents; times are UTC.
      End with the next step the agent should take.
    EOT
  }
}

# ---------------------------------------------------------------------------
# Inventory: an internal HTTP API (the demo service in technova/inventory/).
# Start it with `go run ./examples/technova/inventory -listen 127.0.0.1:8081`.
# The bearer token is the server's own credential: it goes to the inventory
# service and never to, or from, an AI client. With the service down,
# check_inventory and get_warehouse fail at once with a clear error; the order
# tools above keep working.

source "http" "inventory" {
  base_url = env("TECHNOVA_INVENTORY_URL", "http://127.0.0.1:8081")
  headers = {
    Authorization = "Bearer ${env("TECHNOVA_INVENTORY_TOKEN", "technova-demo-token")}"
  }
  timeout            = "2s" # each attempt
  max_response_bytes = "64KB"

  retry {
    attempts = 2
    backoff  = "100ms"
  }
  circuit_breaker {
    failures = 5
    open_for = "30s"
  }
}

tool "check_inventory" {
  title       = "Check inventory"
  description = <<-EOT
    Stock on hand for one product, by sku, in each TechNova warehouse. Use it
    when a customer asks whether something is in stock or where it would ship
    from. Find the sku with search_products first if you only know the name.
    Returns sku, available (the total), warehouses (code and quantity each)
    and restock_date (null unless nothing is in stock).
  EOT
  source      = source.http.inventory
  guard       = "'catalog.read' in principal.scopes"
  timeout     = "5s"

  param "sku" {
    type        = "string"
    pattern     = "TN-[A-Z]{3}-[0-9]{3}"
    description = "The product sku, e.g. \"TN-LAP-101\"."
  }

  method = "GET"
  path   = "/v1/stock/{sku}"
  result = <<-CEL
    {
      'sku': response.body.sku,
      'available': response.body.available,
      'warehouses': response.body.warehouses,
      'restock_date': response.body.restock_date
    }
  CEL
}

tool "get_warehouse" {
  title       = "Get warehouse"
  description = <<-EOT
    One TechNova warehouse by its code: name, city, country, the same-day
    shipping cutoff (UTC) and how many products it has in stock. The codes
    are the ones check_inventory returns.
  EOT
  source      = source.http.inventory
  guard       = "'catalog.read' in principal.scopes"
  timeout     = "5s"

  param "code" {
    type        = "string"
    enum        = ["CMH", "RNO", "RTM"]
    description = "The warehouse code, e.g. \"RTM\"."
  }

  method = "GET"
  path   = "/v1/warehouses/{code}"
}
