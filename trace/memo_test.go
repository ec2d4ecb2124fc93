package trace

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
)

// alignText writes an alignment down without pointers: fitness, and per
// deviation its kind, message and exchange (by index), and the messages
// the alignment placed the exchanges on.
func alignText(al *Alignment, obs *Observed) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fitness %v\n", al.Fitness)
	for _, d := range al.Deviations {
		msg, ex := "-", -1
		if d.Message != nil {
			msg = d.Message.Text
		}
		if d.Exchange != nil {
			ex = d.Exchange.Index
		}
		fmt.Fprintf(&b, "%s %q exchange %d\n", d.Kind, msg, ex)
	}
	for _, e := range obs.Exchanges {
		if e.Message != nil {
			fmt.Fprintf(&b, "exchange %d is %q\n", e.Index, e.Message.Text)
		}
	}
	return b.String()
}

// TestAlignMemo: an alignment read from the memo is the one the search
// gives: every fixture's traces aligned by an aligner that has seen them
// (the memo warm) and by a new one each time (cold).
func TestAlignMemo(t *testing.T) {
	d, _ := testdiagram.Read(t, "testdata/checkout.mmd")
	flow.Build(d)
	warm := NewAligner(d)
	fixtureTraces(t, func(name string, tr *Trace) {
		for range 2 { // the second pass hits the memo
			obs := Observe(tr, DefaultMapping(d))
			got := alignText(warm.Align(obs), obs)
			obs = Observe(tr, DefaultMapping(d))
			want := alignText(NewAligner(d).Align(obs), obs)
			if got != want {
				t.Errorf("%s, trace %s: from the memo\n%s\nwant\n%s", name, tr.ID, got, want)
			}
		}
	})
	if len(warm.(*aligner).memo) == 0 {
		t.Error("the memo kept nothing")
	}
}

// Observe's remembered lookups (lookupMemo) give each exchange the
// candidates the mapping gives its span, on every fixture trace, read
// twice (the second time from the memo), under one mapping and then
// another.
func TestLookupMemo(t *testing.T) {
	d, _ := testdiagram.Read(t, "testdata/checkout.mmd")
	flow.Build(d)
	for _, m := range []*Mapping{DefaultMapping(d), DefaultMapping(d)} {
		fixtureTraces(t, func(name string, tr *Trace) {
			for range 2 {
				for _, e := range Observe(tr, m).Exchanges {
					var want []*flow.Message
					if e.Client != nil {
						want = m.Messages(e.From, e.To, e.Client)
					}
					if len(want) == 0 && e.Server != nil {
						want = m.Messages(e.From, e.To, e.Server)
					}
					if !slices.Equal(e.Candidates, want) {
						t.Errorf("%s, trace %s: %s->>%s candidates %v, want %v", name, tr.ID, e.From, e.To, e.Candidates, want)
					}
				}
			}
		})
	}
}

// fixtureTraces calls fn with each trace of each file in
// testdata/traces, and the file's name.
func fixtureTraces(t *testing.T, fn func(name string, tr *Trace)) {
	t.Helper()
	files, _ := filepath.Glob("testdata/traces/*")
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := NewReader(f, name)
		if err != nil {
			t.Fatal(err)
		}
		for {
			tr, err := rd.Next()
			if err != nil {
				break
			}
			fn(name, tr)
		}
		f.Close()
	}
}

// The memo tells apart what the mapping tells apart: the span's name,
// and its attributes (a route names the message when the name is only
// the method).
func TestLookupMemoKeys(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
A->>B: get cart
A->>B: put cart
A->>B: GET /orders
A->>B: GET /users
`)
	m := DefaultMapping(d)
	var rows []spanRow
	for _, name := range []string{"get cart", "put cart", "other", "get cart", "GET", "GET", "GET"} {
		call(&rows, "A", "B", name, -1, 10, 20, false)
	}
	tr := buildTrace(1, rows)
	for i, route := range []string{"/orders", "/users", ""} {
		for _, k := range []int{8, 9} { // the client and server spans of the GET calls
			tr.Spans[k+2*i].Attrs = nil
			if route != "" {
				tr.Spans[k+2*i].Attrs = []Attr{{Key: "http.request.method", Value: "GET"}, {Key: "http.route", Value: route}}
			}
		}
	}
	for range 2 {
		for _, e := range Observe(tr, m).Exchanges {
			want := m.Messages(e.From, e.To, e.Client)
			if !slices.Equal(e.Candidates, want) {
				t.Errorf("%s %v: candidates %v, want %v", e.Client.Name, e.Client.Attrs, e.Candidates, want)
			}
		}
	}
}
