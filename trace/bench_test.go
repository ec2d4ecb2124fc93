package trace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// benchInput is the simulator's 50 traces copied 20 times with fresh
// trace ids: NDJSON, 1,000 traces, 14,000 spans, about 7 MB.
func benchInput(b *testing.B) []byte {
	src, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	for c := range 20 {
		for line := range bytes.Lines(src) {
			i := bytes.Index(line, []byte(`"traceId":"`)) + len(`"traceId":"`)
			id := line[i : i+32]
			nid := append([]byte(fmt.Sprintf("%04x", c)), id[4:]...)
			out.Write(bytes.ReplaceAll(line, id, nid))
		}
	}
	return out.Bytes()
}

// BenchmarkReadOTLPJSON, over generated files of any size, is in
// bench_big_test.go; the baselines below decode benchInput.

// The baseline's structs: OTLP/JSON as the spec writes it, decoded by
// encoding/json (no leniency, no grouping, no id parsing).
type wireTraces struct {
	ResourceSpans []struct {
		Resource struct {
			Attributes []wireKV `json:"attributes"`
		} `json:"resource"`
		ScopeSpans []struct {
			Scope struct {
				Name string `json:"name"`
			} `json:"scope"`
			Spans []struct {
				TraceID           string   `json:"traceId"`
				SpanID            string   `json:"spanId"`
				ParentSpanID      string   `json:"parentSpanId"`
				Name              string   `json:"name"`
				Kind              int      `json:"kind"`
				StartTimeUnixNano uint64   `json:"startTimeUnixNano,string"`
				EndTimeUnixNano   uint64   `json:"endTimeUnixNano,string"`
				Attributes        []wireKV `json:"attributes"`
				Events            []struct {
					Name         string   `json:"name"`
					TimeUnixNano uint64   `json:"timeUnixNano,string"`
					Attributes   []wireKV `json:"attributes"`
				} `json:"events"`
				Status struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"status"`
			} `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type wireKV struct {
	Key   string `json:"key"`
	Value struct {
		StringValue string  `json:"stringValue"`
		IntValue    string  `json:"intValue"`
		BoolValue   bool    `json:"boolValue"`
		DoubleValue float64 `json:"doubleValue"`
	} `json:"value"`
}

// BenchmarkBaselineEncodingJSON decodes the same input line by line with
// encoding/json into wireTraces.
func BenchmarkBaselineEncodingJSON(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(in))
		n := 0
		for {
			var td wireTraces
			if err := dec.Decode(&td); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			for _, rs := range td.ResourceSpans {
				for _, ss := range rs.ScopeSpans {
					n += len(ss.Spans)
				}
			}
		}
		if n != 14000 {
			b.Fatalf("%d spans", n)
		}
	}
}

// BenchmarkBaselineTokens only scans the same input's tokens with
// jsontext (what the reader is built on): the floor.
func BenchmarkBaselineTokens(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		dec := jsontext.NewDecoder(bytes.NewReader(in), jsontext.AllowDuplicateNames(true))
		for {
			if _, err := dec.ReadToken(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
