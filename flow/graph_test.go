package flow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Diagrams are built by hand: the parser is a separate package.

// msg is a message statement; the arrow is written between the names as
// in Mermaid ("App->>Billing"), split at the first arrow token.
func msg(head, text string) *Message {
	sp, ok := firstSplit(head)
	if !ok {
		panic("no arrow in " + head)
	}
	return &Message{From: sp.from, To: sp.to, Arrow: Arrow(sp.arrow), Text: text}
}

func branch(keyword, label string, stmts ...Statement) *Branch {
	return &Branch{Keyword: keyword, Label: label, Statements: stmts}
}

func block(kind BlockKind, label string, stmts ...Statement) *Block {
	return &Block{Kind: kind, Branches: []*Branch{branch(string(kind), label, stmts...)}}
}

// blocks is a block with further branches.
func blocks(kind BlockKind, first *Branch, more ...*Branch) *Block {
	return &Block{Kind: kind, Branches: append([]*Branch{first}, more...)}
}

// diagram numbers the messages and gives every statement a line, in
// document order, starting at line 2 (line 1 is sequenceDiagram).
func diagram(stmts ...Statement) *Diagram {
	d := &Diagram{Statements: stmts}
	line := 2
	var number func([]Statement)
	number = func(ss []Statement) {
		for _, s := range ss {
			switch s := s.(type) {
			case *Message:
				s.Pos = Pos{Line: line}
				line++
			case *Block:
				s.Pos = Pos{Line: line}
				for _, br := range s.Branches {
					br.Pos = Pos{Line: line} // the block's line, then each else/and/option line
					line++
					number(br.Statements)
				}
				s.End = Pos{Line: line}
				line++
			}
		}
	}
	number(stmts)
	d.Renumber()
	for _, m := range d.Messages() {
		if d.Participant(m.From) == nil {
			d.Participants = append(d.Participants, &Participant{ID: m.From, Label: m.From, Kind: KindParticipant})
		}
		if d.Participant(m.To) == nil {
			d.Participants = append(d.Participants, &Participant{ID: m.To, Label: m.To, Kind: KindParticipant})
		}
	}
	return d
}

// seed is the diagram of ../shared/seed/account-provisioning.txt.
func seed() *Diagram {
	d := diagram(
		msg("Admin->>App", "Create new account"),
		msg("App->>Billing", "Provision subscription"),
		msg("Billing-->>App", "Subscription created"),
		msg("App->>IdP", "Create tenant directory"),
		msg("IdP-->>App", "Directory provisioned"),
		msg("App->>IdP", "Invite first admin"),
		msg("IdP->>Email", "Send invite link"),
		msg("Email-->>IdP", "Sent"),
		msg("Admin->>IdP", "Accept invite"),
		msg("IdP->>App", "Set up workspace"),
		msg("App-->>Admin", "Account ready"),
	)
	d.Participants = []*Participant{
		{ID: "Admin", Label: "Admin", Kind: KindActor, Declared: true},
		{ID: "App", Label: "SaaS App", Kind: KindParticipant, Declared: true, Alias: true},
		{ID: "Billing", Label: "Billing", Kind: KindParticipant, Declared: true},
		{ID: "IdP", Label: "Identity Provider", Kind: KindParticipant, Declared: true, Alias: true},
		{ID: "Email", Label: "Email", Kind: KindParticipant, Declared: true},
	}
	return d
}

// row summarises what the graph says about one message.
type row struct {
	N       int
	Role    string
	ReplyTo int    // Message.ReplyTo
	Parent  int    // N of the parent exchange's request, for a non-reply
	Fork    int    // MessageInfo.Fork
	Path    string // branch keys, outermost first, joined by " / "
}

func (r row) String() string { return fmt.Sprintf("#%d %s", r.N, r.Role) }

func rows(g *Graph) []row {
	var rs []row
	for _, mi := range g.Messages {
		r := row{N: mi.Message.N, Role: mi.Role.String(), ReplyTo: mi.Message.ReplyTo, Fork: mi.Fork}
		if mi.Role != RoleReply && mi.Exchange.Parent != nil {
			r.Parent = mi.Exchange.Parent.Request.N
		}
		var keys []string
		for _, p := range mi.Path {
			keys = append(keys, p.Key())
		}
		r.Path = strings.Join(keys, " / ")
		rs = append(rs, r)
	}
	return rs
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name   string
		d      *Diagram
		want   []row
		reason string
	}{{
		name: "seed",
		d:    seed(),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request", Parent: 1},
			{N: 3, Role: "reply", ReplyTo: 2},
			{N: 4, Role: "request", Parent: 1},
			{N: 5, Role: "reply", ReplyTo: 4},
			{N: 6, Role: "one-way", Parent: 1},
			{N: 7, Role: "request", Parent: 6},
			{N: 8, Role: "reply", ReplyTo: 7},
			{N: 9, Role: "one-way"},
			{N: 10, Role: "one-way", Parent: 9},
			{N: 11, Role: "reply", ReplyTo: 1},
		},
		reason: "App-->>Admin closes the innermost open Admin->>App, #1, past the unanswered #6, #9 and #10; " +
			"IdP sends #10 while serving Admin's #9, the innermost open exchange whose callee is IdP",
	}, {
		name: "alt branches each close the same request",
		d: diagram(
			msg("App->>Billing", "Provision subscription"),
			blocks(Alt,
				branch("alt", "subscription ok", msg("Billing-->>App", "Subscription created")),
				branch("else", "card declined", msg("Billing--xApp", "Card declined"))),
			msg("Billing-->>App", "Late answer"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "reply", ReplyTo: 1, Path: "alt subscription ok"},
			{N: 3, Role: "reply", ReplyTo: 1, Path: "else card declined"},
			{N: 4, Role: "one-way"},
		},
		reason: "each branch starts from the requests open at the block's start; after the block #1 is closed",
	}, {
		name: "request answered in one branch only stays open on the other path",
		d: diagram(
			msg("App->>Billing", "Charge"),
			blocks(Critical,
				branch("critical", "charge", msg("Billing-->>App", "Charged")),
				branch("option", "billing down", msg("App->>Queue", "Park charge"))),
			msg("Billing-->>App", "Charged later"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "reply", ReplyTo: 1, Path: "critical charge"},
			{N: 3, Role: "one-way", Path: "option billing down"},
			{N: 4, Role: "reply", ReplyTo: 1},
		},
		reason: "pairing is per path: the option path leaves Charge open, and the reply after the block closes it there",
	}, {
		name: "error reply in an option, the normal reply after the block",
		d: diagram(
			msg("U->>API", "Login"),
			blocks(Critical,
				branch("critical", "lock", msg("API->>DB", "Lock"), msg("DB-->>API", "Locked")),
				branch("option", "busy", msg("API--xU", "503"))),
			msg("API-->>U", "Token"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request", Parent: 1, Path: "critical lock"},
			{N: 3, Role: "reply", ReplyTo: 2, Path: "critical lock"},
			{N: 4, Role: "reply", ReplyTo: 1, Path: "option busy"},
			{N: 5, Role: "reply", ReplyTo: 1},
		},
	}, {
		name: "opt, loop and break may be skipped: a reply after them closes the request on that path",
		d: diagram(
			msg("A->>B", "One"),
			block(Opt, "cached", msg("B-->>A", "Cached")),
			msg("B-->>A", "Fresh"),
			msg("A->>B", "Two"),
			block(Loop, "events", msg("B-->>A", "Event")),
			msg("B-->>A", "Bye"),
			msg("A->>B", "Three"),
			block(Break, "not found", msg("B--xA", "404")),
			msg("B-->>A", "200"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "reply", ReplyTo: 1, Path: "opt cached"},
			{N: 3, Role: "reply", ReplyTo: 1},
			{N: 4, Role: "request"},
			{N: 5, Role: "reply", ReplyTo: 4, Path: "loop events"},
			{N: 6, Role: "reply", ReplyTo: 4},
			{N: 7, Role: "request"},
			{N: 8, Role: "reply", ReplyTo: 7, Path: "break not found"},
			{N: 9, Role: "reply", ReplyTo: 7},
		},
	}, {
		name: "every par branch runs: a reply in one closes the request after the block",
		d: diagram(
			msg("A->>B", "Start"),
			blocks(Par,
				branch("par", "ack", msg("B-->>A", "Ack"), msg("A->>C", "Next")),
				branch("and", "work", msg("B->>D", "Work"))),
			msg("B-->>A", "Late"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "reply", ReplyTo: 1, Path: "par ack"},
			{N: 3, Role: "one-way", Path: "par ack"},
			{N: 4, Role: "one-way", Parent: 1, Path: "and work"},
			{N: 5, Role: "one-way"},
		},
	}, {
		name: "request opened in a branch and not closed there stays unanswered",
		d: diagram(
			msg("A->>B", "Start"),
			block(Opt, "check", msg("B->>C", "Check")),
			msg("C-->>B", "Checked"),
			msg("B-->>A", "Done"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "one-way", Parent: 1, Path: "opt check"},
			{N: 3, Role: "one-way"},
			{N: 4, Role: "reply", ReplyTo: 1},
		},
		reason: "the opt may not run, so nothing after it closes a request sent inside it",
	}, {
		name: "loop body pairs like a sequence and answers an outer request",
		d: diagram(
			msg("App->>Svc", "Start job"),
			block(Loop, "poll status",
				msg("App->>Svc", "Status"),
				msg("Svc-->>App", "Running"),
				msg("Svc-->>App", "Job done"),
			),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request", Path: "loop poll status"},
			{N: 3, Role: "reply", ReplyTo: 2, Path: "loop poll status"},
			{N: 4, Role: "reply", ReplyTo: 1, Path: "loop poll status"},
		},
	}, {
		name: "rect is transparent",
		d: diagram(
			msg("A->>B", "Open"),
			block(Rect, "rgb(200, 220, 255)",
				msg("B->>C", "Inner"),
			),
			msg("C-->>B", "Inner done"),
			msg("B-->>A", "Done"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request", Parent: 1, Path: "rect rgb(200, 220, 255)"},
			{N: 3, Role: "reply", ReplyTo: 2},
			{N: 4, Role: "reply", ReplyTo: 1},
		},
		reason: "rect only colours the diagram, so a request inside it may be answered after it",
	}, {
		name: "nested exchanges and parent chains",
		d: diagram(
			msg("Web->>API", "Checkout"),
			msg("API->>Orders", "Create order"),
			msg("Orders->>DB", "Insert"),
			msg("DB-->>Orders", "Inserted"),
			msg("Orders-->>API", "Order 42"),
			msg("API->>Payments", "Charge"),
			msg("Payments->>Payments", "Fraud check"),
			msg("Payments-->>Payments", "Clean"),
			msg("Payments-->>API", "Charged"),
			msg("API-->>Web", "Confirmation"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request", Parent: 1},
			{N: 3, Role: "request", Parent: 2},
			{N: 4, Role: "reply", ReplyTo: 3},
			{N: 5, Role: "reply", ReplyTo: 2},
			{N: 6, Role: "request", Parent: 1},
			{N: 7, Role: "request", Parent: 6},
			{N: 8, Role: "reply", ReplyTo: 7},
			{N: 9, Role: "reply", ReplyTo: 6},
			{N: 10, Role: "reply", ReplyTo: 1},
		},
		reason: "a self-call is an exchange whose caller and callee are the same participant",
	}, {
		name: "innermost open request wins",
		d: diagram(
			msg("A->>B", "First"),
			msg("A->>B", "Second"),
			msg("B-->>A", "Answer"),
			msg("B-->>A", "Answer"),
			msg("B-->>A", "Stray"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "request"},
			{N: 3, Role: "reply", ReplyTo: 2},
			{N: 4, Role: "reply", ReplyTo: 1},
			{N: 5, Role: "one-way"},
		},
	}, {
		name: "fork ended by a message from an unreached participant",
		d: diagram(
			msg("Admin->>App", "Create"),
			msg("App-)Email", "Send welcome"),
			msg("Email->>SMTP", "Deliver"),
			msg("SMTP-->>Email", "Accepted"),
			msg("Email-)Analytics", "Track"),
			msg("Analytics->>Warehouse", "Store"),
			msg("SMTP->>Bounce", "Check"),
			msg("App-->>Admin", "Done"),
			msg("Email->>SMTP", "Follow up"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "async", Parent: 1},
			{N: 3, Role: "request", Parent: 2, Fork: 2},
			{N: 4, Role: "reply", ReplyTo: 3, Fork: 2},
			{N: 5, Role: "async", Parent: 2, Fork: 2},
			{N: 6, Role: "one-way", Parent: 5, Fork: 5},
			{N: 7, Role: "one-way", Fork: 2},
			{N: 8, Role: "reply", ReplyTo: 1},
			{N: 9, Role: "one-way"},
		},
		reason: "#7: SMTP was not reached by fork 5, which ends, but was by fork 2; " +
			"#8: App was never reached, so both forks end; #9: Email runs on the main timeline once its fork ended",
	}, {
		name: "fork ends at the end of its branch",
		d: diagram(
			msg("Admin->>App", "Create"),
			blocks(Par,
				branch("par", "to EU",
					msg("App-)EU", "Replicate"),
					msg("EU->>EUDB", "Write")),
				branch("and", "to US",
					msg("App-)US", "Replicate"),
					msg("US->>USDB", "Write"))),
			msg("EU->>EUDB", "Verify"),
			msg("App-->>Admin", "Done"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "async", Parent: 1, Path: "par to EU"},
			{N: 3, Role: "one-way", Parent: 2, Fork: 2, Path: "par to EU"},
			{N: 4, Role: "async", Parent: 1, Path: "and to US"},
			{N: 5, Role: "one-way", Parent: 4, Fork: 4, Path: "and to US"},
			{N: 6, Role: "one-way"},
			{N: 7, Role: "reply", ReplyTo: 1},
		},
	}, {
		name: "fork continues through a block only if every branch keeps it",
		d: diagram(
			msg("App-)Queue", "Publish"),
			msg("Queue->>Worker", "Deliver"),
			blocks(Alt,
				branch("alt", "ok", msg("Worker-->>Queue", "Ack")),
				branch("else", "failed", msg("Worker--xQueue", "Nack"))),
			msg("Queue->>Worker", "Next"),
			block(Opt, "audit", msg("App->>DB", "Log")),
			msg("Queue->>Worker", "Again"),
		),
		want: []row{
			{N: 1, Role: "async"},
			{N: 2, Role: "request", Parent: 1, Fork: 1},
			{N: 3, Role: "reply", ReplyTo: 2, Fork: 1, Path: "alt ok"},
			{N: 4, Role: "reply", ReplyTo: 2, Fork: 1, Path: "else failed"},
			{N: 5, Role: "one-way", Parent: 1, Fork: 1},
			{N: 6, Role: "one-way", Path: "opt audit"},
			{N: 7, Role: "one-way"},
		},
		reason: "the opt's branch ends fork 1 (App was not reached), so after the opt Queue is on the main timeline",
	}, {
		name: "callback into the sender, then its answer to its own caller",
		d: diagram(
			msg("Admin->>App", "Create"),
			msg("App-)Email", "Welcome"),
			msg("Email->>App", "Fetch template"),
			msg("App-->>Email", "Template"),
			msg("App-->>Admin", "Done"),
		),
		want: []row{
			{N: 1, Role: "request"},
			{N: 2, Role: "async", Parent: 1},
			{N: 3, Role: "request", Parent: 2, Fork: 2},
			{N: 4, Role: "reply", ReplyTo: 3, Fork: 2},
			{N: 5, Role: "reply", ReplyTo: 1},
		},
		reason: "App is reached by the fork (#3 is sent to it), but #5 closes #1, sent before the fork, so it is main-timeline work",
	}, {
		name: "async messages are never paired",
		d: diagram(
			msg("A-)B", "Event"),
			msg("B--)A", "Event ack"),
			msg("B-->>A", "Answer"),
		),
		want: []row{
			{N: 1, Role: "async"},
			{N: 2, Role: "async", Parent: 1, Fork: 1},
			{N: 3, Role: "one-way", Parent: 1, Fork: 1},
		},
		reason: "#2 starts fork 2, which has reached only A, so B's #3 continues fork 1, serving #1",
	}, {
		name: "nested blocks give the path",
		d: diagram(
			block(Loop, "poll   status",
				blocks(Alt,
					branch("alt", "ready", msg("A->>B", "Fetch")),
					branch("else", "", msg("A->>B", "Wait")))),
		),
		want: []row{
			{N: 1, Role: "one-way", Path: "loop poll status / alt ready"},
			{N: 2, Role: "one-way", Path: "loop poll status / else"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Build(tc.d)
			if diff := cmp.Diff(tc.want, rows(g)); diff != "" {
				t.Errorf("graph mismatch (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func TestArrowRoles(t *testing.T) {
	for _, a := range Arrows {
		t.Run(string(a), func(t *testing.T) {
			// a as the opening message.
			g := Build(diagram(
				&Message{From: "A", To: "B", Arrow: a, Text: "x"},
				msg("B-->>A", "y"),
			))
			var want Role
			switch {
			case a.Async():
				want = RoleAsync
			case a.Dotted(), a == ArrowSolidCross:
				want = RoleOneWay
			default:
				want = RoleRequest
			}
			if got := g.Messages[0].Role; got != want {
				t.Errorf("A%sB then B-->>A: role of #1 = %v, want %v", a, got, want)
			}
			// a as the answer to an open request.
			g = Build(diagram(
				msg("A->>B", "x"),
				&Message{From: "B", To: "A", Arrow: a, Text: "y"},
			))
			want = RoleOneWay
			switch {
			case a.Async():
				want = RoleAsync
			case a.Dotted():
				want = RoleReply
			}
			if got := g.Messages[1].Role; got != want {
				t.Errorf("A->>B then B%sA: role of #2 = %v, want %v", a, got, want)
			}
		})
	}
}

func TestGraphAccessors(t *testing.T) {
	d := seed()
	g := Build(d)
	if len(g.Exchanges) != 7 {
		t.Fatalf("seed: %d exchanges, want 7 (11 messages, 4 replies)", len(g.Exchanges))
	}
	e := g.Message(1).Exchange
	if e.Reply == nil || e.Reply.N != 11 || e.Unanswered() {
		t.Errorf("#1: reply %v, want #11", e.Reply)
	}
	var unanswered []int
	for _, e := range g.Exchanges {
		if e.Unanswered() {
			unanswered = append(unanswered, e.Request.N)
		}
	}
	if diff := cmp.Diff([]int{6, 9, 10}, unanswered); diff != "" {
		t.Errorf("unanswered requests (-want +got):\n%s", diff)
	}
	var chain []int
	for _, x := range g.Message(7).Exchange.Chain() {
		chain = append(chain, x.Request.N)
	}
	if diff := cmp.Diff([]int{7, 6, 1}, chain); diff != "" {
		t.Errorf("chain of #7 (-want +got):\n%s", diff)
	}
	var children []int
	for _, c := range g.Message(1).Exchange.Children {
		children = append(children, c.Request.N)
	}
	if diff := cmp.Diff([]int{2, 4, 6}, children); diff != "" {
		t.Errorf("children of #1 (-want +got):\n%s", diff)
	}
	if g.Info(d.Messages()[2]) != g.Message(3) || g.Message(0) != nil || g.Message(12) != nil {
		t.Error("Info and Message disagree")
	}
	for i, x := range g.Exchanges {
		if x.Index != i {
			t.Errorf("Exchanges[%d].Index = %d", i, x.Index)
		}
	}
	if n := len(g.Fork(0)); n != 11 {
		t.Errorf("main timeline has %d messages, want 11", n)
	}
}

func TestPairResetsReplyTo(t *testing.T) {
	d := seed()
	for _, m := range d.Messages() {
		m.ReplyTo = 99
	}
	Pair(d)
	var got []int
	for _, m := range d.Messages() {
		got = append(got, m.ReplyTo)
	}
	want := []int{0, 0, 2, 0, 4, 0, 0, 7, 0, 0, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReplyTo (-want +got):\n%s", diff)
	}
}

func TestForkMessages(t *testing.T) {
	g := Build(diagram(
		msg("App-)Email", "Welcome"),
		msg("Email->>SMTP", "Deliver"),
		msg("SMTP-->>Email", "Ok"),
		msg("App->>DB", "Save"),
	))
	var got []int
	for _, mi := range g.Fork(1) {
		got = append(got, mi.Message.N)
	}
	if diff := cmp.Diff([]int{2, 3}, got); diff != "" {
		t.Errorf("fork 1 (-want +got):\n%s", diff)
	}
}
