package trace_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/choreo-dev/choreo/trace"

	"github.com/choreo-dev/choreo/internal/golden"
)

// pdataSpans decodes OTLP/JSON (a document or NDJSON) with the
// collector's own unmarshaler: the oracle.
func pdataSpans(t *testing.T, b []byte) []ptrace.Span {
	t.Helper()
	var out []ptrace.Span
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<26)
	docs := [][]byte{b}
	if bytes.Count(bytes.TrimSpace(b), []byte("\n")) > 0 && bytes.HasPrefix(b, []byte(`{"`)) {
		docs = nil
		for sc.Scan() {
			docs = append(docs, bytes.Clone(sc.Bytes()))
		}
	}
	for _, doc := range docs {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(doc)
		if err != nil {
			t.Fatalf("pdata: %v", err)
		}
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					out = append(out, ss.Spans().At(k))
				}
			}
		}
	}
	return out
}

// TestAgainstPdata cross-checks the OTLP/JSON reader against
// ptrace.JSONUnmarshaler on the same files: span count, ids, parent,
// name, kind, times, status and attribute count.
func TestAgainstPdata(t *testing.T) {
	for _, file := range []string{"otlp.json", "otlp.ndjson", "sim-provisioning.jsonl"} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			want := pdataSpans(t, b)
			res := readFile(t, file)
			got := map[[2]string]trace.Span{}
			n := 0
			for _, tr := range res.traces {
				for _, s := range tr.Spans {
					got[[2]string{s.TraceID.String(), s.SpanID.String()}] = s
					n++
				}
			}
			if n != len(want) {
				t.Errorf("%d spans, pdata %d", n, len(want))
			}
			for _, w := range want {
				key := [2]string{w.TraceID().String(), w.SpanID().String()}
				s, ok := got[key]
				if !ok {
					t.Errorf("span %v missing", key)
					continue
				}
				parent := ""
				if !s.ParentID.IsZero() {
					parent = s.ParentID.String()
				}
				if parent != w.ParentSpanID().String() && !(parent == "" && w.ParentSpanID().IsEmpty()) {
					t.Errorf("span %v: parent %q, pdata %q", key, parent, w.ParentSpanID())
				}
				if s.Name != w.Name() || int(s.Kind) != int(w.Kind()) || int(s.Status) != int(w.Status().Code()) || s.StatusMessage != w.Status().Message() {
					t.Errorf("span %v: %q %v %v %q, pdata %q %v %v %q", key, s.Name, s.Kind, s.Status, s.StatusMessage, w.Name(), w.Kind(), w.Status().Code(), w.Status().Message())
				}
				if s.Start != int64(w.StartTimestamp()) || s.End != int64(w.EndTimestamp()) {
					t.Errorf("span %v: times %d..%d, pdata %d..%d", key, s.Start, s.End, w.StartTimestamp(), w.EndTimestamp())
				}
				if len(s.Attrs) != w.Attributes().Len() || len(s.Events) != w.Events().Len() || len(s.Links) != w.Links().Len() {
					t.Errorf("span %v: %d attrs %d events %d links, pdata %d %d %d", key, len(s.Attrs), len(s.Events), len(s.Links),
						w.Attributes().Len(), w.Events().Len(), w.Links().Len())
				}
				for k, v := range w.Attributes().All() {
					if g, _ := s.Attr(k); g != v.AsString() {
						t.Errorf("span %v: attribute %s = %q, pdata %q", key, k, g, v.AsString())
					}
				}
			}
		})
	}
}

// TestWriteProtoFixture writes testdata/traces/otlp.pb, otlp.json
// marshalled by pdata, when run with -update.
func TestWriteProtoFixture(t *testing.T) {
	if !golden.Updating() {
		t.Skip("run with -update to rewrite otlp.pb")
	}
	b, err := os.ReadFile(filepath.Join(dir, "otlp.json"))
	if err != nil {
		t.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "otlp.pb"), pb, 0o644); err != nil {
		t.Fatal(err)
	}
}
