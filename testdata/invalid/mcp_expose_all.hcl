source "mcp" "unguarded" {
  url        = "https://crm.example/mcp"
  expose_all = true # want: needs their guard here
}

source "mcp" "stray" {
  url    = "https://crm.example/mcp"
  prefix = "crm_"                           # want: prefix applies to the tools expose_all = true generates
  allow  = ["search_*"]                     # want: allow applies to the tools expose_all = true generates
  guard  = "'crm.read' in principal.scopes" # want: guard applies to the tools expose_all = true generates
}

source "mcp" "patterns" {
  command    = "crm-server"
  expose_all = true
  prefix     = "crm tools " # want: prefix must be 1 to 64 letters
  allow      = []           # want: allow = [] exposes nothing
  deny       = ["[a-"]      # want: "[a-" is not a name pattern
  guard      = "'crm.read' in principal.scopes"
}

source "mcp" "not_bool" {
  command    = "crm-server"
  expose_all = "yes" # want: expose_all must be a bool
}
