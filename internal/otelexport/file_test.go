package otelexport

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// otlpDiagram has an exchange with a nested exchange, an async message,
// a text that needs JSON escaping and a self-message.
const otlpDiagram = `sequenceDiagram
actor Admin
participant App as SaaS App
participant Billing
participant Email
Admin->>App: Create new account
App->>Billing: Provision "pro" plan \ now
Billing-->>App: Subscription created
App-)Email: Send welcome
App->>App: Audit
App-->>Admin: Account ready
`

func otlpTestDiagram(t testing.TB) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse("otlp.mmd", []byte(otlpDiagram))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func otlpCancel() []*sim.Compensation {
	return []*sim.Compensation{{
		Selector: "App->>Billing: Cancel subscription",
		Message:  &flow.Message{N: 7, From: "App", To: "Billing", Arrow: flow.ArrowSolid, Text: "Cancel subscription"},
	}}
}

const msec = time.Millisecond

// otlpRuns are two runs: run 0 succeeds after a retried error; run 1 times
// out on the nested exchange, loses the async message and compensates.
func otlpRuns() []*sim.RunTrace {
	return []*sim.RunTrace{
		{Run: 0, Outcome: "ok", Spans: []sim.RunSpan{
			{N: 1, Reply: 6, Kind: sim.SpanExchange, Start: 0, Arrive: 10 * msec, Leave: 300 * msec, End: 310 * msec, Parent: -1, Attempt: 1},
			{N: 2, Reply: 3, Kind: sim.SpanExchange, Start: 20 * msec, Arrive: 60 * msec, Leave: 60 * msec, End: 60 * msec, Parent: 0, Attempt: 1, Fault: report.FaultError},
			{N: 2, Reply: 3, Kind: sim.SpanExchange, Start: 160 * msec, Arrive: 200 * msec, Leave: 250 * msec, End: 260 * msec, Parent: 0, Attempt: 2, Fault: report.FaultDelay},
			{N: 4, Kind: sim.SpanAsync, Start: 270 * msec, Arrive: 280 * msec, Leave: 280 * msec, End: 280 * msec, Parent: 0, Attempt: 1},
			{N: 5, Kind: sim.SpanOneWay, Start: 280 * msec, Arrive: 281 * msec, Leave: 281 * msec, End: 281 * msec, Parent: 0, Attempt: 1},
		}},
		{Run: 1, Outcome: "failed", Spans: []sim.RunSpan{
			{N: 1, Reply: 6, Kind: sim.SpanExchange, Start: 0, Arrive: 10 * msec, Leave: 2010 * msec, End: 2010 * msec, Parent: -1, Attempt: 1, Fault: report.FaultTimeout},
			{N: 4, Kind: sim.SpanAsync, Start: 15 * msec, Arrive: 15 * msec, Leave: 15 * msec, End: 15 * msec, Parent: 0, Attempt: 1, Fault: report.FaultDrop},
			{N: 2, Reply: 3, Kind: sim.SpanExchange, Start: 20 * msec, Arrive: 60 * msec, Leave: 3000 * msec, End: 2020 * msec, Parent: 0, Attempt: 1, Fault: report.FaultTimeout, Abandoned: true},
			{N: 7, Kind: sim.SpanCompensation, Start: 2010 * msec, Arrive: 2050 * msec, Leave: 2050 * msec, End: 2090 * msec, Parent: -1, Attempt: 1},
		}},
	}
}

func writeOTLP(t testing.TB, seed uint64, runs []*sim.RunTrace) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewFile(&b, otlpTestDiagram(t), seed)
	w.AddCompensations(otlpCancel())
	for _, rt := range runs {
		if err := w.Write(rt); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// otlpSpan is what the test reads back of one span through pdata.
type otlpSpan struct {
	service string
	span    ptrace.Span
}

func TestOTLPWriter(t *testing.T) {
	runs := otlpRuns()
	out := writeOTLP(t, 42, runs)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(runs) {
		t.Fatalf("%d lines for %d runs", len(lines), len(runs))
	}
	traceIDs := map[pcommon.TraceID]bool{}
	for k, line := range lines {
		rt := runs[k]
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(line))
		if err != nil {
			t.Fatalf("run %d: pdata rejects the line: %v\n%s", rt.Run, err, line)
		}
		strictOTLP(t, line)

		// Collect the spans by id; check resources and scopes.
		byID := map[pcommon.SpanID]otlpSpan{}
		var order []string
		for i := range td.ResourceSpans().Len() {
			rs := td.ResourceSpans().At(i)
			sn, ok := rs.Resource().Attributes().Get("service.name")
			if !ok {
				t.Fatalf("run %d: resource %d has no service.name", rt.Run, i)
			}
			order = append(order, sn.Str())
			if rs.ScopeSpans().Len() != 1 || rs.ScopeSpans().At(0).Scope().Name() != "choreo" {
				t.Errorf("run %d: service %s: scope spans are not one scope named choreo", rt.Run, sn.Str())
			}
			ss := rs.ScopeSpans().At(0).Spans()
			for j := range ss.Len() {
				sp := ss.At(j)
				if _, dup := byID[sp.SpanID()]; dup {
					t.Errorf("run %d: duplicate span id %s", rt.Run, sp.SpanID())
				}
				byID[sp.SpanID()] = otlpSpan{sn.Str(), sp}
			}
		}
		// Services in diagram order, only those with spans.
		wantOrder := map[int64]string{0: "Admin App Billing Email", 1: "Admin App Billing"}[rt.Run]
		if got := strings.Join(order, " "); got != wantOrder {
			t.Errorf("run %d: services %q, want %q", rt.Run, got, wantOrder)
		}
		// Two OTLP spans per span, less the CONSUMER of a dropped message.
		want := 2 * len(rt.Spans)
		for _, s := range rt.Spans {
			if s.Fault == report.FaultDrop {
				want--
			}
		}
		if td.SpanCount() != want || len(byID) != want {
			t.Errorf("run %d: %d spans (%d ids), want %d", rt.Run, td.SpanCount(), len(byID), want)
		}

		// One trace id per run, derived from seed and run.
		var tid pcommon.TraceID
		for _, s := range byID {
			tid = s.span.TraceID()
			break
		}
		if tid.IsEmpty() || traceIDs[tid] {
			t.Errorf("run %d: trace id %s empty or shared with another run", rt.Run, tid)
		}
		traceIDs[tid] = true

		// Index the spans by message, attempt and side, then check each.
		type key struct{ n, attempt, side int }
		idx := map[key]otlpSpan{}
		for _, s := range byID {
			if s.span.TraceID() != tid {
				t.Errorf("run %d: span %s in trace %s, want %s", rt.Run, s.span.SpanID(), s.span.TraceID(), tid)
			}
			n, _ := s.span.Attributes().Get("choreo.message.n")
			a, _ := s.span.Attributes().Get("choreo.attempt")
			side := 0
			if k := s.span.Kind(); k == ptrace.SpanKindServer || k == ptrace.SpanKindConsumer {
				side = 1
			}
			idx[key{int(n.Int()), int(a.Int()), side}] = s
		}
		base := uint64(runid.Epoch.UnixNano()) + uint64(rt.Run)*uint64(runid.Spacing)
		for i, sp := range rt.Spans {
			m := otlpTestMessage(t, sp.N)
			client, ok := idx[key{sp.N, sp.Attempt, 0}]
			if !ok {
				t.Fatalf("run %d span %d: no client span", rt.Run, i)
			}
			server, hasServer := idx[key{sp.N, sp.Attempt, 1}]
			if hasServer == (sp.Fault == report.FaultDrop) {
				t.Errorf("run %d span %d: server span present = %v", rt.Run, i, hasServer)
			}
			wantClient, wantServer := ptrace.SpanKindClient, ptrace.SpanKindServer
			if sp.Kind == sim.SpanAsync {
				wantClient, wantServer = ptrace.SpanKindProducer, ptrace.SpanKindConsumer
			}
			c := client.span
			if client.service != m.From || c.Kind() != wantClient || c.Name() != m.Text {
				t.Errorf("run %d span %d: client %s/%v/%q, want %s/%v/%q", rt.Run, i, client.service, c.Kind(), c.Name(), m.From, wantClient, m.Text)
			}
			if got, want := uint64(c.StartTimestamp()), base+uint64(sp.Start); got != want {
				t.Errorf("run %d span %d: client start %d, want %d", rt.Run, i, got, want)
			}
			if got, want := uint64(c.EndTimestamp()), base+uint64(sp.End); got != want {
				t.Errorf("run %d span %d: client end %d, want %d", rt.Run, i, got, want)
			}
			if peer, _ := c.Attributes().Get("peer.service"); peer.Str() != m.To {
				t.Errorf("run %d span %d: peer.service %q, want %q", rt.Run, i, peer.Str(), m.To)
			}
			if run, _ := c.Attributes().Get("choreo.run"); run.Int() != rt.Run {
				t.Errorf("run %d span %d: choreo.run %d", rt.Run, i, run.Int())
			}
			// The client's parent is the SERVER span of the span it serves.
			if sp.Parent < 0 {
				if !c.ParentSpanID().IsEmpty() {
					t.Errorf("run %d span %d: root has parent %s", rt.Run, i, c.ParentSpanID())
				}
			} else {
				p := rt.Spans[sp.Parent]
				ps, ok := idx[key{p.N, p.Attempt, 1}]
				if !ok || c.ParentSpanID() != ps.span.SpanID() {
					t.Errorf("run %d span %d: parent %s, want the server span of span %d", rt.Run, i, c.ParentSpanID(), sp.Parent)
				}
			}
			checkStatus(t, c, sp.Fault)
			if !hasServer {
				continue
			}
			s := server.span
			if server.service != m.To || s.Kind() != wantServer || s.Name() != m.Text || s.ParentSpanID() != c.SpanID() {
				t.Errorf("run %d span %d: server %s/%v/%q parent %s, want %s/%v/%q parent %s",
					rt.Run, i, server.service, s.Kind(), s.Name(), s.ParentSpanID(), m.To, wantServer, m.Text, c.SpanID())
			}
			if got, want := uint64(s.StartTimestamp()), base+uint64(sp.Arrive); got != want {
				t.Errorf("run %d span %d: server start %d, want %d", rt.Run, i, got, want)
			}
			if got, want := uint64(s.EndTimestamp()), base+uint64(sp.Leave); got != want {
				t.Errorf("run %d span %d: server end %d, want %d", rt.Run, i, got, want)
			}
			if _, ok := s.Attributes().Get("peer.service"); ok {
				t.Errorf("run %d span %d: peer.service on the server side", rt.Run, i)
			}
			checkStatus(t, s, sp.Fault)
			_, comp := s.Attributes().Get("choreo.compensation")
			if comp != (sp.Kind == sim.SpanCompensation) {
				t.Errorf("run %d span %d: choreo.compensation = %v", rt.Run, i, comp)
			}
			_, ab := c.Attributes().Get("choreo.abandoned")
			if ab != sp.Abandoned {
				t.Errorf("run %d span %d: choreo.abandoned = %v", rt.Run, i, ab)
			}
		}
		root := idx[key{1, 1, 0}].span
		if oc, _ := root.Attributes().Get("choreo.outcome"); oc.Str() != rt.Outcome {
			t.Errorf("run %d: choreo.outcome %q, want %q", rt.Run, oc.Str(), rt.Outcome)
		}
	}
}

func otlpTestMessage(t *testing.T, n int) *flow.Message {
	t.Helper()
	if n == 7 {
		return otlpCancel()[0].Message
	}
	return otlpTestDiagram(t).Messages()[n-1]
}

// checkStatus: a fault (not a delay) is ERROR with a message, error.type
// and an exception event naming the kind; anything else is UNSET.
func checkStatus(t *testing.T, s ptrace.Span, fault string) {
	t.Helper()
	if fault == "" || fault == report.FaultDelay {
		if s.Status().Code() != ptrace.StatusCodeUnset || s.Events().Len() != 0 {
			t.Errorf("span %s %q: status %v with %d events, want UNSET and none", s.SpanID(), s.Name(), s.Status().Code(), s.Events().Len())
		}
		if fault == report.FaultDelay {
			if f, _ := s.Attributes().Get("choreo.fault"); f.Str() != report.FaultDelay {
				t.Errorf("span %s: choreo.fault %q, want delay", s.SpanID(), f.Str())
			}
		}
		return
	}
	if s.Status().Code() != ptrace.StatusCodeError || !strings.Contains(s.Status().Message(), fault) {
		t.Errorf("span %s: status %v %q, want ERROR naming %s", s.SpanID(), s.Status().Code(), s.Status().Message(), fault)
	}
	if et, _ := s.Attributes().Get("error.type"); et.Str() != fault {
		t.Errorf("span %s: error.type %q, want %q", s.SpanID(), et.Str(), fault)
	}
	if s.Events().Len() != 1 {
		t.Fatalf("span %s: %d events, want 1", s.SpanID(), s.Events().Len())
	}
	ev := s.Events().At(0)
	typ, _ := ev.Attributes().Get("exception.type")
	if ev.Name() != "exception" || typ.Str() != fault || ev.Timestamp() != s.EndTimestamp() {
		t.Errorf("span %s: event %q type %q at %v, want exception %q at the span's end", s.SpanID(), ev.Name(), typ.Str(), ev.Timestamp(), fault)
	}
}

// strictOTLP decodes a line into the OTLP/JSON schema with unknown fields
// rejected: the names are the protobuf JSON names (camelCase), ids are
// lower-case hex of the right length, 64-bit integers decimal strings and
// enums integers.
func strictOTLP(t *testing.T, line string) {
	t.Helper()
	type anyValue struct {
		StringValue *string `json:"stringValue"`
		IntValue    *string `json:"intValue"`
		BoolValue   *bool   `json:"boolValue"`
	}
	type kv struct {
		Key   string   `json:"key"`
		Value anyValue `json:"value"`
	}
	type event struct {
		TimeUnixNano string `json:"timeUnixNano"`
		Name         string `json:"name"`
		Attributes   []kv   `json:"attributes"`
	}
	type span struct {
		TraceID           string  `json:"traceId"`
		SpanID            string  `json:"spanId"`
		ParentSpanID      string  `json:"parentSpanId"`
		Name              string  `json:"name"`
		Kind              int     `json:"kind"`
		StartTimeUnixNano string  `json:"startTimeUnixNano"`
		EndTimeUnixNano   string  `json:"endTimeUnixNano"`
		Attributes        []kv    `json:"attributes"`
		Events            []event `json:"events"`
		Status            *struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"status"`
	}
	var td struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []kv `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Scope struct {
					Name string `json:"name"`
				} `json:"scope"`
				Spans []span `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&td); err != nil {
		t.Fatalf("not strict OTLP/JSON: %v", err)
	}
	isHex := func(s string, n int) bool {
		_, err := hex.DecodeString(s)
		return err == nil && len(s) == n && s == strings.ToLower(s)
	}
	isUint := func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	for _, rs := range td.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				if !isHex(sp.TraceID, 32) || !isHex(sp.SpanID, 16) || (sp.ParentSpanID != "" && !isHex(sp.ParentSpanID, 16)) {
					t.Errorf("bad ids in %+v", sp)
				}
				if !isUint(sp.StartTimeUnixNano) || !isUint(sp.EndTimeUnixNano) {
					t.Errorf("bad times in %+v", sp)
				}
				for _, a := range sp.Attributes {
					if a.Value.IntValue != nil && !isUint(*a.Value.IntValue) {
						t.Errorf("bad intValue in %+v", a)
					}
				}
			}
		}
	}
}

func TestOTLPDeterministic(t *testing.T) {
	a, b := writeOTLP(t, 42, otlpRuns()), writeOTLP(t, 42, otlpRuns())
	if !bytes.Equal(a, b) {
		t.Error("same seed, different output")
	}
	c := writeOTLP(t, 43, otlpRuns())
	if first(t, a).TraceID == first(t, c).TraceID {
		t.Error("different seeds, same trace ids")
	}
	// 2026-01-01T00:00:00Z is 1767225600 s after the Unix epoch.
	if got := first(t, a).Start; got != "1767225600000000000" {
		t.Errorf("run 0 starts at %s", got)
	}
}

type otlpHead struct {
	TraceID string `json:"traceId"`
	Start   string `json:"startTimeUnixNano"`
}

// first returns the first span of the first line.
func first(t *testing.T, b []byte) otlpHead {
	t.Helper()
	var head struct {
		ResourceSpans []struct {
			ScopeSpans []struct {
				Spans []otlpHead `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&head); err != nil {
		t.Fatal(err)
	}
	return head.ResourceSpans[0].ScopeSpans[0].Spans[0]
}

func TestOTLPErrors(t *testing.T) {
	w := NewFile(io.Discard, otlpTestDiagram(t), 1)
	// A compensation not given to AddCompensations.
	rt := &sim.RunTrace{Run: 3, Spans: []sim.RunSpan{{N: 7, Kind: sim.SpanCompensation, Parent: -1, Attempt: 1}}}
	if err := w.Write(rt); err == nil || !strings.Contains(err.Error(), "#7") {
		t.Errorf("unknown message: %v", err)
	}
	rt = &sim.RunTrace{Run: 3, Spans: []sim.RunSpan{{N: 1, Parent: 5, Attempt: 1}}}
	if err := w.Write(rt); err == nil {
		t.Error("parent out of range: no error")
	}
	// Names that need escaping stay valid JSON.
	d := &flow.Diagram{Participants: []*flow.Participant{{ID: "A\"\\\x01é"}, {ID: "B"}},
		Statements: []flow.Statement{&flow.Message{From: "A\"\\\x01é", To: "B", Arrow: flow.ArrowSolid, Text: "bad \xff utf8\n\ttab"}}}
	d.Renumber()
	var b bytes.Buffer
	if err := NewFile(&b, d, 1).Write(&sim.RunTrace{Spans: []sim.RunSpan{{N: 1, Parent: -1, Attempt: 1}}}); err != nil {
		t.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	sn, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
	if sn.Str() != "A\"\\\x01é" || td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Name() != "bad \uFFFD utf8\n\ttab" {
		t.Errorf("escaping: service %q", sn.Str())
	}
}

func TestOTLPWriteAllocs(t *testing.T) {
	w := NewFile(io.Discard, otlpTestDiagram(t), 1)
	w.AddCompensations(otlpCancel())
	runs := otlpRuns()
	if err := w.Write(runs[0]); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		_ = w.Write(runs[0])
		_ = w.Write(runs[1])
	})
	if allocs != 0 {
		t.Errorf("Write allocates %v times per run pair", allocs)
	}
}

// BenchmarkOTLPWrite writes the runs above; the baseline is encoding/json
// marshalling a struct of the same shape (what a reflection-based writer
// would cost).
func BenchmarkOTLPWrite(b *testing.B) {
	d := otlpTestDiagram(b)
	runs := otlpRuns()
	bw := bufio.NewWriter(io.Discard)
	w := NewFile(bw, d, 1)
	w.AddCompensations(otlpCancel())
	var n int64
	for _, rt := range runs {
		n += int64(len(rt.Spans))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, rt := range runs {
			if err := w.Write(rt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*int64(b.N))/b.Elapsed().Seconds(), "spans/s")
}

func BenchmarkOTLPBaselineEncodingJSON(b *testing.B) {
	var out bytes.Buffer
	w := NewFile(&out, otlpTestDiagram(b), 1)
	w.AddCompensations(otlpCancel())
	runs := otlpRuns()
	for _, rt := range runs {
		if err := w.Write(rt); err != nil {
			b.Fatal(err)
		}
	}
	var vs []any
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			b.Fatal(err)
		}
		vs = append(vs, v)
	}
	enc := json.NewEncoder(bufio.NewWriter(io.Discard))
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vs {
			if err := enc.Encode(v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// An exchange answered by an error the diagram draws carries an error
// status with the reply's text, as a system answering 401 records it, so
// that choreo check reads the branch with the 401 as the one taken.
func TestOTLPDrawnErrorStatus(t *testing.T) {
	d, err := parser.Parse("t.mmd", []byte("sequenceDiagram\nU->>API: GET /me\nalt ok\n  API-->>U: 200\nelse expired\n  API--xU: 401\nend\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := NewFile(&b, d, 1)
	for _, reply := range []int{2, 3} {
		b.Reset()
		sp := sim.RunSpan{N: 1, Reply: reply, Kind: sim.SpanExchange, Parent: -1, Attempt: 1, Arrive: 1, Leave: 1, End: 2}
		if err := w.Write(&sim.RunTrace{Spans: []sim.RunSpan{sp}}); err != nil {
			t.Fatal(err)
		}
		got := strings.Count(b.String(), `"status":{"message":"401","code":2}`)
		want := 0
		if reply == 3 {
			want = 2 // client and server side
		}
		if got != want || strings.Contains(b.String(), "exception") {
			t.Errorf("reply #%d: %d error statuses, want %d, no exception:\n%s", reply, got, want, b.String())
		}
	}
}
