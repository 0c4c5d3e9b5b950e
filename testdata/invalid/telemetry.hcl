# Mistakes in the telemetry block, each reported where it is written.
telemetry {
  exporter     = "zipkin"         # want: exporter must be one of "otlp", "none", not "zipkin"
  endpoint     = "127.0.0.1:4318" # want: endpoint must be the collector's http or https URL
  protocol     = "http/json"      # want: protocol must be one of "http/protobuf", "grpc", not "http/json"
  sample_ratio = 1.5              # want: sample_ratio must be between 0 and 1
  service_name = ""               # want: service_name must not be empty
}

telemetry { # want: A telemetry block is already declared
}

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:telemetry?mode=memory&cache=shared"
}

tool "one" {
  description = "One."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
}
