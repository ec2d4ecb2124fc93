package flow_test

import (
	"fmt"

	"github.com/choreo-dev/choreo/flow"
)

// The seed diagram, account provisioning, built by hand (package parser
// builds it from the Mermaid text).
func provisioning() *flow.Diagram {
	m := func(from string, arrow flow.Arrow, to, text string) *flow.Message {
		return &flow.Message{From: from, Arrow: arrow, To: to, Text: text}
	}
	d := &flow.Diagram{Statements: []flow.Statement{
		m("Admin", flow.ArrowSolid, "App", "Create new account"),
		m("App", flow.ArrowSolid, "Billing", "Provision subscription"),
		m("Billing", flow.ArrowDotted, "App", "Subscription created"),
		m("App", flow.ArrowSolid, "IdP", "Create tenant directory"),
		m("IdP", flow.ArrowDotted, "App", "Directory provisioned"),
		m("App", flow.ArrowSolid, "IdP", "Invite first admin"),
		m("IdP", flow.ArrowSolid, "Email", "Send invite link"),
		m("Email", flow.ArrowDotted, "IdP", "Sent"),
		m("Admin", flow.ArrowSolid, "IdP", "Accept invite"),
		m("IdP", flow.ArrowSolid, "App", "Set up workspace"),
		m("App", flow.ArrowDotted, "Admin", "Account ready"),
	}}
	d.Renumber()
	return d
}

func ExampleBuild() {
	g := flow.Build(provisioning())
	for _, e := range g.Exchanges {
		reply, parent := "-", "-"
		if e.Reply != nil {
			reply = fmt.Sprintf("#%d", e.Reply.N)
		}
		if e.Parent != nil {
			parent = fmt.Sprintf("#%d", e.Parent.Request.N)
		}
		fmt.Printf("#%-2d %-8s reply %-3s serves %-3s %s\n",
			e.Request.N, g.Info(e.Request).Role, reply, parent, e.Request.Selector())
	}
	// Output:
	// #1  request  reply #11 serves -   Admin->>App: Create new account
	// #2  request  reply #3  serves #1  App->>Billing: Provision subscription
	// #4  request  reply #5  serves #1  App->>IdP: Create tenant directory
	// #6  one-way  reply -   serves #1  App->>IdP: Invite first admin
	// #7  request  reply #8  serves #6  IdP->>Email: Send invite link
	// #9  one-way  reply -   serves -   Admin->>IdP: Accept invite
	// #10 one-way  reply -   serves #9  IdP->>App: Set up workspace
}

func ExampleDiagram_Lookup() {
	d := provisioning()
	m, _ := d.Lookup("App ->> Billing:  Provision subscription")
	fmt.Println(m.N)
	m, _ = d.Lookup("#3")
	fmt.Println(m.Selector())
	_, err := d.Lookup("App->>Biling: Provision subscription")
	fmt.Println(err)
	// Output:
	// 2
	// Billing-->>App: Subscription created
	// message "App->>Biling: Provision subscription" is not in the diagram
}

func ExampleDiagram_LookupWhen() {
	d := provisioning()
	m, fault, _ := d.LookupWhen("App->>Billing: Provision subscription fails")
	fmt.Println(m.N, fault)
	// Output:
	// 2 fails
}
