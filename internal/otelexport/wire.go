package otelexport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	resourcev1 "go.opentelemetry.io/proto/otlp/resource/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// wire is the SDK's SpanExporter for OTLP/HTTP with protobuf bodies
// (opentelemetry-proto's `POST /v1/traces`, application/x-protobuf): the
// SDK's batches encoded with the OTLP message types and posted.
//
// Why not otlptracehttp: it links opentelemetry-proto's collector
// package, whose gRPC gateway brings 69 grpc packages and grows the
// binary from 10 MB to 27 MB, for one HTTP POST. An
// ExportTraceServiceRequest is field for field a TracesData (field 1,
// repeated ResourceSpans), which the trace/v1 package alone encodes.
type wire struct {
	url    string
	client *http.Client
	mu     sync.Mutex
	err    error // the first failed export
}

func (w *wire) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	body, err := proto.Marshal(encode(spans))
	if err != nil {
		return w.fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return w.fail(err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := w.client.Do(req)
	if err != nil {
		return w.fail(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return w.fail(fmt.Errorf("POST %s: %s %s", w.url, resp.Status, bytes.TrimSpace(msg)))
	}
	return nil
}

func (w *wire) fail(err error) error {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	return err
}

// Shutdown is a no-op: every provider's batcher shares the exporter.
func (w *wire) Shutdown(context.Context) error { return nil }

func (w *wire) firstError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// encode groups spans by resource and scope into a TracesData.
func encode(spans []sdktrace.ReadOnlySpan) *tracev1.TracesData {
	td := &tracev1.TracesData{}
	byRes := map[string]*tracev1.ResourceSpans{}
	for _, s := range spans {
		key := s.Resource().Encoded(attribute.DefaultEncoder())
		rs := byRes[key]
		if rs == nil {
			rs = &tracev1.ResourceSpans{Resource: &resourcev1.Resource{Attributes: attrs(s.Resource().Attributes())}}
			rs.ScopeSpans = []*tracev1.ScopeSpans{{Scope: &commonv1.InstrumentationScope{
				Name: s.InstrumentationScope().Name, Version: s.InstrumentationScope().Version}}}
			byRes[key] = rs
			td.ResourceSpans = append(td.ResourceSpans, rs)
		}
		rs.ScopeSpans[0].Spans = append(rs.ScopeSpans[0].Spans, span(s))
	}
	return td
}

func span(s sdktrace.ReadOnlySpan) *tracev1.Span {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	out := &tracev1.Span{
		TraceId:           tid[:],
		SpanId:            sid[:],
		Name:              s.Name(),
		Kind:              tracev1.Span_SpanKind(s.SpanKind()), // the same numbering
		StartTimeUnixNano: uint64(s.StartTime().UnixNano()),
		EndTimeUnixNano:   uint64(s.EndTime().UnixNano()),
		Attributes:        attrs(s.Attributes()),
		Flags:             uint32(sc.TraceFlags()),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		pid := p.SpanID()
		out.ParentSpanId = pid[:]
	}
	for _, e := range s.Events() {
		out.Events = append(out.Events, &tracev1.Span_Event{
			TimeUnixNano: uint64(e.Time.UnixNano()), Name: e.Name, Attributes: attrs(e.Attributes)})
	}
	switch st := s.Status(); st.Code {
	case codes.Error:
		out.Status = &tracev1.Status{Code: tracev1.Status_STATUS_CODE_ERROR, Message: st.Description}
	case codes.Ok:
		out.Status = &tracev1.Status{Code: tracev1.Status_STATUS_CODE_OK}
	}
	return out
}

func attrs(kvs []attribute.KeyValue) []*commonv1.KeyValue {
	out := make([]*commonv1.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		v := &commonv1.AnyValue{}
		switch kv.Value.Type() {
		case attribute.BOOL:
			v.Value = &commonv1.AnyValue_BoolValue{BoolValue: kv.Value.AsBool()}
		case attribute.INT64:
			v.Value = &commonv1.AnyValue_IntValue{IntValue: kv.Value.AsInt64()}
		case attribute.FLOAT64:
			v.Value = &commonv1.AnyValue_DoubleValue{DoubleValue: kv.Value.AsFloat64()}
		default:
			v.Value = &commonv1.AnyValue_StringValue{StringValue: kv.Value.Emit()}
		}
		out = append(out, &commonv1.KeyValue{Key: string(kv.Key), Value: v})
	}
	return out
}
