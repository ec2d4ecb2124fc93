package sim

import (
	"math/rand/v2"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// Latency is a latency model: one draw per call, from the caller's source.
type Latency interface {
	Sample(r *rand.Rand) time.Duration
}

// Count is a distribution of whole numbers (loop iterations).
type Count interface {
	Sample(r *rand.Rand) int
}

// Fault is a fault injected on a message at a rate.
type Fault struct {
	Rate float64
	Kind string
	// Delay is the extra latency of a delay fault.
	Delay Latency
	// Status, for an error fault on a real call, is the HTTP status the
	// abort reports (0: a connection error). Nothing is sent either way.
	Status int
	// First limits the fault to the first First attempts of the message
	// in each run (0: every attempt): "fail the first two calls, then
	// succeed" tests a retry policy.
	First int
	// Window limits the fault to calls sent at session time in
	// [Window[0], Window[1]) (both 0: always). Session time is the time
	// since the simulation started: in real time the wall clock, in
	// virtual time run i's start is i seconds (runid.Spacing).
	Window [2]time.Duration
}

// scheduled reports whether the fault has a schedule (first, window).
func (f *Fault) scheduled() bool { return f.First > 0 || f.Window != [2]time.Duration{} }

// holds reports whether the fault's schedule selects the nth attempt of
// its message in a run, sent at session time sess.
func (f *Fault) holds(nth int32, sess time.Duration) bool {
	if f.First > 0 && nth > int32(f.First) {
		return false
	}
	return f.Window == [2]time.Duration{} || sess >= f.Window[0] && sess < f.Window[1]
}

// Jitter kinds for retry backoff.
const (
	JitterNone  = "none"
	JitterFull  = "full"
	JitterEqual = "equal"
)

// Retry is a retry policy. Attempts counts the first try (1: no retry);
// the n-th retry waits Backoff·Multiplier^(n-1), capped at Max (0: no
// cap), with the jitter applied.
type Retry struct {
	Attempts   int
	Backoff    time.Duration
	Multiplier float64
	Jitter     string
	Max        time.Duration
}

// Settings are the settings of one message, defaults applied.
type Settings struct {
	Latency Latency
	Faults  []Fault
	// Timeout bounds each attempt of the exchange the message requests
	// (0: none); Deadline bounds all attempts together (0: none).
	Timeout, Deadline time.Duration
	Retry             Retry
	// Compensate lists the compensating messages, run in this order when
	// a later failure rolls the run back.
	Compensate []*Compensation
	Idempotent bool
	// Expect lists the faults (error, timeout, drop, or fails for any) a
	// drill may inject here and see the run fail: a known, accepted
	// failure mode, not a finding.
	Expect []string
	// HTTP is the message's http mapping as written (method, path, body,
	// headers…), for the http adapter; nil when none.
	HTTP map[string]any
	// Pos is where the profile's messages: entry for the message is (the
	// scenario's when it has one), zero when only defaults apply.
	Pos flow.Pos
}

// Compensation is a compensating message. Message is the diagram's message
// when the selector names one, else a message built from the selector
// (From, To, Arrow, Text) with N numbered after the diagram's messages.
type Compensation struct {
	Selector string
	Message  *flow.Message
	Settings *Settings
}

// When binds a branch to a fault: Fault is error, timeout, drop, delay or
// "fails" (any fault).
type When struct {
	N     int
	Fault string
	// Pos is where the profile's when string is (for choreo lint).
	Pos flow.Pos
}

// BlockSettings are the settings of a block, by its opening line.
type BlockSettings struct {
	// Weights choose among the branches without a When (alt, critical).
	Weights []float64
	// Probability is the chance that an opt or break runs (nil: default,
	// 1 for opt, 0 for break).
	Probability *float64
	// Iterations is a loop's iteration count (nil: 1).
	Iterations Count
	// When binds each branch (by index) to a fault; nil entries are
	// unbound.
	When []*When
	// WeightsPos and ProbabilityPos are where the profile sets weights
	// and probability (zero when it does not), for choreo lint.
	WeightsPos, ProbabilityPos flow.Pos
}

// Profile is a profile resolved against a diagram: every message has its
// settings, every selector is checked.
type Profile struct {
	// Path is the profile file ("" for the defaults), SHA256 the hex
	// SHA-256 of its bytes (results record it: see
	// report.Result.ProfileSHA256).
	Path     string
	SHA256   string
	Scenario string
	// Set holds the --set overrides layered over the profile and the
	// scenario, as given.
	Set []string
	// Messages holds the settings of message N at index N-1.
	Messages []*Settings
	// Extra are the compensating messages not in the diagram, numbered
	// from len(Messages)+1.
	Extra []*Compensation
	// Blocks holds the settings of blocks that have any.
	Blocks map[*flow.Block]*BlockSettings
	SLO    []report.SLOTarget
	// SLOPos is where the profile sets each SLO target, by its Target
	// text (for choreo lint).
	SLOPos map[string]flow.Pos
	// Participants holds the adapter settings of every participant of the
	// diagram, by id (stub unless the profile says otherwise).
	Participants map[string]*ParticipantSettings
	// Scenarios lists the scenarios the profile defines, in its order.
	Scenarios []string
	// Unreachable lists the entries LoadProfileLint left out because
	// they can never take effect (a drop on a message that is not
	// async); LoadProfile refuses them instead.
	Unreachable []*ProfileError
}

// Adapters a participant may have.
const (
	AdapterStub = "stub" // sleeps its sampled latency in real time; nothing in virtual time
	AdapterHTTP = "http" // sends each message it receives to URL
	AdapterExec = "exec" // runs Command for each message it receives
)

// ParticipantSettings are the adapter settings of one participant.
type ParticipantSettings struct {
	Adapter string
	// URL is the base URL of an http adapter.
	URL string
	// Command is the argv of an exec adapter (a string in the profile is
	// split on white space; no shell).
	Command []string
	// Env (exec) and Headers (http) are extra environment variables and
	// request headers; ${NAME} in a value is the environment variable
	// NAME of choreo's own environment, so secrets need not be written in
	// the profile.
	Env, Headers map[string]string
	// Secret lists headers (http) or environment variables (exec) whose
	// values are redacted wherever choreo shows a request: dry runs,
	// traces, logs. Authorization, Cookie, Set-Cookie and
	// Proxy-Authorization always are.
	Secret []string
	// Shell runs Command through "sh -c" (exec; default: no shell).
	Shell bool
	// CA is a PEM file of certificate authorities to trust for https
	// (http; default: the system's).
	CA string
	// Pos is where the profile's participants: entry is (zero if none).
	Pos flow.Pos
}

// Message returns the settings of message n: a diagram message, or a
// compensating message not in the diagram (n > len(p.Messages)); nil if
// there is none.
func (p *Profile) Message(n int) *Settings {
	switch {
	case n >= 1 && n <= len(p.Messages):
		return p.Messages[n-1]
	case n > len(p.Messages) && n <= len(p.Messages)+len(p.Extra):
		return p.Extra[n-len(p.Messages)-1].Settings
	}
	return nil
}

// Real reports whether the profile gives a participant a real adapter, so
// that choreo sim runs in real time.
func (p *Profile) Real() bool {
	for _, ps := range p.Participants {
		if ps.Adapter == AdapterHTTP || ps.Adapter == AdapterExec {
			return true
		}
	}
	return false
}
