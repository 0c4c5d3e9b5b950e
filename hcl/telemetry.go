package hcl

import (
	"net/url"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Telemetry is the telemetry block: OpenTelemetry tracing of MCP requests,
// exported over OTLP. Without a block, the standard OTEL_* environment
// variables alone decide (off unless they name an endpoint); with one,
// what it says wins over them, and they supply the rest (headers, TLS,
// batching).
type Telemetry struct {
	Exporter    string  // "otlp" or "none"
	Endpoint    string  // the collector's base URL; "": OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT
	Protocol    string  // "http/protobuf" or "grpc"; "": OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL
	SampleRatio float64 // of traces started here; a client's sampled trace is always kept
	ServiceName string  // "": OTEL_SERVICE_NAME, else the server block's name

	DeclRange hcl.Range
}

var telemetrySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "exporter"},
		{Name: "endpoint"},
		{Name: "protocol"},
		{Name: "sample_ratio"},
		{Name: "service_name"},
	},
}

func decodeTelemetryBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Telemetry, hcl.Diagnostics) {
	tm := &Telemetry{Exporter: "otlp", SampleRatio: 1, DeclRange: block.DefRange}
	content, diags := block.Body.Content(telemetrySchema)
	if attr, ok := content.Attributes["exporter"]; ok {
		if v, ok := oneOfAttr(attr, ctx, &diags, "otlp", "none"); ok {
			tm.Exporter = v
		}
	}
	if attr, ok := content.Attributes["protocol"]; ok {
		if v, ok := oneOfAttr(attr, ctx, &diags, "http/protobuf", "grpc"); ok {
			tm.Protocol = v
		}
	}
	if attr, ok := content.Attributes["endpoint"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				diags = append(diags, AttrError(attr, "Invalid endpoint", "endpoint must be the collector's http or https URL, such as \"http://127.0.0.1:4318\", not %s.", QuoteUnlessSecret(attr, ctx, v)))
			} else {
				tm.Endpoint = v
			}
		}
	}
	if attr, ok := content.Attributes["sample_ratio"]; ok {
		val, d := evalTyped(attr, ctx, false, cty.Number)
		diags = append(diags, d...)
		if !d.HasErrors() {
			r, _ := val.AsBigFloat().Float64()
			if r < 0 || r > 1 {
				diags = append(diags, AttrError(attr, "Invalid sample ratio", "sample_ratio must be between 0 and 1 (the share of new traces kept), not %g.", r))
			} else {
				tm.SampleRatio = r
			}
		}
	}
	if attr, ok := content.Attributes["service_name"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v == "" {
				diags = append(diags, AttrError(attr, "Invalid value", "service_name must not be empty."))
			}
			tm.ServiceName = v
		}
	}
	return tm, diags
}
