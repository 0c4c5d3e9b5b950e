server {
  name = # want: Invalid expression
}
