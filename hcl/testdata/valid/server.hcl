# Server without a version: it defaults to 0.0.0.
server {
  name         = "technova"
  instructions = <<-EOT
    Order tools for TechNova support agents.
  EOT
}
