package flow

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/internal/suggest"
)

// lookupDiagram has duplicate selectors, messages that differ by their
// arrow only, names with dashes and a half arrow.
func lookupDiagram() *Diagram {
	return diagram(
		msg("Admin->>App", "Create new account"),
		msg("App->>Billing", "Provision subscription"),
		msg("Billing-->>App", "Subscription created"),
		msg("App->>IdP", "Retry"),
		msg("App->>IdP", "Retry"),
		msg("A->>B", "ping"),
		msg("A-)B", "ping"),
		msg("user-db->>App", "Rows  ready"),
		&Message{From: "A", To: "B", Arrow: ArrowSolidTop, Text: "half"},
	)
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		sel    string
		want   int      // N of the message found, 0 for an error
		errHas []string // substrings of the error
		sugg   []string // LookupError.Suggestions
		ambig  bool
		reason string
	}{
		{name: "selector", sel: "App->>Billing: Provision subscription", want: 2},
		{name: "number", sel: "#3", want: 3},
		{name: "number with spaces", sel: "  # 3 ", want: 3},
		{name: "whitespace", sel: "  App ->>   Billing :   Provision\tsubscription ", want: 2},
		{name: "any arrow", sel: "App-)Billing: Provision subscription", want: 2,
			reason: "the arrow only decides between messages that differ by it"},
		{name: "activation and central marks", sel: "App()->>+()Billing: Provision subscription", want: 2},
		{name: "arrow decides", sel: "A-)B: ping", want: 7},
		{name: "arrow decides, solid", sel: "A->>B: ping", want: 6},
		{name: "dashed name", sel: "user-db->>App: Rows ready", want: 8,
			reason: "names may hold single dashes; whitespace in the text collapses"},
		{name: "half arrow", sel: `A-|\B: half`, want: 9},
		{name: "half arrow written as another", sel: "A->>B: half", want: 9},
		{
			name:   "typo in a participant",
			sel:    "App->>Biling: Provision subscription",
			errHas: []string{`message "App->>Biling: Provision subscription" is not in the diagram`},
			sugg:   []string{"App->>Billing: Provision subscription"},
		},
		{
			name:   "case differs",
			sel:    "app->>billing: provision subscription",
			errHas: []string{},
			sugg:   []string{"App->>Billing: Provision subscription"},
		},
		{
			name:   "near miss with another arrow",
			sel:    "Billing->>App: Subscription create",
			errHas: []string{},
			sugg:   []string{"Billing-->>App: Subscription created"},
		},
		{
			name:   "unrelated text suggests messages between the same participants",
			sel:    "App->>Billing: Cancel everything now",
			errHas: []string{},
			sugg:   []string{"App->>Billing: Provision subscription"},
		},
		{
			name:   "near a duplicate selector suggests numbers",
			sel:    "App->>IdP: Retyr",
			errHas: []string{},
			sugg:   []string{"#4", "#5"},
		},
		{
			name:   "nothing close",
			sel:    "Foo->>Bar: something else entirely",
			errHas: []string{`is not in the diagram`},
		},
		{
			name:   "ambiguous",
			sel:    "App->>IdP: Retry",
			errHas: []string{`message "App->>IdP: Retry" is ambiguous`, `"#4" or "#5"`},
			sugg:   []string{"#4", "#5"},
			ambig:  true,
		},
		{
			name:   "ambiguous across arrows",
			sel:    "A-->>B: ping",
			errHas: []string{`is ambiguous`, `"#6" or "#7"`},
			sugg:   []string{"#6", "#7"},
			ambig:  true,
			reason: "the written arrow is neither message's, so it cannot decide",
		},
		{name: "number out of range", sel: "#10", errHas: []string{`message "#10": the diagram has 9 messages`}},
		{name: "number zero", sel: "#0", errHas: []string{`the diagram has 9 messages`}},
		{name: "not a number", sel: "#x", errHas: []string{`after # want a message number`}},
		{
			name:   "no colon",
			sel:    "App->>Billing Provision subscription",
			errHas: []string{`want "From->>To: text" or "#N"`},
			sugg:   []string{"App->>Billing: Provision subscription"},
		},
	}
	d := lookupDiagram()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := d.Lookup(tc.sel)
			if tc.want != 0 {
				if err != nil {
					t.Fatalf("Lookup(%q): %v (%s)", tc.sel, err, tc.reason)
				}
				if m.N != tc.want {
					t.Errorf("Lookup(%q) = #%d, want #%d (%s)", tc.sel, m.N, tc.want, tc.reason)
				}
				return
			}
			if err == nil {
				t.Fatalf("Lookup(%q) = #%d, want an error", tc.sel, m.N)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Lookup(%q) error %q lacks %q", tc.sel, err, s)
				}
			}
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("Lookup(%q) error %T, want *LookupError", tc.sel, err)
			}
			if diff := cmp.Diff(tc.sugg, le.Near(suggest.Rank)); diff != "" {
				t.Errorf("Lookup(%q) suggestions (-want +got):\n%s", tc.sel, diff)
			}
			if le.Ambiguous != tc.ambig {
				t.Errorf("Lookup(%q) Ambiguous = %v, want %v", tc.sel, le.Ambiguous, tc.ambig)
			}
		})
	}
}

// Every message's own selector finds it, unless another message has the
// same selector.
func TestLookupOwnSelector(t *testing.T) {
	for _, d := range []*Diagram{seed(), lookupDiagram()} {
		count := map[string]int{}
		for _, m := range d.Messages() {
			count[m.Selector()]++
		}
		for _, m := range d.Messages() {
			if count[m.Selector()] > 1 {
				continue // duplicates, covered by TestLookup
			}
			if got, err := d.Lookup(m.Selector()); err != nil || got != m {
				t.Errorf("Lookup(%q) = %v, %v; want #%d", m.Selector(), got, err, m.N)
			}
		}
	}
}

func blockDiagram() *Diagram {
	return diagram(
		msg("App->>Billing", "Provision subscription"),
		blocks(Alt,
			branch("alt", "subscription ok", msg("Billing-->>App", "Created")),
			branch("else", "card declined", msg("Billing--xApp", "Declined")),
			branch("else", "", msg("Billing--xApp", "Unknown"))),
		block(Loop, "poll  status", msg("App->>Billing", "Status")),
		blocks(Par,
			branch("par", "to EU", msg("App-)EU", "Replicate")),
			branch("and", "to US", msg("App-)US", "Replicate"))),
		blocks(Critical,
			branch("critical", "take lock", msg("App->>Lock", "Acquire")),
			branch("option", "lock busy", msg("App->>Queue", "Defer"))),
		block(Opt, "", msg("App->>Analytics", "Track")),
		block(Loop, "retry", msg("App->>Billing", "Retry")),
		block(Loop, "retry", msg("App->>IdP", "Retry")),
	)
}

func TestLookupBlock(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		line   int // line of the block's opening
		branch int
		errHas []string
		sugg   []string
		ambig  bool
	}{
		{name: "alt", key: "alt subscription ok", line: 3, branch: 0},
		{name: "else", key: "else card declined", line: 3, branch: 1},
		{name: "else without label", key: "else", line: 3, branch: 2},
		{name: "loop, whitespace collapsed", key: "loop   poll status", line: 10},
		{name: "keyword case", key: "LOOP poll status", line: 10},
		{name: "and", key: "and to US", line: 13, branch: 1},
		{name: "par", key: "par to EU", line: 13},
		{name: "option", key: "option lock busy", line: 18, branch: 1},
		{name: "opt without label", key: "opt", line: 23},
		{
			name:   "near miss",
			key:    "else card decline",
			errHas: []string{`block "else card decline" is not in the diagram`},
			sugg:   []string{"else card declined"},
		},
		{
			name:   "wrong keyword",
			key:    "alt card declined",
			errHas: []string{},
			sugg:   []string{"else card declined"},
		},
		{
			name:   "ambiguous",
			key:    "loop retry",
			errHas: []string{`block "loop retry" is ambiguous: 2 branches have that key (lines 26 and 29)`},
			ambig:  true,
		},
		{name: "empty", key: "  ", errHas: []string{"empty block key"}},
	}
	d := blockDiagram()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, i, err := d.LookupBlock(tc.key)
			if tc.errHas == nil {
				if err != nil {
					t.Fatalf("LookupBlock(%q): %v", tc.key, err)
				}
				if b.Pos.Line != tc.line || i != tc.branch {
					t.Errorf("LookupBlock(%q) = block at line %d, branch %d; want line %d, branch %d",
						tc.key, b.Pos.Line, i, tc.line, tc.branch)
				}
				return
			}
			if err == nil {
				t.Fatalf("LookupBlock(%q) succeeded, want an error", tc.key)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("LookupBlock(%q) error %q lacks %q", tc.key, err, s)
				}
			}
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("error %T, want *LookupError", err)
			}
			if diff := cmp.Diff(tc.sugg, le.Near(suggest.Rank)); diff != "" {
				t.Errorf("suggestions (-want +got):\n%s", diff)
			}
			if le.Ambiguous != tc.ambig {
				t.Errorf("Ambiguous = %v, want %v", le.Ambiguous, tc.ambig)
			}
		})
	}
}

func TestBlockKeys(t *testing.T) {
	var got []string
	for _, b := range blockDiagram().Blocks() {
		for i := range b.Branches {
			got = append(got, b.Key(i))
		}
	}
	want := []string{
		"alt subscription ok", "else card declined", "else",
		"loop poll status",
		"par to EU", "and to US",
		"critical take lock", "option lock busy",
		"opt",
		"loop retry", "loop retry",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestLookupWhen(t *testing.T) {
	tests := []struct {
		name   string
		when   string
		want   int
		fault  string
		errHas []string
		sugg   []string
	}{
		{name: "number", when: "#3 error", want: 3, fault: "error"},
		{name: "selector", when: "App->>Billing: Provision subscription fails", want: 2, fault: "fails"},
		{name: "fault case", when: "#2  TIMEOUT", want: 2, fault: "timeout"},
		{name: "drop", when: "#7 drop", want: 7, fault: "drop"},
		{name: "delay", when: "#1 delay", want: 1, fault: "delay"},
		{
			name:   "misspelt fault",
			when:   "#3 eror",
			errHas: []string{`when "#3 eror": the last word must be a fault: error, timeout, drop, delay or fails`},
			sugg:   []string{"#3 error"},
		},
		{
			name:   "no fault",
			when:   "#3",
			errHas: []string{`when "#3": want a message and a fault`},
		},
		{
			name:   "unknown message",
			when:   "App->>Biling: Provision subscription fails",
			errHas: []string{`when "App->>Biling: Provision subscription fails": message "App->>Biling: Provision subscription"`},
			sugg:   []string{"App->>Billing: Provision subscription"},
		},
	}
	d := lookupDiagram()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, fault, err := d.LookupWhen(tc.when)
			if tc.errHas == nil {
				if err != nil {
					t.Fatalf("LookupWhen(%q): %v", tc.when, err)
				}
				if m.N != tc.want || fault != tc.fault {
					t.Errorf("LookupWhen(%q) = #%d %s, want #%d %s", tc.when, m.N, fault, tc.want, tc.fault)
				}
				return
			}
			if err == nil {
				t.Fatalf("LookupWhen(%q) succeeded, want an error", tc.when)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("LookupWhen(%q) error %q lacks %q", tc.when, err, s)
				}
			}
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("error %T, want *LookupError", err)
			}
			if diff := cmp.Diff(tc.sugg, le.Near(suggest.Rank)); diff != "" {
				t.Errorf("suggestions (-want +got):\n%s", diff)
			}
		})
	}
}
