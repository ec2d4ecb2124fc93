package trace

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
)

func provisioning(t *testing.T) *flow.Diagram {
	d, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	flow.Build(d)
	return d
}

const fixtureMapping = `participants:
  Email: {peer: [sendgrid, api.sendgrid.com]}
messages:
  "Admin->>App: Create new account": {http: POST /accounts}
  "App->>Billing: Provision subscription": {http: "POST /subscriptions"}
  "App->>IdP: Create tenant directory": {http: POST /directories}
  "App->>IdP: Invite first admin": POST /invitations
  "IdP->>Email: Send invite link": {span: [POST /v3/mail/send]}
`

func readTraces(t *testing.T, name string) []*Trace {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata/traces", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, name)
	if err != nil {
		t.Fatal(err)
	}
	var ts []*Trace
	for {
		tr, err := r.Next()
		if err == io.EOF {
			return ts
		}
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tr)
	}
}

func findTrace(t *testing.T, ts []*Trace, suffix string) *Trace {
	t.Helper()
	for _, tr := range ts {
		if strings.HasSuffix(tr.ID.String(), suffix) {
			return tr
		}
	}
	t.Fatalf("no trace %s", suffix)
	return nil
}

// want is one expected exchange: "From->>To: text", latencies in µs, the
// parent's index (-1 for none), the fault ("" if none).
type want struct {
	sel             string
	req, reply, dur int64
	parent          int
	fault           string
	peer            string
}

const ms = int64(time.Millisecond)

func checkExchanges(t *testing.T, o *Observed, ws []want) {
	t.Helper()
	if len(o.Exchanges) != len(ws) {
		for _, e := range o.Exchanges {
			t.Logf("got %s->%s %v", e.From, e.To, e.Message)
		}
		t.Fatalf("%d exchanges, want %d; unmapped %v", len(o.Exchanges), len(ws), o.UnmappedSpans)
	}
	for i, w := range ws {
		e := o.Exchanges[i]
		if e.Message == nil || e.Message.Selector() != w.sel {
			t.Errorf("#%d: message %v, want %s", i, e.Message, w.sel)
			continue
		}
		if e.RequestLatency != w.req*1000 || e.ReplyLatency != w.reply*1000 || e.Duration != w.dur*1000 {
			t.Errorf("#%d %s: latencies %d/%d/%d ns, want %d/%d/%d µs", i, w.sel, e.RequestLatency, e.ReplyLatency, e.Duration, w.req, w.reply, w.dur)
		}
		p := -1
		if e.Parent != nil {
			p = e.Parent.Index
		}
		if p != w.parent {
			t.Errorf("#%d %s: parent %d, want %d", i, w.sel, p, w.parent)
		}
		if e.Fault != w.fault || e.Failed != (w.fault != "") {
			t.Errorf("#%d %s: fault %v %q, want %q", i, w.sel, e.Failed, e.Fault, w.fault)
		}
		if e.Peer != w.peer {
			t.Errorf("#%d %s: peer %q, want %q", i, w.sel, e.Peer, w.peer)
		}
	}
}

func goodWant(peer string) []want {
	return []want{
		{"Admin->>App: Create new account", 0, 0, 900000, -1, "", ""},
		{"App->>Billing: Provision subscription", 5000, 10000, 140000, 0, "", ""},
		{"App->>IdP: Create tenant directory", 10000, 10000, 240000, 0, "", ""},
		{"App->>IdP: Invite first admin", 10000, 10000, 470000, 0, "", ""},
		{"IdP->>Email: Send invite link", 0, 0, 430000, 3, "", peer},
	}
}

var failedWant = []want{
	{"Admin->>App: Create new account", 0, 0, 300000, -1, "error", ""},
	{"App->>Billing: Provision subscription", 10000, 10000, 280000, 0, "error", ""},
}

func TestObserveFixtures(t *testing.T) {
	d := provisioning(t)
	m, err := LoadMapping("map.yaml", []byte(fixtureMapping), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, peer string
	}{
		{"otlp.json", "server.address"},
		{"otlp.pb", "server.address"},
		{"otlp-tempo-batches.json", "server.address"},
		{"jaeger-trace.json", "server.address"},
		{"jaeger-envelope.json", "server.address"},
		{"zipkin.json", "remoteEndpoint"},        // shared spans
		{"zipkin-traces.json", "remoteEndpoint"}, // shared spans, lower-cased names
	} {
		t.Run(tc.file, func(t *testing.T) {
			ts := readTraces(t, tc.file)
			o := Observe(findTrace(t, ts, "5b8efff798038103d269b633813fc60c"), m)
			checkExchanges(t, o, goodWant(tc.peer))
			if len(o.UnmappedSpans) != 0 || len(o.UnmappedServices) != 0 {
				t.Errorf("unmapped: %v %v", o.UnmappedSpans, o.UnmappedServices)
			}
			if e := o.Exchanges[1]; strings.HasPrefix(tc.file, "zipkin") && (e.Server == nil || !e.Server.Shared) {
				t.Errorf("zipkin: want the shared server half as callee, got %+v", e.Server)
			}
			if len(ts) > 1 {
				checkExchanges(t, Observe(findTrace(t, ts, "4bf92f3577b34da6"), m), failedWant)
			}
		})
	}
}

func TestObserveSkew(t *testing.T) {
	m, err := LoadMapping("map.yaml", []byte(fixtureMapping), provisioning(t))
	if err != nil {
		t.Fatal(err)
	}
	tr := findTrace(t, readTraces(t, "otlp.json"), "5b8efff798038103d269b633813fc60c")
	// Billing's clock is 20 ms behind: its server span starts 15 ms before
	// the client's. It is moved by that overhang to start with the client
	// (request 0); the 15 ms the 125 ms server leaves of the client's
	// 140 ms are the reply's.
	for i := range tr.Spans {
		if tr.Spans[i].Service == "billing" {
			tr.Spans[i].Start -= 20 * ms
			tr.Spans[i].End -= 20 * ms
		}
	}
	o := Observe(tr, m)
	w := goodWant("server.address")
	w[1].req, w[1].reply = 0, 15000
	checkExchanges(t, o, w)
	if o.Exchanges[1].Skew != 15*ms {
		t.Errorf("skew %d, want 15 ms", o.Exchanges[1].Skew)
	}

	// A server longer than its client that starts first is aligned on
	// the client's start.
	tr = findTrace(t, readTraces(t, "otlp.json"), "5b8efff798038103d269b633813fc60c")
	for i := range tr.Spans {
		if tr.Spans[i].Service == "idp" && tr.Spans[i].Name == "POST /directories" {
			tr.Spans[i].Start -= 100 * ms
		}
	}
	o = Observe(tr, m)
	if e := o.Exchanges[2]; e.RequestLatency != 0 || e.ReplyLatency != -80*ms || e.Message.Text != "Create tenant directory" {
		t.Errorf("long server: %d/%d %v", e.RequestLatency, e.ReplyLatency, e.Message)
	}
}

func TestObserveFaults(t *testing.T) {
	m, err := LoadMapping("map.yaml", []byte(fixtureMapping), provisioning(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(s *Span)
		fault string
	}{
		{"deadline", func(s *Span) { s.Status, s.StatusMessage = Error, "context deadline exceeded" }, report.FaultTimeout},
		{"504", func(s *Span) { s.Attrs = append(slicesDeleteStatus(s.Attrs), Attr{"http.status_code", "504"}) }, report.FaultTimeout},
		{"error.type", func(s *Span) { s.Status = Error; s.Attrs = append(s.Attrs, Attr{"error.type", "timeout"}) }, report.FaultTimeout},
		{"500", func(s *Span) { s.Attrs = append(slicesDeleteStatus(s.Attrs), Attr{"http.response.status_code", "500"}) }, report.FaultError},
		{"no answer", func(s *Span) {
			s.Status = Error
			s.Attrs = slicesDeleteStatus(s.Attrs)
		}, report.FaultTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := findTrace(t, readTraces(t, "otlp.json"), "5b8efff798038103d269b633813fc60c")
			for i := range tr.Spans {
				if tr.Spans[i].Name == "POST /v3/mail/send" {
					tc.edit(&tr.Spans[i])
				}
			}
			e := Observe(tr, m).Exchanges[4]
			if !e.Failed || e.Fault != tc.fault {
				t.Errorf("fault %v %q, want %q", e.Failed, e.Fault, tc.fault)
			}
		})
	}
}

func slicesDeleteStatus(as []Attr) []Attr {
	var out []Attr
	for _, a := range as {
		if !strings.Contains(a.Key, "status_code") {
			out = append(out, a)
		}
	}
	return out
}

func TestObserveDefaultMappingUnmapped(t *testing.T) {
	d := provisioning(t)
	tr := findTrace(t, readTraces(t, "otlp.json"), "5b8efff798038103d269b633813fc60c")
	o := Observe(tr, DefaultMapping(d))
	// The services match by name, but the HTTP routes are not the
	// diagram's texts, and api.sendgrid.com is no participant.
	if len(o.UnmappedServices) != 0 {
		t.Errorf("unmapped services %v", o.UnmappedServices)
	}
	if len(o.UnmappedSpans) != 5 {
		t.Errorf("unmapped spans: %v", o.UnmappedSpans)
	}
	for _, u := range o.UnmappedSpans {
		if u.Span.Name == "POST /v3/mail/send" && !strings.Contains(u.Reason, `server.address "api.sendgrid.com"`) {
			t.Errorf("reason %q", u.Reason)
		}
	}
	// An unknown service is listed.
	for i := range tr.Spans {
		if tr.Spans[i].Service == "billing" {
			tr.Spans[i].Service = "ledger"
		}
	}
	o = Observe(tr, DefaultMapping(d))
	if len(o.UnmappedServices) != 1 || o.UnmappedServices[0] != "ledger" {
		t.Errorf("unmapped services %v", o.UnmappedServices)
	}
}

func TestObserveSimulator(t *testing.T) {
	d := provisioning(t)
	m := DefaultMapping(d)
	ts := readTraces(t, "sim-provisioning.jsonl")
	if len(ts) == 0 {
		t.Fatal("no traces")
	}
	for _, tr := range ts {
		o := Observe(tr, m)
		if len(o.UnmappedServices) != 0 {
			t.Fatalf("%s: unmapped services %v", tr.ID, o.UnmappedServices)
		}
		clients := 0
		for i := range tr.Spans {
			if tr.Spans[i].Kind == Client {
				clients++
			}
		}
		if len(o.Exchanges) != clients {
			t.Fatalf("%s: %d exchanges for %d client spans", tr.ID, len(o.Exchanges), clients)
		}
		for _, e := range o.Exchanges {
			if e.Client == nil || e.Server == nil {
				t.Fatalf("%s: unpaired exchange %+v", tr.ID, e)
			}
			if _, comp := e.Client.Attr("choreo.compensation"); comp {
				if e.Message != nil {
					t.Errorf("compensation mapped to %v", e.Message)
				}
				continue
			}
			n, _ := e.Client.Attr("choreo.message.n")
			if e.Message == nil || strconv.Itoa(e.Message.N) != n {
				t.Fatalf("%s: span %q (message %s) mapped to %v", tr.ID, e.Client.Name, n, e.Message)
			}
			if e.RequestLatency < 0 || e.ReplyLatency < 0 {
				t.Errorf("%s: negative latency %+v", tr.ID, e)
			}
			if e.Failed != (e.Client.Status == Error) {
				t.Errorf("%s: failed %v for status %v", tr.ID, e.Failed, e.Client.Status)
			}
			if e.Parent != nil && e.Parent.Index >= e.Index {
				t.Errorf("%s: parent after child", tr.ID)
			}
		}
		for i := 1; i < len(o.Exchanges); i++ {
			if o.Exchanges[i].Start < o.Exchanges[i-1].Start {
				t.Errorf("%s: exchanges out of order", tr.ID)
			}
		}
	}
}

func TestLoadMappingErrors(t *testing.T) {
	d := provisioning(t)
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"participant", "participants:\n  Biling: billing-svc\n", []string{`map.yaml:2:3: participant "Biling" is not in the diagram; did you mean "Billing"?`}},
		{"message", "messages:\n  \"App->>Billing: Provision subscriptio\": x\n", []string{"map.yaml:2:3:", "did you mean", "App->>Billing: Provision subscription"}},
		{"key", "participant:\n  App: app\n", []string{`map.yaml:1:1: unknown key "participant"; did you mean "participants"?`}},
		{"message key", "messages:\n  \"#2\": {htp: POST /x}\n", []string{`map.yaml:2:10: unknown message key "htp"; did you mean "http"?`}},
		{"participant key", "participants:\n  App: {services: app}\n", []string{`map.yaml:2:9: unknown participant key "services"; did you mean "service"?`}},
		{"twice", "participants:\n  App: app\n  Billing: [app]\n", []string{`map.yaml:3:12: "app" is already mapped to App (line 2)`}},
		{"type", "participants: [App]\n", []string{"map.yaml:1:15: participants must be a mapping, not a list"}},
		{"yaml", "participants: {\n", []string{"map.yaml:", "YAML:"}},
		{"yaml line", "participants:\n  App: app\n  Billing: [billing\nmessages: {}\n",
			[]string{"map.yaml:3:3: YAML: did not find expected ',' or ']'"}},
		{"given twice", "participants:\n  App: app\n  App: app2\n", []string{`map.yaml:3:3: "App" is given twice (first at line 2)`}},
		{"all in file order", "messages:\n  \"#2\": {htp: x}\nparticipants:\n  Biling: b\n  App: {servce: a}\n",
			[]string{"map.yaml:2:10: unknown message key \"htp\"; did you mean \"http\"?; want span, http, rpc, destination\n" +
				"map.yaml:4:3: participant \"Biling\" is not in the diagram; did you mean \"Billing\"?\n" +
				"map.yaml:5:9: unknown participant key \"servce\"; did you mean \"service\"?; want service, peer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMapping("map.yaml", []byte(tc.src), d)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want %q", err, w)
				}
			}
		})
	}
}

func TestMappingMatching(t *testing.T) {
	d := provisioning(t)
	m, err := LoadMapping("map.yaml", []byte(`participants:
  App: {service: [saas-app]}
  IdP: {service: keycloak, peer: auth.example.com}
messages:
  "App->>IdP: Create tenant directory": {rpc: Directory/Create}
  "IdP->>Email: Send invite link": {destination: invites}
`), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		span Span
		id   string
		ok   bool
	}{
		{Span{Service: "SaaS_App"}, "App", true},
		{Span{Service: "app"}, "", false}, // the file replaced App's names
		{Span{Service: "BILLING"}, "Billing", true},
		{Span{Service: "KEYCLOAK"}, "IdP", true},
		{Span{Service: "e.mail"}, "Email", true},
	} {
		if id, ok := m.Participant(&tc.span); id != tc.id || ok != tc.ok {
			t.Errorf("Participant(%q) = %q %v", tc.span.Service, id, ok)
		}
	}
	peers := []struct {
		span Span
		id   string
	}{
		{Span{Attrs: []Attr{{"url.full", "https://auth.example.com/x"}}}, "IdP"},
		{Span{Attrs: []Attr{{"net.peer.name", "billing"}}}, "Billing"},
		{Span{Attrs: []Attr{{"db.system", "postgresql"}, {"rpc.service", "billing"}}}, "Billing"},
		{Span{Remote: Endpoint{Service: "email"}}, "Email"},
		{Span{Attrs: []Attr{{"peer.service", "nowhere"}}}, ""},
	}
	for _, tc := range peers {
		if id, _ := m.PeerParticipant(&tc.span); id != tc.id {
			t.Errorf("PeerParticipant(%v) = %q, want %q", tc.span, id, tc.id)
		}
	}
	msgs := []struct {
		from, to string
		span     Span
		n        int
	}{
		{"App", "IdP", Span{Attrs: []Attr{{"rpc.service", "Directory"}, {"rpc.method", "Create"}}}, 4},
		{"IdP", "Email", Span{Attrs: []Attr{{"messaging.destination.name", "invites"}}}, 7},
		{"App", "Billing", Span{Name: "provision_subscription"}, 2},
		{"App", "Billing", Span{Name: "x", Attrs: []Attr{{"http.method", "POST"}, {"http.target", "/provision-subscription?x=1"}}}, 0},
		{"Admin", "IdP", Span{Name: "HTTP POST", Attrs: []Attr{{"http.request.method", "accept"}, {"url.path", "invite"}}}, 9},
		{"Billing", "App", Span{Name: "Subscription created"}, 0}, // replies are not spans
	}
	for _, tc := range msgs {
		got, ok := m.Message(tc.from, tc.to, &tc.span)
		if n := 0; ok {
			n = got.N
			if n != tc.n {
				t.Errorf("Message(%s, %s, %q) = #%d, want #%d", tc.from, tc.to, tc.span.Name, n, tc.n)
			}
		} else if tc.n != 0 {
			t.Errorf("Message(%s, %s, %q) not found, want #%d", tc.from, tc.to, tc.span.Name, tc.n)
		}
	}
}

func TestDefaultMappingLabels(t *testing.T) {
	m := DefaultMapping(provisioning(t))
	for svc, want := range map[string]string{"Identity-Provider": "IdP", "saas_app": "App", "idp": "IdP", "admin": "Admin"} {
		if id, _ := m.Participant(&Span{Service: svc}); id != want {
			t.Errorf("Participant(%q) = %q, want %q", svc, id, want)
		}
	}
}

// index finds spans by id the same way by comparing ids (small traces)
// as through a map (large ones): ids shared, repeated, a span its own
// parent, parents missing.
func TestObserveIndex(t *testing.T) {
	for n := 1; n <= 3*smallTrace; n++ {
		spans := make([]Span, n)
		for i := range spans {
			// ids from a small range: shared often; parent 0: none
			spans[i].SpanID = SpanID{7: byte(1 + (i*7)%(n/2+1))}
			if p := (i * 5) % (n + 2); p > 0 {
				spans[i].ParentID = SpanID{7: byte(p)}
			}
		}
		var sc observeScratch
		sc.byID = map[SpanID]int{}
		rep, up := sc.index(spans)
		// the map's answers, whatever n is
		byID := map[SpanID]int{}
		for i := range spans {
			byID[spans[i].SpanID] = i
		}
		for i := range spans {
			wantUp := int32(-1)
			if k, ok := byID[spans[i].ParentID]; ok && !spans[i].ParentID.IsZero() {
				wantUp = int32(k)
			}
			if rep[i] != int32(byID[spans[i].SpanID]) || up[i] != wantUp {
				t.Fatalf("%d spans, span %d: rep %d up %d, want %d and %d", n, i, rep[i], up[i], byID[spans[i].SpanID], wantUp)
			}
		}
	}
}
