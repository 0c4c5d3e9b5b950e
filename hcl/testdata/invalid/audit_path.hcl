audit { # want: needs a path
  sink = "file"
}
