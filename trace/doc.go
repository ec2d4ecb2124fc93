// Package trace reads OTLP, Jaeger and Zipkin traces, maps spans to a
// diagram's messages, aligns observed exchanges with the flow and times
// them.
//
// It imports report and flow, never sim or parser. The package is being
// built (see the project's issues).
package trace
