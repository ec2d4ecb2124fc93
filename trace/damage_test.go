package trace_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/choreo-dev/choreo/report"
)

// fixture returns a file of testdata/traces.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixtureLines returns the lines of an NDJSON fixture, each with its
// '\n'.
func fixtureLines(t testing.TB, name string) []string {
	t.Helper()
	return strings.SplitAfter(strings.TrimSuffix(fixture(t, name), "\n")+"\n", "\n")[:2]
}

// upTo returns s up to and including the nth occurrence of marker.
func upTo(t testing.TB, s, marker string, n int) string {
	t.Helper()
	at := 0
	for range n {
		i := strings.Index(s[at:], marker)
		if i < 0 {
			t.Fatalf("%q occurs fewer than %d times", marker, n)
		}
		at += i + len(marker)
	}
	return s[:at]
}

// lineOf returns the line of in where the nth occurrence of marker
// starts.
func lineOf(t testing.TB, in, marker string, n int) int {
	t.Helper()
	at := len(upTo(t, in, marker, n)) - len(marker)
	return strings.Count(in[:at], "\n") + 1
}

// replace replaces the nth occurrence of old in s.
func replace(t testing.TB, s, old, new string, n int) string {
	t.Helper()
	head := upTo(t, s, old, n)
	return head[:len(head)-len(old)] + new + s[len(head):]
}

type damageWant struct {
	id    string
	spans int
}

// problemWant is a problem whose reason starts with reason.
type problemWant struct {
	file, traceID, reason string
}

// TestDamagedInput: a record that does not parse is left out, counted,
// named by file:line and summed up in a warning; the traces around it
// are read. A single document cut short keeps the spans read before the
// cut.
func TestDamagedInput(t *testing.T) {
	o := fixtureLines(t, "otlp.ndjson")
	jl := fixtureLines(t, "jaeger.ndjson")
	z := fixtureLines(t, "zipkin.ndjson")
	otlpDoc := fixture(t, "otlp.json")
	env := fixture(t, "jaeger-envelope.json")
	jtrace := fixture(t, "jaeger-trace.json")
	zspans := fixture(t, "zipkin.json")
	ztraces := fixture(t, "zipkin-traces.json")

	type tc struct {
		name     string
		in       string
		traces   []damageWant
		problems []problemWant
		warnings []string
		reason   string
	}
	var tests []tc
	add := func(c tc) { tests = append(tests, c) }

	// NDJSON, one trace a line: the damaged line goes, the others stay.
	add(tc{name: "OTLP NDJSON: a damaged line in the middle",
		in:       o[0] + replace(t, o[1], `"kind":`, `"kind"::`, 1) + o[1],
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:2", "", `line skipped: invalid JSON at column `}},
		warnings: []string{"in: 1 line skipped: invalid JSON (line 2)"},
		reason:   "the damage is in the line's first span: nothing of it was read"})
	add(tc{name: "OTLP NDJSON: a cut last line",
		in:       o[0] + upTo(t, o[1], `"spanId"`, 2),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:2", tid2, "line skipped: cut short (1 span read before the damage left out)"}},
		warnings: []string{"in: 1 line skipped: cut short (line 2)"},
		reason:   "the span read whole before the cut goes with its line: a partial trace would not conform"})
	add(tc{name: "OTLP NDJSON: a damaged first line",
		in:       `{"resourceSpans":[{"resource"` + "\n" + o[0] + "\n" + "#not json\n" + o[1],
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:1", "", "line skipped: cut short"}, {"in:4", "", "line skipped: invalid JSON at column 1: invalid character '#'"}},
		warnings: []string{"in: 1 line skipped: cut short (line 1)", "in: 1 line skipped: invalid JSON (line 4)"},
		reason:   "the format is sniffed from the next line, blank lines count"})
	add(tc{name: "OTLP NDJSON: a line that is not traces",
		in:       `{"hello":"world"}` + "\n" + o[0] + "[1]\n" + o[1],
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:1", "", "line skipped: an object without resourceSpans, not OTLP traces"}, {"in:3", "", "element skipped: a number, not OTLP traces"}},
		warnings: []string{"in: 1 line skipped: not OTLP traces (line 1)", "in: 1 element skipped: not OTLP traces (line 3)"}})
	add(tc{name: "OTLP NDJSON, gzip cut short",
		in:       gzipCut(t, o[0]+o[1], len(o[0])+200),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:2", "", "line skipped: cut short"}},
		warnings: []string{"in: 1 line skipped: cut short (line 2)"},
		reason:   "the gzip stream ends early: what it gave is read"})

	// A single document: what was read before the damage is kept.
	add(tc{name: "OTLP document cut short",
		in:       upTo(t, otlpDoc, `"spanId"`, 3),
		traces:   []damageWant{{tid1, 2}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, otlpDoc, `"spanId"`, 3)), "", "cut short: the spans before it are read"}},
		warnings: []string{"in: cut short at line " + itoa(lineOf(t, otlpDoc, `"spanId"`, 3)) + ": the spans before it are read"},
		reason:   "the two spans read whole are kept, with the resource read before them"})
	add(tc{name: "OTLP document: spans that are not spans",
		in:       replace(t, replace(t, otlpDoc, `"spans": [`, `"spans": [ 7, null,`, 1), `"scopeSpans": [`, `"scopeSpans": [ "x",`, 2),
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, otlpDoc, `"spans": [`, 1)), "", "element skipped: a number, not a span"}, {"in:" + itoa(lineOf(t, otlpDoc, `"scopeSpans": [`, 2)), "", "element skipped: a string, not a ScopeSpans"}},
		warnings: []string{"in: 1 element skipped: not a span (line " + itoa(lineOf(t, otlpDoc, `"spans": [`, 1)) + ")", "in: 1 element skipped: not a ScopeSpans (line " + itoa(lineOf(t, otlpDoc, `"scopeSpans": [`, 2)) + ")"},
		reason:   "null is no element: skipped quietly"})
	add(tc{name: "OTLP document broken in the middle",
		in:       replace(t, otlpDoc, `"spanId"`, `"spanId" "`, 4),
		traces:   []damageWant{{tid1, 3}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, otlpDoc, `"spanId"`, 4)), "", "invalid JSON at column "}},
		warnings: []string{"in: invalid JSON at line " + itoa(lineOf(t, otlpDoc, `"spanId"`, 4)) + ": the spans before it are read, the rest is not"},
		reason:   "nothing after a syntax error can be placed in the document"})

	// Jaeger.
	add(tc{name: "Jaeger NDJSON: a damaged line in the middle",
		in:       jl[0] + replace(t, jl[1], `"duration":`, `"duration":x`, 2) + jl[1],
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:2", tid2, "line skipped: invalid JSON at column "}},
		warnings: []string{"in: 1 line skipped: invalid JSON (line 2)"},
		reason:   "the damage is in the second span: the first, read whole, goes with its line"})
	add(tc{name: "Jaeger NDJSON: a cut last line",
		in:       jl[0] + upTo(t, jl[1], `"spanID"`, 3),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:2", tid2, "line skipped: cut short (1 span read before the damage left out)"}},
		warnings: []string{"in: 1 line skipped: cut short (line 2)"}})
	add(tc{name: "Jaeger envelope: data elements that are not traces",
		in:       replace(t, env, `"data": [`, `"data": [ 42, {"total": 0},`, 1),
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:2", "", "element skipped: a number, not a trace"}, {"in:2", "", "element skipped: an object without spans or span fields, not a Jaeger trace"}},
		warnings: []string{"in: 1 element skipped: not a trace (line 2)", "in: 1 element skipped: not a Jaeger trace (line 2)"}})
	add(tc{name: "Jaeger envelope cut in its second trace",
		in:       upTo(t, env, `"traceID": "4bf92f3577b34da6"`, 3),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, env, `"traceID": "4bf92f3577b34da6"`, 3)), tid2, "cut short: the trace it cuts is left out (1 span read before the damage left out)"}},
		warnings: []string{"in: cut short at line " + itoa(lineOf(t, env, `"traceID": "4bf92f3577b34da6"`, 3)) + ": the trace it cuts is left out"},
		reason:   "a trace cut short would not conform: the data element is the unit"})
	add(tc{name: "Jaeger trace object cut short",
		in:       strings.TrimSuffix(strings.TrimSpace(jtrace), "}"),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:" + itoa(strings.Count(jtrace, "\n")-1), "", "cut short: the spans before it are read"}},
		warnings: []string{"in: cut short at line " + itoa(strings.Count(jtrace, "\n")-1) + ": the spans before it are read"},
		reason:   "spans and processes were read whole: the whole trace is kept"})
	add(tc{name: "Jaeger trace object cut before its processes",
		in:       upTo(t, jtrace, `"processes"`, 1),
		problems: []problemWant{{"in:4", tid1, `processID "p1" not read: the input is cut short before it`}},
		warnings: []string{"in: cut short at line " + itoa(lineOf(t, jtrace, `"processes"`, 1))},
		reason:   "spans without their process have no service: each is a problem (the first shown); no trace read, so the warning says no more"})

	// Zipkin.
	add(tc{name: "Zipkin NDJSON: a damaged line in the middle",
		in:       z[0] + replace(t, z[1], `"id"`, `"id`, 2) + z[1],
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:2", tid2, "line skipped: invalid JSON at column "}},
		warnings: []string{"in: 1 line skipped: invalid JSON (line 2)"},
		reason:   "the line's first span was read and is taken back with its line"})
	add(tc{name: "Zipkin NDJSON: a cut last line",
		in:       z[0] + z[1][:len(z[1])-3],
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:2", tid2, "line skipped: cut short (2 spans read before the damage left out)"}},
		warnings: []string{"in: 1 line skipped: cut short (line 2)"}})
	add(tc{name: "Zipkin array of traces: elements that are not spans",
		in:       replace(t, replace(t, ztraces, "[\n [", "[\n 7,\n [", 1), "],\n [\n  {", "],\n [\n \"x\", {}, {", 1),
		traces:   []damageWant{{tid1, 8}, {tid2, 3}},
		problems: []problemWant{{"in:2", "", "element skipped: a number, not a span or an array of spans"}, {"in:" + itoa(lineOf(t, ztraces, "],\n [", 1)+3), "", "element skipped: a string, not a span"}, {"in:" + itoa(lineOf(t, ztraces, "],\n [", 1)+3), "", "missing timestamp (incomplete span)"}},
		warnings: []string{"in: 1 element skipped: not a span or an array of spans (line 2)", "in: 1 element skipped: not a span (line " + itoa(lineOf(t, ztraces, "],\n [", 1)+3) + ")"},
		reason:   "an object is a span, and {} is an unusable one: a span problem, no warning"})
	add(tc{name: "Zipkin array of traces cut in the second trace",
		in:       upTo(t, ztraces, `"id": "0a0a0a0a0a0a0a02"`, 2),
		traces:   []damageWant{{tid1, 8}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, ztraces, `"id": "0a0a0a0a0a0a0a02"`, 2)), tid2, "cut short: the trace it cuts is left out (2 spans read before the damage left out)"}},
		warnings: []string{"in: cut short at line " + itoa(lineOf(t, ztraces, `"id": "0a0a0a0a0a0a0a02"`, 2)) + ": the trace it cuts is left out"}})
	add(tc{name: "Zipkin span array cut short",
		in:       upTo(t, zspans, `"id"`, 4),
		traces:   []damageWant{{tid1, 3}},
		problems: []problemWant{{"in:" + itoa(lineOf(t, zspans, `"id"`, 4)), "", "cut short: the spans before it are read"}},
		warnings: []string{"in: cut short at line " + itoa(lineOf(t, zspans, `"id"`, 4)) + ": the spans before it are read"}})

	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			res := readAll(t, strings.NewReader(c.in), "in")
			checkDamage(t, res, c.traces, c.problems, c.warnings)
		})
	}
}

// TestDamagedProtobuf: a ResourceSpans that does not parse is skipped
// (its length says where the next starts); a message cut short keeps the
// ResourceSpans read whole.
func TestDamagedProtobuf(t *testing.T) {
	pb := fixture(t, "otlp.pb")
	// The top-level fields: where each ResourceSpans starts and ends.
	var fields [][2]int
	for at := 0; at < len(pb); {
		_, _, n := protowire.ConsumeField([]byte(pb[at:]))
		if n < 0 {
			t.Fatal("otlp.pb does not parse")
		}
		fields = append(fields, [2]int{at, at + n})
		at += n
	}
	if len(fields) < 3 {
		t.Fatalf("otlp.pb has %d ResourceSpans, want 3 or more", len(fields))
	}
	// The second ResourceSpans, its content made garbage of the same
	// length.
	f := fields[1]
	_, _, hdr := protowire.ConsumeTag([]byte(pb[f[0]:]))
	_, lenN := protowire.ConsumeVarint([]byte(pb[f[0]+hdr:]))
	body := f[0] + hdr + lenN
	garbled := pb[:body] + strings.Repeat("\xff", f[1]-body) + pb[f[1]:]

	all := readAll(t, strings.NewReader(pb), "in")
	lost := all.reader.Malformed() // none: the file is clean
	spansIn := func(lo, hi int) int {
		r := readAll(t, strings.NewReader(pb[lo:hi]), "part")
		n := 0
		for _, tr := range r.traces {
			n += len(tr.Spans)
		}
		return n
	}
	second := spansIn(f[0], f[1])
	cut := fields[2][0] + 5

	tests := []struct {
		name     string
		in       string
		spans    int
		problems []problemWant
		warnings []string
	}{
		{"a ResourceSpans that does not parse", garbled, 11 - second,
			[]problemWant{{"in", "", "byte " + itoa(f[0]) + ": ResourceSpans skipped: invalid protobuf: "}},
			[]string{"in: 1 ResourceSpans message skipped: invalid protobuf (byte " + itoa(f[0]) + ")"}},
		{"cut short in the third ResourceSpans", pb[:cut], spansIn(0, fields[2][0]),
			[]problemWant{{"in", "", "byte " + itoa(fields[2][0]) + ": cut short: "}},
			[]string{"in: cut short at byte " + itoa(fields[2][0]) + ": the spans before it are read"}},
	}
	if lost != 0 || second == 0 {
		t.Fatalf("fixture: %d malformed, %d spans in the second ResourceSpans", lost, second)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, strings.NewReader(tc.in), "in")
			n := 0
			for _, tr := range res.traces {
				n += len(tr.Spans)
			}
			if n != tc.spans {
				t.Errorf("%d spans read, want %d", n, tc.spans)
			}
			checkDamage(t, res, nil, tc.problems, tc.warnings)
		})
	}
}

func checkDamage(t *testing.T, res readResult, traces []damageWant, problems []problemWant, warnings []string) {
	t.Helper()
	if traces != nil {
		var got []damageWant
		for _, tr := range res.traces {
			got = append(got, damageWant{tr.ID.String(), len(tr.Spans)})
		}
		if diff := cmp.Diff(traces, got, cmp.AllowUnexported(damageWant{})); diff != "" {
			t.Errorf("traces (-want +got):\n%s", diff)
		}
	}
	got := res.problems
	if len(got) < len(problems) {
		t.Fatalf("%d problems, want %d or more: %+v", len(got), len(problems), got)
	}
	for i, w := range problems {
		p := got[i]
		if p.File != w.file || p.TraceID != w.traceID || !strings.HasPrefix(p.Reason, w.reason) {
			t.Errorf("problem %d = %+v, want file %q, trace %q, reason starting %q", i, p, w.file, w.traceID, w.reason)
		}
	}
	if len(problems) < len(got) && res.traces != nil {
		// Further problems are spans left out for their content.
		for _, p := range got[len(problems):] {
			if p.SpanID == "" {
				t.Errorf("unexpected problem %+v", p)
			}
		}
	}
	if diff := cmp.Diff(warnings, res.reader.Warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if m := res.reader.Malformed(); m != int64(len(got)) {
		t.Errorf("malformed = %d, want %d (one per problem)", m, len(got))
	}
	var in report.Input
	res.reader.AddTo(&in)
	if in.Malformed != int64(len(got)) || len(in.Problems) != len(got) {
		t.Errorf("AddTo: %d malformed, %d problems", in.Malformed, len(in.Problems))
	}
}

// gzipCut gzips s and cuts the compressed stream so that about n bytes of
// s can be read back.
func gzipCut(t *testing.T, s string, n int) string {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.NoCompression)
	io.WriteString(w, s)
	w.Close()
	// Stored blocks: the header (10 bytes) and a 5-byte block header,
	// then the data as is.
	return b.String()[:10+5+n]
}

func itoa(n int) string { return strconv.Itoa(n) }
