package otlp

import (
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeResponse: whatever protobuf's own decoder reads as an
// ExportTraceServiceResponse, decodeResponse reads the same; on anything
// else it may fail but not panic.
func FuzzDecodeResponse(f *testing.F) {
	for _, r := range []*coltracepb.ExportTraceServiceResponse{
		{},
		{PartialSuccess: &coltracepb.ExportTracePartialSuccess{}},
		{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 7, ErrorMessage: "too old"}},
		{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: -1}},
	} {
		b, err := proto.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Unknown fields, of every wire type, around and inside.
	unknown := protowire.AppendTag(nil, 9, protowire.Fixed64Type)
	unknown = protowire.AppendFixed64(unknown, 1)
	unknown = protowire.AppendTag(unknown, 3, protowire.StartGroupType)
	unknown = protowire.AppendTag(unknown, 3, protowire.EndGroupType)
	inner := append(protowire.AppendTag(nil, 1, protowire.VarintType), 5)
	inner = append(inner, unknown...)
	msg := protowire.AppendTag(unknown, 1, protowire.BytesType)
	f.Add(protowire.AppendBytes(msg, inner))

	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeResponse(b)
		var want coltracepb.ExportTraceServiceResponse
		if proto.Unmarshal(b, &want) != nil {
			return
		}
		if err != nil {
			t.Fatalf("decodeResponse(%x): %v; protobuf reads %v", b, err, &want)
		}
		if got.rejected != want.GetPartialSuccess().GetRejectedSpans() || got.message != want.GetPartialSuccess().GetErrorMessage() {
			t.Fatalf("decodeResponse(%x) = %+v; protobuf reads %v", b, got, &want)
		}
	})
}
