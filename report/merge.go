package report

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Merge combines results of the same simulation run in shards (`choreo sim
// --shard i/N`) into one. Counts add up, histograms merge bucket by bucket,
// and every statistic, share and SLO verdict is computed again from the
// merged data, so the shards of a seeded simulation merge to exactly the
// result of running it whole (elapsed_ms aside: the merged value is the
// longest shard's). The results must come from the same diagram, profile,
// scenario and seed, and carry their histograms; in virtual time no two
// may hold the same runs, and shards that leave runs out merge into a
// result marked partial that names the shards missing. Real-time results
// merge with each other (runs made from several machines at once: their
// concurrency, rate and injected faults add up), not with virtual ones.
// Trace checks of one diagram over disjoint traces (`choreo serve`
// instances) merge with each other too, never with simulations: see
// mergeTrace. Errors name the results "result 1", "result 2"…: see
// MergeNamed.
func Merge(rs ...*Result) (*Result, error) {
	names := make([]string, len(rs))
	for i := range rs {
		names[i] = "result " + strconv.Itoa(i+1)
	}
	return MergeNamed(names, rs)
}

// MergeNamed is Merge with the names its errors give the results (their
// files), index-aligned with rs.
func MergeNamed(names []string, rs []*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, errors.New("nothing to merge")
	}
	if len(names) != len(rs) {
		return nil, fmt.Errorf("%d names for %d results", len(names), len(rs))
	}
	first := rs[0]
	for i, r := range rs {
		name := names[i]
		switch {
		case r.Source != "sim" && r.Source != "trace":
			return nil, fmt.Errorf("%s comes from %q: choreo merge joins the shards of one simulation (choreo sim --shard i/N), or trace checks of disjoint traces (choreo serve instances)", name, r.Source)
		case r.Source != first.Source:
			return nil, fmt.Errorf("%s is a %s result and %s a %s one: simulations and trace checks do not merge", name, sourceName(r.Source), names[0], sourceName(first.Source))
		}
		if r.Histograms == nil {
			return nil, fmt.Errorf("%s has no histograms: it cannot be merged exactly", name)
		}
		if i == 0 {
			continue
		}
		if err := sameSimulation(names[0], first, name, r); err != nil {
			return nil, err
		}
	}
	cov, err := coverage(names, rs)
	if err != nil {
		return nil, err
	}
	agg := NewAggregate(first.Messages, first.Exchanges)
	var rt *RealTime
	elapsed, partial := int64(0), false
	for i, r := range rs {
		for j, m := range r.Messages {
			if m.Selector != first.Messages[j].Selector {
				return nil, fmt.Errorf("message #%d differs between %s and %s", j+1, names[0], names[i])
			}
		}
		if r.RealTime != nil {
			// load generators side by side: their loads add up
			if rt == nil {
				rt = &RealTime{TimeScale: r.RealTime.TimeScale}
			}
			rt.Concurrency += r.RealTime.Concurrency
			rt.Rate += r.RealTime.Rate
			rt.Injected += r.RealTime.Injected
		}
		elapsed = max(elapsed, r.ElapsedMS)
		// interrupted; a partial merge's missing shards are counted anew
		partial = partial || r.Partial && len(r.MissingShards) == 0
		agg.addResult(r)
	}
	out := agg.Result()
	out.Source, out.Diagram, out.DiagramSource = first.Source, first.Diagram, first.DiagramSource
	out.Profile, out.ProfileSHA256, out.Scenario, out.Set = first.Profile, first.ProfileSHA256, first.Scenario, first.Set
	out.Seed, out.Model = first.Seed, first.Model
	out.ElapsedMS, out.Partial, out.RealTime = elapsed, partial, rt
	if len(cov.missing) > 0 {
		out.Partial, out.MissingShards = true, cov.missing
		out.RunsOf, out.RunRanges = cov.of, cov.ranges
	}
	mergeUnmapped(out, rs)
	mergeSlow(out, rs)
	if first.Source == "trace" {
		mergeTrace(out, rs)
	}
	for _, v := range first.SLO {
		out.SLO = append(out.SLO, judge(v.Spec(), out))
	}
	return out, nil
}

// sameSimulation says why r (named name) is not a part of the simulation
// first is part of, or nil.
func sameSimulation(firstName string, first *Result, name string, r *Result) error {
	switch {
	case r.DiagramSource != first.DiagramSource:
		return fmt.Errorf("%s simulates another diagram (%s) than %s (%s)", name, r.Diagram, firstName, first.Diagram)
	case r.Seed != first.Seed:
		return fmt.Errorf("%s has seed %d, %s seed %d: shards of one simulation share a seed", name, r.Seed, firstName, first.Seed)
	case !sameProfile(r, first):
		return fmt.Errorf("%s uses another profile (%s) than %s (%s)", name, profileName(r), firstName, profileName(first))
	case r.Scenario != first.Scenario:
		return fmt.Errorf("%s uses scenario %q, %s scenario %q", name, r.Scenario, firstName, first.Scenario)
	case !slices.Equal(r.Set, first.Set):
		return fmt.Errorf("%s uses other --set overrides (%q) than %s (%q)", name, r.Set, firstName, first.Set)
	case len(r.Messages) != len(first.Messages) || len(r.Exchanges) != len(first.Exchanges):
		return fmt.Errorf("%s has other messages or exchanges than %s", name, firstName)
	case len(r.SLO) != len(first.SLO):
		return fmt.Errorf("%s has other SLO targets than %s", name, firstName)
	case (r.RealTime == nil) != (first.RealTime == nil):
		return fmt.Errorf("%s ran in another clock than %s (real time and virtual time do not merge)", name, firstName)
	}
	return nil
}

// sameProfile compares the profiles' digests when both results record
// one (the same file under two paths is the same profile), their names
// otherwise.
func sameProfile(a, b *Result) bool {
	if a.ProfileSHA256 != "" && b.ProfileSHA256 != "" {
		return a.ProfileSHA256 == b.ProfileSHA256
	}
	return a.Profile == b.Profile
}

// profileName names a result's profile in an error.
func profileName(r *Result) string {
	switch {
	case r.Profile == "":
		return "the default profile"
	case r.ProfileSHA256 != "":
		return r.Profile + ", sha256 " + r.ProfileSHA256[:min(12, len(r.ProfileSHA256))]
	}
	return r.Profile
}

// cover is what a merge of virtual-time results covers: the shards
// missing and, when the results say which runs they hold, the whole
// simulation's runs and the ranges held.
type cover struct {
	missing []string
	of      int64
	ranges  [][2]int64
}

// coverage checks that no two results hold the same runs and, in
// virtual time, says which shards are missing. Results that record their
// runs (runs_of, run_ranges) are checked run by run, older ones by their
// "i/N"; of results that say neither (older whole runs, or hand-made),
// only copies are refused: two results with the same counts and times.
func coverage(names []string, rs []*Result) (cover, error) {
	for i, r := range rs {
		for j := range i {
			if sameRuns(rs[j], r) {
				return cover{}, twice(names, rs, j, i)
			}
		}
	}
	told := func(r *Result) bool { return r.RunsOf > 0 || r.Shard != "" }
	switch {
	case rs[0].RealTime != nil:
		return cover{}, nil // separate real runs: nothing to overlap
	case !slices.ContainsFunc(rs, func(r *Result) bool { return r.RunsOf == 0 }):
		return coverRuns(names, rs)
	case !slices.ContainsFunc(rs, func(r *Result) bool { return r.Shard == "" }):
		return coverShards(names, rs)
	case slices.ContainsFunc(rs, told):
		i := slices.IndexFunc(rs, told)
		j := slices.IndexFunc(rs, func(r *Result) bool { return !told(r) })
		return cover{}, fmt.Errorf("%s is a shard and %s does not say which runs it holds (a whole run, or an older choreo wrote it): cannot tell whether they overlap", names[i], names[j])
	}
	return cover{}, nil
}

// sameRuns is true when two results are copies of the same runs: same
// shard, runs, outcomes and times (results of no runs are not).
func sameRuns(a, b *Result) bool {
	return a.Runs > 0 && a.Shard == b.Shard && a.Runs == b.Runs && a.Outcomes == b.Outcomes && a.EndToEnd == b.EndToEnd &&
		a.Completion == b.Completion && a.SystemTime == b.SystemTime && slices.Equal(a.RunRanges, b.RunRanges)
}

// coverRuns is coverage by the runs each result holds.
func coverRuns(names []string, rs []*Result) (cover, error) {
	of := rs[0].RunsOf
	type held struct {
		a, b int64
		i    int
	}
	var hs []held
	for i, r := range rs {
		if r.RunsOf != of {
			return cover{}, fmt.Errorf("%s is a part of %s runs, %s of %s: not one simulation", names[i], count(r.RunsOf), names[0], count(of))
		}
		for _, rg := range r.RunRanges {
			if rg[0] < 0 || rg[0] >= rg[1] || rg[1] > of {
				return cover{}, fmt.Errorf("%s: run range %d–%d is not within the %s runs", names[i], rg[0], rg[1], count(of))
			}
			hs = append(hs, held{rg[0], rg[1], i})
		}
	}
	slices.SortStableFunc(hs, func(x, y held) int { return cmp.Compare(x.a, y.a) })
	var c cover
	c.of = of
	var gaps [][2]int64
	end, last := int64(0), -1
	for _, h := range hs {
		if h.a < end {
			return cover{}, twice(names, rs, last, h.i)
		}
		if h.a > end {
			gaps = append(gaps, [2]int64{end, h.a})
		}
		if n := len(c.ranges); n > 0 && c.ranges[n-1][1] == h.a {
			c.ranges[n-1][1] = h.b
		} else {
			c.ranges = append(c.ranges, [2]int64{h.a, h.b})
		}
		end, last = h.b, h.i
	}
	if end < of {
		gaps = append(gaps, [2]int64{end, of})
	}
	if len(gaps) == 0 {
		return cover{}, nil
	}
	n := int64(0) // the N of the shards' "i/N", when they agree
	for _, r := range rs {
		if r.Shard == "" {
			continue // a merge of shards
		}
		_, rn, ok := parseShardName(r.Shard)
		if !ok || n != 0 && rn != n {
			n = -1
			break
		}
		n = rn
	}
	for j := int64(1); n > 0 && j <= n; j++ {
		a, k := ShardRuns(j, n, of)
		if slices.ContainsFunc(gaps, func(g [2]int64) bool { return g[0] < a+k && a < g[1] }) {
			c.missing = append(c.missing, strconv.FormatInt(j, 10)+"/"+strconv.FormatInt(n, 10))
		}
	}
	if len(c.missing) == 0 {
		for _, g := range gaps {
			c.missing = append(c.missing, "runs "+strconv.FormatInt(g[0]+1, 10)+"–"+strconv.FormatInt(g[1], 10))
		}
	}
	return c, nil
}

// coverShards is coverage by "i/N" alone, for shards that do not say
// which runs they hold.
func coverShards(names []string, rs []*Result) (cover, error) {
	n, seen := int64(0), map[int64]int{}
	for i, r := range rs {
		si, sn, ok := parseShardName(r.Shard)
		if !ok {
			return cover{}, fmt.Errorf("%s: shard %q is not i/N", names[i], r.Shard)
		}
		if n != 0 && sn != n {
			return cover{}, fmt.Errorf("%s is shard %s, %s shard %s: the runs were cut differently", names[i], r.Shard, names[0], rs[0].Shard)
		}
		n = sn
		if j, dup := seen[si]; dup {
			return cover{}, twice(names, rs, j, i)
		}
		seen[si] = i
	}
	var c cover
	for j := int64(1); j <= n; j++ {
		if _, ok := seen[j]; !ok {
			c.missing = append(c.missing, strconv.FormatInt(j, 10)+"/"+strconv.FormatInt(n, 10))
		}
	}
	return c, nil
}

// twice is the error for results i and j that hold the same runs.
func twice(names []string, rs []*Result, i, j int) error {
	switch {
	case names[i] == names[j]:
		return fmt.Errorf("%s is given twice: merging it would count its runs twice", names[i])
	case rs[i].Shard != "" && rs[i].Shard == rs[j].Shard:
		return fmt.Errorf("%s and %s are both shard %s: merging them would count its runs twice", names[i], names[j], rs[i].Shard)
	case sameRuns(rs[i], rs[j]):
		return fmt.Errorf("%s and %s hold the same runs (the same result twice?): merging them would count those runs twice", names[i], names[j])
	}
	return fmt.Errorf("%s and %s hold some of the same runs: merging them would count those runs twice", names[i], names[j])
}

// parseShardName reads "i/N" (1 <= i <= N).
func parseShardName(s string) (i, n int64, ok bool) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, false
	}
	return i, n, true
}

// ShardRuns is the slice of runs shard i of n holds out of runs: the run
// numbers [first, first+count) (`choreo sim --shard i/N`).
func ShardRuns(i, n, runs int64) (first, count int64) {
	first = (i - 1) * runs / n
	return first, i*runs/n - first
}

// sourceName names a result's source in an error.
func sourceName(source string) string {
	if source == "trace" {
		return "trace check"
	}
	return "simulation"
}
