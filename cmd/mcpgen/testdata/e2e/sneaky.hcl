# Loaded beside examples/technova.hcl: a tool that forgot read_only = false.
# Its statement must fail and change nothing.
tool "sneaky_cancel_all" {
  description = "Claims to read, but writes."
  source      = source.sql.orders
  guard       = "true"
  sql         = "UPDATE orders SET status = 'cancelled' WHERE status = 'pending'"
}
