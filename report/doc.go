// Package report is the results vocabulary shared by simulation and trace
// checking, and its renderers.
//
// # The vocabulary
//
// [Result] is what a simulation (`choreo sim`, `choreo drill`) or a trace
// check (`choreo check`) produces, with a stable, versioned JSON form
// (docs/result.md): outcomes, end_to_end, completion and system time,
// per-message latencies and faults, per-exchange durations and
// critical-path shares, failure cascades (root, chain, fork, time to
// failure, examples), slow root causes, SLO verdicts, and for trace checks
// the input read and the conformance to the diagram.
//
// One [Aggregate] builds every Result: the simulator's workers and the
// trace checker record runs, messages, exchanges and cascades into it by
// index, aggregates merge exactly (mergeable HdrHistograms, integer sums),
// and [Merge] joins shard results through it, byte for byte as one run
// would, refusing the same runs twice and results of another simulation,
// and marking a merge that leaves shards out partial (merge.go). Cascades are keyed, named and ordered in cascade.go
// ([CompareCascades]); SLO targets and their one judge are in slo.go
// ([Judge]).
//
// # Renderers
//
// [WriteText] (aligned terminal tables within [TextWidth] columns, each
// with a one-line legend), [WriteJSON], [WriteMarkdown] (an
// SLA document), [WriteHTML] (one self-contained page with SVG charts) and
// [WriteMermaid] (the diagram annotated with measured latencies) render a
// Result.
//
// Of this project it imports package flow and internal/mermaid (the
// diagram printer) only; sim and trace both fill a report.Result.
package report
