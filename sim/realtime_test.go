package sim

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

// The systems of the seed flow (Billing, IdP, Email) are played by local
// HTTP servers that record every request they receive; App and Admin stay
// stubs. Their behaviour is set per path.

type request struct {
	sys, path   string
	traceparent string
	tracestate  string
	auth, key   string
	body        map[string]any
}

type systems struct {
	t    *testing.T
	mu   sync.Mutex
	reqs []request
	// behave answers a request (nil: 200); it may block on r.Context().
	behave map[string]func(w http.ResponseWriter, r *http.Request) bool
	urls   map[string]string
}

func newSystems(t *testing.T, names ...string) *systems {
	s := &systems{t: t, behave: map[string]func(http.ResponseWriter, *http.Request) bool{}, urls: map[string]string{}}
	for _, n := range names {
		srv := httptest.NewServer(s.handler(n))
		t.Cleanup(srv.Close)
		s.urls[n] = srv.URL
	}
	return s
}

func (s *systems) handler(sys string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		rec := request{sys: sys, path: r.URL.Path, traceparent: r.Header.Get("Traceparent"),
			tracestate: r.Header.Get("Tracestate"), auth: r.Header.Get("Authorization"), key: r.Header.Get("X-Api-Key"), body: body}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		f := s.behave[sys+" "+r.URL.Path]
		s.mu.Unlock()
		if f != nil && f(w, r) {
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

func (s *systems) set(key string, f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.behave[key] = f
	s.mu.Unlock()
}

// answer answers with an HTTP error.
func answer(code int) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, http.StatusText(code), code)
		return true
	}
}

// slow answers 200 after d.
func slow(d time.Duration) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(d)
		return false
	}
}

// participants is the profile's participants: every system as http.
func (s *systems) participants() string {
	names := make([]string, 0, len(s.urls))
	for n := range s.urls {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("participants:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: {adapter: http, url: %q}\n", n, s.urls[n])
	}
	return b.String()
}

// interruptAt makes the system hold the request key until the client
// gives up, and returns a context cancelled (Ctrl-C) as soon as the
// request arrives, and a channel that receives when the server saw the
// client go.
func (s *systems) interruptAt(key string) (context.Context, chan struct{}) {
	arrived, gone := make(chan struct{}, 1), make(chan struct{}, 1)
	s.set(key, func(w http.ResponseWriter, r *http.Request) bool {
		arrived <- struct{}{}
		<-r.Context().Done()
		gone <- struct{}{}
		return true
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	return ctx, gone
}

func (s *systems) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// calls lists the requests as "System /path".
func (s *systems) calls() []string {
	var out []string
	for _, r := range s.requests() {
		out = append(out, r.sys+" "+r.path)
	}
	return out
}

func seedDiagram(t *testing.T) *flow.Diagram {
	d, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	return d
}

// seedProfile is the seed's flow against the servers: stubs and actors
// take 1ms, every call has a short timeout.
const seedProfile = `
defaults:
  latency: 1ms
  timeout: 300ms
  actor: {latency: 1ms, timeout: 0}
participants:
  Billing:
    adapter: http
    url: "{{Billing}}"
    headers: {Authorization: "Bearer ${CHOREO_TEST_TOKEN}", X-Api-Key: k-123}
    secret: [X-Api-Key]
  IdP: {adapter: http, url: "{{IdP}}"}
  Email: {adapter: http, url: "{{Email}}"}
messages:
  "App->>Billing: Provision subscription":
    compensate: ["App->>Billing: Cancel subscription"]
    expect: [error, timeout]
  "App->>IdP: Create tenant directory":
    compensate: ["App->>IdP: Delete tenant directory"]
    expect: fails
`

func (s *systems) profile(t *testing.T, d *flow.Diagram, src string) *Profile {
	t.Helper()
	for n, u := range s.urls {
		src = strings.ReplaceAll(src, "{{"+n+"}}", u)
	}
	p, err := LoadProfile("p.yaml", []byte(src), d, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runRealT(t *testing.T, d *flow.Diagram, p *Profile, o RealOptions) *report.Result {
	t.Helper()
	res, err := RunReal(context.Background(), d, p, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var happyCalls = []string{
	"Billing /provision-subscription",
	"IdP /create-tenant-directory",
	"IdP /invite-first-admin",
	"Email /send-invite-link",
	"IdP /accept-invite",
}

var traceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-01$`)

func TestRealSeedOrderAndTraceContext(t *testing.T) {
	t.Setenv("CHOREO_TEST_TOKEN", "s3cret")
	sys := newSystems(t, "Billing", "IdP", "Email")
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	var traces []*RunTrace
	res := runRealT(t, d, p, RealOptions{Runs: 3, Seed: 7, IDSeed: 99, Trace: func(rt *RunTrace) error {
		traces = append(traces, rt)
		return nil
	}})
	if res.Outcomes.OK != 3 || res.Runs != 3 {
		t.Fatalf("outcomes %+v, want 3 ok", res.Outcomes)
	}
	var want []string
	for range 3 {
		want = append(want, happyCalls...)
	}
	if diff := cmp.Diff(want, sys.calls()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	reqs := sys.requests()
	traceOf := map[int64]string{}
	spans := map[string]bool{}
	for i, r := range reqs {
		m := traceparentRE.FindStringSubmatch(r.traceparent)
		if m == nil {
			t.Fatalf("request %d: traceparent %q", i, r.traceparent)
		}
		run := int64(r.body["run"].(float64))
		if run != int64(i/5) {
			t.Errorf("request %d: run %d, want %d (one run at a time)", i, run, i/5)
		}
		if tr, ok := traceOf[run]; ok && tr != m[1] {
			t.Errorf("run %d has two trace ids: %s and %s", run, tr, m[1])
		}
		traceOf[run] = m[1]
		if spans[m[2]] {
			t.Errorf("span id %s sent twice", m[2])
		}
		spans[m[2]] = true
		n := int(r.body["n"].(float64))
		if want := fmt.Sprintf("choreo=%d-%d-1", run, n); r.tracestate != want {
			t.Errorf("tracestate %q, want %q", r.tracestate, want)
		}
		msg := d.Messages()[n-1]
		if r.body["from"] != msg.From || r.body["to"] != msg.To || r.body["text"] != msg.Text {
			t.Errorf("request %d: body %v for #%d %s", i, r.body, n, msg.Selector())
		}
		if r.sys == "Billing" && (r.auth != "Bearer s3cret" || r.key != "k-123") {
			t.Errorf("Billing got Authorization %q, X-Api-Key %q", r.auth, r.key)
		}
	}
	if len(traceOf) != 3 || traceOf[0] == traceOf[1] || traceOf[1] == traceOf[2] {
		t.Errorf("trace ids per run: %v, want 3 distinct", traceOf)
	}
	// the spans handed to --traces carry the same ids: the CLIENT span of
	// each call is the parent the system received
	if len(traces) != 3 {
		t.Fatalf("%d traces, want 3", len(traces))
	}
	for _, rt := range traces {
		ids := runid.New(99, rt.Run)
		if got := fmt.Sprintf("%x", ids.TraceID()); got != rt.TraceID || got != traceOf[rt.Run] {
			t.Errorf("run %d: trace id %s, RunTrace %s, sent %s", rt.Run, got, rt.TraceID, traceOf[rt.Run])
		}
		for i, sp := range rt.Spans {
			if sp.Remote && !spans[fmt.Sprintf("%x", ids.SpanID(i, 0))] {
				t.Errorf("run %d: span %d (#%d) is remote but its id was never sent", rt.Run, i, sp.N)
			}
		}
	}
	if res.RealTime == nil || res.RealTime.Concurrency != 1 {
		t.Errorf("real_time section %+v", res.RealTime)
	}
}

func TestRealServerErrorRunsCompensations(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	sys.set("IdP /create-tenant-directory", answer(http.StatusInternalServerError))
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	var traces []*RunTrace
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1, Trace: func(rt *RunTrace) error { traces = append(traces, rt); return nil }})
	if res.Outcomes.Failed != 2 {
		t.Fatalf("outcomes %+v, want 2 failed", res.Outcomes)
	}
	one := []string{"Billing /provision-subscription", "IdP /create-tenant-directory", "Billing /cancel-subscription"}
	want := append(append([]string(nil), one...), one...)
	if diff := cmp.Diff(want, sys.calls()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	if len(res.Cascades) != 1 || res.Cascades[0].Root.N != 4 || res.Cascades[0].Compensated != 2 {
		t.Errorf("cascades %+v, want root #4, compensated twice", res.Cascades)
	}
	var sp *RunSpan
	for i := range traces[0].Spans {
		if traces[0].Spans[i].N == 4 {
			sp = &traces[0].Spans[i]
		}
	}
	if sp == nil || sp.Status != 500 || sp.Fault != report.FaultError || !strings.Contains(sp.Detail, "500") {
		t.Errorf("span of #4: %+v, want status 500 and the error", sp)
	}
}

func TestRealHangingServerTimesOutAndRollsBack(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	gone := make(chan struct{}, 1)
	sys.set("Email /send-invite-link", func(w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done() // hangs until the client gives up
		gone <- struct{}{}
		return true
	})
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Failed != 1 {
		t.Fatalf("outcomes %+v, want failed", res.Outcomes)
	}
	want := []string{"Billing /provision-subscription", "IdP /create-tenant-directory", "IdP /invite-first-admin",
		"Email /send-invite-link", "IdP /delete-tenant-directory", "Billing /cancel-subscription"}
	if diff := cmp.Diff(want, sys.calls()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	select {
	case <-gone: // the client's timeout cancelled the hanging request
	case <-time.After(10 * time.Second):
		t.Error("the hanging request was not cancelled by the client's timeout")
	}
	c := res.Cascades[0]
	if c.Root.N != 7 || c.Root.Fault != report.FaultTimeout {
		t.Errorf("cascade root %+v, want #7 timeout", c.Root)
	}
	// it failed at its 300ms timeout, not before
	if got := c.TimeToFailure.P50MS; got < 300 {
		t.Errorf("time to failure %.1fms, want at least the 300ms timeout", got)
	}
}

func TestRealConnectionReset(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	sys.set("Billing /provision-subscription", func(w http.ResponseWriter, r *http.Request) bool {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // no answer: the connection drops
		}
		return true
	})
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1})
	if res.Outcomes.Failed != 2 || len(res.Cascades) != 1 || res.Cascades[0].Root.N != 2 || res.Cascades[0].Root.Fault != report.FaultError {
		t.Fatalf("outcomes %+v cascades %+v, want runs failed at #2 with an error", res.Outcomes, res.Cascades)
	}
	if got := res.Messages[1].Faults.Error; got != 2 {
		t.Errorf("#2 errors %d, want 2", got)
	}
}

func TestRealSlowServerIsMeasured(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	sys.set("Email /send-invite-link", slow(80*time.Millisecond))
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1})
	if res.Outcomes.OK != 2 {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	if got := res.Messages[6].Latency.MinMS; got < 80 {
		t.Errorf("#7 min latency %.1fms, want at least the server's 80ms", got)
	}
	// the reply came with the answer: no latency of its own
	if got := res.Messages[7].Latency.MaxMS; got > res.Messages[6].Latency.MinMS {
		t.Errorf("#8 (the reply) max %.1fms, more than the request", got)
	}
}

func TestRealInjectedFaultsAreSeededAndLogged(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	d := seedDiagram(t)
	p := sys.profile(t, d, strings.Replace(seedProfile, `    expect: [error, timeout]
`, `    expect: [error, timeout]
    fault: {kind: error, status: 503, first: 1}
    retry: {attempts: 2, backoff: 1ms}
  "IdP->>Email: Send invite link":
    fault: {kind: delay, delay: 20ms, rate: 0.5}
`, 1))
	session := func() ([]FaultEvent, []string) {
		var evs []FaultEvent
		var mu sync.Mutex
		before := len(sys.requests())
		res := runRealT(t, d, p, RealOptions{Runs: 8, Seed: 3, Concurrency: 2, Faults: func(e FaultEvent) {
			mu.Lock()
			evs = append(evs, e)
			mu.Unlock()
		}})
		if res.Outcomes.OK != 8 {
			t.Fatalf("outcomes %+v: the retry should absorb the injected abort", res.Outcomes)
		}
		var billing []string
		for _, r := range sys.requests()[before:] {
			if r.sys == "Billing" {
				billing = append(billing, r.tracestate[strings.LastIndexByte(r.tracestate, '-'):])
			}
		}
		return evs, billing
	}
	evs, billing := session()
	// the abort sends nothing: Billing sees only the second attempts
	if len(billing) != 8 || strings.Count(strings.Join(billing, ""), "-2") != 8 {
		t.Errorf("Billing saw attempts %v, want 8 second attempts", billing)
	}
	key := func(es []FaultEvent) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("run %d #%d attempt %d %s %d", e.Run, e.N, e.Attempt, e.Fault, e.Status))
		}
		slices.Sort(out)
		return out
	}
	aborts, delays := 0, 0
	for _, e := range evs {
		switch {
		case e.N == 2 && e.Fault == report.FaultError && e.Status == 503 && e.Attempt == 1:
			aborts++
		case e.N == 7 && e.Fault == report.FaultDelay:
			delays++
		default:
			t.Errorf("unexpected fault %+v", e)
		}
	}
	if aborts != 8 || delays == 0 || delays == 8 {
		t.Errorf("%d aborts (want 8), %d delays (want some of 8)", aborts, delays)
	}
	// replay: the same seed injects the same faults
	again, _ := session()
	if diff := cmp.Diff(key(evs), key(again)); diff != "" {
		t.Errorf("replay injected other faults (-first +again):\n%s", diff)
	}
}

func TestRealCancelStopsInFlightRequests(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	ctx, gone := sys.interruptAt("IdP /create-tenant-directory")
	d := seedDiagram(t)
	p := sys.profile(t, d, strings.Replace(seedProfile, "timeout: 300ms", "timeout: 1h", 1))
	res, err := RunReal(ctx, d, p, RealOptions{Runs: 5, Seed: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if res == nil || !res.Partial || res.Runs != 0 {
		t.Fatalf("result %+v, want partial with no finished run", res)
	}
	select {
	case <-gone: // the server saw the client go
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request was never cancelled")
	}
	reqs := sys.requests()
	if len(reqs) != 2 {
		t.Errorf("requests %+v, want the in-flight one cancelled and nothing after", sys.calls())
	}
}

func TestRealOpenLoopCountsQueueing(t *testing.T) {
	sys := newSystems(t, "B")
	sys.set("B /work", slow(50*time.Millisecond))
	d := mustParse(t, "sequenceDiagram\nA->>B: work\nB-->>A: done\n")
	p := sys.profile(t, d, "participants:\n  B: {adapter: http, url: \"{{B}}\"}\n")
	// due every 10ms, served every 50ms or more by one slot: run i starts
	// at least 40·i ms late, and its times count from when it was due
	res := runRealT(t, d, p, RealOptions{Runs: 6, Seed: 1, Rate: 100, Concurrency: 1})
	if got := res.EndToEnd.MaxMS; got < 250 {
		t.Errorf("end_to_end max %.1fms, want at least 250ms (5·40ms late + 50ms)", got)
	}
}

// A par block's branches and an async fork run beside the timeline: each
// server below answers only once the other request has arrived, which
// can happen only if both are in flight together.
func TestRealParAndAsyncRunConcurrently(t *testing.T) {
	sys := newSystems(t, "B", "C", "D", "E")
	meet := func(mine, other chan struct{}) func(http.ResponseWriter, *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			close(mine)
			select {
			case <-other:
				return false
			case <-time.After(5 * time.Second):
				http.Error(w, "alone", http.StatusConflict)
				return true
			}
		}
	}
	b, c, dd, e := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
	sys.set("B /left", meet(b, c))
	sys.set("C /right", meet(c, b))
	sys.set("D /event", meet(dd, e))
	sys.set("E /next", meet(e, dd))
	d := mustParse(t, `sequenceDiagram
par
  A->>B: left
  B-->>A: ok
and
  A->>C: right
  C-->>A: ok
end
A-)D: event
A->>E: next
E-->>A: ok
`)
	p := sys.profile(t, d, `defaults: {latency: 1ms, timeout: 10s}
`+sys.participants())
	// the async message is sent and the main timeline goes on: D's
	// answer waits for E's request, so the send runs on the fork
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.OK != 1 {
		t.Fatalf("outcomes %+v, cascades %+v: a branch waited for the other", res.Outcomes, res.Cascades)
	}
}

func TestRealExecAdapter(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: make report\nB-->>A: done\nA->>C: fail\nC-->>A: done\n")
	p, err := LoadProfile("p.yaml", []byte(`defaults: {latency: 1ms}
participants:
  B: {adapter: exec, command: ["sh", "-c", "echo $CHOREO_N $CHOREO_TEXT $CHOREO_FROM $TRACEPARENT"]}
  C: {adapter: exec, command: "false"}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	var rt *RunTrace
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1, IDSeed: 5, Trace: func(r *RunTrace) error { rt = r; return nil }})
	if res.Outcomes.Failed != 1 || res.Cascades[0].Root.N != 3 {
		t.Fatalf("outcomes %+v cascades %+v, want failed at #3", res.Outcomes, res.Cascades)
	}
	out := rt.Spans[0].Detail
	want := fmt.Sprintf("1 make report A 00-%s-%x-01", rt.TraceID, runid.New(5, 0).SpanID(0, 0))
	if strings.TrimSpace(out) != want {
		t.Errorf("exec output %q, want %q", out, want)
	}
	if !strings.Contains(rt.Spans[1].Detail, "exit status 1") {
		t.Errorf("failing command: %q", rt.Spans[1].Detail)
	}
}

func TestRealTLSWithProfileCA(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	d := mustParse(t, "sequenceDiagram\nA->>B: charge card\nB-->>A: ok\n")
	p, err := LoadProfile(filepath.Join(dir, "p.yaml"), []byte(`defaults: {latency: 1ms}
participants:
  B: {adapter: http, url: "`+srv.URL+`/api/", ca: ca.pem}
messages:
  "A->>B: charge card":
    http: {method: PUT, path: "/cards/{{.Run}}?n={{.N}}", body: '{"t": {{json .Text}}}'}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1})
	if res.Outcomes.OK != 2 {
		t.Fatalf("outcomes %+v cascades %+v", res.Outcomes, res.Cascades)
	}
	if diff := cmp.Diff([]string{"PUT /api/cards/0", "PUT /api/cards/1"}, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestRealDrillSweep(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 2, Seed: 1, Real: &RealOptions{IDSeed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, c := range res.Drill.Cases {
		verdicts[fmt.Sprintf("#%d %s", c.N, c.Fault)] = c.Verdict
		if c.Runs != 2 {
			t.Errorf("case #%d %s: %d runs", c.N, c.Fault, c.Runs)
		}
	}
	want := map[string]string{
		"#2 error": report.VerdictExpected, "#2 timeout": report.VerdictExpected,
		"#4 error": report.VerdictExpected, "#4 timeout": report.VerdictExpected,
		"#6 error": report.VerdictFailed, "#6 timeout": report.VerdictFailed,
		"#7 error": report.VerdictFailed, "#7 timeout": report.VerdictFailed,
		"#10 error": report.VerdictFailed, "#10 timeout": report.VerdictFailed,
	}
	if diff := cmp.Diff(want, verdicts); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	// a fault on #4 rolls back Billing; on #2 nothing needs it
	cancels := 0
	for _, r := range sys.requests() {
		if r.path == "/cancel-subscription" {
			cancels++
		}
		if r.sys == "Billing" && r.path == "/provision-subscription" && r.body == nil {
			t.Error("a request without its body")
		}
	}
	// #4, #6, #7, #10 × error, timeout × 2 runs each fail after Billing
	// succeeded: 16 rollbacks
	if cancels != 16 {
		t.Errorf("%d cancel-subscription calls, want 16", cancels)
	}
	// every run has its own trace id, and the systems received them
	sent := map[string]bool{}
	for _, r := range sys.requests() {
		sent[traceparentRE.FindStringSubmatch(r.traceparent)[1]] = true
	}
	seen := map[string]bool{}
	for _, c := range res.Drill.Cases {
		if len(c.Traces) != 2 {
			t.Errorf("case #%d %s: traces %+v", c.N, c.Fault, c.Traces)
		}
		for _, tr := range c.Traces {
			if seen[tr.TraceID] || !sent[tr.TraceID] && c.N != 2 {
				t.Errorf("case #%d %s: trace %s reused or never sent", c.N, c.Fault, tr.TraceID)
			}
			seen[tr.TraceID] = true
		}
	}
	for _, c := range res.Drill.Cases {
		if c.N >= 4 && c.Compensated != c.Runs {
			t.Errorf("case #%d %s: compensated %d of %d", c.N, c.Fault, c.Compensated, c.Runs)
		}
	}
}

func TestRealProfileErrors(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: charge card\nB-->>A: ok\n")
	for _, tc := range []struct{ name, src, want string }{
		{"unknown http key", "participants:\n  B: {adapter: http, url: \"http://h\"}\nmessages:\n  \"#1\":\n    http: {methd: PUT}\n",
			`p.yaml:4:3: message #1 "A->>B: charge card": http: unknown key "methd"; did you mean "method"?; want method, path, body, headers`},
		{"template field", "participants:\n  B: {adapter: http, url: \"http://h\"}\nmessages:\n  \"#1\":\n    http: {path: \"/c/{{.Nope}}\"}\n",
			`p.yaml:4:3: message #1 "A->>B: charge card": http: template: path:1:5: executing "path" at <.Nope>: can't evaluate field Nope in type *sim.Call`},
		{"path without slash", "participants:\n  B: {adapter: http, url: \"http://h\"}\nmessages:\n  \"#1\":\n    http: {path: \"c\"}\n",
			`p.yaml:4:3: message #1 "A->>B: charge card": http: path "c" must start with /`},
		{"missing CA", "participants:\n  B: {adapter: http, url: \"https://h\", ca: nope.pem}\n",
			`p.yaml:2:3: participant "B": ca: open nope.pem: no such file or directory`},
		{"status on delay", "messages:\n  \"#1\": {fault: {kind: delay, delay: 1s, status: 503, rate: 1}}\n",
			`p.yaml:2:42: fault: status is for kind error, not delay`},
		{"empty window", "messages:\n  \"#1\": {fault: {kind: error, window: [30s, 10s]}}\n",
			`p.yaml:2:39: fault: window [30s, 10s] is empty: its end must come after its start`},
		{"first zero", "messages:\n  \"#1\": {fault: {kind: error, first: 0}}\n",
			`p.yaml:2:38: fault: first must be at least 1 (the first K attempts of the message in each run), not 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadProfile("p.yaml", []byte(tc.src), d, "")
			if err == nil || strings.Split(err.Error(), "\n")[0] != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestRealHTTPRequestShapes(t *testing.T) {
	type seen struct{ method, path, query, ctype, body, key string }
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b), r.Header.Get("Idempotency-Key")})
		mu.Unlock()
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "http://example.invalid/elsewhere", http.StatusFound)
		}
	}))
	defer srv.Close()
	d := mustParse(t, "sequenceDiagram\nA->>B: Look up: user 7!\nB-->>A: ok\nA->>B: pay\nB-->>A: ok\nA->>B: move\nB-->>A: ok\n")
	p, err := LoadProfile("p.yaml", []byte(`defaults: {latency: 1ms}
participants:
  B: {adapter: http, url: "`+srv.URL+`"}
messages:
  "#1": {http: {method: get}}
  "#3":
    http:
      path: "/pay/{{.Run}}?attempt={{.Attempt}}"
      body: '{"text": {{json .Text}}, "trace": "{{.TraceID}}"}'
      headers: {Idempotency-Key: "k-{{.Run}}-{{.N}}"}
  "#5": {http: {path: /moved}}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	var rt *RunTrace
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1, Trace: func(r *RunTrace) error { rt = r; return nil }})
	if res.Outcomes.Failed != 1 || res.Cascades[0].Root.N != 5 {
		t.Fatalf("outcomes %+v cascades %+v: the redirect to another host must fail #5", res.Outcomes, res.Cascades)
	}
	want := []seen{
		{"GET", "/look-up-user-7", "", "", "", ""},
		{"POST", "/pay/0", "attempt=1", "application/json", `{"text": "pay", "trace": "` + rt.TraceID + `"}`, "k-0-3"},
		{"POST", "/moved", "", "application/json", `{"run":0,"n":5,"from":"A","to":"B","text":"move"}`, ""},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(seen{})); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if d := rt.Spans[2].Detail; !strings.Contains(d, "stay on its own scheme and host") {
		t.Errorf("redirect error %q", d)
	}
}

// The caller's timeout bounds the work it waits for: a stub's nested call
// to a hanging system is cancelled when the outer attempt times out, not
// at its own, longer timeout.
func TestRealOuterTimeoutCancelsNestedCalls(t *testing.T) {
	sys := newSystems(t, "C")
	gone := make(chan struct{}, 1)
	sys.set("C /y", func(w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done()
		gone <- struct{}{}
		return true
	})
	d := mustParse(t, "sequenceDiagram\nA->>B: x\nB->>C: y\nC-->>B: ok\nB-->>A: ok\n")
	p := sys.profile(t, d, `defaults: {latency: 1ms}
participants:
  C: {adapter: http, url: "{{C}}"}
messages:
  "#1": {timeout: 200ms}
  "#2": {timeout: 1h}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the nested call was not cancelled")
	}
	if res.Outcomes.Failed != 1 || res.Cascades[0].Root.N != 1 || res.Cascades[0].Root.Fault != report.FaultTimeout {
		t.Fatalf("outcomes %+v cascades %+v, want #1 timed out", res.Outcomes, res.Cascades)
	}
	if got := res.Cascades[0].TimeToFailure.MinMS; got < 200 {
		t.Errorf("failed after %.1fms, before the 200ms timeout", got)
	}
}

// A branch bound to a failure handles it in real time as in virtual time:
// the payment system answers 500, the declined branch runs and mails.
func TestRealBoundBranchHandlesServerError(t *testing.T) {
	sys := newSystems(t, "Pay", "Mail")
	sys.set("Pay /charge", func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "card declined", http.StatusPaymentRequired)
		return true
	})
	d := mustParse(t, `sequenceDiagram
App->>Pay: charge
alt paid
  Pay-->>App: ok
  App->>Mail: receipt
else declined
  Pay--xApp: declined
  App->>Mail: notify declined
end
`)
	p := sys.profile(t, d, `defaults: {latency: 1ms}
participants:
  Pay: {adapter: http, url: "{{Pay}}"}
  Mail: {adapter: exec, command: "true"}
blocks:
  "else declined": {when: "#1 fails"}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 3, Seed: 1})
	if res.Outcomes.Handled != 3 {
		t.Fatalf("outcomes %+v, want 3 handled", res.Outcomes)
	}
	if res.Messages[4].Latency.Count != 3 || res.Messages[2].Latency.Count != 0 {
		t.Errorf("receipt sent %d times, notify %d: want the declined branch only", res.Messages[2].Latency.Count, res.Messages[4].Latency.Count)
	}
	// the declined reply came with Pay's answer: no call of its own
	if diff := cmp.Diff([]string{"Pay /charge", "Pay /charge", "Pay /charge"}, sys.calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestRealExecShell(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: shout it\nB-->>A: done\n")
	p, err := LoadProfile("p.yaml", []byte(`defaults: {latency: 1ms}
participants:
  B: {adapter: exec, shell: true, command: "echo $CHOREO_SLUG | tr a-z A-Z; echo $MODE", env: {MODE: "loud-${CHOREO_TEST_MODE}"}}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHOREO_TEST_MODE", "x")
	var rt *RunTrace
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1, Trace: func(r *RunTrace) error { rt = r; return nil }})
	if res.Outcomes.OK != 1 {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	if got := rt.Spans[0].Detail; got != "SHOUT-IT\nloud-x\n" {
		t.Errorf("output %q", got)
	}
}

// A rollback that fails leaves the run inconsistent: the compensation is
// retried as its policy says, then given up.
func TestRealFailedRollbackIsInconsistent(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	fail := func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	}
	sys.set("IdP /create-tenant-directory", fail)
	sys.set("Billing /cancel-subscription", fail)
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile+`  "App->>Billing: Cancel subscription":
    retry: {attempts: 3, backoff: 1ms}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Inconsistent != 1 {
		t.Fatalf("outcomes %+v, want inconsistent", res.Outcomes)
	}
	want := []string{"Billing /provision-subscription", "IdP /create-tenant-directory",
		"Billing /cancel-subscription", "Billing /cancel-subscription", "Billing /cancel-subscription"}
	if diff := cmp.Diff(want, sys.calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// Secrets never reach traces: a system that echoes its credentials in an
// error answer gets them redacted in the span's detail.
func TestRealSecretsRedactedInTraces(t *testing.T) {
	t.Setenv("CHOREO_TEST_TOKEN", "tok-5f2a9")
	sys := newSystems(t, "Billing", "IdP", "Email")
	sys.set("Billing /provision-subscription", func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "bad credentials: "+r.Header.Get("Authorization")+" key "+r.Header.Get("X-Api-Key"), http.StatusUnauthorized)
		return true
	})
	d := seedDiagram(t)
	p := sys.profile(t, d, seedProfile)
	var buf strings.Builder
	trace := func(rt *RunTrace) error {
		for _, sp := range rt.Spans {
			fmt.Fprintln(&buf, sp.Detail)
		}
		return nil
	}
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1, IDSeed: 1, Trace: trace})
	if res.Outcomes.Failed != 1 {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	out := buf.String()
	if strings.Contains(out, "tok-5f2a9") || strings.Contains(out, "k-123") {
		t.Errorf("a secret reached the trace:\n%s", out)
	}
	if !strings.Contains(out, "bad credentials: REDACTED key REDACTED") {
		t.Errorf("the answer is not in the trace, redacted:\n%s", out)
	}
}

// Real time is the virtual-time semantics on the wall clock: on every
// diagram of the corpus, with every participant a real system that always
// answers 200 and faults injected in front of the calls, run i draws the
// same numbers in both clocks, so the outcomes and cascades are the same
// run for run. (par branches and async forks draw from streams of their
// own in real time, so diagrams with them are only run, not compared.)
func TestRealMatchesVirtualOnTheCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the corpus in real time")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	files, err := filepath.Glob("../testdata/mermaid/*.mmd")
	if err != nil {
		t.Fatal(err)
	}
	// the corpus, and the shapes of a reply inside each kind of block
	srcs := map[string][]byte{}
	for _, f := range files {
		srcs[f], _ = os.ReadFile(f)
	}
	for name, src := range replyShapes() {
		srcs[name] = []byte(src)
	}
	compared := 0
	for _, f := range slices.Sorted(maps.Keys(srcs)) {
		src := srcs[f]
		d, err := parser.Parse(filepath.Base(f), src)
		if err != nil || len(d.Messages()) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("defaults: {latency: 0ms, timeout: 0, fault: {rate: 0.2, kind: error}, retry: {attempts: 2, backoff: 0ms}, actor: {latency: 0ms, timeout: 0}}\nparticipants:\n")
		for _, pt := range d.Participants {
			fmt.Fprintf(&b, "  %q: {adapter: http, url: %q}\n", pt.ID, srv.URL)
		}
		p, err := LoadProfile("p.yaml", []byte(b.String()), d, "")
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		const runs = 6
		real, err := RunReal(context.Background(), d, p, RealOptions{Runs: runs, Seed: 9, IDSeed: 1})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := real.Outcomes.OK + real.Outcomes.Handled + real.Outcomes.Failed + real.Outcomes.Inconsistent; got != runs {
			t.Errorf("%s: %d outcomes for %d runs", f, got, runs)
		}
		if hasParOrAsync(d.Statements) {
			continue
		}
		virt, err := Simulate(context.Background(), d, p, Options{Runs: runs, Seed: 9, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		compared++
		if diff := cmp.Diff(virt.Outcomes, real.Outcomes); diff != "" {
			t.Errorf("%s: outcomes differ (-virtual +real):\n%s", f, diff)
		}
		roots := func(r *report.Result) map[string]int64 {
			m := map[string]int64{}
			for _, c := range r.Cascades {
				m[fmt.Sprintf("#%d %s %v", c.Root.N, c.Root.Fault, c.Chain)] += c.Runs
			}
			return m
		}
		if diff := cmp.Diff(roots(virt), roots(real)); diff != "" {
			t.Errorf("%s: cascades differ (-virtual +real):\n%s", f, diff)
		}
		for i := range virt.Messages {
			if v, r := virt.Messages[i].Faults, real.Messages[i].Faults; v != r {
				t.Errorf("%s: #%d faults %+v virtual, %+v real", f, i+1, v, r)
			}
		}
	}
	if compared < 130 {
		t.Errorf("compared %d diagrams, want the corpus's 100 and the reply shapes", compared)
	}
}

func hasParOrAsync(stmts []flow.Statement) bool {
	for _, s := range stmts {
		switch x := s.(type) {
		case *flow.Message:
			if x.Arrow.Async() {
				return true
			}
		case *flow.Block:
			if x.Kind == "par" || x.Kind == "par_over" {
				return true
			}
			for _, br := range x.Branches {
				if hasParOrAsync(br.Statements) {
					return true
				}
			}
		}
	}
	return false
}

// A window: fault acts on the calls sent while the session clock is in it.
func TestRealFaultWindow(t *testing.T) {
	sys := newSystems(t, "B")
	d := mustParse(t, "sequenceDiagram\nA->>B: work\nB-->>A: ok\nA->>B: more\nB-->>A: ok\n")
	p := sys.profile(t, d, `defaults: {latency: 0ms}
participants:
  B: {adapter: http, url: "{{B}}"}
messages:
  "#1": {fault: {kind: error, window: [0s, 1h]}}
  "#3": {fault: {kind: error, window: [1h, 2h]}}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 3, Seed: 1})
	if res.Outcomes.Failed != 3 || res.Messages[0].Faults.Error != 3 {
		t.Fatalf("outcomes %+v, #1 faults %+v: the open window injects every time", res.Outcomes, res.Messages[0].Faults)
	}
	if len(sys.requests()) != 0 {
		t.Errorf("%d requests reached B: an abort sends nothing", len(sys.requests()))
	}
	p = sys.profile(t, d, `defaults: {latency: 0ms}
participants:
  B: {adapter: http, url: "{{B}}"}
messages:
  "#3": {fault: {kind: error, window: [1h, 2h]}}
`)
	res = runRealT(t, d, p, RealOptions{Runs: 3, Seed: 1})
	if res.Outcomes.OK != 3 || len(sys.requests()) != 6 {
		t.Errorf("outcomes %+v, %d requests: a window an hour away injects nothing", res.Outcomes, len(sys.requests()))
	}
}

// Regressions from the real-time review.

// A fork that fails rolls back its own steps, in the fork, at once; the
// main timeline's steps are not rolled back and the main timeline is not
// cut (sim/doc.go, "Forks").
func TestRealForkFailureRollsBackOnlyTheFork(t *testing.T) {
	sys := newSystems(t, "B", "C", "D", "E", "F")
	sys.set("F /check", answer(http.StatusInternalServerError))
	sys.set("D /slow", slow(700*time.Millisecond))
	d := mustParse(t, `sequenceDiagram
A->>C: reserve
C-->>A: ok
A-)B: notify
B->>E: record
E-->>B: ok
B->>F: check
F-->>B: ok
A->>D: slow
D-->>A: ok
`)
	p := sys.profile(t, d, `defaults: {latency: 0ms, timeout: 5s}
`+sys.participants()+`messages:
  "#1": {compensate: ["A->>C: release"]}
  "#4": {compensate: ["B->>E: erase"]}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Failed != 1 || len(res.Cascades) != 1 || res.Cascades[0].Fork != 3 || res.Cascades[0].Compensated != 1 {
		t.Fatalf("outcomes %+v, cascades %+v: want one fork failure, rolled back", res.Outcomes, res.Cascades)
	}
	calls := sys.calls()
	if !slices.Contains(calls, "E /erase") || slices.Contains(calls, "C /release") {
		t.Errorf("requests %v: want the fork's record erased and the main timeline's reserve kept", calls)
	}
	if e2e := res.EndToEnd.MaxMS; e2e < 700 {
		t.Errorf("end_to_end %v ms: the fork's failure cut the main timeline", e2e)
	}
}

// A fork's failure whose bound branch the main timeline passed before it
// failed is a failure, not a handled run.
func TestRealLateForkFailureIsNotHandled(t *testing.T) {
	sys := newSystems(t, "B", "C", "D")
	sys.set("B /notify", func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(time.Second)
		http.Error(w, "no", http.StatusInternalServerError)
		return true
	})
	d := mustParse(t, "sequenceDiagram\nA-)B: notify\nA->>C: go\nC-->>A: ok\nbreak notify failed\n  A->>D: alert\nend\n")
	p := sys.profile(t, d, `defaults: {latency: 0ms, timeout: 5s}
`+sys.participants()+`blocks:
  "break notify failed": {when: "#1 fails"}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Failed != 1 || res.Outcomes.Handled != 0 {
		t.Errorf("outcomes %+v: the handler never ran, so the run failed", res.Outcomes)
	}
	for _, c := range sys.calls() {
		if c == "D /alert" {
			t.Error("the alert ran although the failure came after the block")
		}
	}
}

// What a real system takes to answer a person is system time; only the
// person's think time is human time.
func TestRealActorCallIsSystemTime(t *testing.T) {
	sys := newSystems(t, "B")
	sys.set("B /click", slow(100*time.Millisecond))
	d := mustParse(t, "sequenceDiagram\nactor U\nU->>B: click\nB-->>U: ok\n")
	p := sys.profile(t, d, `defaults: {actor: {latency: 20ms, timeout: 0}}
participants:
  B: {adapter: http, url: "{{B}}"}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if got := res.SystemTime.MinMS; got < 100 {
		t.Errorf("system_time %.1fms, want at least B's 100ms", got)
	}
}

// A redirect to another system of the profile is refused: that system
// would receive this one's headers.
func TestRealRedirectToAnotherSystemRefused(t *testing.T) {
	sys := newSystems(t, "B", "C")
	sys.set("B /pay", func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, sys.urls["C"]+"/steal", http.StatusFound)
		return true
	})
	d := mustParse(t, "sequenceDiagram\nparticipant C\nA->>B: pay\nB-->>A: ok\n")
	p := sys.profile(t, d, `defaults: {latency: 0ms}
participants:
  B: {adapter: http, url: "{{B}}", headers: {X-Key: sekret-b}, secret: [X-Key]}
  C: {adapter: http, url: "{{C}}"}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Failed != 1 {
		t.Errorf("outcomes %+v, want the redirect refused", res.Outcomes)
	}
	for _, r := range sys.requests() {
		if r.sys == "C" {
			t.Errorf("C received %s", r.path)
		}
	}
}

// A secret header set on the message (not the participant) is redacted
// from the answer kept in the trace too.
func TestRealMessageSecretHeaderRedacted(t *testing.T) {
	t.Setenv("CHOREO_TEST_TOKEN", "tok-77777")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad "+r.Header.Get("X-Token"), http.StatusUnauthorized)
	}))
	defer srv.Close()
	d := mustParse(t, "sequenceDiagram\nA->>B: pay\nB-->>A: ok\n")
	p, err := LoadProfile("p.yaml", []byte(`participants:
  B: {adapter: http, url: "`+srv.URL+`", secret: [X-Token]}
messages:
  "#1": {http: {headers: {X-Token: "${CHOREO_TEST_TOKEN}"}}}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	var rt *RunTrace
	runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1, Trace: func(r *RunTrace) error { rt = r; return nil }})
	if det := rt.Spans[0].Detail; strings.Contains(det, "tok-77777") || !strings.Contains(det, "bad REDACTED") {
		t.Errorf("detail %q", det)
	}
}

// A one-way or async message to a system that never answers is bounded by
// its own timeout in real time: the run ends.
func TestRealHangingAsyncIsBounded(t *testing.T) {
	sys := newSystems(t, "B")
	sys.set("B /event", func(w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done()
		return true
	})
	d := mustParse(t, "sequenceDiagram\nA-)B: event\nA->>A: done\n")
	p := sys.profile(t, d, `defaults: {latency: 0ms, timeout: 200ms}
participants:
  B: {adapter: http, url: "{{B}}"}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if res.Outcomes.Failed != 1 || res.Cascades[0].Root.Fault != report.FaultTimeout {
		t.Errorf("outcomes %+v cascades %+v, want the async send timed out", res.Outcomes, res.Cascades)
	}
}

// Under an open-loop rate a run that waited for a slot still gives its
// calls their whole timeout: they are sent, not failed for the wait.
func TestRealLateRunKeepsItsTimeouts(t *testing.T) {
	sys := newSystems(t, "B")
	sys.set("B /work", slow(100*time.Millisecond))
	d := mustParse(t, "sequenceDiagram\nA->>B: work\nB-->>A: ok\n")
	p := sys.profile(t, d, `defaults: {latency: 0ms, timeout: 1s}
participants:
  B: {adapter: http, url: "{{B}}"}
`)
	// due every 10ms, one slot, 100ms a call: run 19 starts ~1.7s late
	res := runRealT(t, d, p, RealOptions{Runs: 20, Seed: 1, Rate: 100, Concurrency: 1})
	if res.Outcomes.OK != 20 || len(sys.requests()) != 20 {
		t.Errorf("outcomes %+v, %d requests: late runs must still send", res.Outcomes, len(sys.requests()))
	}
	if got := res.EndToEnd.MaxMS; got < 1000 {
		t.Errorf("end_to_end max %.1fms: the wait for a slot must count", got)
	}
}

func TestRealHTTPURLJoin(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		mu.Unlock()
	}))
	defer srv.Close()
	d := mustParse(t, "sequenceDiagram\nA->>B: a\nB-->>A: ok\nA->>B: b\nB-->>A: ok\n")
	p, err := LoadProfile("p.yaml", []byte(`defaults: {latency: 0ms}
participants:
  B: {adapter: http, url: "`+srv.URL+`/api/v1?key=k1"}
messages:
  "#3": {http: {path: "/files/a%2Fb?x=1"}}
`), d, "")
	if err != nil {
		t.Fatal(err)
	}
	runRealT(t, d, p, RealOptions{Runs: 1, Seed: 1})
	if diff := cmp.Diff([]string{"/api/v1/a?key=k1", "/api/v1/files/a%2Fb?key=k1&x=1"}, got); diff != "" {
		t.Errorf("URLs (-want +got):\n%s", diff)
	}
}

// Ctrl-C during the rollback: the run is not counted (nor traced).
func TestRealCancelDuringRollback(t *testing.T) {
	sys := newSystems(t, "Billing", "IdP", "Email")
	sys.set("IdP /create-tenant-directory", answer(http.StatusInternalServerError))
	ctx, _ := sys.interruptAt("Billing /cancel-subscription")
	d := seedDiagram(t)
	p := sys.profile(t, d, strings.Replace(seedProfile, "timeout: 300ms", "timeout: 1h", 1))
	traced := 0
	res, err := RunReal(ctx, d, p, RealOptions{Runs: 1, Seed: 1, Trace: func(*RunTrace) error { traced++; return nil }})
	if !errors.Is(err, context.Canceled) || res == nil || res.Runs != 0 || !res.Partial || traced != 0 {
		t.Errorf("err %v, result %+v, %d traced: want a partial result without the interrupted run", err, res, traced)
	}
}

// The checkout drawn the usual way, against real systems: the reply in
// the branch ends the exchange with Payments, so the slow shipment that
// follows it on Shop's timeline is outside Authorize's timeout.
func TestRealReplyInBranchEndsExchange(t *testing.T) {
	sys := newSystems(t, "Payments", "Shipping")
	sys.set("Shipping /create-shipment", slow(400*time.Millisecond))
	d := mustParse(t, usualCheckout)
	p := sys.profile(t, d, `defaults: {latency: 0ms, timeout: 5s}
`+sys.participants()+`messages:
  "Shop->>Payments: Authorize card": {timeout: 250ms}
`)
	var spans []RunSpan
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1, Trace: func(rt *RunTrace) error {
		spans = append(spans, rt.Spans...)
		return nil
	}})
	if res.Outcomes.OK != 2 {
		t.Fatalf("outcomes %+v, cascades %+v: want both runs ok", res.Outcomes, res.Cascades)
	}
	if ex := res.Exchanges[0]; ex.Duration.MaxMS >= 250 || ex.Failed != 0 {
		t.Errorf("Authorize %+v: want it answered well within its 250ms timeout", ex)
	}
	if e2e := res.EndToEnd.MinMS; e2e < 400 {
		t.Errorf("end_to_end %v ms, want the shipment's 400ms in it", e2e)
	}
	for i := 0; i+1 < len(spans); i += 2 {
		auth, ship := spans[i], spans[i+1]
		if auth.Reply != 2 || ship.N != 3 || ship.Start < auth.End || ship.Parent != -1 {
			t.Errorf("spans %+v then %+v: want the shipment after the reply, on Shop's timeline", auth, ship)
		}
	}
}

// In real time too, a reply in one par branch ends the exchange for the
// branches beside it (they are no longer cut by the request's timeout),
// and a second reply in another branch closes nothing: the exchange is
// counted once per run.
func TestRealParBesideReply(t *testing.T) {
	sys := newSystems(t, "F")
	d := mustParse(t, `sequenceDiagram
C->>S: req
par ok
  S-->>C: rep
and side
  S->>G: side
end
C->>F: last
par one
  F-->>C: first
and two
  F-->>C: second
end
`)
	p := sys.profile(t, d, `defaults: {latency: 10ms}
`+sys.participants()+`messages:
  "C->>S: req": {timeout: 100ms}
  "S->>G: side": {latency: 200ms}
`)
	res := runRealT(t, d, p, RealOptions{Runs: 2, Seed: 1})
	if res.Outcomes.OK != 2 {
		t.Fatalf("outcomes %+v, cascades %+v: want both runs ok", res.Outcomes, res.Cascades)
	}
	if ex := res.Exchanges[0]; ex.Duration.Count != 2 || ex.Duration.MaxMS > 100 || ex.CriticalPathShare > 1 {
		t.Errorf("req %+v: want it counted once per run, answered by rep", ex)
	}
	if e2e := res.EndToEnd.MinMS; e2e < 210 {
		t.Errorf("end_to_end %v ms, want the side branch (10ms + 200ms) in it", e2e)
	}
	if ex := res.Exchanges[2]; ex.Request != 4 || ex.Duration.Count != 2 {
		t.Errorf("last %+v: want it counted once per run although both branches answer", ex)
	}
}
