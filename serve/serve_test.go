package serve

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/choreo-dev/choreo/report"
)

// start returns a server for cfg behind an httptest server.
func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, hs.URL
}

// TestProtoAndJSONGiveCheck: the traces sent as protobuf, as JSON and as
// gzipped JSON, in batches that split every trace over several requests,
// give the result that `choreo check` of the same traces gives.
func TestProtoAndJSONGiveCheck(t *testing.T) {
	f := provisioning(t)
	want := comparable(t, f.check(t))
	bs := batches(f.traces(t), 7)
	for _, tc := range []struct {
		name string
		ct   string
		body func(ptrace.Traces) []byte
		gz   bool
	}{
		{"protobuf", ctProto, func(td ptrace.Traces) []byte { return protoBody(t, td) }, false},
		{"json", ctJSON, func(td ptrace.Traces) []byte { return jsonBody(t, td) }, false},
		{"json+gzip", ctJSON, func(td ptrace.Traces) []byte { return jsonBody(t, td) }, true},
		{"protobuf+gzip", ctProto, func(td ptrace.Traces) []byte { return protoBody(t, td) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := start(t, f.config())
			for _, td := range bs {
				body, hdr := tc.body(td), []string{}
				if tc.gz {
					body, hdr = gzipped(body), []string{"Content-Encoding", "gzip"}
				}
				code, h, resp := post(t, url, tc.ct, body, hdr...)
				if code != 200 || h.Get("Content-Type") != tc.ct {
					t.Fatalf("status %d, %s: %s", code, h.Get("Content-Type"), resp)
				}
				if tc.ct == ctJSON && string(resp) != "{}" {
					t.Fatalf("full success answered %s", resp)
				}
				if tc.ct == ctProto && len(resp) != 0 {
					t.Fatalf("full success answered %x", resp)
				}
			}
			if n, _ := s.InFlight(); n != len(f.lines) {
				t.Errorf("%d traces in flight, want %d", n, len(f.lines))
			}
			s.Stop()
			got, err := s.Result()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, comparable(t, got)); d != "" {
				t.Errorf("serve differs from check (-check +serve):\n%s", d)
			}
			// /result is the same result, in JSON that merge and report read
			var back report.Result
			if err := json.Unmarshal(get(t, url+"/result"), &back); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, comparable(t, &back)); d != "" {
				t.Errorf("/result differs from check (-check +serve):\n%s", d)
			}
		})
	}
}

// TestShardsMergeToCheck: three servers, each sent the traces whose id
// hashes to it (as the Collector's loadbalancing exporter routes by
// traceID), merged with report.Merge, give one check of all the traces.
func TestShardsMergeToCheck(t *testing.T) {
	t.Run("conforming", func(t *testing.T) { shardsMergeToCheck(t, provisioning(t)) })
	t.Run("deviating", func(t *testing.T) { shardsMergeToCheck(t, provisioning(t).variant(t)) })
}

func shardsMergeToCheck(t *testing.T, f fixture) {
	check := f.check(t)
	if f.src != nil && strings.Contains(string(f.src), "Send invitation") && len(check.Conformance.Deviations) < 2 {
		t.Fatalf("the variant shows %d deviations", len(check.Conformance.Deviations))
	}
	want := comparable(t, check)
	const n = 3
	shards := make([][]ptrace.Traces, n)
	for _, td := range f.traces(t) {
		id := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID()
		h := fnv.New32a()
		h.Write(id[:])
		i := h.Sum32() % n
		shards[i] = append(shards[i], td)
	}
	var results []*report.Result
	for i := range n {
		s, url := start(t, f.config())
		for _, td := range batches(shards[i], 5) {
			if code, _, resp := post(t, url, ctProto, protoBody(t, td)); code != 200 {
				t.Fatalf("status %d: %s", code, resp)
			}
		}
		s.Stop()
		var r report.Result
		if err := json.Unmarshal(get(t, url+"/result"), &r); err != nil {
			t.Fatal(err)
		}
		if r.Runs == 0 || r.Runs == int64(len(f.lines)) {
			t.Fatalf("shard %d has %d of %d traces: not a split", i, r.Runs, len(f.lines))
		}
		results = append(results, &r)
	}
	merged, err := report.Merge(results...)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, comparable(t, merged)); d != "" {
		t.Errorf("merged shards differ from one check (-check +merged):\n%s", d)
	}
}

// TestIdleEvictLate: a trace is checked once idle for TraceIdle; beyond
// MaxTraces the least recently updated one is checked at once; a span
// for a trace already checked is dropped, counted, and reported as
// rejected.
func TestIdleEvictLate(t *testing.T) {
	f := provisioning(t)
	clk := &clock{t: time.Unix(1e9, 0)}
	cfg := f.config()
	cfg.TraceIdle, cfg.MaxTraces, cfg.now = 10*time.Second, 2, clk.now
	s, url := start(t, cfg)
	ts := f.traces(t)
	send := func(td ptrace.Traces) []byte {
		code, _, resp := post(t, url, ctJSON, jsonBody(t, td))
		if code != 200 {
			t.Fatalf("status %d: %s", code, resp)
		}
		return resp
	}
	send(ts[0])
	clk.add(6 * time.Second)
	send(ts[1])
	clk.add(5 * time.Second)
	s.Sweep() // ts[0] idle for 11s, ts[1] for 5s
	if n, _ := s.InFlight(); n != 1 {
		t.Fatalf("%d traces in flight after the sweep, want 1", n)
	}
	send(ts[2])
	send(ts[3]) // a third trace in flight: ts[1] is evicted
	if n, _ := s.InFlight(); n != 2 {
		t.Fatalf("%d traces in flight, want 2", n)
	}
	resp := send(ts[0]) // late
	var ans struct {
		PartialSuccess struct {
			RejectedSpans string `json:"rejectedSpans"`
			ErrorMessage  string `json:"errorMessage"`
		} `json:"partialSuccess"`
	}
	if err := json.Unmarshal(resp, &ans); err != nil {
		t.Fatal(err)
	}
	if ans.PartialSuccess.RejectedSpans != itoa(ts[0].SpanCount()) || !strings.Contains(ans.PartialSuccess.ErrorMessage, "after their trace was checked") {
		t.Errorf("late spans answered %s", resp)
	}
	s.Stop()
	res, _ := s.Result()
	if res.Runs != 4 {
		t.Errorf("%d traces checked, want 4", res.Runs)
	}
	m := string(get(t, url+"/metrics"))
	for _, line := range []string{
		`choreo_serve_traces_completed_total{reason="idle"} 1`,
		`choreo_serve_traces_completed_total{reason="evicted"} 1`,
		`choreo_serve_traces_completed_total{reason="shutdown"} 2`,
		`choreo_serve_spans_dropped_total{reason="late"} ` + itoa(ts[0].SpanCount()),
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRejections: each payload that is not accepted gets its status, the
// reason in a google.rpc.Status of the request's encoding, and a count.
func TestRejections(t *testing.T) {
	f := provisioning(t)
	td := f.traces(t)[0]
	cfg := f.config()
	cfg.MaxBody = 64 << 10
	cfg.Token = "s3cret"
	_, url := start(t, cfg)
	auth := []string{"Authorization", "Bearer s3cret"}
	big := bytes.Repeat([]byte{' '}, 1<<20)
	for _, tc := range []struct {
		name   string
		ct     string
		body   []byte
		hdr    []string
		status int
		reason string // in the answer's message
	}{
		{"no token", ctProto, protoBody(t, td), nil, 401, "bearer token"},
		{"wrong token", ctProto, protoBody(t, td), []string{"Authorization", "Bearer nope"}, 401, "bearer token"},
		{"garbage protobuf", ctProto, []byte("\x0a\xff\xff\xff\xff\x0fhello"), auth, 400, ""},
		{"not protobuf", ctProto, []byte("hello, world"), auth, 400, "not OTLP"},
		{"broken JSON", ctJSON, []byte(`{"resourceSpans": [{"scopeSpans": [`), auth, 400, ""},
		{"Jaeger as OTLP", ctJSON, []byte(`{"data": [{"traceID": "1", "spans": [], "processes": {}}]}`), auth, 400, "jaeger"},
		{"JSON sent as protobuf", ctProto, jsonBody(t, td), auth, 400, "content type"},
		{"text/plain", "text/plain", protoBody(t, td), auth, 415, "content type"},
		{"deflate", ctProto, protoBody(t, td), append([]string{"Content-Encoding", "deflate"}, auth...), 415, "gzip"},
		{"bad gzip", ctProto, []byte("\x1f\x8b\x08garbage"), append([]string{"Content-Encoding", "gzip"}, auth...), 400, "gzip"},
		{"too large", ctJSON, big, auth, 413, "at most"},
		{"gzip bomb", ctJSON, gzipped(big), append([]string{"Content-Encoding", "gzip"}, auth...), 413, "over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, resp := post(t, url, tc.ct, tc.body, tc.hdr...)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %q", code, tc.status, resp)
			}
			msg := statusMessage(t, h.Get("Content-Type"), resp)
			if msg == "" || !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.reason)) {
				t.Errorf("message %q does not say %q", msg, tc.reason)
			}
		})
	}
	m := string(get(t, url+"/metrics"))
	for _, line := range []string{
		`choreo_serve_requests_rejected_total{reason="unauthorized"} 2`,
		`choreo_serve_requests_rejected_total{reason="malformed"} 6`,
		`choreo_serve_requests_rejected_total{reason="too_large"} 2`,
		`choreo_serve_requests_rejected_total{reason="unsupported"} 2`,
		`choreo_serve_requests_total{code="400"} 6`,
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

// statusMessage reads the message of a google.rpc.Status answer.
func statusMessage(t *testing.T, ct string, b []byte) string {
	t.Helper()
	if ct == ctJSON {
		var st struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &st); err != nil || st.Code == 0 {
			t.Fatalf("not a JSON Status: %q", b)
		}
		return st.Message
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("not a protobuf Status: %q", b)
		}
		b = b[n:]
		if num == 2 && typ == protowire.BytesType {
			s, m := protowire.ConsumeString(b)
			if m < 0 {
				t.Fatalf("not a protobuf Status")
			}
			return s
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			t.Fatalf("not a protobuf Status")
		}
		b = b[m:]
	}
	return ""
}

// TestPartialSuccess: spans that cannot be used (a bad span id) are
// rejected in the answer's partial success, the rest accepted.
func TestPartialSuccess(t *testing.T) {
	f := provisioning(t)
	td := f.traces(t)[0]
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	spans.At(0).SetSpanID([8]byte{}) // invalid
	s, url := start(t, f.config())
	code, _, resp := post(t, url, ctProto, protoBody(t, td))
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	// ExportTraceServiceResponse{partial_success{rejected_spans: 1, error_message}}
	num, typ, n := protowire.ConsumeTag(resp)
	if num != 1 || typ != protowire.BytesType {
		t.Fatalf("no partial success in %x", resp)
	}
	ps, _ := protowire.ConsumeBytes(resp[n:])
	num, _, n = protowire.ConsumeTag(ps)
	v, _ := protowire.ConsumeVarint(ps[n:])
	if num != 1 || v != 1 {
		t.Errorf("rejected_spans %d (field %d), want 1", v, num)
	}
	if !bytes.Contains(ps, []byte("span")) {
		t.Errorf("no reason in %q", ps)
	}
	s.Stop()
	res, _ := s.Result()
	if res.Input.Malformed != 1 || res.Input.Spans != 0 && res.Input.Spans != int64(td.SpanCount()-1) {
		t.Errorf("input %+v", res.Input)
	}
	m := string(get(t, url+"/metrics"))
	if !strings.Contains(m, `choreo_serve_spans_dropped_total{reason="malformed"} 1`+"\n") {
		t.Errorf("the malformed span is not counted")
	}
}

// TestOverCapacityAndStopping: over MaxSpans a request is refused with
// 429 and Retry-After, nothing of it kept; once stopping, 503.
func TestOverCapacityAndStopping(t *testing.T) {
	f := provisioning(t)
	ts := f.traces(t)
	cfg := f.config()
	cfg.MaxSpans = ts[0].SpanCount() + 1
	s, url := start(t, cfg)
	if code, _, _ := post(t, url, ctProto, protoBody(t, ts[0])); code != 200 {
		t.Fatalf("status %d", code)
	}
	code, h, _ := post(t, url, ctProto, protoBody(t, ts[1]))
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("over capacity: status %d, Retry-After %q", code, h.Get("Retry-After"))
	}
	if n, spans := s.InFlight(); n != 1 || spans != ts[0].SpanCount() {
		t.Errorf("in flight: %d traces, %d spans", n, spans)
	}
	s.Stop()
	code, h, _ = post(t, url, ctProto, protoBody(t, ts[1]))
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("stopping: status %d, Retry-After %q", code, h.Get("Retry-After"))
	}
	resp, _ := http.Get(url + "/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz %d while stopping", resp.StatusCode)
	}
	m := string(get(t, url+"/metrics"))
	for _, line := range []string{
		`choreo_serve_spans_refused_total{reason="over_capacity"} ` + itoa(ts[1].SpanCount()),
		`choreo_serve_requests_total{code="429"} 1`,
		`choreo_serve_requests_total{code="503"} 1`,
		`choreo_serve_traces_completed_total{reason="shutdown"} 1`,
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

// TestEmptyRequests: an empty export request is a success.
func TestEmptyRequests(t *testing.T) {
	f := provisioning(t)
	_, url := start(t, f.config())
	for _, tc := range []struct{ ct, body string }{
		{ctProto, ""}, {ctJSON, "{}"}, {ctJSON, `{"resourceSpans": []}`}, {ctJSON, ""},
	} {
		if code, _, resp := post(t, url, tc.ct, []byte(tc.body)); code != 200 {
			t.Errorf("%s %q: status %d %s", tc.ct, tc.body, code, resp)
		}
	}
}

// TestMetrics: the checker's aggregate in the Prometheus text format.
func TestMetrics(t *testing.T) {
	f := provisioning(t)
	s, url := start(t, f.config())
	for _, td := range batches(f.traces(t), 10) {
		post(t, url, ctProto, protoBody(t, td))
	}
	s.Stop()
	res, _ := s.Result()
	m := string(get(t, url+"/metrics"))
	for _, want := range []string{
		`choreo_traces_total{outcome="ok"} ` + itoa(int(res.Outcomes.OK)),
		`choreo_traces_conforming_total ` + itoa(int(res.Conformance.Conforming)),
		`choreo_end_to_end_seconds_count ` + itoa(int(res.Runs)),
		`choreo_message_latency_seconds_bucket{message="Admin->>App: Create new account",n="1",le="+Inf"} `,
		`choreo_serve_spans_accepted_total `,
		`choreo_slo_ok{target=`,
		`choreo_slo_burn_ratio{target=`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestNativeHistograms: a scraper that negotiates protobuf gets native
// histograms whose buckets hold every value; the classic buckets agree.
func TestNativeHistograms(t *testing.T) {
	f := provisioning(t)
	s, url := start(t, f.config())
	for _, td := range batches(f.traces(t), 10) {
		post(t, url, ctProto, protoBody(t, td))
	}
	s.Stop()
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, mf := range mfs {
		if mf.GetName() != "choreo_end_to_end_seconds" && mf.GetName() != "choreo_message_latency_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			if h.GetSchema() != nativeSchema || len(h.GetPositiveSpan()) == 0 {
				t.Fatalf("%s: not native: %v", mf.GetName(), h)
			}
			total, v := int64(0), int64(0)
			for _, d := range h.GetPositiveDelta() {
				v += d
				total += v
			}
			total += int64(h.GetZeroCount())
			if uint64(total) != h.GetSampleCount() {
				t.Errorf("%s %v: native buckets hold %d of %d values", mf.GetName(), m.GetLabel(), total, h.GetSampleCount())
			}
			if b := h.GetBucket(); b[len(b)-1].GetCumulativeCount() > h.GetSampleCount() {
				t.Errorf("%s: classic buckets count more than the values", mf.GetName())
			}
			found++
		}
	}
	if found < 2 {
		t.Fatalf("%d histograms", found)
	}
}
