// Package otelexport writes simulated runs as OTLP: File writes them as
// OTLP/JSON lines (choreo sim --traces), Exporter sends the spans of
// real-time runs to an OTLP/HTTP endpoint (a Collector, Jaeger, Tempo)
// through the OpenTelemetry SDK, over a small OTLP/HTTP protobuf exporter
// of its own (see wire).
//
// The exported spans are the ones File writes, with the same
// trace and span ids, so that the spans the systems export themselves
// (which received those ids in traceparent) join them: one
// TracerProvider per participant (resource service.name = participant
// id) over one exporter, an IDGenerator that hands the SDK the ids choreo
// derived, and explicit start and end timestamps.
package otelexport

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// Exporter exports runs; Export is not safe for concurrent use.
type Exporter struct {
	exp       *wire
	providers map[string]*sdktrace.TracerProvider
	tracers   map[string]trace.Tracer
	msgs      map[int]*flow.Message
	seed      uint64
}

// New returns an exporter to endpoint, an http(s) URL; a URL without a
// path sends to /v1/traces. seed is the session's id seed (RealOptions
// IDSeed).
func New(endpoint string, d *flow.Diagram, extra []*sim.Compensation, seed uint64) (*Exporter, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want an http:// or https:// URL, such as http://localhost:4318")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	exp := &wire{url: u.String(), client: &http.Client{Timeout: 30 * time.Second}}
	x := &Exporter{exp: exp, providers: map[string]*sdktrace.TracerProvider{}, tracers: map[string]trace.Tracer{},
		msgs: map[int]*flow.Message{}, seed: seed}
	for _, p := range d.Participants {
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", p.ID))),
			// blocking: a busy session waits for the exporter rather
			// than dropping spans
			sdktrace.WithBatcher(exp, sdktrace.WithBlocking()),
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithIDGenerator(givenIDs{}),
		)
		x.providers[p.ID] = tp
		x.tracers[p.ID] = tp.Tracer("choreo")
	}
	for _, m := range d.Messages() {
		x.msgs[m.N] = m
	}
	for _, c := range extra {
		if c != nil && c.Message != nil {
			x.msgs[c.Message.N] = c.Message
		}
	}
	return x, nil
}

type idKey struct{}

type ids struct {
	trace trace.TraceID
	span  trace.SpanID
}

// givenIDs hands the SDK the ids put in the context.
type givenIDs struct{}

func (givenIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	v, _ := ctx.Value(idKey{}).(ids)
	return v.trace, v.span
}

func (givenIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	v, _ := ctx.Value(idKey{}).(ids)
	return v.span
}

// Export sends one run: per span a CLIENT (PRODUCER) span in the
// sender's service and, unless the receiver is a real http system that
// writes its own, a SERVER (CONSUMER) span in the receiver's.
func (x *Exporter) Export(rt *sim.RunTrace) error {
	rid := runid.New(x.seed, rt.Run)
	tid := trace.TraceID(rid.TraceID())
	base := rt.Start
	if base.IsZero() {
		base = runid.Epoch.Add(time.Duration(rt.Run) * runid.Spacing)
	}
	for i := range rt.Spans {
		sp := &rt.Spans[i]
		m := x.msgs[sp.N]
		if m == nil {
			return errors.New("otelexport: a span of an unknown message")
		}
		for side := range 2 {
			if side == 1 && (sp.Remote || sp.Kind == sim.SpanAsync && sp.Fault == report.FaultDrop) {
				continue
			}
			svc, kind, start, end := m.From, trace.SpanKindClient, sp.Start, sp.End
			if sp.Kind == sim.SpanAsync {
				kind = trace.SpanKindProducer
			}
			var parent trace.SpanID
			switch {
			case side == 1:
				svc, start, end = m.To, sp.Arrive, sp.Leave
				kind = trace.SpanKindServer
				if sp.Kind == sim.SpanAsync {
					kind = trace.SpanKindConsumer
				}
				parent = rid.SpanID(i, 0)
			case sp.Parent >= 0:
				ps := 1
				if rt.Spans[sp.Parent].Remote {
					ps = 0
				}
				parent = rid.SpanID(sp.Parent, ps)
			}
			tr := x.tracers[svc]
			if tr == nil {
				continue
			}
			ctx := context.WithValue(context.Background(), idKey{}, ids{trace: tid, span: rid.SpanID(i, side)})
			if parent.IsValid() {
				ctx = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: tid, SpanID: parent, TraceFlags: trace.FlagsSampled, Remote: true}))
			}
			attrs := []attribute.KeyValue{
				attribute.Int64("choreo.run", rt.Run),
				attribute.Int("choreo.message.n", sp.N),
				attribute.Int("choreo.attempt", sp.Attempt),
			}
			if side == 0 {
				attrs = append(attrs, attribute.String("peer.service", m.To))
			}
			if sp.Status != 0 {
				attrs = append(attrs, attribute.Int("http.response.status_code", sp.Status))
			}
			if sp.Kind == sim.SpanCompensation {
				attrs = append(attrs, attribute.Bool("choreo.compensation", true))
			}
			_, s := tr.Start(ctx, m.Text, trace.WithSpanKind(kind), trace.WithTimestamp(base.Add(start)), trace.WithAttributes(attrs...))
			if sp.Fault != "" && sp.Fault != report.FaultDelay {
				msg := sp.Detail
				if msg == "" {
					msg = "injected " + sp.Fault
				}
				s.SetAttributes(attribute.String("error.type", sp.Fault))
				s.SetStatus(codes.Error, msg)
			} else if sp.Detail != "" && side == 0 {
				s.AddEvent("choreo.output", trace.WithTimestamp(base.Add(max(end, start))), trace.WithAttributes(attribute.String("choreo.output", sp.Detail)))
			}
			s.End(trace.WithTimestamp(base.Add(max(end, start))))
		}
	}
	return nil
}

// Shutdown flushes every span and closes the exporter.
func (x *Exporter) Shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []string
	for _, tp := range x.providers {
		if err := tp.Shutdown(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if err := x.exp.firstError(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return errors.New("otlp export: " + strings.Join(errs, "; "))
	}
	return nil
}
