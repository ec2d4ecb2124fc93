package report

import (
	"strconv"

	"github.com/choreo-dev/choreo/flow"
)

// Version is the version of the result JSON. It changes only when a field
// changes meaning or goes away; new fields may appear within a version.
const Version = 1

// Result is the outcome of a simulation or of a trace check: the one
// vocabulary that sim and trace both fill and every renderer reads. Its JSON
// form (`--format json`) is stable and versioned; every field is documented
// where it is declared. elapsed_ms is the only wall-clock field: everything
// else is the same for the same inputs and seed on any machine and any
// number of workers.
type Result struct {
	// Version is the format version (Version).
	Version int `json:"version"`
	// Source is "sim" for a simulation (virtual or real time), "trace" for
	// a trace check, "drill" for a fault-injection sweep.
	Source string `json:"source"`
	// Diagram is the diagram's file name, DiagramSource its text, so that
	// `choreo report` can render without the file.
	Diagram       string `json:"diagram"`
	DiagramSource string `json:"diagram_source"`
	// Profile and Scenario name the profile file and the scenario used;
	// ProfileSHA256 is the hex SHA-256 of the profile file's bytes, so
	// that merge tells two profiles of the same name apart ("" in results
	// written before it existed, and without a profile).
	Profile       string `json:"profile,omitempty"`
	ProfileSHA256 string `json:"profile_sha256,omitempty"`
	Scenario      string `json:"scenario,omitempty"`
	// Set holds the overrides (`choreo sim --set`) layered over the
	// profile and the scenario, as given.
	Set []string `json:"set,omitempty"`
	// Runs is the number of runs (simulated runs, or traces).
	Runs int64 `json:"runs"`
	// EndToEndNS is the sum of all runs' end_to_end times in ns: the
	// denominator of critical_path_share, kept for exact merging.
	EndToEndNS int64 `json:"end_to_end_ns,omitempty"`
	// Seed is the simulation seed.
	Seed uint64 `json:"seed"`
	// ElapsedMS is the wall-clock time the work took.
	ElapsedMS int64 `json:"elapsed_ms"`
	// Partial is true when the result does not cover all the work: it was
	// interrupted (the result covers the runs done so far), or it merges
	// shards that do not cover all N slices (MissingShards says which).
	Partial bool `json:"partial"`
	// Outcomes counts runs by outcome.
	Outcomes Outcomes `json:"outcomes"`
	// EndToEnd is when the main timeline ends (what the initiator waits
	// for); Completion when the last message lands (async forks included);
	// SystemTime is EndToEnd without the time of messages sent by actors
	// (human time). All three count every run, failed ones at the time
	// they failed.
	EndToEnd   Stats `json:"end_to_end"`
	Completion Stats `json:"completion"`
	SystemTime Stats `json:"system_time"`
	// Messages holds per-message latency and faults, in diagram order.
	Messages []MessageStats `json:"messages"`
	// Exchanges holds request/reply durations, in diagram order.
	Exchanges []ExchangeStats `json:"exchanges"`
	// Cascades groups failed runs by root cause, most frequent first.
	Cascades []Cascade `json:"cascades"`
	// Slow lists the root causes of slow traces (trace checks only), most
	// traces first: see SlowCause. SlowTraces says which traces were
	// slow and how many had no cause.
	Slow       []SlowCause `json:"slow,omitempty"`
	SlowTraces *SlowTraces `json:"slow_traces,omitempty"`
	// SLO holds the verdict of every SLO target of the profile.
	SLO []SLOVerdict `json:"slo"`
	// Input describes the trace input (trace checks only).
	Input *Input `json:"input,omitempty"`
	// Conformance is the trace check's verdict (trace checks only).
	Conformance *Conformance `json:"conformance,omitempty"`
	// Drill is the fault-injection sweep (`choreo drill` only).
	Drill *Drill `json:"drill,omitempty"`
	// Shard is "i/N" when the result covers one shard of a simulation.
	Shard string `json:"shard,omitempty"`
	// RunsOf and RunRanges say which runs a part of a simulation covers:
	// RunsOf is the whole simulation's number of runs (-n), RunRanges
	// the half-open ranges [first, end) of the run numbers (0-based) it
	// holds. Set in a shard and in a partial merge; absent in a whole
	// result, so that shards merged whole are the unsharded result.
	RunsOf    int64      `json:"runs_of,omitempty"`
	RunRanges [][2]int64 `json:"run_ranges,omitempty"`
	// MissingShards names, in a merge of shards that do not cover every
	// slice, the shards missing ("2/4"; "runs 5001–7500" when the shards
	// carry no "i/N").
	MissingShards []string `json:"missing_shards,omitempty"`
	// RealTime is set when the runs ran in real time against real
	// adapters (not in virtual time).
	RealTime *RealTime `json:"real_time,omitempty"`
	// Histograms are the full distributions behind the Stats above, so
	// that results merge exactly (`choreo merge`) and renderers can draw
	// them. Nil when the producer kept none.
	Histograms *Histograms `json:"histograms,omitempty"`
	// Fit is what `choreo fit` needs to write a profile (trace checks
	// that asked for it only; see FitData).
	Fit *FitData `json:"fit,omitempty"`
	// Model is the parsed diagram, for renderers that draw it (Mermaid,
	// Markdown, HTML). It is not part of the JSON: cmd/choreo parses
	// DiagramSource into it.
	Model *flow.Diagram `json:"-"`
}

// RealTime describes a real-time simulation: the runs in flight at most,
// the open-loop arrival rate (runs per second; 0: closed loop), the factor
// on stubs' sleeps, and the faults injected (as logged).
type RealTime struct {
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	TimeScale   float64 `json:"time_scale"`
	Injected    int64   `json:"injected"`
}

// String describes the real-time setting in a few words.
func (rt *RealTime) String() string {
	s := "real time, concurrency " + strconv.Itoa(rt.Concurrency)
	if rt.Rate > 0 {
		s += ", " + strconv.FormatFloat(rt.Rate, 'g', -1, 64) + " runs/s open loop"
	}
	if rt.TimeScale != 1 {
		s += ", stub sleeps ×" + strconv.FormatFloat(rt.TimeScale, 'g', -1, 64)
	}
	if rt.Injected == 1 {
		return s + ", 1 fault injected"
	}
	return s + ", " + strconv.FormatInt(rt.Injected, 10) + " faults injected"
}

// Histograms holds the distributions of a result. Messages, Exchanges and
// Cascades are index-aligned with the result's lists of the same names
// (Cascades holds each cascade's time to failure).
type Histograms struct {
	EndToEnd   *Histogram   `json:"end_to_end"`
	Completion *Histogram   `json:"completion"`
	SystemTime *Histogram   `json:"system_time"`
	Messages   []*Histogram `json:"messages"`
	Exchanges  []*Histogram `json:"exchanges"`
	Cascades   []*Histogram `json:"cascades"`
	// ExchangesServer and ExchangesGap are the distributions behind
	// ExchangeStats.Server and Gap, index-aligned with Exchanges (trace
	// checks only; nil otherwise).
	ExchangesServer []*Histogram `json:"exchanges_server,omitempty"`
	ExchangesGap    []*Histogram `json:"exchanges_gap,omitempty"`
	// Slow is the distribution behind each SlowCause.Excess,
	// index-aligned with Result.Slow (trace checks only).
	Slow []*Histogram `json:"slow,omitempty"`
}

// Outcome names.
const (
	OK           = "ok"
	Handled      = "handled"
	Failed       = "failed"
	Inconsistent = "inconsistent"
)

// Outcomes counts runs by outcome: ok; handled (a bound branch, an error
// the diagram draws, or a break took the failure); failed (unhandled);
// inconsistent (a compensation failed: the worst outcome).
type Outcomes struct {
	OK           int64 `json:"ok"`
	Handled      int64 `json:"handled"`
	Failed       int64 `json:"failed"`
	Inconsistent int64 `json:"inconsistent"`
}

// Total is the number of runs counted.
func (o Outcomes) Total() int64 { return o.OK + o.Handled + o.Failed + o.Inconsistent }

// Stats summarises a latency distribution in milliseconds. Count is the
// number of values; the rest are 0 when Count is 0.
type Stats struct {
	Count  int64   `json:"count"`
	MeanMS float64 `json:"mean_ms"`
	MinMS  float64 `json:"min_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
	P999MS float64 `json:"p999_ms"`
	MaxMS  float64 `json:"max_ms"`
}

// MessageStats is one message of the diagram (or a compensation the
// profile defines): the latency of each delivery and the faults seen.
type MessageStats struct {
	N        int    `json:"n"`
	Selector string `json:"selector"`
	// Latency counts every attempt that was sent.
	Latency Stats `json:"latency"`
	// Faults counts attempts by fault kind: the faults injected, and the
	// timeouts that latency caused (the caller's limit passed first).
	Faults Faults `json:"faults"`
	// Unobserved says why a trace check saw the message in no trace
	// ("" when it was seen, and in simulations): its participant maps to
	// no service, no span matched its text, or its branch was never
	// taken.
	Unobserved string `json:"unobserved,omitempty"`
}

// Faults counts faults by kind.
type Faults struct {
	Error   int64 `json:"error"`
	Timeout int64 `json:"timeout"`
	Drop    int64 `json:"drop,omitempty"`
	Delay   int64 `json:"delay,omitempty"`
}

// ExchangeStats is a request and its reply (Reply 0: one-way): the
// duration from the request's send to the reply's arrival, over the runs
// in which the exchange ran, how often it failed after its retries, and
// its share of the end-to-end time spent on it along the critical path.
type ExchangeStats struct {
	Request int `json:"request"`
	// Reply is the first reply in document order (0: none).
	Reply int `json:"reply"`
	// Replies lists every reply that closes the request, in document
	// order, when there is more than one: a request answered in different
	// places on different paths (a reply in each branch of an alt, an
	// error reply in a critical's option and the normal reply after the
	// block). Only the reply of the path a run takes closes it there.
	Replies           []int   `json:"replies,omitempty"`
	Duration          Stats   `json:"duration"`
	Failed            int64   `json:"failed"`
	CriticalPathShare float64 `json:"critical_path_share"`
	// CriticalPathNS is the time (ns, summed over runs) the exchange spent
	// on the critical path: the numerator of CriticalPathShare, kept so
	// that shares merge exactly.
	CriticalPathNS int64 `json:"critical_path_ns"`
	// Server is the duration of the callee's span, and Gap the client
	// duration less it (network and queueing), over the succeeded runs in
	// which the exchange had both spans. Trace checks only: nil in a
	// simulation (and after a merge).
	Server *Stats `json:"server,omitempty"`
	Gap    *Stats `json:"gap,omitempty"`
}

// Cascade is a root cause and what it failed: the message and fault where
// the failure started, the chain of exchanges it failed (request numbers,
// innermost first), in how many runs, and what happened to compensations.
type Cascade struct {
	Root         Root    `json:"root"`
	Runs         int64   `json:"runs"`
	Share        float64 `json:"share"`
	Chain        []int   `json:"chain"`
	Outcome      string  `json:"outcome"`
	Compensated  int64   `json:"compensated"`
	Inconsistent int64   `json:"inconsistent"`
	// Examples are trace ids in which the cascade happened (trace checks).
	Examples []string `json:"examples,omitempty"`
	// Fork is the number of the async message whose fork the failure
	// happened in (0: the main timeline). A fork's failure fails the run,
	// but the initiator never sees it: end_to_end is not cut, and only
	// the fork's own steps are compensated, inside the fork.
	Fork int `json:"fork,omitempty"`
	// TimeToFailure is when the failure happened, from the run's start:
	// when the initiator saw it on the main timeline, when the fork
	// failed in a fork.
	TimeToFailure Stats `json:"time_to_failure"`
}

// Root is where a failure started.
type Root struct {
	N     int    `json:"n"`
	Fault string `json:"fault"`
}

// SLOVerdict is one SLO target: "end_to_end p95 <= 3s", the observed value
// (milliseconds, or a share for rates), and whether it held. Metric,
// N, Quantile, LimitMS and Share restate the target so that a merged result
// can judge it again: Metric is end_to_end, completion, system_time,
// message, exchange (N names the message or the exchange's request) or
// failed (Share is the bound on failed + inconsistent runs).
type SLOVerdict struct {
	Target     string  `json:"target"`
	ObservedMS float64 `json:"observed_ms"`
	Observed   float64 `json:"observed,omitempty"`
	OK         bool    `json:"ok"`
	Metric     string  `json:"metric,omitempty"`
	N          int     `json:"n,omitempty"`
	Quantile   float64 `json:"quantile,omitempty"`
	LimitMS    float64 `json:"limit_ms,omitempty"`
	Share      float64 `json:"share,omitempty"`
	// NoData is true when nothing was measured (the step never ran): the
	// target is not breached, and not shown as met by a 0.
	NoData bool `json:"no_data,omitempty"`
}

// Input describes the trace files read.
type Input struct {
	Files     int       `json:"files"`
	Traces    int64     `json:"traces"`
	Spans     int64     `json:"spans"`
	Malformed int64     `json:"malformed"`
	Problems  []Problem `json:"problems"`
}

// Problem is a span or trace that could not be used, and why.
type Problem struct {
	File    string `json:"file"`
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Reason  string `json:"reason"`
}

// Conformance is how far traces follow the diagram.
type Conformance struct {
	Traces           int64       `json:"traces"`
	Conforming       int64       `json:"conforming"`
	Fitness          float64     `json:"fitness"`
	Deviations       []Deviation `json:"deviations"`
	UnmappedServices []string    `json:"unmapped_services"`
	// Unmapped lists what the mapping could not place, most spans first:
	// services no participant maps to, and span names no message matches,
	// each with counts and the nearest participant or message.
	// UnmappedMore counts the spans of those left out: the list stops at
	// MaxUnmapped entries (see MergeUnmapped).
	Unmapped     []Unmapped `json:"unmapped,omitempty"`
	UnmappedMore int64      `json:"unmapped_more,omitempty"`
}

// Unmapped is a service or span name that the mapping could not place.
type Unmapped struct {
	// Kind is "service" (no participant maps to it) or "span" (a span of
	// a mapped service whose name no message from From to To matches).
	// It is "peer" for a name that a client span of From gives its
	// callee, one without spans of its own (peer.service,
	// server.address, db.system…; see trace.PeerKeys), when no
	// participant maps to it: Service is then that name.
	Kind    string `json:"kind"`
	Service string `json:"service"`
	// Name is the span name (kind span), with the path segments that
	// look like ids written {id}, or "METHOD route" when the name has no
	// path. From and To are the participants at either end ("" where
	// none is known); a peer has From only.
	Name string `json:"name,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Spans counts the spans (of a service: all of them; of a peer or a
	// span name: the calls), Traces the traces they are in.
	Spans  int64 `json:"spans"`
	Traces int64 `json:"traces"`
	// Nearest is the participant id (service, peer) or message selector
	// (span) that resembles it most, "" when none is close (below 0.5);
	// Similarity is in [0, 1], two decimals. docs/map.md states how it
	// is measured.
	Nearest    string  `json:"nearest,omitempty"`
	Similarity float64 `json:"similarity,omitempty"`
}

// SlowCause is a root cause of slowness in a trace check: over the traces
// that were slow (SlowTraces says which), the exchange whose own time (its
// duration less the time its nested exchanges spend on its critical path)
// on the trace's critical path exceeded its typical own time the most,
// with the exchanges it slowed. Causes are keyed by N and Chain and
// ordered by CompareSlow: most traces first.
type SlowCause struct {
	// N is the exchange's request number; Chain the request numbers of
	// the exchange and of each exchange it was nested in, up to the
	// trace's root: the exchanges it slowed, innermost first (as a
	// cascade's chain).
	N     int   `json:"n"`
	Chain []int `json:"chain"`
	// Traces counts the slow traces it is the cause of; Share is that
	// over SlowTraces.Traces.
	Traces int64   `json:"traces"`
	Share  float64 `json:"share"`
	// TypicalMS is the exchange's typical own time: the median of its
	// own time over its occurrences in the checked traces (with an
	// end_to_end SLO, in the traces within it).
	TypicalMS float64 `json:"typical_ms"`
	// Excess is the own time over TypicalMS, in the traces it is the
	// cause of.
	Excess Stats `json:"excess"`
	// Examples are up to three of those traces' ids, the largest excess
	// first.
	Examples []string `json:"examples"`
}

// Deviation is a kind of difference between traces and the diagram.
type Deviation struct {
	Kind     string   `json:"kind"`
	Message  string   `json:"message"`
	Traces   int64    `json:"traces"`
	Examples []string `json:"examples"`
}
