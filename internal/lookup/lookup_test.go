package lookup

import (
	"errors"
	"testing"

	"github.com/choreo-dev/choreo/flow"
)

func diagram() *flow.Diagram {
	m := func(from string, arrow flow.Arrow, to, text string) *flow.Message {
		return &flow.Message{From: from, Arrow: arrow, To: to, Text: text}
	}
	alt := &flow.Block{Kind: flow.Alt, Branches: []*flow.Branch{
		{Label: "subscription ok", Statements: []flow.Statement{m("Billing", flow.ArrowDotted, "App", "Created")}},
		{Label: "card declined", Statements: []flow.Statement{m("Billing", flow.ArrowDottedCross, "App", "Declined")}},
	}}
	d := &flow.Diagram{Statements: []flow.Statement{
		m("App", flow.ArrowSolid, "Billing", "Provision subscription"),
		alt,
		m("App", flow.ArrowSolid, "IdP", "Retry"),
		m("App", flow.ArrowSolid, "IdP", "Retry"),
	}}
	d.Renumber()
	return d
}

// Selectors, block keys and when strings get one did-you-mean, the one
// of internal/suggest; errors.As still finds flow's LookupError.
func TestExplain(t *testing.T) {
	d := diagram()
	lookup := func(q string) error { _, err := d.Lookup(q); return err }
	block := func(q string) error { _, _, err := d.LookupBlock(q); return err }
	when := func(q string) error { _, _, err := d.LookupWhen(q); return err }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{lookup("App->>Biling: Provision subscription"), `message "App->>Biling: Provision subscription" is not in the diagram; did you mean "App->>Billing: Provision subscription"?`},
		{lookup("App->>Billing: Cancel everything"), `message "App->>Billing: Cancel everything" is not in the diagram; did you mean "App->>Billing: Provision subscription"?`},
		{lookup("App->>IdP: Retyr"), `message "App->>IdP: Retyr" is not in the diagram; did you mean "#4" or "#5"?`},
		{lookup("App->>IdP: Retry"), `message "App->>IdP: Retry" is ambiguous: 2 messages have that selector; name one by number: "#4" or "#5"`},
		{lookup("X->>Y: nothing like it"), `message "X->>Y: nothing like it" is not in the diagram`},
		{block("else card decline"), `block "else card decline" is not in the diagram; did you mean "else card declined"?`},
		{when("#1 eror"), `when "#1 eror": the last word must be a fault: error, timeout, drop, delay or fails; did you mean "#1 error"?`},
		{when("#1 fials"), `when "#1 fials": the last word must be a fault: error, timeout, drop, delay or fails; did you mean "#1 fails"?`},
		{when("App->>Biling: Provision subscription fails"), `when "App->>Biling: Provision subscription fails": message "App->>Biling: Provision subscription" is not in the diagram; did you mean "App->>Billing: Provision subscription"?`},
		{errors.New("other"), "other"},
	} {
		got := Explain(tc.err)
		if got.Error() != tc.want {
			t.Errorf("Explain(%q)\n = %q\nwant %q", tc.err, got, tc.want)
		}
		var le *flow.LookupError
		if errors.As(tc.err, &le) && !errors.As(got, &le) {
			t.Errorf("Explain(%q) hides the LookupError", tc.err)
		}
	}
	if Explain(nil) != nil {
		t.Error("Explain(nil) != nil")
	}
}
