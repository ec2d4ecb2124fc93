package serve

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/choreo-dev/choreo/internal/testdiagram"
)

// FuzzReceive posts any payload as OTLP protobuf and JSON, gzipped or
// not: the server never panics, answers 200, 400 or 413, and every span
// it accepts is checked.
func FuzzReceive(f *testing.F) {
	d, _ := testdiagram.Read(f, "../testdata/provisioning.mmd")
	lines := bytes.Split(mustRead(f, "../trace/testdata/traces/sim-provisioning.jsonl"), []byte("\n"))
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(lines[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(protoBody(f, td), false, false)
	f.Add(lines[1], true, false)
	f.Add(gzipped(lines[2]), true, true)
	for _, name := range []string{"otlp.pb", "otlp.json", "otlp-malformed.json", "otlp-snake-case.json"} {
		if b, err := os.ReadFile("../trace/testdata/traces/" + name); err == nil {
			f.Add(b, name != "otlp.pb", false)
		}
	}
	f.Add([]byte("\x0a\x05\x0a\x03\x0a\x01"), false, false)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`), true, false)
	clk := &clock{t: time.Unix(1e9, 0)}
	s, err := New(Config{Diagram: d, MaxBody: 1 << 20, now: clk.now})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte, asJSON, gz bool) {
		req := httptest.NewRequest(http.MethodPost, "/v1/traces", bytes.NewReader(body))
		req.Header.Set("Content-Type", map[bool]string{true: ctJSON, false: ctProto}[asJSON])
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if w.Code == 400 && w.Body.Len() == 0 {
			t.Fatal("400 without a reason")
		}
		// what was accepted is checked now
		clk.add(time.Hour)
		s.Sweep()
		if n, _ := s.InFlight(); n != 0 {
			t.Fatalf("%d traces in flight after the sweep", n)
		}
	})
}
