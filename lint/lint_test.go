package lint_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/lint"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/sim"
)

// lintCase is a diagram, a profile ("" for none) and the findings it
// must give, each "rule severity file:line", and texts the findings
// must contain.
type lintCase struct {
	name     string
	diagram  string
	profile  string
	want     []string
	contains []string
}

func run(t *testing.T, tc lintCase) []lint.Finding {
	t.Helper()
	d, err := parser.Parse("d.mmd", []byte(tc.diagram))
	if err != nil {
		t.Fatal(err)
	}
	var p *sim.Profile
	if tc.profile != "" {
		if p, err = sim.LoadProfileLint("p.yaml", []byte(tc.profile), d, ""); err != nil {
			t.Fatal(err)
		}
	}
	return lint.Lint(d, p)
}

func check(t *testing.T, tc lintCase) {
	t.Helper()
	fs := run(t, tc)
	got := []string{}
	var all strings.Builder
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Severity, f.Pos.File, f.Pos.Line))
		fmt.Fprintf(&all, "%s\n%s\n", f.Message, f.Fix)
		if f.Fix == "" || f.Message == "" || f.Pos.Line == 0 {
			t.Errorf("finding without a message, fix or line: %+v", f)
		}
	}
	if tc.want == nil {
		tc.want = []string{}
	}
	if diff := cmp.Diff(tc.want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s\n%s", diff, all.String())
	}
	for _, s := range tc.contains {
		if !strings.Contains(all.String(), s) {
			t.Errorf("no finding says %q:\n%s", s, all.String())
		}
	}
}

const payChain = `sequenceDiagram
participant Shop
participant Pay
participant Bank
Shop->>Pay: Charge card
Pay->>Bank: Authorize
Bank-->>Pay: Authorized
Pay-->>Shop: Charged
`

func TestTimeoutsAndRetries(t *testing.T) {
	for _, tc := range []lintCase{
		{name: "inner attempts exceed the caller's timeout", diagram: payChain,
			profile: "messages:\n  \"#1\": {timeout: 2s}\n  \"#2\": {timeout: 1s, retry: {attempts: 3, backoff: 100ms}, idempotent: true}\n",
			want:    []string{"timeout-exceeds-caller error d.mmd:6"},
			contains: []string{"#2 Pay->>Bank: Authorize can take 3.3s (timeout 1s × 3 attempts + 300ms backoff)",
				"its caller #1 Shop->>Pay: Charge card waits (timeout 2s)", `"Pay->>Bank: Authorize": {timeout: 566ms}`}},
		{name: "inner attempts fit", diagram: payChain,
			profile: "messages:\n  \"#1\": {timeout: 2s}\n  \"#2\": {timeout: 500ms, retry: {attempts: 3, backoff: 100ms}, idempotent: true}\n"},
		{name: "a deadline bounds the retries", diagram: payChain,
			profile: "messages:\n  \"#1\": {timeout: 2s}\n  \"#2\": {timeout: 1s, deadline: 1500ms, retry: {attempts: 3}, idempotent: true}\n"},
		{name: "the caller's deadline is the limit", diagram: payChain,
			profile:  "messages:\n  \"#1\": {timeout: 0, deadline: 1s}\n  \"#2\": {timeout: 2s}\n",
			want:     []string{"timeout-exceeds-caller error d.mmd:6"},
			contains: []string{"(deadline 1s)"}},
		{name: "default timeouts fit", diagram: payChain, profile: "defaults: {latency: 10ms}\n"},
		{name: "retries without idempotent", diagram: payChain,
			profile:  "messages:\n  \"#2\": {timeout: 100ms, retry: {attempts: 3}}\n",
			want:     []string{"retry-not-idempotent warning d.mmd:6"},
			contains: []string{"#2 Pay->>Bank: Authorize is retried (3 attempts) but not marked idempotent", `"Pay->>Bank: Authorize": {idempotent: true}`}},
		{name: "retries from defaults", diagram: payChain,
			profile: "defaults: {retry: {attempts: 2}, timeout: 1s}\nmessages:\n  \"#2\": {idempotent: true, timeout: 100ms}\n",
			want:    []string{"retry-not-idempotent warning d.mmd:5"}},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

const saga = `sequenceDiagram
participant App
participant Billing
participant IdP
App->>Billing: Provision subscription
Billing-->>App: Subscription created
App->>IdP: Create tenant
IdP-->>App: Tenant created
`

const sagaHandled = `sequenceDiagram
participant App
participant Billing
participant IdP
App->>Billing: Provision subscription
Billing-->>App: Subscription created
App->>IdP: Create tenant
alt tenant ok
  IdP-->>App: Tenant created
else tenant refused
  IdP--xApp: Refused
  App->>Billing: Cancel subscription
  Billing-->>App: Cancelled
end
`

func TestUnhandledFailure(t *testing.T) {
	comp := "messages:\n  \"#1\": {compensate: [\"App->>Billing: Cancel subscription\"]}\n"
	for _, tc := range []lintCase{
		{name: "fails after a compensable step", diagram: saga,
			profile:  comp + "  \"#3\": {fault: {rate: 0.01, kind: error}}\n",
			want:     []string{"unhandled-failure warning d.mmd:7"},
			contains: []string{"#3 App->>IdP: Create tenant can fail (error 1%) after #1 App->>Billing: Provision subscription", `{when: "#3 fails"}`, `{expect: [error]}`}},
		{name: "its own compensation", diagram: saga,
			profile: comp + "  \"#3\": {fault: {rate: 0.01, kind: error}, compensate: [\"App->>IdP: Delete tenant\"]}\n"},
		{name: "expected", diagram: saga,
			profile: comp + "  \"#3\": {fault: {rate: 0.01, kind: error}, expect: fails}\n"},
		{name: "expected for another kind only", diagram: saga,
			profile: comp + "  \"#3\": {fault: [{rate: 0.01, kind: error}, {rate: 0.01, kind: timeout}], expect: error}\n",
			want:    []string{"unhandled-failure warning d.mmd:7"}, contains: []string{"(timeout 1%)"}},
		{name: "no compensable step before it", diagram: saga,
			profile: "messages:\n  \"#3\": {fault: {rate: 0.01, kind: error}}\n"},
		{name: "an unbound branch after it could handle it", diagram: sagaHandled,
			profile:  comp + "  \"#3\": {fault: {rate: 0.01, kind: error}}\n",
			want:     []string{"unhandled-failure warning d.mmd:7"},
			contains: []string{`handle it in "else tenant refused" (blocks: {"else tenant refused": {when: "#3 fails"}})`}},
		{name: "a bound branch handles it", diagram: sagaHandled,
			profile: comp + "  \"#3\": {fault: {rate: 0.01, kind: error}}\nblocks:\n  \"else tenant refused\": {when: \"#3 fails\"}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

func TestStructure(t *testing.T) {
	for _, tc := range []lintCase{
		{name: "unused, orphan reply, unanswered", diagram: `sequenceDiagram
participant A
participant B
participant Unused
A-->>B: Stray
A->>B: Ping
A-)B: Notify
A-xB: Lost
`, want: []string{"unused-participant warning d.mmd:4", "reply-without-request warning d.mmd:5", "unanswered-request warning d.mmd:6"},
			contains: []string{"participant Unused is declared but no message uses it", "reply #1 A-->>B: Stray answers no request", "request #2 A->>B: Ping is never answered", "A-)B: Ping"}},
		{name: "an actor's unanswered request is a note", diagram: "sequenceDiagram\nactor U\nU->>A: Click\nA->>B: Call\nB-->>A: Done\n",
			want: []string{"unanswered-request note d.mmd:3"}},
		{name: "answered in every branch, notes, implicit participants, messages to oneself", diagram: `sequenceDiagram
participant Shop
participant Audit
Note over Audit: reads the logs
Shop->>Shop: Validate cart
Shop->>Pay: Charge
alt ok
  Pay-->>Shop: Charged
else declined
  Pay--xShop: Declined
end
`},
		{name: "the seed's structure", diagram: seed(t), want: []string{"unanswered-request warning d.mmd:12", "unanswered-request note d.mmd:15", "unanswered-request warning d.mmd:16"}},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

func TestSLO(t *testing.T) {
	form := "sequenceDiagram\nactor User\nparticipant Web\nparticipant DB\nUser->>Web: Submit form\nWeb->>DB: Store\nDB-->>Web: Stored\nWeb-->>User: Done\n"
	for _, tc := range []lintCase{
		{name: "human time under an end_to_end target", diagram: form,
			profile: "defaults: {latency: 10ms}\nslo:\n  end_to_end: {p95: 2s}\n",
			want:    []string{"slo-below-least-latency error p.yaml:3", "slo-includes-human-time warning p.yaml:3"},
			contains: []string{"slo end_to_end p95 <= 2s cannot hold: #1 User->>Web: Submit form alone has p95 15.3s (lognormal(median=3s, p99=30s), human time)", "raise the target to at least 15.3s (end_to_end: {p95: 16s})", "human time",
				"system_time: {p95: 2s}"}},
		{name: "human time beside a system_time target", diagram: form,
			profile: "defaults: {latency: 10ms}\nslo:\n  end_to_end: {p95: 1m}\n  system_time: {p95: 1s}\n",
			want:    []string{"slo-includes-human-time note p.yaml:3"}},
		{name: "the steps' least latencies add up", diagram: form,
			profile:  "defaults: {latency: uniform(100ms, 200ms)}\nslo:\n  system_time: {p50: 250ms}\n",
			want:     []string{"slo-below-least-latency error p.yaml:3"},
			contains: []string{"the 3 steps that run in every run take at least 300ms together"}},
		{name: "a message target under its latency", diagram: form,
			profile: "messages:\n  \"#2\": {latency: uniform(200ms, 300ms)}\nslo:\n  \"#2\": {p99: 100ms}\n",
			want:    []string{"slo-below-least-latency error p.yaml:4"}},
		{name: "targets that can hold", diagram: form,
			profile: "defaults: {latency: uniform(10ms, 20ms)}\nslo:\n  system_time: {p50: 100ms, p99: 1s}\n  \"#2\": {p99: 50ms}\n"},
		{name: "faults may end runs early", diagram: form,
			profile: "defaults: {latency: uniform(100ms, 200ms)}\nmessages:\n  \"#2\": {fault: {rate: 0.6, kind: error}}\nslo:\n  system_time: {p50: 250ms}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

const branches = `sequenceDiagram
participant A
participant B
A->>B: Pay
B-->>A: Paid
alt card ok
  A-)B: Ship
else card declined
  A-)B: Refund
else manual review
  A-)B: Review
end
opt analytics
  A-)B: Track
end
`

func TestUnreachableEntries(t *testing.T) {
	for _, tc := range []lintCase{
		{name: "zero weight, zero probability, a when the profile never injects", diagram: branches,
			profile: "blocks:\n  \"alt card ok\": {weights: [1, 0, 0]}\n  \"else card declined\": {when: \"#1 error\"}\n  \"opt analytics\": {probability: 0}\n",
			want:    []string{"branch-weight-zero warning p.yaml:2", "when-cannot-happen note p.yaml:3", "block-probability-zero warning p.yaml:4"},
			contains: []string{`branch "else manual review" has weight 0 and no when`, `"opt analytics" has probability 0`,
				`{fault: {rate: 0.01, kind: error}}`}},
		{name: "drop on a request", diagram: branches,
			profile: "blocks:\n  \"else card declined\": {when: \"#1 drop\"}\n",
			want:    []string{"when-cannot-happen warning p.yaml:2"}, contains: []string{"only async messages"}},
		{name: "timeout without a timeout", diagram: branches,
			profile: "messages:\n  \"#1\": {timeout: 0}\nblocks:\n  \"else card declined\": {when: \"#1 timeout\"}\n",
			want:    []string{"when-cannot-happen warning p.yaml:4"}, contains: []string{"no timeout or deadline"}},
		{name: "a latency whose tail passes the timeout times out on its own", diagram: branches,
			profile: "messages:\n  \"#1\": {latency: lognormal(median=1s, p99=10s), timeout: 2s}\nblocks:\n  \"else card declined\": {when: \"#1 timeout\"}\n"},
		{name: "a timeout the latency never reaches", diagram: branches,
			profile: "messages:\n  \"#1\": {latency: uniform(10ms, 20ms), timeout: 2s}\nblocks:\n  \"else card declined\": {when: \"#1 timeout\"}\n",
			want:    []string{"when-cannot-happen note p.yaml:4"}},
		{name: "a when before its message", diagram: "sequenceDiagram\nalt ok\n  A-)B: Ship\nelse failed\n  A-)B: Refund\nend\nA->>B: Pay\nB-->>A: Paid\n",
			profile: "messages:\n  \"#3\": {fault: {rate: 0.1, kind: error}}\nblocks:\n  \"else failed\": {when: \"#3 fails\"}\n",
			want:    []string{"when-cannot-happen warning p.yaml:4"}, contains: []string{"never takes it"}},
		{name: "drop on a synchronous message", diagram: branches,
			profile:  "messages:\n  \"#1\":\n    fault: [{rate: 0.1, kind: drop}, {rate: 0.1, kind: error}]\n  \"#3\": {fault: {rate: 0.1, kind: drop}}\n",
			want:     []string{"drop-on-sync error p.yaml:3"},
			contains: []string{`#1 "A->>B: Pay" is not one: the drop can never happen`}},
		{name: "bound and injected", diagram: branches,
			profile: "messages:\n  \"#1\": {fault: {rate: 0.1, kind: error}}\nblocks:\n  \"alt card ok\": {weights: [1, 0, 1]}\n  \"else card declined\": {when: \"#1 fails\"}\n  \"opt analytics\": {probability: 0.5}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

// seed is the bundled example's diagram, as the README runs it.
func seed(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../testdata/provisioning.mmd")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// A checkout a careful team would write: every request answered, retries
// only where idempotent, failures handled or compensated, SLOs the path
// can meet. Nothing to report.
func TestCleanCheckout(t *testing.T) {
	check(t, lintCase{name: "clean", diagram: `sequenceDiagram
actor Customer
participant Shop
participant Pay
participant Stock
participant Mail
Customer->>Shop: Place order
Shop->>Stock: Reserve items
Stock-->>Shop: Reserved
Shop->>Pay: Charge card
alt charged
  Pay-->>Shop: Charged
  Shop-)Mail: Send receipt
  Shop-->>Customer: Order confirmed
else declined
  Pay--xShop: Declined
  Shop->>Stock: Release items
  Stock-->>Shop: Released
  Shop-->>Customer: Payment declined
end
`, profile: `defaults: {latency: lognormal(median=20ms, p99=100ms), timeout: 2s}
messages:
  "Shop->>Stock: Reserve items":
    compensate: ["Shop->>Stock: Release items"]
    retry: {attempts: 3, backoff: 50ms}
    idempotent: true
  "Shop->>Pay: Charge card":
    timeout: 3s
    fault: {rate: 0.02, kind: error}
  "Shop-)Mail: Send receipt":
    fault: {rate: 0.01, kind: drop}
blocks:
  "else declined": {when: "Shop->>Pay: Charge card fails"}
slo:
  system_time: {p95: 1s, p99: 3s}
  failed: 1%
`})
}
