package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// batchRecorder is an in-memory span exporter that keeps the names of
// the spans of each batch it is given. When gate is not nil, an export
// announces itself on entered and waits for gate to close.
type batchRecorder struct {
	gate    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	batches [][]string
	exports chan struct{} // one send per batch exported (buffered)
	closed  bool
}

func newBatchRecorder() *batchRecorder {
	return &batchRecorder{exports: make(chan struct{}, 100), entered: make(chan struct{}, 100)}
}

func (r *batchRecorder) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if r.gate != nil {
		r.entered <- struct{}{}
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name()
	}
	r.mu.Lock()
	r.batches = append(r.batches, names)
	r.mu.Unlock()
	r.exports <- struct{}{}
	return nil
}

func (r *batchRecorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *batchRecorder) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

// batchedProvider is a tracer provider whose spans go through a
// spanBatcher with conf to r.
func batchedProvider(t *testing.T, r *batchRecorder, conf batchConfig) (*sdktrace.TracerProvider, *spanBatcher) {
	t.Helper()
	b := newSpanBatcher(r, conf)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(b))
	t.Cleanup(func() {
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return tp, b
}

// endSpans starts and ends the spans named prefix+from ... prefix+to.
func endSpans(tp *sdktrace.TracerProvider, prefix string, from, to int) {
	tr := tp.Tracer("test")
	for i := from; i <= to; i++ {
		_, span := tr.Start(context.Background(), fmt.Sprintf("%s%d", prefix, i))
		span.End()
	}
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func TestSpanBatcher(t *testing.T) {
	hour := time.Hour // a delay that never passes during a test

	t.Run("full batches go at once, in order", func(t *testing.T) {
		r := newBatchRecorder()
		tp, _ := batchedProvider(t, r, batchConfig{maxQueue: 16, maxBatch: 3, delay: hour, timeout: time.Minute})
		endSpans(tp, "s", 1, 7)
		<-r.exports
		<-r.exports
		want := [][]string{names("s", 1, 3), names("s", 4, 6)}
		if got := r.got(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("batches = %v, want %v", got, want)
		}
	})

	t.Run("a bounded queue drops and counts", func(t *testing.T) {
		r := newBatchRecorder()
		r.gate = make(chan struct{})
		tp, b := batchedProvider(t, r, batchConfig{maxQueue: 4, maxBatch: 2, delay: hour, timeout: time.Minute})
		endSpans(tp, "s", 1, 2) // a full batch: its export starts and waits at the gate
		<-r.entered
		endSpans(tp, "s", 3, 6) // the queue is full
		endSpans(tp, "s", 7, 9) // dropped
		if got := b.Dropped(); got != 3 {
			t.Errorf("Dropped() = %d, want 3", got)
		}
		close(r.gate)
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := [][]string{names("s", 1, 2), names("s", 3, 4), names("s", 5, 6)}
		if got := r.got(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("batches = %v, want %v", got, want)
		}
		// With room again, spans are queued again.
		endSpans(tp, "t", 1, 1)
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.got(); len(got) != 4 || !slices.Equal(got[3], []string{"t1"}) || b.Dropped() != 3 {
			t.Errorf("after room was made: batches %v, dropped %d", got, b.Dropped())
		}
	})

	t.Run("what is left goes after the delay", func(t *testing.T) {
		r := newBatchRecorder()
		tp, _ := batchedProvider(t, r, batchConfig{maxQueue: 16, maxBatch: 4, delay: time.Millisecond, timeout: time.Minute})
		endSpans(tp, "s", 1, 2)
		<-r.exports
		if got := r.got(); len(got) != 1 || !slices.Equal(got[0], names("s", 1, 2)) {
			t.Errorf("batches = %v, want [[s1 s2]]", got)
		}
	})

	t.Run("unsampled spans are not queued", func(t *testing.T) {
		r := newBatchRecorder()
		b := newSpanBatcher(r, batchConfig{maxQueue: 16, maxBatch: 4, delay: hour, timeout: time.Minute})
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(b), sdktrace.WithSampler(recordOnly{}))
		endSpans(tp, "s", 1, 5)
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.got(); len(got) != 0 {
			t.Errorf("batches = %v, want none", got)
		}
	})
}

// recordOnly is a sampler whose spans record but are not sampled: they
// end, and reach the processor, but are not to be exported.
type recordOnly struct{}

func (recordOnly) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
}
func (recordOnly) Description() string { return "RecordOnly" }

func TestSpanBatcherForceFlush(t *testing.T) {
	hour := time.Hour

	t.Run("flush and shutdown export what is queued", func(t *testing.T) {
		r := newBatchRecorder()
		b := newSpanBatcher(r, batchConfig{maxQueue: 2048, maxBatch: 512, delay: hour, timeout: time.Minute})
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(b))
		endSpans(tp, "s", 1, 3)
		if got := r.got(); len(got) != 0 {
			t.Fatalf("exported %v before a batch was full, the delay passed or a flush", got)
		}
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.got(); len(got) != 1 || !slices.Equal(got[0], names("s", 1, 3)) {
			t.Fatalf("after ForceFlush: batches %v, want [[s1 s2 s3]]", got)
		}
		endSpans(tp, "t", 1, 2)
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.got(); len(got) != 2 || !slices.Equal(got[1], names("t", 1, 2)) || !r.closed {
			t.Fatalf("after Shutdown: batches %v, exporter shut down %v", got, r.closed)
		}
		// Afterwards, spans are ignored and flushing has nothing to do.
		endSpans(tp, "u", 1, 1)
		if err := b.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := b.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
		if got := r.got(); len(got) != 2 {
			t.Errorf("after Shutdown, batches %v", got)
		}
	})

	t.Run("a flush gives up when its context ends", func(t *testing.T) {
		r := newBatchRecorder()
		r.gate = make(chan struct{})
		tp, _ := batchedProvider(t, r, batchConfig{maxQueue: 16, maxBatch: 8, delay: hour, timeout: time.Minute})
		endSpans(tp, "s", 1, 1)
		ctx, cancel := context.WithCancel(context.Background())
		flushed := make(chan error)
		go func() { flushed <- tp.ForceFlush(ctx) }()
		<-r.entered // the export waits at the gate
		cancel()
		if err := <-flushed; !errors.Is(err, context.Canceled) {
			t.Errorf("ForceFlush = %v, want context.Canceled", err)
		}
		close(r.gate)
	})

	t.Run("an export is bounded by the timeout", func(t *testing.T) {
		r := newBatchRecorder()
		r.gate = make(chan struct{}) // never opened: only the timeout ends the export
		tp, _ := batchedProvider(t, r, batchConfig{maxQueue: 16, maxBatch: 8, delay: hour, timeout: time.Millisecond})
		endSpans(tp, "s", 1, 1)
		if err := tp.ForceFlush(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ForceFlush = %v, want the export's context.DeadlineExceeded", err)
		}
	})
}

func TestBatchConfigFromEnv(t *testing.T) {
	vars := []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT"}
	for _, tc := range []struct {
		env     map[string]string
		want    batchConfig
		wantErr string
	}{
		{env: nil, want: batchConfig{maxQueue: 2048, maxBatch: 512, delay: 5 * time.Second, timeout: 30 * time.Second}},
		{env: map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": ""}, want: defaultBatchConfig},
		{env: map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "0"},
			want: batchConfig{maxQueue: 100, maxBatch: 100, delay: 250 * time.Millisecond, timeout: 0}},
		{env: map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64", "OTEL_BSP_EXPORT_TIMEOUT": "1500"},
			want: batchConfig{maxQueue: 2048, maxBatch: 64, delay: 5 * time.Second, timeout: 1500 * time.Millisecond}},
		{env: map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "lots"}, wantErr: `OTEL_BSP_MAX_QUEUE_SIZE="lots": not a whole number`},
		{env: map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "0"}, wantErr: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE="0": must be at least 1`},
		{env: map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "5s"}, wantErr: `OTEL_BSP_SCHEDULE_DELAY="5s": not a whole number`},
		{env: map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": "-1", "OTEL_BSP_MAX_QUEUE_SIZE": "0"},
			wantErr: "OTEL_BSP_MAX_QUEUE_SIZE=\"0\": must be at least 1\nOTEL_BSP_EXPORT_TIMEOUT=\"-1\": must be at least 0"},
	} {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			for _, v := range vars {
				t.Setenv(v, tc.env[v])
			}
			got, err := batchConfigFromEnv()
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
		})
	}
	// NewTracing refuses to start with such a value, naming it.
	for _, v := range vars {
		t.Setenv(v, "")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "soon")
	tr, err := NewTracing(context.Background(), nil, "s", "1")
	if tr != nil || err == nil || !strings.Contains(err.Error(), `OTEL_BSP_SCHEDULE_DELAY="soon"`) {
		t.Errorf("NewTracing = %v, %v; want an error naming OTEL_BSP_SCHEDULE_DELAY", tr, err)
	}
}
