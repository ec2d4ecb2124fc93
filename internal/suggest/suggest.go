// Package suggest is choreo's one "did you mean": for a name that is not
// known (a key of a profile or a map file, a block's key, a selector, a
// when string, a participant of a map file or of a compensation's
// selector, a fault kind, a jitter, an adapter, a scenario, a latency form
// or parameter, an http key…), the known names close enough to be a
// plausible typo. (Package flow, which imports nothing of ours, gives its
// lookups' candidates in flow.LookupError; internal/lookup ranks them
// here.)
//
// Closeness is the edit distance in runes, ignoring case, where a slip is
// a character left out, added, changed, or two neighbours swapped
// ([Distance]). A name is close to a query of n runes when their distance
// is at most max(1, n/3) (integer division) and less than the name's own
// length: one slip in a word of up to 5 characters, two up to 8, three
// up to 11, and so on, and never a name that would have to be typed anew.
package suggest

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Max is how many names a suggestion offers at most.
const Max = 3

// Distance is the edit distance between a and b in runes: the fewest
// insertions, deletions, substitutions and swaps of two neighbours
// (optimal string alignment) that turn one into the other.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// rows i-2, i-1 and i of the table
	pp, prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(rb)]
}

// close returns the distance of name to q (lower-cased) and whether it is
// close enough to suggest.
func close(lq string, n int, name string) (int, bool) {
	d := Distance(lq, strings.ToLower(name))
	return d, d <= max(1, n/3) && d < utf8.RuneCountInString(name)
}

// Rank returns the indexes of the names close to q, nearest first (ties
// in the names' order), at most [Max] of them.
func Rank(q string, names []string) []int {
	lq, n := strings.ToLower(q), utf8.RuneCountInString(q)
	type scored struct{ i, d int }
	var ss []scored
	for i, name := range names {
		if d, ok := close(lq, n, name); ok {
			ss = append(ss, scored{i, d})
		}
	}
	slices.SortStableFunc(ss, func(a, b scored) int { return a.d - b.d })
	var out []int
	for _, s := range ss[:min(len(ss), Max)] {
		out = append(out, s.i)
	}
	return out
}

// Nearest returns the names close to q, nearest first, at most [Max],
// without repeats.
func Nearest(q string, names []string) []string {
	var out []string
	for _, i := range Rank(q, names) {
		if !slices.Contains(out, names[i]) {
			out = append(out, names[i])
		}
	}
	return out
}

// DidYouMean returns "; did you mean "x"?" naming the name nearest to q
// among names, or "" when none is close.
func DidYouMean(q string, names []string) string {
	s := Nearest(q, names)
	if len(s) == 0 {
		return ""
	}
	return Phrase(s[:1])
}

// Phrase returns "; did you mean "a", "b" or "c"?" for the suggestions,
// or "" when there are none.
func Phrase(sugg []string) string {
	switch len(sugg) {
	case 0:
		return ""
	case 1:
		return "; did you mean " + strconv.Quote(sugg[0]) + "?"
	}
	q := make([]string, len(sugg))
	for i, s := range sugg {
		q[i] = strconv.Quote(s)
	}
	return "; did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?"
}
