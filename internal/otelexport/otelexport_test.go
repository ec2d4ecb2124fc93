package otelexport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// A collector stand-in: it decodes what the SDK posts to /v1/traces.
func TestExportThroughTheSDK(t *testing.T) {
	var mu sync.Mutex
	var got []*tracev1.ResourceSpans
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var td tracev1.TracesData // an ExportTraceServiceRequest has the same field 1
		if err := proto.Unmarshal(b, &td); err != nil {
			t.Errorf("body: %v", err)
		}
		mu.Lock()
		got = append(got, td.ResourceSpans...)
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	d, err := parser.Parse("t.mmd", []byte("sequenceDiagram\nA->>B: charge\nB->>C: log\nC-->>B: ok\nB-->>A: done\n"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(srv.URL, d, nil, 42)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	rt := &sim.RunTrace{Run: 5, Start: start, Spans: []sim.RunSpan{
		// A->>B went to a real system: no SERVER span of ours
		{N: 1, Reply: 4, Kind: sim.SpanExchange, Start: 0, Arrive: 3 * time.Millisecond, Leave: 9 * time.Millisecond, End: 10 * time.Millisecond, Parent: -1, Attempt: 1, Remote: true, Status: 200},
		// B->>C, a stub, played by choreo under B's call
		{N: 2, Reply: 3, Kind: sim.SpanExchange, Start: 3 * time.Millisecond, Arrive: 4 * time.Millisecond, Leave: 8 * time.Millisecond, End: 9 * time.Millisecond, Parent: 0, Attempt: 1, Fault: report.FaultError, Detail: "boom"},
	}}
	if err := x.Export(rt); err != nil {
		t.Fatal(err)
	}
	if err := x.Shutdown(); err != nil {
		t.Fatal(err)
	}
	ids := runid.New(42, 5)
	tid := ids.TraceID()
	type row struct {
		Service, Name, Kind, ID, Parent string
		Start                           int64
		Error                           bool
	}
	hex := func(b []byte) string { return string(b) }
	var rows []row
	for _, rs := range got {
		svc := rs.Resource.Attributes[0].Value.GetStringValue()
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				if string(sp.TraceId) != string(tid[:]) {
					t.Errorf("span %s: trace id %x, want %x", sp.Name, sp.TraceId, tid)
				}
				rows = append(rows, row{svc, sp.Name, sp.Kind.String(), hex(sp.SpanId), hex(sp.ParentSpanId),
					int64(sp.StartTimeUnixNano) - start.UnixNano(), sp.Status.GetCode() == tracev1.Status_STATUS_CODE_ERROR})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].Start < rows[j].Start || rows[i].Start == rows[j].Start && rows[i].Kind < rows[j].Kind
	})
	id := func(i, side int) string { b := ids.SpanID(i, side); return string(b[:]) }
	want := []row{
		{"A", "charge", "SPAN_KIND_CLIENT", id(0, 0), "", 0, false},
		// the child of a remote call hangs under its CLIENT span
		{"B", "log", "SPAN_KIND_CLIENT", id(1, 0), id(0, 0), 3e6, true},
		{"C", "log", "SPAN_KIND_SERVER", id(1, 1), id(1, 0), 4e6, true},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	for _, p := range paths {
		if p != "/v1/traces" {
			t.Errorf("posted to %s", p)
		}
	}
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	d, _ := parser.Parse("t.mmd", []byte("sequenceDiagram\nA->>B: x\n"))
	for _, u := range []string{"localhost:4318", "ftp://h/x", "http://"} {
		if _, err := New(u, d, nil, 1); err == nil {
			t.Errorf("%q: no error", u)
		}
	}
}
