package report

// Drill is the result of a fault-injection sweep (`choreo drill`): each
// fault kind injected at each message, one at a time, in K runs each.
type Drill struct {
	// RunsPerCase is K.
	RunsPerCase int64       `json:"runs_per_case"`
	Cases       []DrillCase `json:"cases"`
	// Pruned lists the cases not run because an enclosing handler covers
	// them: the fault cascades into an exchange whose failure a bound
	// branch handles, which that exchange's own case drills.
	Pruned []DrillPruned `json:"pruned"`
	// MaxRuns is the cap on a case's runs when few of them reach its
	// fault (a fault in a branch, an opt, a loop): a case runs K, 2K, 4K…
	// runs until K reached the fault or the cap is met (virtual time).
	MaxRuns int64 `json:"max_runs,omitempty"`
	// NotJudged lists the latency targets the drill left out, and why
	// (their path includes human time; --human-time judges them).
	NotJudged []string `json:"slo_not_judged,omitempty"`
}

// Drill verdicts.
const (
	VerdictHandled      = "handled"      // every run ok or handled
	VerdictExpected     = "expected"     // runs failed, as the profile's expect says
	VerdictFailed       = "failed"       // runs failed and nothing expects it: a finding
	VerdictInconsistent = "inconsistent" // a compensation failed: a finding
	VerdictSLO          = "slo"          // handled or expected, but over a latency SLO: a finding
	VerdictNotReached   = "not_reached"  // no run sent the message: the fault was never injected
)

// DrillCase is one message and fault kind: the outcomes of its runs,
// how many runs rolled back cleanly, when the failure happened (from the
// run's start: when the initiator saw it, or, for a fault in an async
// fork, which the initiator never sees, when the fork failed), whether
// the latency SLOs held, and the verdict.
type DrillCase struct {
	N             int      `json:"n"`
	Selector      string   `json:"selector"`
	Fault         string   `json:"fault"`
	Runs          int64    `json:"runs"`
	Outcomes      Outcomes `json:"outcomes"`
	Compensated   int64    `json:"compensated"`
	Expected      bool     `json:"expected"`
	SLOOK         bool     `json:"slo_ok"`
	Verdict       string   `json:"verdict"`
	TimeToFailure Stats    `json:"time_to_failure"`
	// Chain is the most frequent chain of exchanges the fault failed.
	Chain []int `json:"chain"`
	// Root is where the case's most frequent failure started, when that
	// is not the injected fault itself: another message failed first (in
	// real time, a system that failed on its own).
	Root *Root `json:"root,omitempty"`
	// Reached is how many runs sent the message, so that the fault was
	// injected; the verdict judges those runs' outcomes.
	Reached int64 `json:"reached"`
	// Why says what the verdict rests on: the runs that failed and the
	// cascade, the SLO targets over their limit, or where the message is
	// when no run reached it. Fix is a change that fits the finding,
	// ready to paste where it can be.
	Why string `json:"why,omitempty"`
	Fix string `json:"fix,omitempty"`
	// SLO lists the latency targets judged on the case's runs.
	SLO []DrillSLO `json:"slo,omitempty"`
	// Traces lists the case's runs in real time: the run number, its trace
	// id (what the systems received in traceparent) and its outcome, so
	// that the systems' logs and spans can be matched to the case.
	Traces []DrillRun `json:"traces,omitempty"`
}

// DrillSLO is one latency target judged on a drill case's runs. OK is
// false only when the sample supports a breach: more runs over the limit
// than the target allows, beyond chance (a one-sided binomial test at
// 5%), so that one slow run of 20 does not breach a p99. Note says when
// the percentile is beyond what the runs resolve (the p99 of 20 runs is
// their maximum).
type DrillSLO struct {
	Target     string  `json:"target"`
	ObservedMS float64 `json:"observed_ms"`
	LimitMS    float64 `json:"limit_ms"`
	// Over is how many of the Count values measured (runs for run times,
	// sends or exchanges for a message) were over the limit.
	Over  int64  `json:"over"`
	Count int64  `json:"count"`
	OK    bool   `json:"ok"`
	Note  string `json:"note,omitempty"`
}

// DrillRun is one run of a real-time drill case.
type DrillRun struct {
	Run     int64  `json:"run"`
	TraceID string `json:"trace_id"`
	Outcome string `json:"outcome"`
}

// Finding reports whether the case is a finding (exit status 1).
func (c DrillCase) Finding() bool {
	return c.Verdict == VerdictFailed || c.Verdict == VerdictInconsistent || c.Verdict == VerdictSLO
}

// DrillPruned is a case left out, and the exchange whose handler covers it.
type DrillPruned struct {
	N         int    `json:"n"`
	Fault     string `json:"fault"`
	CoveredBy int    `json:"covered_by"`
}
