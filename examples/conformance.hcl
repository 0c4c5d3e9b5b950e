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
