package sim

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

// benchSeedProfile: the seed flow with log-normal latencies, a fault with
// retries and a compensation, as a realistic profile would have.
func benchSeedProfile(b *testing.B) (*Profile, int) {
	d := mustParse(&testing.T{}, seed)
	p := testProfile(d, logNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond))
	p.Messages[1].Faults = []Fault{{Rate: 0.02, Kind: report.FaultError}}
	p.Messages[1].Retry = Retry{Attempts: 3, Backoff: 100 * time.Millisecond, Multiplier: 2, Jitter: JitterFull}
	p.Messages[3].Timeout = 2 * time.Second
	return p, len(d.Messages())
}

// BenchmarkSimulateSeed measures simulated runs of the seed diagram per
// second on one worker (one core), and messages (events) per second.
func BenchmarkSimulateSeed(b *testing.B) {
	d := mustParse(&testing.T{}, seed)
	p, _ := benchSeedProfile(b)
	b.ReportAllocs()
	b.ResetTimer()
	res, err := Simulate(context.Background(), d, p, Options{Runs: int64(b.N), Seed: 1, Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	for _, m := range res.Messages {
		events += m.Latency.Count
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSimulateSeedParallel is the same on every core.
func BenchmarkSimulateSeedParallel(b *testing.B) {
	d := mustParse(&testing.T{}, seed)
	p, _ := benchSeedProfile(b)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := Simulate(context.Background(), d, p, Options{Runs: int64(b.N), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkBaselineSampleAndRecord is the floor a run cannot go below: per
// run, draw the 11 latencies of the seed and record them, their sum and
// three run times in histograms, with nothing else.
func BenchmarkBaselineSampleAndRecord(b *testing.B) {
	p, n := benchSeedProfile(b)
	hs := make([]*report.Histogram, n+3)
	for i := range hs {
		hs[i] = report.NewHistogram()
	}
	pcg := rand.NewPCG(1, 0)
	r := rand.New(pcg)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pcg.Seed(1, uint64(i))
		var t time.Duration
		for k := 0; k < n; k++ {
			l := p.Messages[k].Latency.Sample(r)
			hs[k].Record(l)
			t += l
		}
		hs[n].Record(t)
		hs[n+1].Record(t)
		hs[n+2].Record(t)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkSimulateFourMessages is the flow of bench/simpy_flow.py, for
// the side-by-side with SimPy in BENCHMARKS.md.
func BenchmarkSimulateFourMessages(b *testing.B) {
	d := mustParse(&testing.T{}, "sequenceDiagram\nA->>B: call\nB->>C: query\nC-->>B: rows\nB-->>A: done\n")
	p := testProfile(d, logNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond))
	b.ResetTimer()
	if _, err := Simulate(context.Background(), d, p, Options{Runs: int64(b.N), Seed: 1, Workers: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// Real time: the cost of one run of a one-exchange flow against a local
// HTTP server (choreo's adapter, trace context, fault draw, accounting),
// beside the baseline of the same POST made with a bare http.Client.
func BenchmarkRealOneCall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	d, err := parser.Parse("b.mmd", []byte("sequenceDiagram\nA->>B: work\nB-->>A: ok\n"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := LoadProfile("p.yaml", []byte("defaults: {latency: 0ms}\nparticipants:\n  B: {adapter: http, url: \""+srv.URL+"\"}\n"), d, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := RunReal(context.Background(), d, p, RealOptions{Runs: int64(b.N), Seed: 1, IDSeed: 1})
	if err != nil || res.Outcomes.OK != int64(b.N) {
		b.Fatalf("%v %+v", err, res.Outcomes)
	}
}

func BenchmarkBaselineHTTPPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	body := []byte(`{"run":0,"n":1,"from":"A","to":"B","text":"work"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/work", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
