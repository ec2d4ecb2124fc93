package report

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mergeRun is one simulated run, as a collector would record it.
type mergeRun struct {
	e2e     time.Duration
	cascade *Cascade // nil: the run went ok; Runs, Share and the stats unused
	ttf     time.Duration
}

// collect builds the result of runs, as a simulation that kept its
// histograms would: the unsharded result when given every run, a shard
// when given some.
func collect(runs []mergeRun, shard string) *Result {
	r := &Result{
		Version: Version, Source: "sim", Diagram: "shop.mmd", DiagramSource: "sequenceDiagram\n",
		Profile: "shop.yaml", Seed: 3, Shard: shard,
		Messages: []MessageStats{
			{N: 1, Selector: "Admin->>Shop: Place order"},
			{N: 4, Selector: "Shop-->>Admin: Order placed"},
			{N: 5, Selector: "Shop--xAdmin: 409 Sold out"},
		},
		Exchanges: []ExchangeStats{{Request: 1, Reply: 4, Replies: []int{4, 5}}},
		SLO:       []SLOVerdict{{Target: "end_to_end p95 <= 2s", Metric: "end_to_end", Quantile: 0.95, LimitMS: 2000}},
	}
	hs := &Histograms{EndToEnd: NewHistogram(), Completion: NewHistogram(), SystemTime: NewHistogram(),
		Messages: []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}, Exchanges: []*Histogram{NewHistogram()}}
	type agg struct {
		c   Cascade
		ttf *Histogram
	}
	var cs []*agg
	for _, run := range runs {
		r.Runs++
		r.EndToEndNS += int64(run.e2e)
		r.Exchanges[0].CriticalPathNS += int64(run.e2e)
		for _, h := range []*Histogram{hs.EndToEnd, hs.Completion, hs.SystemTime, hs.Messages[0], hs.Exchanges[0]} {
			h.Record(run.e2e)
		}
		if run.cascade == nil {
			r.Outcomes.OK++
			hs.Messages[1].Record(run.e2e / 10)
			continue
		}
		r.Outcomes.Failed++
		i := slices.IndexFunc(cs, func(a *agg) bool {
			return a.c.Root == run.cascade.Root && slices.Equal(a.c.Chain, run.cascade.Chain) && a.c.Fork == run.cascade.Fork
		})
		if i < 0 {
			cs = append(cs, &agg{c: Cascade{Root: run.cascade.Root, Chain: run.cascade.Chain, Fork: run.cascade.Fork,
				Outcome: Failed}, ttf: NewHistogram()})
			i = len(cs) - 1
		}
		cs[i].c.Runs++
		cs[i].c.Compensated += run.cascade.Compensated
		cs[i].ttf.Record(run.ttf)
	}
	slices.SortFunc(cs, func(a, b *agg) int { return CompareCascades(&a.c, &b.c) })
	for _, a := range cs {
		a.c.Share = float64(a.c.Runs) / float64(r.Runs)
		a.c.TimeToFailure = a.ttf.Stats()
		r.Cascades = append(r.Cascades, a.c)
		hs.Cascades = append(hs.Cascades, a.ttf)
	}
	r.EndToEnd, r.Completion, r.SystemTime = hs.EndToEnd.Stats(), hs.Completion.Stats(), hs.SystemTime.Stats()
	for i := range r.Messages {
		r.Messages[i].Latency = hs.Messages[i].Stats()
	}
	r.Exchanges[0].Duration = hs.Exchanges[0].Stats()
	r.Exchanges[0].CriticalPathShare = float64(r.Exchanges[0].CriticalPathNS) / float64(r.EndToEndNS)
	r.Histograms = hs
	r.SLO = Judge([]SLOTarget{r.SLO[0].Spec()}, r)
	return r
}

// A failure in an async fork and one on the main timeline with the same
// root and chain are two cascades: shards keep them apart, order them the
// same way every time (same runs: the main timeline first), and merge to
// exactly the unsharded result, replies included.
func TestMergeForkCascades(t *testing.T) {
	main := &Cascade{Root: Root{N: 7, Fault: "error"}, Chain: []int{7}}
	fork := &Cascade{Root: Root{N: 7, Fault: "error"}, Chain: []int{7}, Fork: 6, Compensated: 1}
	var runs []mergeRun
	for i := range 400 {
		run := mergeRun{e2e: time.Duration(300+i%97*11) * time.Millisecond}
		switch i % 10 {
		case 3:
			run.cascade, run.ttf = main, run.e2e
		case 7:
			run.cascade, run.ttf = fork, run.e2e+time.Duration(i)*time.Millisecond
		}
		runs = append(runs, run)
	}
	whole := collect(runs, "")
	if len(whole.Cascades) != 2 || whole.Cascades[0].Fork != 0 || whole.Cascades[1].Fork != 6 {
		t.Fatalf("the unsharded result's cascades: %+v", whole.Cascades)
	}
	want, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 { // cascades go through a map: the order must not depend on it
		var shards []*Result
		for i, part := range [][]mergeRun{runs[:170], runs[170:]} {
			b, err := json.Marshal(collect(part, string(rune('1'+i))+"/2"))
			if err != nil {
				t.Fatal(err)
			}
			var back Result // through JSON, as choreo merge reads them
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			shards = append(shards, &back)
		}
		merged, err := Merge(shards...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(merged)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("merged shards differ from the whole (-whole +merged):\n%s", cmp.Diff(string(want), string(got)))
		}
	}
}

// CompareCascades breaks a tie on runs, root and chain by the fork: the
// main timeline first.
func TestCompareCascadesFork(t *testing.T) {
	a := &Cascade{Runs: 5, Root: Root{N: 7, Fault: "error"}, Chain: []int{7}}
	b := &Cascade{Runs: 5, Root: Root{N: 7, Fault: "error"}, Chain: []int{7}, Fork: 6}
	if CompareCascades(a, b) >= 0 || CompareCascades(b, a) <= 0 || CompareCascades(b, b) != 0 {
		t.Errorf("CompareCascades(main, fork) = %d, (fork, main) = %d", CompareCascades(a, b), CompareCascades(b, a))
	}
}

// mergeRuns are 300 runs, one in ten failed, for the integrity tests.
func mergeRuns() []mergeRun {
	c := &Cascade{Root: Root{N: 1, Fault: "error"}, Chain: []int{1}}
	var runs []mergeRun
	for i := range 300 {
		run := mergeRun{e2e: time.Duration(200+i%53*7) * time.Millisecond}
		if i%10 == 4 {
			run.cascade, run.ttf = c, run.e2e
		}
		runs = append(runs, run)
	}
	return runs
}

// shardOf is shard i of n of runs as choreo sim --shard writes it: its
// "i/N" and the runs it holds.
func shardOf(runs []mergeRun, i, n int64) *Result {
	first, count := ShardRuns(i, n, int64(len(runs)))
	r := collect(runs[first:first+count], strconv.FormatInt(i, 10)+"/"+strconv.FormatInt(n, 10))
	r.RunsOf, r.RunRanges = int64(len(runs)), [][2]int64{{first, first + count}}
	return r
}

// Merge refuses what is not one simulation, and the same runs twice,
// naming the results.
func TestMergeRefuses(t *testing.T) {
	runs := mergeRuns()
	with := func(r *Result, f func(*Result)) *Result { f(r); return r }
	old := func(r *Result) *Result { r.RunsOf, r.RunRanges = 0, nil; return r } // written before runs_of
	for _, tc := range []struct {
		name  string
		files []string
		rs    []*Result
		want  string
	}{
		{"same shard twice", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), shardOf(runs, 1, 2)}, "a.json and b.json are both shard 1/2"},
		{"same file twice", []string{"a.json", "a.json"},
			[]*Result{shardOf(runs, 1, 2), shardOf(runs, 1, 2)}, "a.json is given twice"},
		{"same shard twice, older results", []string{"a.json", "b.json"},
			[]*Result{old(shardOf(runs, 2, 3)), old(shardOf(runs, 2, 3))}, "a.json and b.json are both shard 2/3"},
		{"overlapping cuts", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), shardOf(runs, 2, 3)}, "a.json and b.json hold some of the same runs"},
		{"cut differently, older results", []string{"a.json", "b.json"},
			[]*Result{old(shardOf(runs, 1, 2)), old(shardOf(runs, 3, 3))}, "b.json is shard 3/3, a.json shard 1/2"},
		{"a whole run twice", []string{"a.json", "b.json"},
			[]*Result{collect(runs, ""), collect(runs, "")}, "a.json and b.json hold the same runs"},
		{"a shard and a whole run", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), collect(runs, "")}, "a.json is a shard and b.json does not say"},
		{"other -n", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), shardOf(runs[:200], 2, 2)}, "b.json is a part of 200 runs, a.json of 300"},
		{"other seed", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), with(shardOf(runs, 2, 2), func(r *Result) { r.Seed = 4 })}, "b.json has seed 4, a.json seed 3"},
		{"other diagram", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), with(shardOf(runs, 2, 2), func(r *Result) { r.Diagram, r.DiagramSource = "cart.mmd", "sequenceDiagram\n  A->>B: x\n" })},
			"b.json simulates another diagram (cart.mmd) than a.json (shop.mmd)"},
		{"other profile of the same name", []string{"a.json", "b.json"},
			[]*Result{with(shardOf(runs, 1, 2), func(r *Result) { r.ProfileSHA256 = "aaaa" }), with(shardOf(runs, 2, 2), func(r *Result) { r.ProfileSHA256 = "bbbb" })},
			"b.json uses another profile (shop.yaml, sha256 bbbb) than a.json (shop.yaml, sha256 aaaa)"},
		{"other scenario", []string{"a.json", "b.json"},
			[]*Result{shardOf(runs, 1, 2), with(shardOf(runs, 2, 2), func(r *Result) { r.Scenario = "down" })}, `b.json uses scenario "down"`},
		{"a trace check", []string{"a.json", "t.json"},
			[]*Result{shardOf(runs, 1, 2), with(shardOf(runs, 2, 2), func(r *Result) { r.Source = "trace" })}, "t.json is a trace check"},
		{"a drill", []string{"d.json"},
			[]*Result{with(collect(runs, ""), func(r *Result) { r.Source = "drill" })}, `d.json comes from "drill"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeNamed(tc.files, tc.rs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MergeNamed: %v, want %q", err, tc.want)
			}
		})
	}
	// The same profile under two paths is one profile.
	a := with(shardOf(runs, 1, 2), func(r *Result) { r.ProfileSHA256 = "aaaa" })
	b := with(shardOf(runs, 2, 2), func(r *Result) { r.Profile, r.ProfileSHA256 = "../shop.yaml", "aaaa" })
	if _, err := MergeNamed([]string{"a.json", "b.json"}, []*Result{a, b}); err != nil {
		t.Errorf("one profile under two paths: %v", err)
	}
}

// Shards that leave slices out merge into a partial result naming them,
// which merges with the missing shards into exactly the whole.
func TestMergePartial(t *testing.T) {
	runs := mergeRuns()
	whole, err := json.Marshal(collect(runs, ""))
	if err != nil {
		t.Fatal(err)
	}
	part, err := Merge(shardOf(runs, 1, 4), shardOf(runs, 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if !part.Partial || !slices.Equal(part.MissingShards, []string{"2/4", "4/4"}) || part.Runs != 150 || part.RunsOf != 300 ||
		!slices.Equal(part.RunRanges, [][2]int64{{0, 75}, {150, 225}}) {
		t.Errorf("partial: %v, missing %v, runs %d of %d in %v", part.Partial, part.MissingShards, part.Runs, part.RunsOf, part.RunRanges)
	}
	for format, want := range map[string]string{
		"text":     "partial: shards 2/4, 4/4 missing from the merge, these results cover 150 of the 300 runs",
		"markdown": "> **Partial result:** shards 2/4, 4/4 missing from the merge, these results cover 150 of the 300 runs.",
		"html":     "<strong>Partial:</strong> shards 2/4, 4/4 missing from the merge, these results cover 150 of the 300 runs.",
	} {
		var b strings.Builder
		if err := Renderers[format](&b, part); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s does not say %q", format, want)
		}
	}
	b, err := json.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(&back, shardOf(runs, 3, 4)); err == nil {
		t.Error("a partial merge merged again with one of its shards")
	}
	all, err := Merge(&back, shardOf(runs, 2, 4), shardOf(runs, 4, 4))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(all)
	if string(got) != string(whole) {
		t.Errorf("partial + the missing shards differ from the whole (-whole +merged):\n%s", cmp.Diff(string(whole), string(got)))
	}
	// Older shards, without runs_of: missing slices by their "i/N".
	old := collect(runs[:150], "1/2")
	if m, err := Merge(old); err != nil || !m.Partial || !slices.Equal(m.MissingShards, []string{"2/2"}) {
		t.Errorf("one older shard of 2: %v, %v", m.MissingShards, err)
	}
}
