package sql

import (
	"context"

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
	ctx, span := otel.Tracer("github.com/mcpgen/mcpgen/adapters/sql").Start(ctx, "sql "+t.name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", system), attribute.String("db.operation.name", t.name),
			attribute.String("mcpgen.source", t.src.name)))
	defer span.End()
	res, err := t.call(ctx, c)
	if err != nil {
		span.SetStatus(codes.Error, "statement failed")
		return res, err
	}
	span.SetAttributes(attribute.Int("db.response.returned_rows", res.Rows))
	return res, nil
}
