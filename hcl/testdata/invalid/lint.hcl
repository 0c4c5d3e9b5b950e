lint {
  max_description_tokens = 0 # want: max_description_tokens must be at least 1
  colour                 = "red" # want: An argument named "colour" is not expected here

  disable "cost/select-star" { # want: The argument "reason" is required
  }
  disable "poison/url-or-email" {
    reason = "  " # want: Say why rule "poison/url-or-email" does not apply
  }
  disable "poison/url-or-email" { # want: rule "poison/url-or-email" is already disabled at
    reason = "twice"
  }
  disable "" { # want: disable needs a rule id
    reason = "no rule"
  }
}

lint { # want: A lint block is already declared
}
