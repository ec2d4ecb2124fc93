package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/choreo-dev/choreo/internal/seedsystems"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// --otlp-endpoint: the runs' spans reach an OTLP/HTTP receiver through the
// SDK, with the trace ids the systems received in traceparent.
func TestSimOTLPEndpoint(t *testing.T) {
	var mu sync.Mutex
	traces := map[string]int{} // trace id → spans
	services := map[string]bool{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var td tracev1.TracesData
		if err := proto.Unmarshal(b, &td); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range td.ResourceSpans {
			services[rs.Resource.Attributes[0].Value.GetStringValue()] = true
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					traces[string(sp.TraceId)]++
				}
			}
		}
	}))
	defer recv.Close()
	sys, err := seedsystems.Start("127.0.0.1", nil, nil, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	dir := t.TempDir()
	prof := "defaults: {latency: 1ms, actor: {latency: 1ms}}\nparticipants:\n"
	for _, n := range seedsystems.Names {
		prof += "  " + n + ": {adapter: http, url: \"" + sys.URLs[n] + "\"}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"sim", "../../testdata/provisioning.mmd", "--profile", filepath.Join(dir, "p.yaml"),
		"-n", "3", "--otlp-endpoint", recv.URL, "--format", "json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sent := map[string]bool{}
	for _, r := range sys.Requests() {
		id := strings.Split(r.TraceParent, "-")[1]
		sent[id] = true
	}
	mu.Lock()
	defer mu.Unlock()
	if len(traces) != 3 || len(sent) != 3 {
		t.Fatalf("%d traces exported, %d sent to the systems; want 3 and 3", len(traces), len(sent))
	}
	for id, n := range traces {
		if !sent[hex.EncodeToString([]byte(id))] {
			t.Errorf("exported trace %x was never sent to a system", id)
		}
		if n < 8 {
			t.Errorf("trace %x: %d spans", id, n)
		}
	}
	for _, s := range []string{"Admin", "App", "IdP"} {
		if !services[s] {
			t.Errorf("no spans of service %s (have %v)", s, services)
		}
	}
}

// Real-time results from two load generators merge: runs and loads add
// up; a real-time result does not merge with a virtual one.
func TestRealResultsMerge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	d, err := parser.Parse("t.mmd", []byte("sequenceDiagram\nA->>B: work\nB-->>A: ok\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.LoadProfile("p.yaml", []byte("defaults: {latency: 0ms}\nparticipants:\n  B: {adapter: http, url: \""+srv.URL+"\"}\n"), d, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := sim.RunReal(ctx, d, p, sim.RealOptions{Runs: 4, Seed: 1, Concurrency: 2, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.RunReal(ctx, d, p, sim.RealOptions{Runs: 6, Seed: 1, Concurrency: 3, Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	m, err := report.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Runs != 10 || m.Outcomes.OK != 10 || m.RealTime == nil || m.RealTime.Concurrency != 5 || m.RealTime.Rate != 150 {
		t.Errorf("merged: runs %d, outcomes %+v, real time %+v", m.Runs, m.Outcomes, m.RealTime)
	}
	v, err := sim.Simulate(ctx, d, p, sim.Options{Runs: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Merge(a, v); err == nil || !strings.Contains(err.Error(), "another clock") {
		t.Errorf("real with virtual: %v", err)
	}
}
