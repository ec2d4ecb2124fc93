package trace

import (
	"cmp"
	"slices"
)

// exTree is a trace's exchange tree, built once per trace by the
// counting goroutine (Checker.add) for the outcome, the critical path
// and the slow-cause record, in arrays reused from trace to trace.
// The children of exchange p (p = len(ex): the roots) are
// kids[first[p]:first[p+1]] in index order, and byEnd[first[p]:first[p+1]]
// latest-ending first, the earlier exchange first among equal ends (the
// order the CRISP walk takes them in).
type exTree struct {
	first []int32
	kids  []int32
	byEnd []int32
}

// build makes the tree of ex (its exchanges in index order).
func (t *exTree) build(ex []*ObservedExchange) {
	n := len(ex)
	zeroed(&t.first, n+3)
	grow(&t.kids, n)
	// a counting sort by parent
	for _, e := range ex {
		t.first[exParent(e, n)+2]++
	}
	for p := 2; p < len(t.first); p++ {
		t.first[p] += t.first[p-1]
	}
	for i, e := range ex {
		p := exParent(e, n) + 1
		t.kids[t.first[p]] = int32(i)
		t.first[p]++
	}
	t.first = t.first[:n+2]
	t.byEnd = append(t.byEnd[:0], t.kids...)
	for p := 0; p <= n; p++ {
		if t.first[p+1]-t.first[p] > 1 {
			slices.SortStableFunc(t.byEnd[t.first[p]:t.first[p+1]], func(a, b int32) int {
				return cmp.Compare(exEnd(ex[b]), exEnd(ex[a]))
			})
		}
	}
}

// children are p's children in index order (p = n: the roots).
func (t *exTree) children(p int) []int32 { return t.kids[t.first[p]:t.first[p+1]] }

// latestFirst are p's children latest-ending first.
func (t *exTree) latestFirst(p int) []int32 { return t.byEnd[t.first[p]:t.first[p+1]] }

// exParent is the index of e's parent exchange, n for a root.
func exParent(e *ObservedExchange, n int) int {
	if e.Parent != nil {
		return e.Parent.Index
	}
	return n
}

// exEnd is when e ended: its start plus its duration.
func exEnd(e *ObservedExchange) int64 { return e.Start + e.Duration }
