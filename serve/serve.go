package serve

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// Defaults of Config's limits.
const (
	DefaultTraceIdle = 10 * time.Second
	DefaultMaxTraces = 100_000
	DefaultMaxSpans  = 2_000_000
	DefaultMaxBody   = 16 << 20 // bytes of one request, compressed and decompressed
)

// recentDone is how many completed trace ids a Server remembers, to tell
// a late span (its trace already checked) from a new trace.
const recentDone = 1 << 16

// Config is what a Server checks traces against, and its limits. The
// zero value of a limit takes its default.
type Config struct {
	Diagram *flow.Diagram
	Mapping *trace.Mapping     // nil: trace.DefaultMapping(Diagram)
	SLO     []report.SLOTarget // the profile's targets, judged in every result
	// Describe fills what the caller knows of the result: Diagram,
	// DiagramSource, Profile. It is called on every result.
	Describe func(*report.Result)

	// TraceIdle is how long a trace stays open after its last span: then
	// it is complete and checked.
	TraceIdle time.Duration
	// MaxTraces caps the traces in flight (open, not yet checked): a new
	// trace beyond it makes the least recently updated one complete at
	// once (counted as evicted).
	MaxTraces int
	// MaxSpans caps the spans in flight: a request that would pass it is
	// refused with 429 and Retry-After (counted as refused); the sender
	// retries it.
	MaxSpans int
	// MaxBody caps the bytes of one request, as sent and decompressed:
	// larger ones are answered 413.
	MaxBody int64
	// Token, when set, is the bearer token every request to /v1/traces
	// must carry (Authorization: Bearer TOKEN); others get 401.
	Token string

	// now is the clock (tests).
	now func() time.Time
}

// Server receives OTLP/HTTP traces and checks each complete trace
// against the diagram. Its methods are safe for concurrent use.
type Server struct {
	cfg Config

	// mu guards the traces in flight and the shutdown state
	mu       sync.Mutex
	open     map[trace.TraceID]*pending
	order    *list.List // of *pending, least recently updated first
	spans    int        // spans in flight
	done     map[trace.TraceID]struct{}
	doneLog  []trace.TraceID // ring of the ids in done
	doneAt   int
	stopping bool

	// cmu guards the checker and what it has counted
	cmu     sync.Mutex
	checker *trace.Checker
	input   report.Input
	started time.Time

	m    *metrics
	reg  *prometheus.Registry
	grpc *grpc.Server
}

// pending is a trace in flight.
type pending struct {
	id        trace.TraceID
	spans     []trace.Span
	malformed int
	last      time.Time
	elem      *list.Element
}

// Completion reasons: why a trace was checked.
const (
	completeIdle     = "idle"     // no span for TraceIdle
	completeEvicted  = "evicted"  // MaxTraces reached: it was the oldest
	completeShutdown = "shutdown" // flushed when the server stopped
)

// New returns a server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Diagram == nil {
		return nil, errors.New("serve: no diagram")
	}
	if cfg.TraceIdle <= 0 {
		cfg.TraceIdle = DefaultTraceIdle
	}
	if cfg.MaxTraces <= 0 {
		cfg.MaxTraces = DefaultMaxTraces
	}
	if cfg.MaxSpans <= 0 {
		cfg.MaxSpans = DefaultMaxSpans
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	c := trace.NewChecker(cfg.Diagram, cfg.Mapping, trace.NewAligner(cfg.Diagram))
	c.SLO = cfg.SLO
	s := &Server{cfg: cfg, open: map[trace.TraceID]*pending{}, order: list.New(),
		done: map[trace.TraceID]struct{}{}, doneLog: make([]trace.TraceID, 0, 1024),
		checker: c, input: report.Input{Problems: []report.Problem{}}, started: cfg.now()}
	s.reg = prometheus.NewRegistry()
	s.m = newMetrics(s)
	s.reg.MustRegister(s.m.collectors()...)
	s.grpc = s.newGRPC()
	return s, nil
}

// Handler returns the server's HTTP handler: POST /v1/traces (OTLP/HTTP,
// protobuf or JSON, optionally gzip), GET /metrics (Prometheus), GET
// /result (the report.Result JSON) and GET /healthz. Served with
// HTTP/2 (unencrypted HTTP/2 included, http.Protocols), the same port
// also answers OTLP/gRPC: requests whose content type is
// application/grpc go to the gRPC server of [Server.GRPC].
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", s.receive)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true, ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /result", s.serveResult)
	mux.HandleFunc("GET /healthz", s.healthz)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			s.grpc.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Run completes the traces that have been idle for TraceIdle until ctx
// is done. It does not flush what is left: see Shutdown.
func (s *Server) Run(ctx context.Context) {
	tick := max(s.cfg.TraceIdle/10, 10*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Sweep checks every trace idle for TraceIdle or longer.
func (s *Server) Sweep() {
	now := s.cfg.now()
	var ready []*pending
	s.mu.Lock()
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		p := e.Value.(*pending)
		if now.Sub(p.last) < s.cfg.TraceIdle {
			break
		}
		s.take(p)
		ready = append(ready, p)
	}
	s.mu.Unlock()
	s.check(ready, completeIdle)
}

// Stop makes the server refuse new spans (503), then checks every trace
// in flight, counted as completed at shutdown: their spans may not all
// have arrived.
func (s *Server) Stop() {
	s.mu.Lock()
	s.stopping = true
	var ready []*pending
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		p := e.Value.(*pending)
		s.take(p)
		ready = append(ready, p)
	}
	s.mu.Unlock()
	s.check(ready, completeShutdown)
}

// take removes p from the traces in flight and remembers its id (s.mu
// held).
func (s *Server) take(p *pending) {
	s.order.Remove(p.elem)
	delete(s.open, p.id)
	s.spans -= len(p.spans)
	if len(s.doneLog) < recentDone {
		s.doneLog = append(s.doneLog, p.id)
	} else {
		delete(s.done, s.doneLog[s.doneAt])
		s.doneLog[s.doneAt] = p.id
		s.doneAt = (s.doneAt + 1) % recentDone
	}
	s.done[p.id] = struct{}{}
}

// check adds complete traces to the checker.
func (s *Server) check(ps []*pending, why string) {
	if len(ps) == 0 {
		return
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	for _, p := range ps {
		s.checker.Add(&trace.Trace{ID: p.id, Spans: p.spans, Malformed: p.malformed})
		s.input.Traces++
		s.input.Spans += int64(len(p.spans))
	}
	s.m.completed.WithLabelValues(why).Add(float64(len(ps)))
}

// Result returns what the traces checked so far show: a trace check's
// report.Result (Source "trace", with histograms), mergeable with the
// results of other servers of the same diagram (report.Merge). It is a
// copy: later traces do not change it.
func (s *Server) Result() (*report.Result, error) {
	b, err := s.ResultJSON()
	if err != nil {
		return nil, err
	}
	var res report.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, err
	}
	res.Model = s.cfg.Diagram
	return &res, nil
}

// ResultJSON returns Result as JSON.
func (s *Server) ResultJSON() ([]byte, error) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	res := s.checker.Result()
	in := s.input
	in.Problems = s.input.Problems
	res.Input = &in
	res.ElapsedMS = s.cfg.now().Sub(s.started).Milliseconds()
	if s.cfg.Describe != nil {
		s.cfg.Describe(res)
	}
	// the result shares the checker's histograms: encode it before
	// another trace is added
	return json.MarshalIndent(res, "", "  ")
}

// malformed counts spans left out of a request, with their problems
// (the first MaxProblems kept).
func (s *Server) malformed(n int64, ps []report.Problem) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.input.Malformed += n
	for _, p := range ps {
		if len(s.input.Problems) >= maxProblems {
			break
		}
		s.input.Problems = append(s.input.Problems, p)
	}
}

// InFlight returns the traces and spans in flight.
func (s *Server) InFlight() (traces, spans int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open), s.spans
}

// serveResult is GET /result.
func (s *Server) serveResult(w http.ResponseWriter, r *http.Request) {
	b, err := s.ResultJSON()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// healthz is GET /healthz.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}
