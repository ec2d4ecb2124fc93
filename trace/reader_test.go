package trace_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

const dir = "testdata/traces"

// The fixtures hold two traces of the provisioning flow: tid1, the
// happy path (app → billing, app → idp twice, idp → the e-mail SaaS), and
// tid2, where billing declines the payment. tid2's high half is zero, so
// Zipkin and Jaeger write it with 16 hex characters.
const (
	tid1 = "5b8efff798038103d269b633813fc60c"
	tid2 = "00000000000000004bf92f3577b34da6"
)

// t0 is the fixtures' epoch, 2026-03-02T10:00:00Z, in Unix nanoseconds.
const t0 = 1772445600000000000

const ms = int64(1e6)

type readResult struct {
	format   trace.Format
	traces   []*trace.Trace
	problems []report.Problem
	reader   *trace.Reader
}

func readFile(t testing.TB, name string, opts ...trace.Option) readResult {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readAll(t, f, name, opts...)
}

func readAll(t testing.TB, in io.Reader, name string, opts ...trace.Option) readResult {
	t.Helper()
	r, err := trace.NewReader(in, name, opts...)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	res := readResult{format: r.Format(), reader: r}
	for {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		res.traces = append(res.traces, tr)
	}
	res.problems = r.Problems()
	return res
}

func TestReadFormats(t *testing.T) {
	type want struct {
		id    string
		spans int
	}
	tests := []struct {
		name      string
		file      string
		format    trace.Format
		traces    []want
		malformed int
		reason    string
	}{
		{name: "OTLP/JSON as the spec writes it", file: "otlp.json", format: trace.OTLPJSON,
			traces: []want{{tid1, 8}, {tid2, 3}},
			reason: "hex ids (one in upper case, as the spec's example), integer kinds, string nanoseconds; both traces in one TracesData, complete at its end"},
		{name: "Tempo batches", file: "otlp-tempo-batches.json", format: trace.OTLPJSON,
			traces: []want{{tid1, 8}},
			reason: "trace-formats.md §1.5: batches, base64 ids, SPAN_KIND_* names, status {}, instrumentationLibrarySpans"},
		{name: "snake_case protobuf JSON", file: "otlp-snake-case.json", format: trace.OTLPJSON,
			traces: []want{{tid1, 8}},
			reason: "trace-formats.md §1.5 (grafana's trace.json): resource_spans, trace_id, nanoseconds as bare numbers, string_value"},
		{name: "OTLP NDJSON", file: "otlp.ndjson", format: trace.OTLPJSON,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "OTLP NDJSON, gzip", file: "otlp.ndjson.gz", format: trace.OTLPJSON,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "OTLP protobuf", file: "otlp.pb", format: trace.OTLPProto,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "OTLP with malformed spans", file: "otlp-malformed.json", format: trace.OTLPJSON,
			traces: []want{{tid2, 3}}, malformed: 6},
		{name: "Jaeger query envelope", file: "jaeger-envelope.json", format: trace.JaegerJSON,
			traces: []want{{tid1, 8}, {tid2, 3}},
			reason: "one trace per data[] element; tid2 written with 16 hex characters"},
		{name: "Jaeger trace object", file: "jaeger-trace.json", format: trace.JaegerJSON,
			traces: []want{{tid1, 8}}},
		{name: "Jaeger anonymizer span array", file: "jaeger-anonymized.json", format: trace.JaegerJSON,
			traces: []want{{tid2, 3}}},
		{name: "Jaeger NDJSON of trace objects", file: "jaeger.ndjson", format: trace.JaegerJSON,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "Zipkin span array with shared spans", file: "zipkin.json", format: trace.ZipkinJSON,
			traces: []want{{tid1, 9}}},
		{name: "Zipkin array of traces", file: "zipkin-traces.json", format: trace.ZipkinJSON,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "Zipkin NDJSON", file: "zipkin.ndjson", format: trace.ZipkinJSON,
			traces: []want{{tid1, 8}, {tid2, 3}}},
		{name: "simulator output", file: "sim-provisioning.jsonl", format: trace.OTLPJSON,
			reason: "checked in TestSimRoundTrip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readFile(t, tc.file)
			if res.format != tc.format {
				t.Errorf("format = %v, want %v", res.format, tc.format)
			}
			if tc.traces == nil {
				return
			}
			var got []want
			for _, tr := range res.traces {
				got = append(got, want{tr.ID.String(), len(tr.Spans)})
				for _, s := range tr.Spans {
					if s.TraceID != tr.ID {
						t.Errorf("span %v in trace %v has trace id %v", s.SpanID, tr.ID, s.TraceID)
					}
				}
			}
			if diff := cmp.Diff(tc.traces, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("traces mismatch (-want +got):\n%s", diff)
			}
			if m := res.reader.Malformed(); m != int64(tc.malformed) {
				t.Errorf("malformed = %d, want %d: %v", m, tc.malformed, res.problems)
			}
		})
	}
}

// skeleton describes a trace without ids, so that every format's version
// of it compares: per span its service, kind, name, times, status and its
// parent's service and name.
func skeleton(tr *trace.Trace) []string {
	byID := map[trace.SpanID]*trace.Span{}
	for i := range tr.Spans {
		byID[tr.Spans[i].SpanID] = &tr.Spans[i]
	}
	var out []string
	for _, s := range tr.Spans {
		parent := "-"
		if p, ok := byID[s.ParentID]; ok {
			parent = strings.ToLower(p.Service + "/" + p.Name)
		} else if !s.ParentID.IsZero() {
			parent = "missing " + s.ParentID.String()
		}
		out = append(out, fmt.Sprintf("%s %s %q +%dms %dms %s parent=%s",
			strings.ToLower(s.Service), s.Kind, strings.ToLower(s.Name), (s.Start-t0)/ms, (s.End-s.Start)/ms, s.Status, parent))
	}
	slices.Sort(out)
	return out
}

// TestFormatsAgree reads the same two traces from every format and
// variant and compares what the later steps use.
func TestFormatsAgree(t *testing.T) {
	want := readFile(t, "otlp.json")
	for _, file := range []string{
		"otlp-tempo-batches.json", "otlp-snake-case.json", "otlp.ndjson", "otlp.ndjson.gz", "otlp.pb",
		"jaeger-envelope.json", "jaeger-trace.json", "jaeger-anonymized.json", "jaeger.ndjson",
		"zipkin-traces.json", "zipkin.ndjson",
	} {
		t.Run(file, func(t *testing.T) {
			got := readFile(t, file)
			for _, tr := range got.traces {
				i := slices.IndexFunc(want.traces, func(w *trace.Trace) bool { return w.ID == tr.ID })
				if i < 0 {
					t.Fatalf("unexpected trace %v", tr.ID)
				}
				if diff := cmp.Diff(skeleton(want.traces[i]), skeleton(tr)); diff != "" {
					t.Errorf("trace %v mismatch (-otlp.json +%s):\n%s", tr.ID, file, diff)
				}
			}
		})
	}
}

func spanByName(t *testing.T, tr *trace.Trace, service, name string) *trace.Span {
	t.Helper()
	for i := range tr.Spans {
		s := &tr.Spans[i]
		if strings.EqualFold(s.Service, service) && strings.EqualFold(s.Name, name) {
			return s
		}
	}
	t.Fatalf("trace %v: no span %s %q", tr.ID, service, name)
	return nil
}

func mustID[T trace.TraceID | trace.SpanID](t *testing.T, s string) T {
	t.Helper()
	var id T
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	switch p := any(&id).(type) {
	case *trace.TraceID:
		copy(p[:], b)
	case *trace.SpanID:
		copy(p[:], b)
	}
	return id
}

func TestOTLPSpan(t *testing.T) {
	res := readFile(t, "otlp.json")
	got := spanByName(t, res.traces[0], "idp", "POST /directories")
	resource := []trace.Attr{{"service.name", "idp"}, {"service.namespace", "provisioning"}, {"deployment.environment.name", "staging"}}
	want := trace.Span{
		TraceID:  mustID[trace.TraceID](t, tid1),
		SpanID:   mustID[trace.SpanID](t, "c2c2c2c2c2c2c2c2"),
		ParentID: mustID[trace.SpanID](t, "c1c1c1c1c1c1c1c1"),
		Name:     "POST /directories",
		Service:  "idp",
		Kind:     trace.Server,
		Start:    t0 + 170*ms,
		End:      t0 + 390*ms,
		Attrs:    []trace.Attr{{"http.request.method", "POST"}, {"http.route", "/directories"}},
		Resource: resource,
		Scope:    "io.opentelemetry.http",
		Flags:    0x301,
	}
	if diff := cmp.Diff(want, *got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("span mismatch (-want +got):\n%s", diff)
	}

	failed := spanByName(t, res.traces[1], "billing", "POST /subscriptions")
	if failed.Status != trace.Error || failed.StatusMessage != "payment declined" {
		t.Errorf("status = %v %q, want error \"payment declined\"", failed.Status, failed.StatusMessage)
	}
	if v, _ := failed.Attr("http.response.status_code"); v != "402" {
		t.Errorf("http.response.status_code = %q, want 402 (intValue as text)", v)
	}
	wantLinks := []trace.Link{{
		TraceID: mustID[trace.TraceID](t, tid1), SpanID: mustID[trace.SpanID](t, "b2b2b2b2b2b2b2b2"),
		FollowsFrom: true, Attrs: []trace.Attr{{"opentracing.ref_type", "follows_from"}},
	}}
	if diff := cmp.Diff(wantLinks, failed.Links); diff != "" {
		t.Errorf("links mismatch (-want +got):\n%s", diff)
	}
	wantEvents := []trace.Event{{Name: "exception", Time: t0 + 2279*ms,
		Attrs: []trace.Attr{{"exception.type", "PaymentDeclined"}, {"exception.message", "payment declined"}}}}
	if diff := cmp.Diff(wantEvents, failed.Events); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	// The root, whose span id is written in upper case.
	root := spanByName(t, res.traces[0], "app", "POST /accounts")
	if root.SpanID.String() != "a1a1a1a1a1a1a1a1" || !root.ParentID.IsZero() {
		t.Errorf("root ids = %v parent %v", root.SpanID, root.ParentID)
	}
	email := spanByName(t, res.traces[0], "idp", "POST /v3/mail/send")
	if v, k := email.Peer(); v != "api.sendgrid.com" || k != "server.address" {
		t.Errorf("Peer() = %q, %q; want api.sendgrid.com from server.address", v, k)
	}
}

// TestProtoMatchesJSON: the protobuf fixture is otlp.json marshalled by
// pdata; reading it gives exactly the same traces.
func TestProtoMatchesJSON(t *testing.T) {
	fromJSON := readFile(t, "otlp.json")
	fromProto := readFile(t, "otlp.pb")
	if diff := cmp.Diff(fromJSON.traces, fromProto.traces, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("otlp.pb differs from otlp.json (-json +proto):\n%s", diff)
	}
}

func TestJaeger(t *testing.T) {
	res := readFile(t, "jaeger-envelope.json")
	tr := res.traces[0]
	root := spanByName(t, tr, "app", "POST /accounts")
	if root.Kind != trace.Server {
		t.Errorf("kind = %v, want server from the span.kind tag", root.Kind)
	}
	if _, ok := root.Attr("span.kind"); ok {
		t.Errorf("span.kind stays in Attrs")
	}
	if v, _ := root.Attr("account.id"); v != "9007199254740993" {
		t.Errorf("account.id = %q, want the int64 written as a string", v)
	}
	if v, _ := root.Attr("http.response.status_code"); v != "201" {
		t.Errorf("http.response.status_code = %q", v)
	}
	if diff := cmp.Diff([]trace.Attr{{"hostname", "app-7d9f8"}, {"ip", "10.0.0.11"}}, root.Resource); diff != "" {
		t.Errorf("process tags mismatch (-want +got):\n%s", diff)
	}
	if v, _ := root.Attr("otel.scope.name"); v != "io.opentelemetry.http" {
		t.Errorf("otel.scope.name = %q", v)
	}

	email := spanByName(t, tr, "idp", "POST /v3/mail/send")
	if !email.FollowsFrom || email.ParentID.String() != "d2d2d2d2d2d2d2d2" {
		t.Errorf("FOLLOWS_FROM parent: FollowsFrom=%v parent %v", email.FollowsFrom, email.ParentID)
	}

	// Two CHILD_OF and one FOLLOWS_FROM reference, plus a CHILD_OF into
	// another trace: the parent is the first same-trace CHILD_OF.
	billing := spanByName(t, tr, "billing", "POST /subscriptions")
	if billing.ParentID.String() != "b1b1b1b1b1b1b1b1" || billing.FollowsFrom {
		t.Errorf("parent = %v (follows from %v), want b1b1b1b1b1b1b1b1", billing.ParentID, billing.FollowsFrom)
	}
	wantLinks := []trace.Link{
		{TraceID: mustID[trace.TraceID](t, tid1), SpanID: mustID[trace.SpanID](t, "a1a1a1a1a1a1a1a1"), FollowsFrom: true},
		{TraceID: mustID[trace.TraceID](t, tid2), SpanID: mustID[trace.SpanID](t, "0a0a0a0a0a0a0a02")},
		{TraceID: mustID[trace.TraceID](t, tid1), SpanID: mustID[trace.SpanID](t, "c1c1c1c1c1c1c1c1")},
	}
	if diff := cmp.Diff(wantLinks, billing.Links); diff != "" {
		t.Errorf("links mismatch (-want +got):\n%s", diff)
	}

	failed := spanByName(t, res.traces[1], "billing", "POST /subscriptions")
	if failed.Status != trace.Error || failed.StatusMessage != "payment declined" {
		t.Errorf("status = %v %q", failed.Status, failed.StatusMessage)
	}
	if len(failed.Events) != 1 || failed.Events[0].Name != "exception" {
		t.Errorf("logs as events = %+v", failed.Events)
	}

	// The anonymizer writes the error tag as the string "true" with type bool.
	anon := readFile(t, "jaeger-anonymized.json")
	if s := spanByName(t, anon.traces[0], "billing", "POST /subscriptions"); s.Status != trace.Error {
		t.Errorf("error tag \"true\": status = %v", s.Status)
	}
}

func TestZipkinShared(t *testing.T) {
	res := readFile(t, "zipkin.json")
	tr := res.traces[0]
	client := spanByName(t, tr, "app", "post /subscriptions")
	server := spanByName(t, tr, "billing", "post /subscriptions")
	if !server.Shared || server.ParentID != client.SpanID || server.SpanID == client.SpanID {
		t.Errorf("shared server half: shared=%v id %v parent %v; client id %v", server.Shared, server.SpanID, server.ParentID, client.SpanID)
	}
	if client.Remote.Service != "billing" || client.Remote.Port != 443 {
		t.Errorf("client remote endpoint = %+v", client.Remote)
	}
	if v, k := client.Peer(); v != "billing" || k != "remoteEndpoint" {
		t.Errorf("Peer() = %q, %q", v, k)
	}
	// The local span under the shared id, reported by "Billing": moved
	// under the server half (service names compare ignoring case).
	local := spanByName(t, tr, "billing", "charge card")
	if local.ParentID != server.SpanID || local.Kind != trace.Unspecified {
		t.Errorf("local span: parent %v kind %v, want parent %v (server half), unspecified", local.ParentID, local.Kind, server.SpanID)
	}
	// No shared flag on IdP's half: backfilled from the duplicate id.
	dirClient := spanByName(t, tr, "app", "post /directories")
	dirServer := spanByName(t, tr, "idp", "post /directories")
	if !dirServer.Shared || dirServer.ParentID != dirClient.SpanID {
		t.Errorf("backfilled shared half: shared=%v parent %v, want %v", dirServer.Shared, dirServer.ParentID, dirClient.SpanID)
	}
	// The child of a shared server span (IdP calling the e-mail SaaS)
	// hangs under the server half.
	email := spanByName(t, tr, "idp", "post /v3/mail/send")
	invite := spanByName(t, tr, "idp", "post /invitations")
	if email.ParentID != invite.SpanID {
		t.Errorf("email parent %v, want the idp server half %v", email.ParentID, invite.SpanID)
	}
	if email.Remote.Service != "sendgrid" {
		t.Errorf("email remote = %+v", email.Remote)
	}

	traces := readFile(t, "zipkin-traces.json")
	failed := spanByName(t, traces.traces[1], "billing", "post /subscriptions")
	if failed.Status != trace.Error || failed.StatusMessage != "" {
		t.Errorf("error tag \"\": status %v %q, want error with an empty message", failed.Status, failed.StatusMessage)
	}
	if _, ok := failed.Attr("error"); ok {
		t.Errorf("error tag stays in Attrs")
	}
	if got := traces.traces[1].ID.String(); got != tid2 {
		t.Errorf("16-hex trace id read as %s, want %s", got, tid2)
	}
}

func TestMalformed(t *testing.T) {
	res := readFile(t, "otlp-malformed.json")
	want := []report.Problem{
		{File: "otlp-malformed.json:138", TraceID: tid2, SpanID: "0a0a0a0a0a0a0a04", Reason: "end before start"},
		{File: "otlp-malformed.json:147", TraceID: tid2, SpanID: "zz0a0a0a0a0a0a05", Reason: `bad span id "zz0a0a0a0a0a0a05": want up to 16 hex digits or the base64 of 8 bytes`},
		{File: "otlp-malformed.json:155", SpanID: "0a0a0a0a0a0a0a06", Reason: "missing trace id"},
		{File: "otlp-malformed.json:162", TraceID: tid2, SpanID: "0a0a0a0a0a0a0a07", Reason: "missing start time"},
		{File: "otlp-malformed.json:169", TraceID: "00000000000000000000000000000000", SpanID: "0a0a0a0a0a0a0a08", Reason: `bad trace id "00000000000000000000000000000000": all zeros`},
		{File: "otlp-malformed.json:177", TraceID: tid2, SpanID: "0a0a0a0a0a0a0a09", Reason: "kind: want a string, got an object"},
	}
	if diff := cmp.Diff(want, res.problems); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if n := res.traces[0].Malformed; n != 4 {
		t.Errorf("trace %v: Malformed = %d, want 4 (the spans with a usable trace id)", res.traces[0].ID, n)
	}
	var in report.Input
	res.reader.AddTo(&in)
	if in.Files != 1 || in.Traces != 1 || in.Spans != 3 || in.Malformed != 6 || len(in.Problems) != 6 {
		t.Errorf("AddTo: %+v", in)
	}
}

func TestUnknownFormat(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"empty", "", "empty input"},
		{"blank", " \n\t", "empty input"},
		{"text", "hello, traces", "neither JSON nor an OTLP protobuf message"},
		{"other JSON object", `{"kind":"List","items":[]}`, "an object without resourceSpans"},
		{"array of numbers", `[1,2,3]`, "an array of a number"},
		{"JSON string", `"resourceSpans"`, "not an object or an array"},
		{"binary", "\x08\x96\x01\x00\x00", "neither JSON nor an OTLP protobuf message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trace.NewReader(strings.NewReader(tc.in), "in.json")
			if !errors.Is(err, trace.ErrUnknownFormat) {
				t.Fatalf("err = %v, want ErrUnknownFormat", err)
			}
			if !strings.HasPrefix(err.Error(), "in.json: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want in.json: … %s", err, tc.msg)
			}
		})
	}
}

// TestWindow: NDJSON lines are units. A trace whose spans come in two
// lines further apart than the window loses the later spans (counted as
// malformed, with a reason naming the option); a wide enough window
// joins them.
func TestWindow(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dir, "otlp.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(b)), "\n")
	// tid1, tid2, tid1 again: the third line repeats the first trace with
	// a new span id.
	again := strings.ReplaceAll(lines[0], "a1a1a1a1a1a1a1a1", "a1a1a1a1a1a1a1a0")
	in := lines[0] + lines[1] + "\n" + again
	tests := []struct {
		name      string
		opts      []trace.Option
		spans     []int
		malformed int64
	}{
		{"default: each line completes its traces", nil, []int{8, 3}, 8},
		{"window 1: one line between is one too many", []trace.Option{trace.Window(1)}, []int{8, 3}, 8},
		{"window 2 joins lines two apart", []trace.Option{trace.Window(2)}, []int{16, 3}, 0},
		{"end of input", []trace.Option{trace.Window(-1)}, []int{16, 3}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, strings.NewReader(in), "split.ndjson", tc.opts...)
			var spans []int
			for _, tr := range res.traces {
				spans = append(spans, len(tr.Spans))
			}
			if diff := cmp.Diff(tc.spans, spans); diff != "" {
				t.Errorf("spans per trace (-want +got):\n%s", diff)
			}
			if m := res.reader.Malformed(); m != tc.malformed {
				t.Errorf("malformed = %d, want %d", m, tc.malformed)
			}
			if tc.malformed > 0 && !strings.Contains(res.problems[0].Reason, "trace.Window") {
				t.Errorf("reason = %q, want a hint at trace.Window", res.problems[0].Reason)
			}
		})
	}
}

// TestStreaming: with NDJSON on a pipe, the first trace comes back
// before the second line is written.
func TestStreaming(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dir, "otlp.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(b)), "\n")
	pr, pw := io.Pipe()
	go func() { io.WriteString(pw, lines[0]) }()
	r, err := trace.NewReader(pr, "-")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.Next()
	if err != nil || tr.ID.String() != tid1 {
		t.Fatalf("first trace: %v, %v", tr, err)
	}
	go func() {
		io.WriteString(pw, lines[1])
		pw.Close()
	}()
	if tr, err = r.Next(); err != nil || tr.ID.String() != tid2 {
		t.Fatalf("second trace: %v, %v", tr, err)
	}
	if _, err = r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// TestSimRoundTrip reads the simulator's own export, made once with
//
//	go run ./cmd/choreo sim testdata/provisioning.mmd --profile testdata/provisioning.yaml -n 50 --traces trace/testdata/traces/sim-provisioning.jsonl
//
// 50 runs, one line (and one trace) each; every message of a run is a
// CLIENT (or PRODUCER) span plus a SERVER (or CONSUMER) span.
func TestSimRoundTrip(t *testing.T) {
	res := readFile(t, "sim-provisioning.jsonl")
	if len(res.traces) != 50 {
		t.Fatalf("%d traces, want 50", len(res.traces))
	}
	if m := res.reader.Malformed(); m != 0 {
		t.Fatalf("malformed = %d: %v", m, res.problems)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	seen := map[trace.TraceID]bool{}
	for i, tr := range res.traces {
		if seen[tr.ID] {
			t.Errorf("trace %v twice", tr.ID)
		}
		seen[tr.ID] = true
		line := strings.Split(string(b), "\n")[i]
		if n := strings.Count(line, `"spanId"`); n != len(tr.Spans) {
			t.Errorf("run %d: %d spans, the line has %d", i, len(tr.Spans), n)
		}
		total += len(tr.Spans)
		senders, receivers := 0, 0
		for _, s := range tr.Spans {
			switch s.Kind {
			case trace.Client, trace.Producer:
				senders++
			case trace.Server, trace.Consumer:
				receivers++
			default:
				t.Errorf("run %d: span %q has kind %v", i, s.Name, s.Kind)
			}
			if run, _ := s.Attr("choreo.run"); run != fmt.Sprint(i) {
				t.Errorf("run %d: span %q has choreo.run %q", i, s.Name, run)
			}
		}
		if receivers > senders {
			t.Errorf("run %d: %d receiving spans for %d sending", i, receivers, senders)
		}
		root := tr.Spans[0]
		if root.Service != "Admin" || root.Name != "Create new account" || !root.ParentID.IsZero() {
			t.Errorf("run %d: first span %s %q parent %v", i, root.Service, root.Name, root.ParentID)
		}
	}
	if want := strings.Count(string(b), `"spanId"`); total != want {
		t.Errorf("%d spans, the file has %d", total, want)
	}
}
