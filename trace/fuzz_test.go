package trace_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/trace"
)

// seed adds the fixtures whose names start with prefix (the simulator's
// file cut to its first two lines) to the corpus, each also cut in the
// middle and with a line of garbage after its first line, for the
// readers' ways around damage.
func seed(f *testing.F, prefixes ...string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		for _, p := range prefixes {
			if !strings.HasPrefix(e.Name(), p) {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			if len(b) > 16<<10 {
				lines := bytes.SplitAfterN(b, []byte("\n"), 3)
				b = bytes.Join(lines[:min(2, len(lines))], nil)
			}
			f.Add(b)
			f.Add(b[:len(b)/2])
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				f.Add(slices.Concat(b[:i+1], []byte("{\"x\":[}\n"), b[i+1:]))
			}
		}
	}
}

// fuzzRead reads everything from b: no panic, errors are errors that
// name the input, every span returned is usable, and every problem and
// warning names the input (and a line of it, for JSON).
func fuzzRead(t *testing.T, b []byte) {
	r, err := trace.NewReader(bytes.NewReader(b), "fuzz")
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz: ") {
			t.Fatalf("error without the input's name: %v", err)
		}
		return
	}
	for range 100000 {
		tr, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz: ") {
				t.Fatalf("error without the input's name: %v", err)
			}
			if _, err2 := r.Next(); err2 == nil {
				t.Fatalf("Next after %v succeeded", err)
			}
			break
		}
		if len(tr.Spans) == 0 || tr.ID.IsZero() {
			t.Fatalf("empty trace %v with %d spans", tr.ID, len(tr.Spans))
		}
		for _, s := range tr.Spans {
			if s.TraceID != tr.ID || s.SpanID.IsZero() || s.Start == 0 || s.End < s.Start {
				t.Fatalf("unusable span returned: %+v", s)
			}
		}
	}
	if n := len(r.Problems()); n > trace.MaxProblems || int64(n) > r.Malformed() {
		t.Fatalf("%d problems, %d malformed", n, r.Malformed())
	}
	lines := bytes.Count(b, []byte("\n")) + 1
	gz := len(b) > 1 && b[0] == 0x1f && b[1] == 0x8b
	for _, p := range r.Problems() {
		if p.File == "fuzz" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(p.File, "fuzz:"))
		if !strings.HasPrefix(p.File, "fuzz:") || err != nil || n < 1 || n > lines && !gz {
			t.Fatalf("problem %+v: want fuzz:LINE with LINE in 1..%d", p, lines)
		}
	}
	for _, w := range r.Warnings() {
		if !strings.HasPrefix(w, "fuzz: ") {
			t.Fatalf("warning without the input's name: %q", w)
		}
	}
	if r.Malformed() == 0 && len(r.Warnings()) > 0 {
		t.Fatalf("warnings %q, nothing malformed", r.Warnings())
	}
}

func FuzzReadOTLP(f *testing.F) {
	seed(f, "otlp", "sim-")
	f.Fuzz(fuzzRead)
}

func FuzzReadJaeger(f *testing.F) {
	seed(f, "jaeger")
	f.Fuzz(fuzzRead)
}

func FuzzReadZipkin(f *testing.F) {
	seed(f, "zipkin")
	f.Fuzz(fuzzRead)
}
