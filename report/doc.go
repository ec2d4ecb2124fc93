// Package report is the results vocabulary shared by simulation and trace
// checking — latency statistics, outcomes, cascades, SLO verdicts and
// conformance — and its renderers (text, JSON, Markdown, HTML, Mermaid).
//
// It imports only package flow; sim and trace both fill a report.Result.
// The package is being built (see the project's issues); this file fixes
// its place in the layout that cmd/choreo's layout test enforces.
package report
