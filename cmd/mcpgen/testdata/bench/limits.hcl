# Added to orders.hcl by the "limited" benchmark: a per-caller rate limit
# on every tool, so high that the benchmark never reaches it.
limits {
  rate_limit {
    rate  = "1000000000/s"
    burst = 1000000000
  }
}
