package report

import (
	"slices"
	"strconv"
)

// Fault kinds: what went wrong with a message. A cascade's root names one
// (Root.Fault), and MessageStats.Faults counts each.
const (
	FaultError   = "error"   // the exchange failed (an error reply, a status)
	FaultTimeout = "timeout" // no reply within the caller's limit
	FaultDrop    = "drop"    // an async message was lost
	FaultDelay   = "delay"   // extra latency was injected
)

// FaultKind is a fault kind as a small number, for producers that count
// faults on a hot path (see Aggregate.Fault); its String is the name.
// Kinds are numbered in the order cascades list them (CompareCascades).
type FaultKind uint8

// The fault kinds, in cascade order; NoFault is none.
const (
	NoFault FaultKind = iota
	ErrorFault
	TimeoutFault
	DropFault
	DelayFault
	numFaultKinds
)

var faultNames = [numFaultKinds]string{"", FaultError, FaultTimeout, FaultDrop, FaultDelay}

// String returns the fault's name ("error", "timeout", "drop", "delay"),
// "" for NoFault.
func (k FaultKind) String() string {
	if k < numFaultKinds {
		return faultNames[k]
	}
	return ""
}

// ParseFault returns the kind a fault name names, NoFault for any other
// name.
func ParseFault(name string) FaultKind {
	for k := ErrorFault; k < numFaultKinds; k++ {
		if faultNames[k] == name {
			return k
		}
	}
	return NoFault
}

// add counts one fault of kind k.
func (f *Faults) add(k FaultKind) {
	switch k {
	case ErrorFault:
		f.Error++
	case TimeoutFault:
		f.Timeout++
	case DropFault:
		f.Drop++
	case DelayFault:
		f.Delay++
	}
}

// merge adds o's counts to f.
func (f *Faults) merge(o Faults) {
	f.Error += o.Error
	f.Timeout += o.Timeout
	f.Drop += o.Drop
	f.Delay += o.Delay
}

// Failure is a failed run's root cause, as Aggregate.Cascade counts it:
// cascades are keyed by all four fields.
type Failure struct {
	// Root is the number of the message where the failure started, Fault
	// how it failed.
	Root  int
	Fault FaultKind
	// Chain is the request numbers of the exchanges it failed, innermost
	// first.
	Chain []int
	// Fork is the number of the async message whose fork failed (0: the
	// main timeline).
	Fork int
}

// appendKey appends f's cascade key to b.
func (f *Failure) appendKey(b []byte) []byte {
	b = strconv.AppendInt(b, int64(f.Root), 10)
	b = append(b, ' ', byte(f.Fault), ' ')
	b = strconv.AppendInt(b, int64(f.Fork), 10)
	for _, n := range f.Chain {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return b
}

// cascadeAgg is one cascade being counted.
type cascadeAgg struct {
	root                            int
	fault                           FaultKind
	chain                           []int
	fork                            int
	runs, compensated, inconsistent int64
	examples                        []string
	ttf                             *Histogram
}

// merge adds o (the same cascade) to a: examples are kept in order, the
// first MaxExamples distinct ones.
func (a *cascadeAgg) merge(o *cascadeAgg) {
	a.runs += o.runs
	a.compensated += o.compensated
	a.inconsistent += o.inconsistent
	a.examples = addExamples(a.examples, o.examples)
	a.ttf.Merge(o.ttf)
}

// addExamples appends to dst, in order, the trace ids of src that dst
// lacks, until dst holds MaxExamples.
func addExamples(dst, src []string) []string {
	for _, x := range src {
		if len(dst) < MaxExamples && !slices.Contains(dst, x) {
			dst = append(dst, x)
		}
	}
	return dst
}

// cascade returns a as a result's cascade, with its share of runs.
func (a *cascadeAgg) cascade(runs int64) Cascade {
	share := 0.0
	if runs > 0 {
		share = float64(a.runs) / float64(runs)
	}
	outcome := Failed
	if a.inconsistent > 0 {
		outcome = Inconsistent
	}
	return Cascade{Root: Root{N: a.root, Fault: a.fault.String()}, Runs: a.runs, Share: share,
		Chain: slices.Clone(a.chain), Outcome: outcome, Compensated: a.compensated, Inconsistent: a.inconsistent,
		Examples: slices.Clone(a.examples), Fork: a.fork, TimeToFailure: a.ttf.Stats()}
}

// MaxExamples is how many example trace ids a cascade keeps.
const MaxExamples = 3

// CompareCascades orders cascades as results list them: most runs first,
// then by root message, fault (in FaultKind order) and chain, then the
// main timeline before async forks (by fork number).
func CompareCascades(a, b *Cascade) int {
	if a.Runs != b.Runs {
		if a.Runs > b.Runs {
			return -1
		}
		return 1
	}
	if a.Root.N != b.Root.N {
		return a.Root.N - b.Root.N
	}
	if fa, fb := ParseFault(a.Root.Fault), ParseFault(b.Root.Fault); fa != fb {
		return int(fa) - int(fb)
	}
	// chains hold message numbers (>= 1): a shorter chain that is a
	// prefix of a longer one comes first
	if c := slices.Compare(a.Chain, b.Chain); c != 0 {
		return c
	}
	return a.Fork - b.Fork
}
