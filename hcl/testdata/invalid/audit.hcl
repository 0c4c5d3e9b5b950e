audit {
  sink      = "syslog" # want: sink must be one of "stderr", "file", not "syslog"
  fsync     = "sometimes" # want: fsync must be one of
  max_size  = "lots" # want: max_size must be a size
  max_files = 0 # want: max_files must be at least 1
}

audit { # want: An audit block is already declared
  sink = "stderr"
  path = "audit.log" # want: path applies to sink = "file" only
}
