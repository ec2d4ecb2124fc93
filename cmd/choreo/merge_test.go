package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// TestShardsMergeToWhole: the shards of a seeded simulation, merged, are
// exactly the unsharded result — same counts, same histograms, same
// percentiles, cascades and verdicts — through the JSON a shard writes.
func TestShardsMergeToWhole(t *testing.T) {
	d, _ := testdiagram.Read(t, "../../testdata/provisioning.mmd")
	prof, err := os.ReadFile("../../testdata/provisioning.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.LoadProfile("../../testdata/provisioning.yaml", prof, d, "")
	if err != nil {
		t.Fatal(err)
	}
	const runs = 60_000
	ctx := context.Background()
	whole, err := sim.Simulate(ctx, d, p, sim.Options{Runs: runs, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var shards []*report.Result
	for i := int64(1); i <= 3; i++ {
		first, count, err := parseShard(string(rune('0'+i))+"/3", runs)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sim.Simulate(ctx, d, p, sim.Options{Runs: runs, Seed: 5, First: first, Count: count, Workers: int(i)})
		if err != nil {
			t.Fatal(err)
		}
		// through JSON, as choreo merge reads them
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back report.Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, &back)
	}
	merged, err := report.Merge(shards...)
	if err != nil {
		t.Fatal(err)
	}
	whole.ElapsedMS, merged.ElapsedMS = 0, 0
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(merged)
	if string(a) != string(b) {
		t.Errorf("merged shards differ from the whole:\nwhole  %.600s\nmerged %.600s", a, b)
	}
	if merged.Runs != runs || len(merged.Cascades) == 0 {
		t.Errorf("runs %d, cascades %d", merged.Runs, len(merged.Cascades))
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		s            string
		first, count int64
		bad          bool
	}{
		{"1/1", 0, 10, false}, {"1/3", 0, 3, false}, {"2/3", 3, 3, false}, {"3/3", 6, 4, false},
		{"0/3", 0, 0, true}, {"4/3", 0, 0, true}, {"x", 0, 0, true}, {"1/0", 0, 0, true},
	} {
		first, count, err := parseShard(tc.s, 10)
		if (err != nil) != tc.bad || !tc.bad && (first != tc.first || count != tc.count) {
			t.Errorf("parseShard(%q) = %d, %d, %v", tc.s, first, count, err)
		}
	}
}
