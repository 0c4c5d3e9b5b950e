limits { # want: needs a redis_url
  backend  = "redis"
  max_keys = 10 # want: max_keys applies to backend = "memory" only
}
