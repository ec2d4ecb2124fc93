// Package sim executes a flow: virtual-time Monte Carlo runs (Simulate),
// real-time runs against real systems (RunReal), fault-injection drills
// (Drill) in either clock, and the profiles that drive them (LoadProfile).
//
// The exported API is those entry points, their options, the profile
// model (Profile and the latency, fault and retry types it holds, so that
// a program can build or adjust a profile), and the per-run trace
// (RunTrace) handed to Options.Trace and RealOptions.Trace. Writing those
// traces as OTLP (the --traces file, the --otlp-endpoint exporter) is the
// CLI's business, in internal/otelexport; the ids a run sends to real
// systems and writes to traces come from internal/runid.
//
// # One runner, two clocks
//
// A diagram is compiled into a plan: each request grouped with the work it
// waits for and its reply (an exchange), async messages with their forks,
// blocks with their settings, and for every message the branch bound to
// its failure, if any. A runner evaluates the plan in causal order. In
// virtual time every message's latency and fault is drawn from run i's own
// source, PCG(seed, i), and nothing sleeps. In real time the same runner
// runs on the wall clock: a message whose receiver has an http or exec
// adapter is a real call, stubs sleep their sampled latency, and async
// forks and par branches run on goroutines. On the main timeline the draws
// are the same in both clocks, so a run without real failures, forks or
// par blocks ends the same way in both (forks and par branches draw from
// streams of their own in real time, derived from the run's).
//
// # Replies inside blocks
//
// An exchange's reply may sit inside a block of the work it waits for (a
// reply at the top of each alt branch, an error reply in a critical's
// option): the plan marks it (nReply), and the runner keeps a frame per
// exchange being served with the limit of its current attempt. When the
// flow reaches such a reply while the exchange is open, the reply ends the
// exchange where it stands: its duration, span and critical-path time end
// at the reply's arrival, and what follows runs under the caller's bound,
// outside the request's timeout and attempts (a failure there is the
// caller's: it is not retried with the request and does not name it in the
// chain). A reply reached when its exchange is already closed on the path
// (a second loop iteration, the normal reply after a block whose branch
// answered) is a one-way message. In a par whose branch answers a request
// sent before it, the branches without that reply are the callee's work
// beside the answer: the request's limit does not bound them (the limits
// around it still do), in both clocks. When several branches answer the
// same request, the first reply closes it — in virtual time the first in
// document order, in real time the first to arrive — and each branch's
// work before its reply is bounded by the request's limit.
//
// # Forks
//
// A fork's failure (a lost async message included) fails the run, but the
// initiator never sees it: the main timeline goes on and end_to_end is not
// cut. The steps that succeeded on that fork are compensated in the fork,
// from the failure; no step of another timeline is. A run has one cascade:
// the main timeline's failure when there is one (what the initiator saw),
// else the earliest fork failure, marked with its fork.
//
// # One message
//
// The order of the resilience settings of one message, outside in: the
// deadline bounds all attempts together; retries (attempts counts the
// first try, with backoff, multiplier, jitter and max between attempts)
// run inside it; the timeout bounds each attempt; each attempt draws its
// latency and fault anew. An attempt that a limit cuts fails at the limit;
// the callee's unfinished work is abandoned (in real time, cancelled
// through its context). When the attempts are spent, a branch bound to the
// failure (`when`) takes it forward (the run is handled); otherwise it
// fails the exchange that waited for it, and so on up the chain (a
// cascade). When the main timeline fails unhandled, the compensations of
// the messages that had succeeded run in reverse order; a compensation that
// fails leaves the run inconsistent.
//
// # Faults
//
// error, timeout, drop (async only) and delay, by rate, and optionally for
// the first K attempts of each run or within a window of session time. In
// real time they act in front of the real call: error aborts without
// sending, drop does not send, timeout holds the call until the caller's
// limit, delay waits and then sends.
//
// It imports report and flow, never trace or parser: cmd/choreo parses the
// diagram and hands sim a flow.Diagram.
package sim
