# The audit trail to the file named by AUDIT_PATH, for tests that read it.
audit {
  sink  = "file"
  path  = env("AUDIT_PATH")
  fsync = "always"
}
