package trace_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// checkJSON checks the input with AddAll on the given workers, as
// `choreo check --workers` does, and returns the result's JSON.
func checkJSON(t *testing.T, d *flow.Diagram, name string, data []byte, workers int) []byte {
	t.Helper()
	rd, err := trace.NewReader(bytes.NewReader(data), name)
	if err != nil {
		t.Fatal(err)
	}
	c := trace.NewChecker(d, nil, trace.NewAligner(d))
	n, err := c.AddAll(rd.Next, workers)
	return resultJSON(t, c, rd, n, err)
}

// damagedProvisioning is the simulator's 50 traces repeated with fresh
// trace ids, some lines cut, broken or blank, and some spans of every
// kind of trouble the reader reports.
func damagedProvisioning(t *testing.T, copies int) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(src), []byte("\n"))
	var b bytes.Buffer
	for k := range copies {
		for i, l := range lines {
			l = bytes.ReplaceAll(l, []byte(`"traceId":"`), fmt.Appendf(nil, `"traceId":"%04x`, k))
			switch (k*len(lines) + i) % 97 {
			case 13:
				l = l[:len(l)/2] // cut
			case 41:
				l = append([]byte("{not json"), l...)
			case 57:
				b.WriteString("\n   \n")
			case 71:
				l = bytes.Replace(l, []byte(`"endTimeUnixNano":"`), []byte(`"endTimeUnixNano":"x`), 1)
			}
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// checkInputJSON checks the input with CheckInput on the given workers,
// as `choreo check --workers` does, and returns the result's JSON.
func checkInputJSON(t *testing.T, d *flow.Diagram, name string, data []byte, workers int) []byte {
	t.Helper()
	c := trace.NewChecker(d, nil, trace.NewAligner(d))
	rd, n, err := c.CheckInput(bytes.NewReader(data), name, workers)
	return resultJSON(t, c, rd, n, err)
}

// TestAddAllWorkers: the result is the same, byte for byte, for any
// number of workers, and the same as adding the traces one by one.
func TestAddAllWorkers(t *testing.T) {
	prov, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	flow.Build(prov)
	checkout, _ := checkoutDiagram(t)
	type input struct {
		name string
		d    *flow.Diagram
		data []byte
	}
	inputs := []input{{"damaged.jsonl", prov, damagedProvisioning(t, 12)}}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := checkout
		if strings.HasPrefix(filepath.Base(f), "sim-") {
			d = prov
		}
		inputs = append(inputs, input{filepath.Base(f), d, data})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			want := checkJSON(t, in.d, in.name, in.data, 1)
			if in.name == "damaged.jsonl" && (!bytes.Contains(want, []byte("lines skipped: invalid JSON")) || !bytes.Contains(want, []byte(`"malformed":`))) {
				t.Fatalf("the damaged input shows no damage:\n%s", want)
			}
			for _, w := range []int{2, 3, 8} {
				if got := checkJSON(t, in.d, in.name, in.data, w); !bytes.Equal(got, want) {
					t.Errorf("%d workers: the result differs from one worker's:\n%s\nwant:\n%s", w, got, want)
				}
			}
			// CheckInput, its NDJSON cut into parts of 1 byte (a line
			// each), 700 bytes, and the default, gives the same
			for _, pb := range []int{1, 700, 1 << 20} {
				restore := trace.SetPartBytes(pb)
				for _, w := range []int{1, 2, 3} {
					if got := checkInputJSON(t, in.d, in.name, in.data, w); !bytes.Equal(got, want) {
						t.Errorf("CheckInput, parts of %d bytes, %d workers: the result differs from the Reader's:\n%s\nwant:\n%s", pb, w, got, want)
					}
				}
				restore()
			}
		})
	}
}

// TestCheckInputTraceComesBack: a trace whose spans come back on a line
// of a later part is left out as a Reader leaves it out, its problems
// naming the file without a line.
func TestCheckInputTraceComesBack(t *testing.T) {
	d, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	flow.Build(d)
	src, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	data := slices.Concat(lines[0], lines[1], lines[0]) // the first trace twice
	count := func(workers int) (*report.Input, int) {
		c := trace.NewChecker(d, nil, trace.NewAligner(d))
		rd, n, err := c.CheckInput(bytes.NewReader(data), "t.jsonl", workers)
		if err != nil {
			t.Fatal(err)
		}
		in := &report.Input{Problems: []report.Problem{}}
		rd.AddTo(in)
		return in, n
	}
	want, wn := count(1) // one part
	if want.Malformed == 0 || want.Problems[0].File != "t.jsonl:3" {
		t.Fatalf("the Reader does not leave the trace out: %+v", want)
	}
	defer trace.SetPartBytes(1)()
	for _, w := range []int{1, 2} {
		got, n := count(w)
		if n != wn || got.Spans != want.Spans || got.Malformed != want.Malformed || len(got.Problems) != len(want.Problems) {
			t.Fatalf("%d workers: %d traces, %+v; want %d, %+v", w, n, got, wn, want)
		}
		for i, p := range got.Problems {
			q := want.Problems[i]
			q.File = "t.jsonl"
			if p != q {
				t.Errorf("%d workers: problem %d is %+v, want %+v", w, i, p, q)
			}
		}
	}
}

// TestDamagedLinesInARow: two damaged lines in a row are each listed
// and counted (the second's rollback once took back the first's
// problem), by a Reader and by CheckInput alike.
func TestDamagedLinesInARow(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(dir, "sim-provisioning.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitN(src, []byte("\n"), 5)[:4]
	for _, i := range []int{1, 2} {
		// broken after the first span
		k := bytes.Index(lines[i], []byte(`"endTimeUnixNano"`))
		lines[i] = slices.Concat(lines[i][:k], []byte("!"), lines[i][k:])
	}
	data := append(bytes.Join(lines, []byte("\n")), '\n')
	prov, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	flow.Build(prov)
	want := checkJSON(t, prov, "in.jsonl", data, 1)
	for _, line := range []string{`"in.jsonl:2"`, `"in.jsonl:3"`, `"malformed": 2,`} {
		if !bytes.Contains(want, []byte(line)) {
			t.Errorf("no %s in:\n%s", line, want)
		}
	}
	restore := trace.SetPartBytes(1)
	defer restore()
	if got := checkInputJSON(t, prov, "in.jsonl", data, 2); !bytes.Equal(got, want) {
		t.Errorf("CheckInput, a line a part:\n%s\nwant:\n%s", got, want)
	}
}
