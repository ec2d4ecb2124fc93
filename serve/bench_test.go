package serve

import (
	"bytes"
	"io"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/trace"
)

// BenchmarkServe sends the fixture's traces (400 simulated runs of the
// seed, in export requests of 8 resource spans, OTLP protobuf) to a
// server over loopback HTTP from 4 senders, then checks them all
// (Stop): what a run of `choreo serve` does with them. It reports
// spans/s; BenchmarkCheckFile is the baseline: `choreo check` of the same
// traces from one OTLP/JSON lines file.
func BenchmarkServe(b *testing.B) {
	f := provisioning(b)
	var bodies [][]byte
	spans := 0
	for _, td := range batches(f.traces(b), 8) {
		bodies = append(bodies, protoBody(b, td))
		spans += td.SpanCount()
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		s, err := New(f.config())
		if err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewServer(s.Handler())
		var wg sync.WaitGroup
		const senders = 4
		for w := range senders {
			wg.Go(func() {
				for i := w; i < len(bodies); i += senders {
					if code, _, resp := post(b, hs.URL, ctProto, bodies[i]); code != 200 {
						b.Errorf("status %d: %s", code, resp)
					}
				}
			})
		}
		wg.Wait()
		s.Stop()
		hs.Close()
	}
	b.ReportMetric(float64(spans*b.N)/time.Since(start).Seconds(), "spans/s")
}

// BenchmarkCheckFile is `choreo check` of the fixture's traces, one
// OTLP/JSON lines file read with trace.NewReader: the baseline of
// BenchmarkServe.
func BenchmarkCheckFile(b *testing.B) {
	f := provisioning(b)
	file := bytes.Join(f.lines, []byte("\n"))
	spans := 0
	for _, td := range f.traces(b) {
		spans += td.SpanCount()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	start := time.Now()
	for b.Loop() {
		c := trace.NewChecker(f.d, nil, trace.NewAligner(f.d))
		c.SLO = f.slo
		rd, err := trace.NewReader(bytes.NewReader(file), "traces.jsonl")
		if err != nil {
			b.Fatal(err)
		}
		for {
			t, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			c.Add(t)
		}
		c.Result()
	}
	b.ReportMetric(float64(spans*b.N)/time.Since(start).Seconds(), "spans/s")
}
