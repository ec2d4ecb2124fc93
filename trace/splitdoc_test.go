package trace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/trace"
)

// docVariants returns a single document (a Jaeger envelope, a Zipkin
// array of traces) written the ways it is met: on one line, indented,
// cut short, broken inside an element and between two, with elements
// that are not traces, with more after its array, twice in a row.
func docVariants(t *testing.T, doc []byte) map[string][]byte {
	t.Helper()
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	one := compact.Bytes()
	v := map[string][]byte{"one line": one, "indented": indented.Bytes()}
	for _, base := range []struct {
		name string
		b    []byte
	}{{"one line", one}, {"indented", indented.Bytes()}} {
		b := base.b
		n := len(b)
		v[base.name+", cut at 1/3"] = b[:n/3]
		v[base.name+", cut at 2/3"] = b[:2*n/3]
		v[base.name+", cut before the end"] = b[:n-1]
		v[base.name+", broken at 1/2"] = append(append(bytes.Clone(b[:n/2]), "}x{"...), b[n/2:]...)
		v[base.name+", broken at 3/4"] = append(append(bytes.Clone(b[:3*n/4]), `"`...), b[3*n/4:]...)
		if base.name == "indented" {
			// (two lines of one document each are NDJSON, cut at line
			// ends: TestCheckInputTraceComesBack)
			v[base.name+", twice"] = append(append(bytes.Clone(b), '\n'), b...)
		}
		v[base.name+", garbage after"] = append(bytes.Clone(b), " xyz"...)
		// what a boundary between traces looks like, in a string: a
		// guess there is wrong (see docShape.guess)
		for _, name := range []string{`"name":"`, `"operationName":"`} {
			if i := bytes.Index(b, []byte(name)); i >= 0 {
				i += len(name)
				v[base.name+", a boundary in a string"] = append(append(bytes.Clone(b[:i]), `],[},{\"traceID\":\"1\",\"spans\":[`...), b[i:]...)
			}
		}
		// between the first two elements: a comma too many, a null, a number
		if i := secondElement(b); i > 0 {
			v[base.name+", two commas"] = append(append(bytes.Clone(b[:i]), ","...), b[i:]...)
			v[base.name+", null and 7"] = append(append(bytes.Clone(b[:i]), "null, 7,"...), b[i:]...)
			v[base.name+", no comma"] = append(bytes.Clone(b[:i-1]), b[i:]...)
		}
	}
	return v
}

// secondElement returns where the second element of the document's
// array of traces starts (just after the comma), or -1.
func secondElement(b []byte) int {
	depth, inStr, esc := 0, false, false
	for i, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 2 && b[0] == '{', c == ',' && depth == 1 && b[0] == '[':
			return i + 1
		}
	}
	return -1
}

// TestCheckInputDocuments: a single document cut at its elements gives
// the Reader's result, byte for byte, damaged or not, for any part size
// and number of workers.
func TestCheckInputDocuments(t *testing.T) {
	checkout, _ := checkoutDiagram(t)
	for _, name := range []string{"jaeger-envelope.json", "zipkin-traces.json", "brave-jaeger.json"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for vname, data := range docVariants(t, src) {
			t.Run(name+"/"+vname, func(t *testing.T) {
				want := checkJSON(t, checkout, name, data, 1)
				for _, run := range []struct{ pb, w int }{{1, 2}, {300, 1}, {1 << 20, 2}} {
					restore := trace.SetPartBytes(run.pb)
					if got := checkInputJSON(t, checkout, name, data, run.w); !bytes.Equal(got, want) {
						t.Errorf("parts of %d bytes, %d workers: the result differs from the Reader's:\n%s\nwant:\n%s", run.pb, run.w, got, want)
					}
					restore()
				}
			})
		}
	}
}

// indent returns the JSON document b indented.
func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// FuzzCheckInputDocument: whatever the bytes, CheckInput gives what a
// Reader gives (a trace that comes back is named without its line, as
// CheckInput says, and is left out of the comparison).
func FuzzCheckInputDocument(f *testing.F) {
	for _, name := range []string{"jaeger-envelope.json", "zipkin-traces.json"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
		var c bytes.Buffer
		json.Compact(&c, src)
		f.Add(c.Bytes())
	}
	var d *flow.Diagram
	f.Fuzz(func(t *testing.T, data []byte) {
		if d == nil {
			d, _ = testdiagram.Read(t, "testdata/checkout.mmd")
			flow.Build(d)
		}
		if _, err := trace.NewReader(bytes.NewReader(data), "fuzz"); err != nil {
			_, _, err2 := trace.NewChecker(d, nil, trace.NewAligner(d)).CheckInput(bytes.NewReader(data), "fuzz", 2)
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("CheckInput: %v, NewReader: %v", err2, err)
			}
			return
		}
		want := checkJSON(t, d, "fuzz", data, 1)
		if bytes.Contains(want, []byte("trace already complete")) {
			return
		}
		restore := trace.SetPartBytes(200)
		defer restore()
		if got := checkInputJSON(t, d, "fuzz", data, 2); !bytes.Equal(got, want) {
			t.Errorf("the result differs from the Reader's:\n%s\nwant:\n%s", got, want)
		}
	})
}

// longDocument returns the document in src on one line longer than
// what sniffing looks at (so read a line at a time, cut at its traces),
// its traces repeated with fresh trace ids.
func longDocument(t *testing.T, src []byte) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	var elems []any
	jaeger := false
	switch d := doc.(type) {
	case map[string]any:
		elems, jaeger = d["data"].([]any), true
	case []any:
		elems = d
	}
	ids := regexp.MustCompile(`"trace[iI][dD]":"([0-9a-f]{8,32})"`)
	var parts []string
	for k := 0; len(strings.Join(parts, ",")) < 80<<10; k++ {
		for _, e := range elems {
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			found := map[string]bool{}
			for _, m := range ids.FindAllStringSubmatch(text, -1) {
				found[m[1]] = true
			}
			short := slices.SortedFunc(maps.Keys(found), func(a, b string) int { return len(a) - len(b) })
			for _, id := range short {
				text = strings.ReplaceAll(text, id, id[:len(id)-4]+fmt.Sprintf("%04x", k))
			}
			parts = append(parts, text)
		}
	}
	if jaeger {
		return []byte(`{"data":[` + strings.Join(parts, ",") + `]}`)
	}
	return []byte(`[` + strings.Join(parts, ",") + `]`)
}

// TestCheckInputLongLine: a document on one long line (read a line at
// a time), whole or damaged, gives the Reader's result when cut.
func TestCheckInputLongLine(t *testing.T) {
	checkout, _ := checkoutDiagram(t)
	for _, name := range []string{"jaeger-envelope.json", "zipkin-traces.json"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b := longDocument(t, src)
		if len(b) < 64<<10 || bytes.IndexByte(b, '\n') >= 0 {
			t.Fatalf("%s: %d bytes", name, len(b))
		}
		n := len(b)
		i := secondElement(b)
		for vname, data := range map[string][]byte{
			"whole":         b,
			"cut":           b[:n-200],
			"broken":        append(append(bytes.Clone(b[:n/2]), "}x{"...), b[n/2:]...),
			"two commas":    append(append(bytes.Clone(b[:i]), ","...), b[i:]...),
			"a trace again": append(append(bytes.Clone(b[:n-1]), ","...), b[1:i-1]...),
			"more lines":    append(append(bytes.Clone(b), '\n'), src...),
			"indented":      indent(t, b),
			// what a boundary between traces looks like, in a string:
			// a guess there is wrong (see docShape.guess)
			"a boundary in a string": bytes.Replace(b, []byte(`"name":"`), []byte(`"name":"],[},{\"traceID\":\"1\",\"spans\":[`), 1),
		} {
			if vname == "a trace again" && name == "jaeger-envelope.json" {
				data = append(data, "]}"...)
			} else if vname == "a trace again" {
				data = append(data, ']')
			}
			t.Run(name+"/"+vname, func(t *testing.T) {
				want := checkJSON(t, checkout, name, data, 1)
				restore := trace.SetPartBytes(4 << 10)
				defer restore()
				before := trace.Rereads()
				if got := checkInputJSON(t, checkout, name, data, 2); !bytes.Equal(got, want) {
					t.Errorf("the result differs from the Reader's:\n%s\nwant:\n%s", got, want)
				}
				// a whole document is cut where its traces end, by guess
				// (on one line) or by following it (indented), and read once
				if again := trace.Rereads() - before; again > 0 && (vname == "whole" || vname == "indented") {
					t.Errorf("the document was read %d more times", again)
				}
			})
		}
	}
}
