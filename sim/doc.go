// Package sim executes a flow: virtual-time Monte Carlo runs, real-time
// drills against adapters, and the profiles that drive both.
//
// It imports report and flow, never trace or parser: cmd/choreo parses the
// diagram and hands sim a flow.Diagram. The package is being built (see the
// project's issues).
package sim
