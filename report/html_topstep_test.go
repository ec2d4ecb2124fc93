package report

import "testing"

// The HTML's "weighs most" names a step below the initiator's own
// exchange, whatever that exchange's share (failed runs make it less
// than 100%), and an initiator's exchange that wraps nothing is a step
// like any other.
func TestTopStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   []ExchangeStats
		want int // request of the top step; 0: none
	}{
		{"outermost at 97%", []ExchangeStats{
			{Request: 1, Reply: 6, CriticalPathShare: 0.97},
			{Request: 2, Reply: 3, CriticalPathShare: 0.30},
			{Request: 4, Reply: 5, CriticalPathShare: 0.55},
		}, 4},
		{"outermost answered in two places", []ExchangeStats{
			{Request: 1, Reply: 4, Replies: []int{4, 5}, CriticalPathShare: 1},
			{Request: 2, Reply: 3, CriticalPathShare: 0.31},
			{Request: 6, CriticalPathShare: 0},
		}, 2},
		{"the initiator's calls one after the other", []ExchangeStats{
			{Request: 1, Reply: 2, CriticalPathShare: 0.7},
			{Request: 3, Reply: 4, CriticalPathShare: 0.3},
		}, 1},
		{"one exchange", []ExchangeStats{{Request: 1, Reply: 2, CriticalPathShare: 1}}, 1},
		{"nothing below the outermost on the path", []ExchangeStats{
			{Request: 1, Reply: 4, CriticalPathShare: 1},
			{Request: 2, Reply: 3},
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &htmlPage{r: &Result{Exchanges: tc.ex}}
			top, ok := p.topStep()
			if got := map[bool]int{true: top.Request}[ok]; got != tc.want {
				t.Errorf("top step #%d (%v), want #%d", top.Request, ok, tc.want)
			}
		})
	}
}
