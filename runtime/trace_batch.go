package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// spanBatcher is the span processor of Tracing: it keeps ended spans in
// a bounded queue and exports them in batches from one goroutine, as the
// SDK's BatchSpanProcessor does, and with the same settings
// (OTEL_BSP_*). It is cheaper per span: ending one takes a lock and an
// append, where the SDK's sends each span on a channel to its exporting
// goroutine, waking it for every span. The goroutine here wakes when a
// batch is full, when the schedule delay has passed, and to flush.
//
// The queue never holds more than maxQueue spans: when it is full, a
// span that ends is dropped and counted (Dropped), so a flood of calls
// cannot grow memory while the collector is slow or away. Spans leave the
// queue in the order they ended.
type spanBatcher struct {
	exp  sdktrace.SpanExporter
	conf batchConfig

	mu      sync.Mutex
	queue   []sdktrace.ReadOnlySpan // ended, not yet exported; at most conf.maxQueue
	dropped uint64
	closed  bool // Shutdown began: spans that end are ignored

	wake    chan struct{}   // a batch is full (buffered: one wake-up is enough)
	flushes chan chan error // ForceFlush asks; the reply is the export's error
	stop    chan struct{}   // closed by Shutdown
	done    chan struct{}   // closed when the goroutine has exported all and returned
	once    sync.Once
	batch   []sdktrace.ReadOnlySpan // the batch being exported, reused
	lastErr error
}

var _ sdktrace.SpanProcessor = (*spanBatcher)(nil)

// batchConfig is what OTEL_BSP_* set.
type batchConfig struct {
	maxQueue int           // OTEL_BSP_MAX_QUEUE_SIZE
	maxBatch int           // OTEL_BSP_MAX_EXPORT_BATCH_SIZE, at most maxQueue
	delay    time.Duration // OTEL_BSP_SCHEDULE_DELAY
	timeout  time.Duration // OTEL_BSP_EXPORT_TIMEOUT; 0: no limit
}

// defaultBatchConfig holds the defaults the OpenTelemetry specification
// gives the batch span processor.
var defaultBatchConfig = batchConfig{maxQueue: 2048, maxBatch: 512, delay: 5000 * time.Millisecond, timeout: 30000 * time.Millisecond}

// batchConfigFromEnv reads OTEL_BSP_MAX_QUEUE_SIZE,
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_SCHEDULE_DELAY and
// OTEL_BSP_EXPORT_TIMEOUT (milliseconds). Unset or empty is the default.
// The specification lets an SDK warn and use the default for a value it
// cannot use; mcpgen refuses to start instead, naming the variable, as it
// does for the rest of its configuration. Sizes and the delay must be at
// least 1; a timeout of 0 is no limit. A batch larger than the queue is
// cut to the queue's size (the specification requires it to be no
// larger), so that setting only the queue's size works.
func batchConfigFromEnv() (batchConfig, error) {
	c := defaultBatchConfig
	var errs []error
	read := func(name string, min int, set func(int)) {
		v := os.Getenv(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s=%q: not a whole number", name, v))
		case n < min:
			errs = append(errs, fmt.Errorf("%s=%q: must be at least %d", name, v, min))
		default:
			set(n)
		}
	}
	read("OTEL_BSP_MAX_QUEUE_SIZE", 1, func(n int) { c.maxQueue = n })
	read("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, func(n int) { c.maxBatch = n })
	read("OTEL_BSP_SCHEDULE_DELAY", 1, func(n int) { c.delay = time.Duration(n) * time.Millisecond })
	read("OTEL_BSP_EXPORT_TIMEOUT", 0, func(n int) { c.timeout = time.Duration(n) * time.Millisecond })
	if err := errors.Join(errs...); err != nil {
		return batchConfig{}, err
	}
	c.maxBatch = min(c.maxBatch, c.maxQueue)
	return c, nil
}

// newSpanBatcher starts the goroutine that exports to exp as conf says;
// Shutdown stops it.
func newSpanBatcher(exp sdktrace.SpanExporter, conf batchConfig) *spanBatcher {
	b := &spanBatcher{
		exp:     exp,
		conf:    conf,
		wake:    make(chan struct{}, 1),
		flushes: make(chan chan error),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go b.run()
	return b
}

// OnStart does nothing: spans are queued when they end.
func (b *spanBatcher) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues a sampled span, or drops and counts it when the queue is
// full.
func (b *spanBatcher) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	if len(b.queue) >= b.conf.maxQueue {
		b.dropped++
		b.mu.Unlock()
		return
	}
	b.queue = append(b.queue, s)
	full := len(b.queue) >= b.conf.maxBatch
	b.mu.Unlock()
	if full {
		select {
		case b.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// Dropped is how many spans ended while the queue was full.
func (b *spanBatcher) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// ForceFlush exports every span queued, and returns the first export
// error, or ctx's error if it ends first.
func (b *spanBatcher) ForceFlush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case b.flushes <- reply:
	case <-b.done:
		return nil // shut down: nothing is queued
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown exports every span queued, then shuts the exporter down.
// Spans that end from now on are ignored. Only the first call does
// anything.
func (b *spanBatcher) Shutdown(ctx context.Context) error {
	first := false
	b.once.Do(func() {
		first = true
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.stop)
	})
	if !first {
		return nil
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return errors.Join(b.lastErr, b.exp.Shutdown(ctx))
}

// run exports: full batches when woken, everything queued when the delay
// has passed, on ForceFlush and on Shutdown.
func (b *spanBatcher) run() {
	defer close(b.done)
	timer := time.NewTimer(b.conf.delay)
	defer timer.Stop()
	for {
		select {
		case <-b.wake:
			b.export(false)
			continue // the delay runs from the last export of everything
		case <-timer.C:
			b.report(b.export(true))
		case reply := <-b.flushes:
			reply <- b.export(true)
		case <-b.stop:
			b.lastErr = b.export(true)
			return
		}
		timer.Reset(b.conf.delay)
	}
}

// export exports the queue's spans in batches of at most maxBatch, the
// oldest first: every span when all is true, else full batches only. It
// returns the first error.
func (b *spanBatcher) export(all bool) error {
	var first error
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.conf.maxBatch)
		if n == 0 || !all && n < b.conf.maxBatch {
			b.mu.Unlock()
			return first
		}
		b.batch = append(b.batch[:0], b.queue[:n]...)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()

		err := b.exportBatch()
		clear(b.batch) // the spans may be collected
		if err != nil && first == nil {
			first = err
		}
		if !all && err != nil {
			b.report(err)
		}
	}
}

// exportBatch exports b.batch within the export timeout.
func (b *spanBatcher) exportBatch() error {
	ctx := context.Background()
	if b.conf.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.conf.timeout)
		defer cancel()
	}
	return b.exp.ExportSpans(ctx, b.batch)
}

// report hands an export error that no caller waits for to OpenTelemetry's
// error handler, as the SDK's processor does.
func (b *spanBatcher) report(err error) {
	if err != nil {
		otel.Handle(err)
	}
}
