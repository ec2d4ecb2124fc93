// Package lint reports what a diagram and its profile imply before
// anything runs (`choreo lint`): timeouts that cannot fit their caller's,
// retries on messages not marked idempotent, failures after compensable
// steps that nothing handles or undoes, requests never answered, replies
// without a request, participants never used, SLOs that no run can meet
// or that include human time, and profile entries that can never take
// effect. Each [Finding] has a rule id, a severity, a position (the
// diagram's line for what concerns a message, the profile's for an entry
// only the profile has) and a fix.
//
// lint sits beside sim and above it: it reads sim's resolved
// [sim.Profile] (the settings the simulator would use, defaults applied)
// and sim's binding of bound branches ([sim.Handlers]), and runs nothing.
// Keeping it out of sim keeps sim about executing a flow; nothing but
// cmd/choreo imports lint.
//
// The rules, their severities and what each one checks are listed in
// [Rules] and documented in docs/lint.md. Findings render as text, JSON
// or SARIF 2.1.0 ([Write]).
package lint
