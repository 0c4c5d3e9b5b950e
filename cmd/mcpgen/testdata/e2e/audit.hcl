# Loaded beside examples/technova.hcl: the audit trail goes to a file, and a
# tool with a sensitive param shows its value redacted there.
audit {
  sink      = "file"
  path      = env("AUDIT_PATH")
  fsync     = "always"
  max_size  = "1MB"
  max_files = 2
}

tool "find_customer" {
  description = "Find a customer by email."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"
  param "email" {
    type        = "string"
    sensitive   = true
    description = "The customer's email, e.g. jane@example.com."
  }
  sql = "SELECT id, name FROM customers WHERE email = :email"
  result {
    one       = true
    not_found = "No customer with that email."
  }
}
