package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// root is the choreo repository, whose main module this one sits in.
const root = "../../.."

// TestFleet runs the example: three `choreo serve` instances behind a
// real Collector (this module's, built from the Collector's Go modules)
// whose loadbalancing exporter routes by trace id, as collector.yaml
// configures it. Traces simulated by `choreo sim --traces` are sent to
// the Collector with the OpenTelemetry Go SDK (otlptracehttp); the
// instances' /result, merged with `choreo merge`, equal `choreo check`
// of the same traces, and each instance saw only whole traces.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Collector: not in -short")
	}
	dir := t.TempDir()
	choreo := filepath.Join(dir, "choreo")
	if out, err := run(t, root, "go", "build", "-o", choreo, "./cmd/choreo"); err != nil {
		t.Fatalf("building choreo: %v\n%s", err, out)
	}
	otelcol := filepath.Join(dir, "otelcol")
	if out, err := run(t, ".", "go", "build", "-o", otelcol, "."); err != nil {
		t.Skipf("the Collector cannot be built here (Go modules of the Collector unreachable?), so the fleet is not tested: %v\n%s", err, out)
	}

	// the traces: a simulation of the seed, as OTLP/JSON lines
	diagram := filepath.Join(root, "testdata/provisioning.mmd")
	profile := filepath.Join(root, "testdata/provisioning.yaml")
	traces := filepath.Join(dir, "traces.jsonl")
	if out, err := run(t, ".", choreo, "sim", diagram, "--profile", profile, "-n", "300", "--seed", "11",
		"--traces", traces, "--format", "json", "-o", filepath.Join(dir, "sim.json")); err != nil && !strings.Contains(string(out), "SLO") {
		t.Fatalf("sim: %v\n%s", err, out)
	}

	// three instances, each with OTLP/gRPC for the loadbalancing exporter
	const n = 3
	var urls []string
	cfg, err := os.ReadFile("../collector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// the configuration without its comments, ports replaced by free ones
	conf := string(cfg[bytes.Index(cfg, []byte("\nreceivers:")):])
	for i := range n {
		grpcAddr := freeAddr(t)
		url := startProcess(t, `listening on (http://\S+)`, choreo, "serve", diagram, "--profile", profile,
			"--listen", "127.0.0.1:0", "--grpc-listen", grpcAddr, "--trace-idle", "2s")
		urls = append(urls, url)
		conf = strings.Replace(conf, fmt.Sprintf("127.0.0.1:%d4317", i+1), grpcAddr, 1)
	}
	recvHTTP, recvGRPC := freeAddr(t), freeAddr(t)
	conf = strings.Replace(conf, "127.0.0.1:4318", recvHTTP, 1)
	conf = strings.Replace(conf, "127.0.0.1:4317", recvGRPC, 1)
	confPath := filepath.Join(dir, "collector.yaml")
	os.WriteFile(confPath, []byte(conf), 0o644)
	startProcess(t, `Everything is ready`, otelcol, "--config", "file:"+confPath)

	sent := sendWithSDK(t, traces, recvHTTP)

	// wait until the instances have checked every trace
	deadline := time.Now().Add(90 * time.Second)
	var results [][]byte
	for {
		results = results[:0]
		total := 0
		for _, u := range urls {
			b := httpGet(t, u+"/result")
			var r struct{ Runs int }
			json.Unmarshal(b, &r)
			total += r.Runs
			results = append(results, b)
		}
		if total == sent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instances checked %d of %d traces", total, sent)
		}
		time.Sleep(500 * time.Millisecond)
	}
	var files []string
	for i, b := range results {
		var r struct{ Runs int }
		json.Unmarshal(b, &r)
		if r.Runs == 0 || r.Runs == sent {
			t.Errorf("instance %d checked %d of %d traces: the exporter did not spread them", i+1, r.Runs, sent)
		}
		p := filepath.Join(dir, fmt.Sprintf("result-%d.json", i+1))
		os.WriteFile(p, b, 0o644)
		files = append(files, p)
		m := httpGet(t, urls[i]+"/metrics")
		if !bytes.Contains(m, []byte(`choreo_serve_spans_dropped_total`)) {
			// no span was dropped: no late span, so every trace came whole
		} else if bytes.Contains(m, []byte(`reason="late"}`)) {
			t.Errorf("instance %d received spans of a trace after checking it:\n%s", i+1, m)
		}
	}
	merged := filepath.Join(dir, "merged.json")
	if out, err := run(t, ".", choreo, append([]string{"merge", "-o", merged}, files...)...); err != nil && !strings.Contains(string(out), "SLO") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	checked := filepath.Join(dir, "check.json")
	if out, err := run(t, ".", choreo, "check", diagram, traces, "--profile", profile, "--format", "json", "-o", checked); err != nil && bytes.Contains(out, []byte("trouble")) {
		t.Fatalf("check: %v\n%s", err, out)
	}
	a, b := comparable(t, checked), comparable(t, merged)
	if a != b {
		os.WriteFile("/tmp/fleet-check.json", []byte(a), 0o644)
		os.WriteFile("/tmp/fleet-merged.json", []byte(b), 0o644)
		t.Errorf("merged /result of %d instances differs from one check (written to /tmp/fleet-check.json and /tmp/fleet-merged.json)", n)
	}
}

// comparable is a result's JSON without what differs between one check
// of a file and instances fed by a Collector: elapsed time, the file
// count, example trace ids (each instance keeps the first it saw), the
// order of deviations with the same count, and slow causes (judged
// against each instance's own median times).
func comparable(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	delete(r, "elapsed_ms")
	delete(r, "slow")
	delete(r, "slow_traces")
	if h, ok := r["histograms"].(map[string]any); ok {
		delete(h, "slow")
	}
	if in, ok := r["input"].(map[string]any); ok {
		delete(in, "files")
		delete(in, "problems")
	}
	if cs, ok := r["cascades"].([]any); ok {
		for _, c := range cs {
			delete(c.(map[string]any), "examples")
		}
	}
	if c, ok := r["conformance"].(map[string]any); ok {
		ds, _ := c["deviations"].([]any)
		for _, d := range ds {
			delete(d.(map[string]any), "examples")
		}
		sort.Slice(ds, func(i, j int) bool { return fmt.Sprint(ds[i]) < fmt.Sprint(ds[j]) })
		if f, ok := c["fitness"].(float64); ok {
			c["fitness"] = strconv.FormatFloat(f, 'f', 9, 64)
		}
	}
	out, _ := json.MarshalIndent(r, "", " ")
	return string(out)
}

// sendWithSDK replays the spans of an OTLP/JSON lines file through the
// OpenTelemetry Go SDK (a TracerProvider per service, the otlptracehttp
// exporter) to an OTLP/HTTP endpoint, with the spans' own ids, times,
// kinds, attributes and statuses. It returns the number of traces.
func sendWithSDK(t *testing.T, path, endpoint string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure(),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	ids := &givenIDs{}
	providers := map[string]*sdktrace.TracerProvider{}
	tracer := func(service string) trace.Tracer {
		tp := providers[service]
		if tp == nil {
			tp = sdktrace.NewTracerProvider(
				sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
				sdktrace.WithBatcher(exp, sdktrace.WithBlocking(), sdktrace.WithMaxExportBatchSize(64)),
				sdktrace.WithIDGenerator(ids))
			providers[service] = tp
		}
		return tp.Tracer("choreo-fleet-test")
	}
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(line)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			tr := tracer(svc.Str())
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				spans := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					replay(tr, ids, spans.At(k))
				}
			}
		}
	}
	for _, tp := range providers {
		if err := tp.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, tp := range providers {
		tp.Shutdown(ctx)
	}
	return n
}

func replay(tr trace.Tracer, ids *givenIDs, s ptrace.Span) {
	ctx := context.Background()
	if !s.ParentSpanID().IsEmpty() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID(s.TraceID()), SpanID: trace.SpanID(s.ParentSpanID()),
			TraceFlags: trace.FlagsSampled, Remote: true}))
	}
	var attrs []attribute.KeyValue
	s.Attributes().Range(func(k string, v pcommon.Value) bool {
		switch v.Type() {
		case pcommon.ValueTypeInt:
			attrs = append(attrs, attribute.Int64(k, v.Int()))
		case pcommon.ValueTypeBool:
			attrs = append(attrs, attribute.Bool(k, v.Bool()))
		case pcommon.ValueTypeDouble:
			attrs = append(attrs, attribute.Float64(k, v.Double()))
		default:
			attrs = append(attrs, attribute.String(k, v.AsString()))
		}
		return true
	})
	ids.set(trace.TraceID(s.TraceID()), trace.SpanID(s.SpanID()))
	_, span := tr.Start(ctx, s.Name(), trace.WithTimestamp(s.StartTimestamp().AsTime()),
		trace.WithSpanKind(trace.SpanKind(s.Kind())), trace.WithAttributes(attrs...))
	switch s.Status().Code() {
	case ptrace.StatusCodeError:
		span.SetStatus(codes.Error, s.Status().Message())
	case ptrace.StatusCodeOk:
		span.SetStatus(codes.Ok, "")
	}
	span.End(trace.WithTimestamp(s.EndTimestamp().AsTime()))
}

// givenIDs hands the SDK the ids of the span being replayed.
type givenIDs struct {
	mu  sync.Mutex
	tid trace.TraceID
	sid trace.SpanID
}

func (g *givenIDs) set(tid trace.TraceID, sid trace.SpanID) {
	g.mu.Lock()
	g.tid, g.sid = tid, sid
	g.mu.Unlock()
}

func (g *givenIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tid, g.sid
}

func (g *givenIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sid
}

// run runs a command in dir and returns its combined output.
func run(t *testing.T, dir, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// startProcess starts a long-running command, waits for a line of its
// stderr matching ready, and returns the line's first submatch. The
// process gets SIGTERM (then a kill) when the test ends.
func startProcess(t *testing.T, ready string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	re := regexp.MustCompile(ready)
	found := make(chan string, 1)
	var log bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				sent = true
				found <- append(m, "")[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case s := <-found:
		return s
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s did not say %q:\n%s", name, ready, log.String())
	}
	return ""
}

// freeAddr returns a loopback address with a port free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
