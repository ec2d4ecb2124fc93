package report

// FitData is what a trace check counts for `choreo fit` beyond the
// statistics of a Result: per message, the time the simulator would draw
// for it and the faults that started there (not those a nested failure
// cascaded into it), how callers gave up and retried; per block, how
// often each branch was taken and how often loops repeated. A check
// fills it only when asked (trace.Checker.KeepFit): `choreo fit` does,
// `choreo check` does not.
type FitData struct {
	// Messages is index-aligned with Result.Messages (diagram messages
	// only).
	Messages []FitMessage `json:"messages"`
	// Blocks lists the alt, critical, opt, break and loop blocks, in
	// document order.
	Blocks []FitBlock `json:"blocks,omitempty"`
}

// FitMessage is one message as the simulator draws it.
type FitMessage struct {
	N int `json:"n"`
	// Latency is the latency of the attempts that succeeded, as the
	// simulator adds it to the timeline: for a request, server start −
	// client start plus the callee's own time (its span less the time its
	// nested calls cover), so that request + nested + reply is the
	// exchange; for a reply, client end − server end. Nil when never seen
	// with both spans.
	Latency *Histogram `json:"latency,omitempty"`
	// Attempts counts the exchanges the message requested, every attempt
	// and outcome; Faults the failures that started there: a failed
	// attempt none of whose nested exchanges failed.
	Attempts int64  `json:"attempts"`
	Faults   Faults `json:"faults"`
	// GaveUp is the duration of the attempts that failed by timeout: how
	// long the caller waited.
	GaveUp *Histogram `json:"gave_up,omitempty"`
	// Calls counts the calls (a call's retries counted once), Retried
	// those that took more than one attempt, MaxAttempts the most
	// attempts one call took, and RetryWait the time between a failed
	// first attempt's end and the second attempt's start.
	Calls       int64      `json:"calls"`
	Retried     int64      `json:"retried"`
	MaxAttempts int        `json:"max_attempts"`
	RetryWait   *Histogram `json:"retry_wait,omitempty"`
}

// FitBlock is one block: how many traces reached it, and in how many
// of them each branch ran (a loop's body: Taken[0]); for a loop, how
// many traces ran its body how many times (Iterations[k] traces ran it
// k times; key 0 unused).
type FitBlock struct {
	// Key names the block (its opening line), Keys each branch, as
	// profiles write them.
	Key        string        `json:"key"`
	Keys       []string      `json:"keys"`
	Kind       string        `json:"kind"`
	Reached    int64         `json:"reached"`
	Taken      []int64       `json:"taken"`
	Iterations map[int]int64 `json:"iterations,omitempty"`
	// Failed[k] counts the traces that took branch k after a failure
	// (an exchange failed for good before the block): a branch taken only
	// then is bound to the failure, not weighted. FailedBy names, per
	// branch, the request number that failed in all of them (0: none
	// common).
	Failed   []int64 `json:"failed,omitempty"`
	FailedBy []int   `json:"failed_by,omitempty"`
}
