package trace

import (
	"fmt"
	"os"
	"path/filepath"
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
			for range 2 { // the second pass hits the memo
				obs := Observe(tr, DefaultMapping(d))
				got := alignText(warm.Align(obs), obs)
				obs = Observe(tr, DefaultMapping(d))
				want := alignText(NewAligner(d).Align(obs), obs)
				if got != want {
					t.Errorf("%s, trace %s: from the memo\n%s\nwant\n%s", name, tr.ID, got, want)
				}
			}
		}
		f.Close()
	}
	if len(warm.(*aligner).memo) == 0 {
		t.Error("the memo kept nothing")
	}
}
