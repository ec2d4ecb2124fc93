package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// choreo merge refuses the same shard twice and another simulation's
// shard (exit 2, naming the files), and merges shards that leave a
// slice out into a partial result that names it.
func TestMergeIntegrity(t *testing.T) {
	dir := t.TempDir()
	diagram := filepath.Join(dir, "flow.mmd")
	os.WriteFile(diagram, []byte("sequenceDiagram\n  Web->>Api: GET /items\n  Api-->>Web: 200\n"), 0o644)
	profile := filepath.Join(dir, "p.yaml")
	os.WriteFile(profile, []byte("defaults: {latency: 10ms}\n"), 0o644)
	other := filepath.Join(dir, "other", "p.yaml") // same name, other profile
	os.Mkdir(filepath.Dir(other), 0o755)
	os.WriteFile(other, []byte("defaults: {latency: 20ms}\n"), 0o644)
	choreo := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	shard := func(name, profile, s string) string {
		out := filepath.Join(dir, name)
		if code, _, stderr := choreo("sim", diagram, "--profile", profile, "-n", "900", "--shard", s, "--format", "json", "-o", out); code != 0 {
			t.Fatalf("sim --shard %s: exit %d: %s", s, code, stderr)
		}
		return out
	}
	a, b, c := shard("a.json", profile, "1/3"), shard("b.json", profile, "2/3"), shard("c.json", profile, "3/3")
	b2 := shard("b2.json", profile, "2/3")
	o := shard("o.json", other, "2/3")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{a, b, b2}, b + " and " + b2 + " are both shard 2/3"},
		{[]string{a, o}, o + " uses another profile"},
	} {
		code, _, stderr := choreo(append([]string{"merge"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("merge %v: exit %d, %s; want exit 2, %q", tc.args, code, stderr, tc.want)
		}
	}
	code, stdout, stderr := choreo("merge", a, c, "--format", "text")
	if code != 0 || !strings.Contains(stdout, "partial: shard 2/3 missing from the merge, these results cover 600 of the 900 runs") {
		t.Errorf("merge 1/3 3/3: exit %d, %s\n%s", code, stderr, stdout)
	}
	code, stdout, _ = choreo("merge", a, c, b)
	if code != 0 || strings.Contains(stdout, "partial\": true") || strings.Contains(stdout, "missing_shards") {
		t.Errorf("merge of all shards: exit %d\n%.400s", code, stdout)
	}
}
