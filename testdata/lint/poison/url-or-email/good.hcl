# Reserved example domains never receive anything; URIs of resources are not text.
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "find_customer" {
  description = "Find a customer by email, e.g. jane.doe@example.com; see https://docs.example.org/customers or http://localhost:8080/ for the format."
  source      = source.sql.db
  param "email" {
    type        = "string"
    description = "The email address, e.g. \"someone@mail.example\" or \"a@b.test\"."
  }
  sql = "SELECT :email AS email"
  result {
    one = true
  }
}

resource "about" {
  uri  = "docs://about"
  text = "About this server."
}
