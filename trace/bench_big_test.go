package trace_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// The trace-check benchmarks (BENCHMARKS.md, "Trace check") run over
// files generated once per test process: the simulator's 50 seed-flow
// traces (sim-provisioning.jsonl, 700 spans) replicated with fresh trace
// ids until the file reaches the size asked for, written as OTLP/JSON
// NDJSON (one trace a line), a Jaeger query envelope ({"data":[trace,
// …]}) and a Zipkin v2 array of traces ([[span, …], …], as GET
// /api/v2/traces answers). Sizes come from CHOREO_BENCH_MB, a
// comma-separated list of megabytes; each size is a sub-benchmark. The
// default, 7, keeps a plain -bench run small and gives the OTLP file the
// input of "Trace readers" in BENCHMARKS.md (20 copies, 14,000 spans).
// Files go to a temporary
// directory removed when the process ends; no Test generates them.
//
// For each format:
//
//	BenchmarkFloor<F>/<n>MB/any     encoding/json decodes each unit (NDJSON line, data element, inner array) into an any
//	BenchmarkFloor<F>/<n>MB/tokens  jsontext reads every token of the file: the fastest bare read
//	BenchmarkRead<F>/<n>MB          trace.Reader returns every trace
//	BenchmarkCheck<F>/<n>MB         Checker.CheckInput on GOMAXPROCS workers + Result, as `choreo check` does
//
// Each reports spans/s and peak-heap-MB: the largest live heap seen,
// sampled every 64 units or traces, to show memory does not grow with the file.

type benchFormat struct {
	name  string
	write func(w *bufio.Writer, seeds []seedTrace, copies int) // whole file
}

type seedTrace struct {
	id    string // hex trace id, replaced per copy
	otlp  []byte // one NDJSON line
	jaegr []byte // one element of the Jaeger data array
	zipk  []byte // one inner array of Zipkin spans
	spans int
}

var benchFormats = []benchFormat{
	{"OTLPJSON", func(w *bufio.Writer, seeds []seedTrace, copies int) {
		forCopies(seeds, copies, func(_ bool, s *seedTrace, id string) {
			w.Write(replaceID(s.otlp, s.id, id))
		})
	}},
	{"JaegerJSON", func(w *bufio.Writer, seeds []seedTrace, copies int) {
		w.WriteString(`{"data":[`)
		forCopies(seeds, copies, func(first bool, s *seedTrace, id string) {
			if !first {
				w.WriteByte(',')
			}
			w.Write(replaceID(s.jaegr, s.id, id))
		})
		w.WriteString("]}\n")
	}},
	{"ZipkinJSON", func(w *bufio.Writer, seeds []seedTrace, copies int) {
		w.WriteByte('[')
		forCopies(seeds, copies, func(first bool, s *seedTrace, id string) {
			if !first {
				w.WriteByte(',')
			}
			w.Write(replaceID(s.zipk, s.id, id))
		})
		w.WriteString("]\n")
	}},
}

func forCopies(seeds []seedTrace, copies int, f func(first bool, s *seedTrace, id string)) {
	for c := range copies {
		for i := range seeds {
			s := &seeds[i]
			f(c == 0 && i == 0, s, fmt.Sprintf("%06x", c)+s.id[6:])
		}
	}
}

func replaceID(b []byte, old, new string) []byte {
	return bytes.ReplaceAll(b, []byte(old), []byte(new))
}

type bigFile struct {
	path   string
	size   int64
	traces int
	spans  int
}

var big struct {
	sync.Mutex
	dir   string
	seeds []seedTrace
	files map[string]bigFile
	diag  *flow.Diagram
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.dir != "" {
		os.RemoveAll(big.dir)
	}
	os.Exit(code)
}

// benchSizes are the file sizes in MB from CHOREO_BENCH_MB.
func benchSizes(b testing.TB) []int {
	v := os.Getenv("CHOREO_BENCH_MB")
	if v == "" {
		v = "7"
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("CHOREO_BENCH_MB=%q: want sizes in MB, comma-separated", v)
		}
		out = append(out, n)
	}
	return out
}

// bigInput returns the generated file of the format and size, writing it
// on first use.
func bigInput(b testing.TB, f benchFormat, mb int) bigFile {
	big.Lock()
	defer big.Unlock()
	key := fmt.Sprintf("%s-%d", f.name, mb)
	if bf, ok := big.files[key]; ok {
		return bf
	}
	if big.dir == "" {
		d, err := os.MkdirTemp("", "choreo-bench-")
		if err != nil {
			b.Fatal(err)
		}
		big.dir = d
		big.files = map[string]bigFile{}
		big.seeds = loadSeeds(b)
	}
	// Size of one copy of the seeds in this format, for the copy count.
	var one bytes.Buffer
	w := bufio.NewWriter(&one)
	f.write(w, big.seeds, 1)
	w.Flush()
	copies := max(1, int(int64(mb)<<20/int64(one.Len())))
	path := filepath.Join(big.dir, key)
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w = bufio.NewWriterSize(out, 1<<20)
	f.write(w, big.seeds, copies)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, err := out.Stat()
	if err != nil {
		b.Fatal(err)
	}
	out.Close()
	bf := bigFile{path: path, size: st.Size(), traces: copies * len(big.seeds)}
	for _, s := range big.seeds {
		bf.spans += copies * s.spans
	}
	big.files[key] = bf
	return bf
}

// loadSeeds reads the simulator's traces and renders each in the three
// formats.
func loadSeeds(b testing.TB) []seedTrace {
	src, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	r, err := trace.NewReader(bytes.NewReader(src), "seed")
	if err != nil {
		b.Fatal(err)
	}
	byID := map[string]*trace.Trace{}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		byID[t.ID.String()] = t
	}
	var seeds []seedTrace
	for line := range bytes.Lines(src) {
		i := bytes.Index(line, []byte(`"traceId":"`)) + len(`"traceId":"`)
		id := string(line[i : i+32])
		t := byID[id]
		if t == nil || bytes.Count(line, []byte(id)) != bytes.Count(line, []byte(`"traceId"`)) {
			b.Fatalf("seed line is not one whole trace (%s)", id)
		}
		seeds = append(seeds, seedTrace{id: id, otlp: line, jaegr: jaegerTrace(b, t), zipk: zipkinTrace(b, t), spans: len(t.Spans)})
	}
	if len(seeds) != len(byID) {
		b.Fatalf("%d lines, %d traces", len(seeds), len(byID))
	}
	return seeds
}

type jaegerKV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

func jaegerTrace(b testing.TB, t *trace.Trace) []byte {
	type ref struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	}
	type log struct {
		Timestamp int64      `json:"timestamp"`
		Fields    []jaegerKV `json:"fields"`
	}
	type span struct {
		TraceID       string     `json:"traceID"`
		SpanID        string     `json:"spanID"`
		OperationName string     `json:"operationName"`
		References    []ref      `json:"references"`
		StartTime     int64      `json:"startTime"`
		Duration      int64      `json:"duration"`
		Tags          []jaegerKV `json:"tags"`
		Logs          []log      `json:"logs"`
		ProcessID     string     `json:"processID"`
		Warnings      []string   `json:"warnings"`
	}
	type process struct {
		ServiceName string     `json:"serviceName"`
		Tags        []jaegerKV `json:"tags"`
	}
	out := struct {
		TraceID   string             `json:"traceID"`
		Spans     []span             `json:"spans"`
		Processes map[string]process `json:"processes"`
		Warnings  []string           `json:"warnings"`
	}{TraceID: t.ID.String(), Processes: map[string]process{}}
	pids := map[string]string{}
	for _, s := range t.Spans {
		pid, ok := pids[s.Service]
		if !ok {
			pid = fmt.Sprintf("p%d", len(pids)+1)
			pids[s.Service] = pid
			out.Processes[pid] = process{ServiceName: s.Service, Tags: []jaegerKV{}}
		}
		js := span{TraceID: out.TraceID, SpanID: s.SpanID.String(), OperationName: s.Name,
			References: []ref{}, StartTime: s.Start / 1000, Duration: (s.End - s.Start) / 1000,
			Logs: []log{}, ProcessID: pid}
		if !s.ParentID.IsZero() {
			js.References = append(js.References, ref{"CHILD_OF", out.TraceID, s.ParentID.String()})
		}
		for _, a := range s.Attrs {
			js.Tags = append(js.Tags, jaegerKV{a.Key, "string", a.Value})
		}
		if s.Kind != trace.Unspecified {
			js.Tags = append(js.Tags, jaegerKV{"span.kind", "string", s.Kind.String()})
		}
		if s.Status == trace.Error {
			js.Tags = append(js.Tags, jaegerKV{"error", "bool", true})
			if s.StatusMessage != "" {
				js.Tags = append(js.Tags, jaegerKV{"otel.status_description", "string", s.StatusMessage})
			}
		}
		for _, ev := range s.Events {
			l := log{Timestamp: ev.Time / 1000, Fields: []jaegerKV{{"event", "string", ev.Name}}}
			for _, a := range ev.Attrs {
				l.Fields = append(l.Fields, jaegerKV{a.Key, "string", a.Value})
			}
			js.Logs = append(js.Logs, l)
		}
		out.Spans = append(out.Spans, js)
	}
	data, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func zipkinTrace(b testing.TB, t *trace.Trace) []byte {
	type endpoint struct {
		ServiceName string `json:"serviceName"`
	}
	type annotation struct {
		Timestamp int64  `json:"timestamp"`
		Value     string `json:"value"`
	}
	type span struct {
		TraceID       string            `json:"traceId"`
		ParentID      string            `json:"parentId,omitempty"`
		ID            string            `json:"id"`
		Kind          string            `json:"kind,omitempty"`
		Name          string            `json:"name"`
		Timestamp     int64             `json:"timestamp"`
		Duration      int64             `json:"duration"`
		LocalEndpoint endpoint          `json:"localEndpoint"`
		Annotations   []annotation      `json:"annotations,omitempty"`
		Tags          map[string]string `json:"tags"`
	}
	var out []span
	for _, s := range t.Spans {
		zs := span{TraceID: t.ID.String(), ID: s.SpanID.String(), Name: s.Name,
			Timestamp: s.Start / 1000, Duration: (s.End - s.Start) / 1000,
			LocalEndpoint: endpoint{s.Service}, Tags: map[string]string{}}
		if !s.ParentID.IsZero() {
			zs.ParentID = s.ParentID.String()
		}
		switch s.Kind {
		case trace.Server, trace.Client, trace.Producer, trace.Consumer:
			zs.Kind = strings.ToUpper(s.Kind.String())
		}
		for _, a := range s.Attrs {
			if _, dup := zs.Tags[a.Key]; !dup {
				zs.Tags[a.Key] = a.Value
			}
		}
		if s.Status == trace.Error {
			zs.Tags["error"] = s.StatusMessage
		}
		for _, ev := range s.Events {
			zs.Annotations = append(zs.Annotations, annotation{ev.Time / 1000, ev.Name})
		}
		out = append(out, zs)
	}
	data, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// heapPeak samples the live heap (runtime/metrics, no stop-the-world).
type heapPeak struct {
	s    []metrics.Sample
	peak uint64
}

func newHeapPeak() *heapPeak {
	runtime.GC()
	return &heapPeak{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapPeak) sample() {
	metrics.Read(h.s)
	if v := h.s[0].Value.Uint64(); v > h.peak {
		h.peak = v
	}
}

// runBig runs body over each size's file of the format, once per
// iteration; body returns the spans it saw (0 when it does not count).
func runBig(b *testing.B, f benchFormat, body func(b *testing.B, in io.Reader, bf bigFile, h *heapPeak) int) {
	for _, mb := range benchSizes(b) {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			bf := bigInput(b, f, mb)
			b.SetBytes(bf.size)
			b.ReportAllocs()
			h := newHeapPeak()
			n := 0
			b.ResetTimer()
			for b.Loop() {
				in, err := os.Open(bf.path)
				if err != nil {
					b.Fatal(err)
				}
				if got := body(b, in, bf, h); got != 0 && got != bf.spans {
					b.Fatalf("%d spans, want %d", got, bf.spans)
				}
				in.Close()
				n++
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(bf.spans)*float64(n)/sec, "spans/s")
			b.ReportMetric(float64(h.peak)/(1<<20), "peak-heap-MB")
		})
	}
}

func benchFloor(b *testing.B, f benchFormat) {
	b.Run("any", func(b *testing.B) {
		runBig(b, f, func(b *testing.B, in io.Reader, _ bigFile, h *heapPeak) int {
			dec := json.NewDecoder(in)
			// Step into the array that holds the units (none for NDJSON).
			switch f.name {
			case "JaegerJSON":
				for range 3 { // { "data" [
					if _, err := dec.Token(); err != nil {
						b.Fatal(err)
					}
				}
			case "ZipkinJSON":
				if _, err := dec.Token(); err != nil { // [
					b.Fatal(err)
				}
			}
			for u := 0; dec.More(); u++ {
				var v any
				if err := dec.Decode(&v); err != nil {
					b.Fatal(err)
				}
				if u%64 == 0 {
					h.sample()
				}
			}
			return 0
		})
	})
	b.Run("tokens", func(b *testing.B) {
		runBig(b, f, func(b *testing.B, in io.Reader, _ bigFile, h *heapPeak) int {
			dec := jsontext.NewDecoder(in, jsontext.AllowDuplicateNames(true))
			for t := 0; ; t++ {
				if _, err := dec.ReadToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				if t%(1<<16) == 0 {
					h.sample()
				}
			}
			return 0
		})
	})
}

func readBig(b *testing.B, in io.Reader, h *heapPeak, each func(*trace.Trace)) int {
	r, err := trace.NewReader(in, "bench")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for t := 0; ; t++ {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if r.Malformed() != 0 {
			b.Fatalf("malformed spans: %v", r.Problems())
		}
		n += len(tr.Spans)
		if each != nil {
			each(tr)
		}
		if t%64 == 0 {
			h.sample()
		}
	}
	return n
}

func benchRead(b *testing.B, f benchFormat) {
	runBig(b, f, func(b *testing.B, in io.Reader, _ bigFile, h *heapPeak) int {
		return readBig(b, in, h, nil)
	})
}

func benchDiagram(b *testing.B) *flow.Diagram {
	big.Lock()
	defer big.Unlock()
	if big.diag == nil {
		d, _ := testdiagram.Read(b, "../testdata/provisioning.mmd")
		flow.Build(d)
		big.diag = d
	}
	return big.diag
}

func benchCheck(b *testing.B, f benchFormat) {
	d := benchDiagram(b)
	runBig(b, f, func(b *testing.B, in io.Reader, bf bigFile, h *heapPeak) int {
		c := trace.NewChecker(d, trace.DefaultMapping(d), trace.NewAligner(d))
		// as `choreo check` does: one worker per CPU; the heap is sampled
		// every millisecond meanwhile
		stop, sampled := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					h.sample()
				}
			}
		}()
		r, traces, err := c.CheckInput(in, "bench", runtime.GOMAXPROCS(0))
		close(stop)
		<-sampled
		if err != nil {
			b.Fatal(err)
		}
		if r.Malformed() != 0 || traces != bf.traces {
			b.Fatalf("%d traces, want %d; malformed spans: %v", traces, bf.traces, r.Problems())
		}
		in2 := &report.Input{}
		r.AddTo(in2)
		n := int(in2.Spans)
		res := c.Result()
		h.sample()
		if got := res.Outcomes.Total(); got != int64(bf.traces) {
			b.Fatalf("%d runs counted, want %d (%+v)", got, bf.traces, res.Outcomes)
		}
		return n
	})
}

func BenchmarkFloorOTLPJSON(b *testing.B)   { benchFloor(b, benchFormats[0]) }
func BenchmarkReadOTLPJSON(b *testing.B)    { benchRead(b, benchFormats[0]) }
func BenchmarkCheckOTLPJSON(b *testing.B)   { benchCheck(b, benchFormats[0]) }
func BenchmarkFloorJaegerJSON(b *testing.B) { benchFloor(b, benchFormats[1]) }
func BenchmarkReadJaegerJSON(b *testing.B)  { benchRead(b, benchFormats[1]) }
func BenchmarkCheckJaegerJSON(b *testing.B) { benchCheck(b, benchFormats[1]) }
func BenchmarkFloorZipkinJSON(b *testing.B) { benchFloor(b, benchFormats[2]) }
func BenchmarkReadZipkinJSON(b *testing.B)  { benchRead(b, benchFormats[2]) }
func BenchmarkCheckZipkinJSON(b *testing.B) { benchCheck(b, benchFormats[2]) }

// TestWriteBenchFiles writes the benchmark files to the directory
// CHOREO_BENCH_OUT (sizes from CHOREO_BENCH_MB), for timing the whole
// `choreo check` process against TestTokenFloor (BENCHMARKS.md, "Trace
// check"); without it, it does nothing.
func TestWriteBenchFiles(t *testing.T) {
	out := os.Getenv("CHOREO_BENCH_OUT")
	if out == "" {
		t.Skip("CHOREO_BENCH_OUT is not set")
	}
	for _, mb := range benchSizes(t) {
		for _, f := range benchFormats {
			bf := bigInput(t, f, mb)
			dst := filepath.Join(out, fmt.Sprintf("%s-%dMB.json", f.name, mb))
			if err := os.Rename(bf.path, dst); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes, %d traces, %d spans", dst, bf.size, bf.traces, bf.spans)
		}
	}
}

// TestTokenFloor reads every token of the file CHOREO_FLOOR_FILE with one
// jsontext.Decoder on one goroutine, nothing kept: the floor that the
// whole `choreo check` process is timed against (run the test binary
// itself under /usr/bin/time). Without it, it does nothing.
func TestTokenFloor(t *testing.T) {
	path := os.Getenv("CHOREO_FLOOR_FILE")
	if path == "" {
		t.Skip("CHOREO_FLOOR_FILE is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := jsontext.NewDecoder(f, jsontext.AllowDuplicateNames(true))
	n := 0
	for ; ; n++ {
		if _, err := dec.ReadToken(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d tokens", n)
}
