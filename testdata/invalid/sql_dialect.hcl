# dialect blocks (adapters/sql): a statement or seed for one driver, where the
# portable one cannot serve it. Each is checked as its driver reads it.

source "sql" "db" {
  driver = "mysql"
  dsn    = "u:p@tcp(127.0.0.1:3306)/db"
  seed   = "CREATE TABLE t (id INTEGER);"

  dialect "mysql" {
    seed = "CREATE TABLE t (id INT);"
  }
  dialect "oracle" { # want: A dialect block is named after a driver
    seed = "x"
  }
  dialect "mysql" { # want: There is already a dialect "mysql" block here
    seed = "y"
  }
}

source "sql" "bad_dsn" {
  driver = "mysql"
  dsn    = "u:p@tcp(127.0.0.1:3306/db" # want: Invalid MySQL dsn
}

source "sql" "no_database" {
  driver = "mysql"
  dsn    = "mysql://u:p@127.0.0.1:3306" # want: names no database
}

tool "portable_and_mysql" {
  description = "Its MySQL statement is read as MySQL: ? is not a parameter there."
  source      = source.sql.db
  guard       = "true"
  param "id" { # want: param "id" is not used in the SQL statement
    type = "integer"
  }
  sql = "SELECT id FROM t WHERE id = :id"
  dialect "mysql" {
    sql = "SELECT id FROM t WHERE id = ?" # want: Write parameters as :name
  }
  dialect "postgres" {
    sql = "SELECT id FROM t WHERE id = :id::bigint"
  }
  dialect "sqlite" {
    sql = "SELECT id FROM t WHERE id = :identifier" # want: SQL parameter :identifier is not declared # want: param "id" is not used in the dialect "sqlite" statement
  }
}

tool "mysql_read_only" {
  description = "A read-only tool whose MySQL statement writes."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT 1"
  dialect "mysql" {
    sql = "DELETE FROM t" # want: Read-only tool writes
  }
}

tool "mysql_hash_comment" {
  description = "MySQL's # comment hides what follows."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT 1 # :nothing"
  dialect "postgres" {
    sql = "SELECT 1 # :nothing" # want: SQL parameter :nothing is not declared
  }
}
