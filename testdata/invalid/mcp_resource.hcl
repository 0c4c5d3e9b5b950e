source "mcp" "wiki" {
  url = "https://wiki.example/mcp"
}

resource "relative" {
  uri               = "docs://relative"
  source            = source.mcp.wiki
  upstream_resource = "pages/handbook" # want: must be the absolute URI of a resource the upstream lists
}

resource "nameless" { # want: The argument "upstream_resource" is required
  uri    = "docs://nameless"
  source = source.mcp.wiki
}

resource "bound" {
  uri               = "docs://bound"
  source            = source.mcp.wiki
  upstream_resource = "wiki://pages/handbook"
  bind "tenant" { # want: there is no argument for a bind to fill
    from = "principal.sub"
  }
}

prompt "from_upstream" {
  source          = source.mcp.wiki
  upstream_prompt = "summarize_page"
  guard           = "true"
  message "user" "text" { # want: has its messages from the source
    text = "Summarize."
  }
}

prompt "unnamed" { # want: The argument "upstream_prompt" is required
  source = source.mcp.wiki
  guard  = "true"
}
