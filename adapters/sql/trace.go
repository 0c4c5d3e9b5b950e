package sql

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// Call runs the statement (call), in a client span of its own when the
// request is traced: the database, the tool whose statement it is and the
// rows, never an argument's value. Untraced calls pay one context lookup.
func (t *Tool) Call(ctx context.Context, c *adapter.Call) (*adapter.Result, error) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return t.call(ctx, c)
	}
	system := "sqlite"
	if t.src.dialect == dialectPostgres {
		system = "postgresql"
	}
	ctx, span := otel.Tracer("github.com/mcpgen/mcpgen/adapters/sql").Start(ctx, spanName(t.name), clientKind)
	defer span.End()
	res, err := t.call(ctx, c)
	// Every attribute in one SetAttributes: each call grows the span's slice.
	attrs := [4]attribute.KeyValue{attribute.String("db.system", system), attribute.String("db.operation.name", t.name),
		attribute.String("mcpgen.source", t.src.name)}
	if err != nil {
		span.SetAttributes(attrs[:3]...)
		span.SetStatus(codes.Error, "statement failed")
		return res, err
	}
	attrs[3] = attribute.Int("db.response.returned_rows", res.Rows)
	span.SetAttributes(attrs[:]...)
	return res, nil
}

// clientKind is built once: an option built per span costs an allocation.
var clientKind = trace.WithSpanKind(trace.SpanKindClient)

// spanNames holds "sql TOOL" per tool name, built once.
var spanNames sync.Map

func spanName(tool string) string {
	if v, ok := spanNames.Load(tool); ok {
		return v.(string)
	}
	v, _ := spanNames.LoadOrStore(tool, "sql "+tool)
	return v.(string)
}
