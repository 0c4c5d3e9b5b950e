# The fixtures of the official MCP conformance suite
# (@modelcontextprotocol/conformance 0.1.16, its server scenarios) that a
# declarative server can serve. scripts/conformance.sh serves this file and
# runs the suite against it; testdata/conformance/expected-failures.yml lists
# the scenarios left out, each with its reason.
#
# The suite cannot authenticate, so nothing here is guarded.

server {
  name    = "mcpgen-conformance"
  version = "1.0.0"
}

# The template fixture is read from a query, as SQL-backed resources are.
# Nothing is stored: the query only echoes its parameter.
source "sql" "fixtures" {
  driver = "sqlite"
  dsn    = "file:conformance?mode=memory"
}

# ---- tools -------------------------------------------------------------

tool "test_simple_text" {
  description = "Returns a simple text response."
  content "text" {
    text = "This is a simple text response for testing."
  }
}

tool "test_image_content" {
  description = "Returns a 1x1 red PNG image."
  content "image" {
    data      = filebase64("conformance/red.png")
    mime_type = "image/png"
  }
}

tool "test_audio_content" {
  description = "Returns a short WAV of silence."
  content "audio" {
    data      = filebase64("conformance/silence.wav")
    mime_type = "audio/wav"
  }
}

tool "test_embedded_resource" {
  description = "Returns an embedded text resource."
  content "resource" {
    uri       = "test://embedded-resource"
    mime_type = "text/plain"
    text      = "This is an embedded resource content."
  }
}

tool "test_multiple_content_types" {
  description = "Returns text, an image and an embedded resource."
  content "text" {
    text = "Multiple content types test:"
  }
  content "image" {
    data      = filebase64("conformance/red.png")
    mime_type = "image/png"
  }
  content "resource" {
    uri       = "test://mixed-content-resource"
    mime_type = "application/json"
    text      = "{\"test\":\"data\",\"value\":123}"
  }
}

tool "test_error_handling" {
  description = "Always returns a tool error."
  is_error    = true
  content "text" {
    text = "This tool intentionally returns an error for testing"
  }
}

# Logging and progress come from the server itself: every call tells a
# client that set a log level that it started, runs and finished, and
# reports progress at the same steps when the request carries a token.
tool "test_tool_with_logging" {
  description = "Reports its call to the client's log as it runs."
  source      = source.sql.fixtures
  sql         = "SELECT 'done' AS status"
  result {
    one = true
  }
}

# A report that takes a while: the server tells the client it is still
# running every --progress-interval (scripts/conformance.sh sets 50ms).
tool "test_tool_with_progress" {
  description = "Reports progress as it runs."
  source      = source.sql.fixtures
  sql         = <<-SQL
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000000)
    SELECT 'done' AS status, max(n) AS counted FROM c
  SQL
  result {
    one = true
  }
}

# Elicitation: the values come from the user at the client (ask blocks),
# asked by the server before the query runs.
tool "test_elicitation" {
  description = "Asks the user for a username and an email address."
  source      = source.sql.fixtures
  param "message" {
    type        = "string"
    description = "The message to show the user."
  }
  confirm {
    message = "{{message}}"
  }
  ask "username" {
    type        = "string"
    description = "User's response"
  }
  ask "email" {
    type        = "string"
    description = "User's email address"
  }
  sql = "SELECT 'accept' AS action, :username AS username, :email AS email, :message AS message"
  result {
    one = true
  }
}

tool "test_elicitation_sep1034_defaults" {
  description = "Asks the user for values that all have defaults."
  source      = source.sql.fixtures
  ask "name" {
    type    = "string"
    default = "John Doe"
  }
  ask "age" {
    type    = "integer"
    default = 30
  }
  ask "score" {
    type    = "number"
    default = 95.5
  }
  ask "status" {
    type    = "string"
    enum    = ["active", "inactive", "pending"]
    default = "active"
  }
  ask "verified" {
    type    = "boolean"
    default = true
  }
  sql = "SELECT :name AS name, :age AS age, :score AS score, :status AS status, :verified AS verified"
  result {
    one = true
  }
}

tool "test_elicitation_sep1330_enums" {
  description = "Asks the user to choose, in every kind of choice a form has."
  source      = source.sql.fixtures
  ask "untitledSingle" {
    type = "string"
    enum = ["option1", "option2", "option3"]
  }
  ask "titledSingle" {
    type        = "string"
    enum        = ["value1", "value2", "value3"]
    enum_titles = ["First Option", "Second Option", "Third Option"]
  }
  ask "legacyEnum" {
    type              = "string"
    enum              = ["opt1", "opt2", "opt3"]
    enum_titles       = ["Option One", "Option Two", "Option Three"]
    legacy_enum_names = true
  }
  ask "untitledMulti" {
    type  = "array"
    items = "string"
    enum  = ["option1", "option2", "option3"]
  }
  ask "titledMulti" {
    type        = "array"
    items       = "string"
    enum        = ["value1", "value2", "value3"]
    enum_titles = ["First Choice", "Second Choice", "Third Choice"]
  }
  sql = <<-SQL
    SELECT :untitledSingle AS untitledSingle, :titledSingle AS titledSingle, :legacyEnum AS legacyEnum,
           :untitledMulti AS untitledMulti, :titledMulti AS titledMulti
  SQL
  result {
    one = true
  }
}

# ---- resources ---------------------------------------------------------

resource "static_text" {
  uri         = "test://static-text"
  description = "A static text resource."
  mime_type   = "text/plain"
  text        = "This is the content of the static text resource."
}

resource "static_binary" {
  uri         = "test://static-binary"
  description = "A static binary resource: a 1x1 red PNG."
  mime_type   = "image/png"
  blob        = filebase64("conformance/red.png")
}

resource "watched_resource" {
  uri         = "test://watched-resource"
  description = "A resource clients may subscribe to."
  text        = "Watched resource content."
}

resource "template_data" {
  uri_template = "test://template/{id}/data"
  description  = "Data for an id, read from a query."
  source       = source.sql.fixtures

  param "id" {
    type        = "string"
    max_length  = 64
    description = "Any id."
  }

  sql = "SELECT :id AS id, 'true' = 'true' AS templateTest, 'Data for ID: ' || :id AS data"
  result {
    one = true
  }
}

# ---- prompts -----------------------------------------------------------

prompt "test_simple_prompt" {
  description = "A prompt without arguments."
  message "user" "text" {
    text = "This is a simple prompt for testing."
  }
}

prompt "test_prompt_with_arguments" {
  description = "A prompt with two arguments."
  argument "arg1" {
    description = "First test argument"
  }
  argument "arg2" {
    description = "Second test argument"
  }
  message "user" "text" {
    text = "Prompt with arguments: arg1='{{arg1}}', arg2='{{arg2}}'"
  }
}

prompt "test_prompt_with_embedded_resource" {
  description = "A prompt embedding a resource at the URI it is given."
  argument "resourceUri" {
    description = "URI of the resource to embed"
  }
  message "user" "resource" {
    uri       = "{{resourceUri}}"
    mime_type = "text/plain"
    text      = "Embedded resource content for testing."
  }
  message "user" "text" {
    text = "Please process the embedded resource above."
  }
}

prompt "test_prompt_with_image" {
  description = "A prompt with an image."
  message "user" "image" {
    data      = filebase64("conformance/red.png")
    mime_type = "image/png"
  }
  message "user" "text" {
    text = "Please analyze the image above."
  }
}
