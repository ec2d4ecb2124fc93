package sim

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
)

// A reply inside a block ends its exchange where it stands (sim/doc.go,
// "Replies inside blocks"): the exchange's duration ends at the reply, and what
// follows in the branch runs after it on the caller's timeline, outside
// the request's timeout and attempts. Every message takes a constant
// 100ms but "post" (1s), and the request times out at 1s, so a branch
// that held the exchange open until its end would time out: the answers
// below are exact.

// replyBody is a branch with the reply at the start, in the middle or at
// the end: "pre" is the callee's work before the reply, "post" the
// caller's after it.
func replyBody(pos, arrow string) []string {
	pre := []string{"S->>D: pre", "D-->>S: pre ok"}
	rep := []string{"S" + arrow + "C: rep"}
	post := []string{"C->>E: post", "E-->>C: posted"}
	switch pos {
	case "start":
		return append(rep, post...)
	case "middle":
		return append(append(pre, rep...), post...)
	}
	return append(pre, rep...)
}

func indent(lines []string) string {
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

// replyProfile sets the latencies above for the messages src has, and
// the request's settings (its timeout, and more).
func replyProfile(src, req string) string {
	p := "defaults: {latency: 100ms}\nmessages:\n  \"C->>S: req\": {timeout: 1s" + req + "}\n"
	if strings.Contains(src, "C->>E: post") {
		p += "  \"C->>E: post\": {latency: 1s}\n"
	}
	if strings.Contains(src, "S->>G: side") {
		p += "  \"S->>G: side\": {latency: 1500ms}\n"
	}
	return p
}

// replyBlock is a block of the kind with the body in a branch, and the
// profile's blocks section that makes it run.
func replyBlock(kind string, body []string) (blk, blocks string) {
	switch kind {
	case "alt":
		blk = "alt ok\n" + indent(body) + "else other\n  S-->>C: other\nend\n"
	case "critical":
		blk = "critical ok\n" + indent(body) + "option other\n  S-->>C: other\nend\n"
	case "opt":
		blk = "opt ok\n" + indent(body) + "end\n"
	case "loop":
		blk = "loop twice\n" + indent(body) + "end\n"
		blocks = "blocks:\n  \"loop twice\": {iterations: 2}\n"
	case "break":
		blk = "break ok\n" + indent(body) + "end\n"
		blocks = "blocks:\n  \"break ok\": {probability: 1}\n"
	case "par":
		blk = "par ok\n" + indent(body) + "and side\n  S->>G: side\nend\n"
	case "par2": // the reply in the second branch
		blk = "par side\n  S->>G: side\nand ok\n" + indent(body) + "end\n"
	}
	return blk, blocks
}

var replyKinds = []string{"alt", "critical", "opt", "loop", "break", "par", "par2"}

// replyShapes is every diagram of TestSemanticsReplyEndsExchangeInEveryBlock,
// by name.
func replyShapes() map[string]string {
	m := map[string]string{}
	for _, kind := range replyKinds {
		for _, pos := range []string{"start", "middle", "end"} {
			for _, arrow := range []string{"-->>", "--x"} {
				blk, _ := replyBlock(kind, replyBody(pos, arrow))
				m[kind+"-"+pos+"-"+arrow] = "sequenceDiagram\nC->>S: req\n" + blk + "C->>F: last\n"
			}
		}
	}
	return m
}

func TestSemanticsReplyEndsExchangeInEveryBlock(t *testing.T) {
	const runs = 2000
	for _, kind := range replyKinds {
		for _, pos := range []string{"start", "middle", "end"} {
			for _, arrow := range []string{"-->>", "--x"} {
				name := fmt.Sprintf("%s/%s/%s", kind, pos, arrow)
				t.Run(name, func(t *testing.T) {
					body := replyBody(pos, arrow)
					blk, blocks := replyBlock(kind, body)
					src := "sequenceDiagram\nC->>S: req\n" + blk + "C->>F: last\n"
					d := mustParse(t, src)
					p := loadYAML(t, d, replyProfile(src, "")+blocks)
					res := simulate(t, d, p, runs)

					pre, post := 0.0, 0.0
					if pos != "start" {
						pre = 200
					}
					if pos != "end" {
						post = 1100
					}
					branch := pre + 100 + post // from the request's arrival
					var e2e float64
					switch kind {
					case "loop":
						e2e = 100 + 2*branch + 100
					case "break":
						e2e = 100 + branch // the flow ends with the break
					case "par", "par2":
						e2e = 100 + math.Max(branch, 1500) + 100
					default:
						e2e = 100 + branch + 100
					}
					ok, handled := int64(runs), int64(0)
					if arrow == "--x" || kind == "break" {
						ok, handled = 0, runs
					}
					if res.Outcomes.OK != ok || res.Outcomes.Handled != handled {
						t.Errorf("outcomes %+v, want %d ok and %d handled", res.Outcomes, ok, handled)
					}
					ex := res.Exchanges[0]
					exactMS(t, "exchange min", ex.Duration.MinMS, 200+pre)
					exactMS(t, "exchange max", ex.Duration.MaxMS, 200+pre)
					if ex.Duration.Count != runs || ex.Failed != 0 {
						t.Errorf("exchange %+v: want %d runs, none failed", ex, runs)
					}
					exactMS(t, "end_to_end", res.EndToEnd.MeanMS, e2e)
					if n := sends(res, 1); n != runs {
						t.Errorf("the request was sent %d times in %d runs", n, runs)
					}
					if kind == "loop" {
						// the second iteration's reply has nothing to close
						rep := 2 + len(body) - len(replyBody("start", arrow))
						if n := sends(res, rep); n != 2*runs {
							t.Errorf("#%d sent %d times, want %d", rep, n, 2*runs)
						}
					}
				})
			}
		}
	}
}

// A when on a branch with the reply still takes that branch only when
// the bound failure happened; the reply then ends the exchange.
func TestSemanticsReplyInBoundBranch(t *testing.T) {
	const runs = nRuns
	for _, kind := range []string{"alt", "critical", "break"} {
		t.Run(kind, func(t *testing.T) {
			var blk, key string
			switch kind {
			case "alt":
				blk, key = "alt ok\n"+indent(replyBody("middle", "-->>"))+"else declined\n  S--xC: declined\n  C->>H: log\nend\n", "else declined"
			case "critical":
				blk, key = "critical ok\n"+indent(replyBody("middle", "-->>"))+"option declined\n  S--xC: declined\n  C->>H: log\nend\n", "option declined"
			case "break":
				blk, key = "break declined\n  S--xC: declined\n  C->>H: log\nend\n"+strings.Join(replyBody("middle", "-->>"), "\n")+"\n", "break declined"
			}
			src := "sequenceDiagram\nC->>S: req\n" + blk + "C->>F: last\n"
			d := mustParse(t, src)
			p := loadYAML(t, d, replyProfile(src, ", fault: {rate: 0.3, kind: error}")+`blocks:
  "`+key+`": {when: "C->>S: req error"}
`)
			res := simulate(t, d, p, runs)
			h := res.Outcomes.Handled
			near(t, "handled share", shareOf(h, runs), 0.3, shareTol(0.3, runs))
			if res.Outcomes.OK+h != runs {
				t.Errorf("outcomes %+v", res.Outcomes)
			}
			// handled: the request fails at 100ms, declined lands at 200ms
			// and ends the exchange; ok: req, pre (200) and rep: 400ms
			ex := res.Exchanges[0]
			exactMS(t, "exchange min", ex.Duration.MinMS, 200)
			exactMS(t, "exchange max", ex.Duration.MaxMS, 400)
			if ex.Duration.Count != runs || ex.Failed != 0 {
				t.Errorf("exchange %+v", ex)
			}
			// ok runs: 400 + post (1100) + last; handled: 200 + log, then
			// last (alt, critical) or the end (break)
			okE2E := 400.0 + 1100 + 100
			hE2E := 300.0 + 100
			if kind == "break" {
				hE2E = 300
			}
			near(t, "end_to_end mean", res.EndToEnd.MeanMS,
				shareOf(res.Outcomes.OK, runs)*okE2E+shareOf(h, runs)*hE2E, 1e-6)
			if got := sends(res, 1); got != runs {
				t.Errorf("req sent %d times", got)
			}
		})
	}
}

// usualCheckout is a decision drawn the usual way: a reply at the top of
// each branch.
const usualCheckout = `sequenceDiagram
Shop->>Payments: Authorize card
alt authorized
    Payments-->>Shop: Authorized
    Shop->>Shipping: Create shipment
    Shipping-->>Shop: Shipment created
else declined
    Payments-->>Shop: Declined
end
`

// The issue's checkout: weights 0.7/0.3 over "authorized (reply, then a
// 1s call)" and "declined (reply)", constant 100ms: no failure although
// the request times out at 1s, end_to_end mean 0.7·1300 + 0.3·200 =
// 970ms, the exchange 200ms.
func TestSemanticsCheckoutDrawnTheUsualWay(t *testing.T) {
	d := mustParse(t, usualCheckout)
	p := loadYAML(t, d, `defaults: {latency: 100ms}
messages:
  "Shop->>Payments: Authorize card": {timeout: 1s}
  "Shop->>Shipping: Create shipment": {latency: 1s}
blocks:
  "alt authorized": {weights: [0.7, 0.3]}
`)
	res := simulate(t, d, p, nRuns)
	if res.Outcomes.OK != nRuns {
		t.Errorf("outcomes %+v, want every run ok", res.Outcomes)
	}
	// end_to_end is 1300 or 200: sd = 1100·sqrt(0.21)
	near(t, "end_to_end mean", res.EndToEnd.MeanMS, 0.7*1300+0.3*200, meanTol(1100*math.Sqrt(0.21), nRuns))
	ex := res.Exchanges[0]
	if ex.Duration.MinMS != 200 || ex.Duration.MaxMS != 200 || ex.Failed != 0 {
		t.Errorf("exchange %+v, want 200ms in every run", ex)
	}
	if ex.Reply != 2 || len(ex.Replies) != 2 || ex.Replies[0] != 2 || ex.Replies[1] != 5 {
		t.Errorf("exchange replies %d %v, want #2 and #5", ex.Reply, ex.Replies)
	}
}

// A failure after the reply is the caller's: the request is not retried
// and is not in the cascade's chain.
func TestSemanticsFailureAfterReplyIsTheCallers(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
U->>C: go
C->>S: req
alt ok
  S-->>C: rep
  C->>E: post
  E-->>C: posted
else other
  S-->>C: other
end
C-->>U: done
`)
	p := loadYAML(t, d, `defaults: {latency: 100ms}
messages:
  "C->>S: req": {timeout: 1s, retry: {attempts: 3, backoff: 10ms}}
  "C->>E: post": {fault: {rate: 1, kind: error}}
`)
	res := simulate(t, d, p, 1000)
	if res.Outcomes.Failed != 1000 || sends(res, 2) != 1000 {
		t.Fatalf("outcomes %+v, req sent %d times: want every run failed and no retry", res.Outcomes, sends(res, 2))
	}
	if len(res.Cascades) != 1 || fmt.Sprint(res.Cascades[0].Chain) != "[4 1]" {
		t.Errorf("cascades %+v, want #4 failing #1 only", res.Cascades)
	}
	if ex := res.Exchanges[1]; ex.Failed != 0 || ex.Duration.MaxMS != 200 {
		t.Errorf("exchange #2 %+v: answered at 200ms, never failed", ex)
	}
}

// Pairing is per path: an error reply in a critical's option closes the
// request there, and the normal reply after the block closes it on the
// other path; on the option path the reply after the block is a one-way
// message.
func TestSemanticsReplyAfterBlockOnOtherPath(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
U->>API: Login
critical lock
    API->>DB: Lock row
    DB-->>API: Locked
option busy
    API--xU: 503
end
API-->>U: Token
`)
	p := loadYAML(t, d, `defaults: {latency: 100ms}
blocks:
  "critical lock": {weights: [0.6, 0.4]}
`)
	res := simulate(t, d, p, nRuns)
	ex := res.Exchanges[0]
	if ex.Reply != 4 || fmt.Sprint(ex.Replies) != "[4 5]" {
		t.Fatalf("exchange %+v, want replies #4 and #5", ex)
	}
	// lock path: 100 + 200 + 100; busy path: 100 + 100, then Token one-way
	exactMS(t, "exchange min", ex.Duration.MinMS, 200)
	exactMS(t, "exchange max", ex.Duration.MaxMS, 400)
	exactMS(t, "end_to_end min", res.EndToEnd.MinMS, 300)
	exactMS(t, "end_to_end max", res.EndToEnd.MaxMS, 400)
	if sends(res, 5) != nRuns {
		t.Errorf("Token sent in %d of %d runs", sends(res, 5), nRuns)
	}
	near(t, "handled share (503 drawn)", shareOf(res.Outcomes.Handled, nRuns), 0.4, shareTol(0.4, nRuns))
	// an opt that is skipped leaves the request to the reply after it
	d = mustParse(t, "sequenceDiagram\nA->>B: get\nopt cached\n  B-->>A: from cache\n  A->>C: note\nend\nB-->>A: fresh\n")
	p = loadYAML(t, d, "defaults: {latency: 100ms}\nblocks:\n  \"opt cached\": {probability: 0.25}\n")
	res = simulate(t, d, p, nRuns)
	if ex := res.Exchanges[0]; ex.Duration.MinMS != 200 || ex.Duration.MaxMS != 200 || ex.Duration.Count != nRuns {
		t.Errorf("exchange %+v: closed at 200ms on both paths", ex)
	}
	// cached: 200 + note + fresh (one-way); fresh: 200
	near(t, "end_to_end mean", res.EndToEnd.MeanMS, 0.25*400+0.75*200, meanTol(100, nRuns))
}

// firstTrace is the spans of run 0 of d under p.
func firstTrace(t *testing.T, d *flow.Diagram, p *Profile) *RunTrace {
	t.Helper()
	var got *RunTrace
	_, err := Simulate(context.Background(), d, p, Options{Runs: 1, Seed: 1, TraceEvery: 1, Trace: func(rt *RunTrace) error {
		got = rt
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// In --traces output the exchange ends at the reply in the branch, and
// what follows starts after it, under the caller's span.
func TestSemanticsReplyInBranchTraces(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
U->>C: go
C->>S: req
alt ok
  S-->>C: rep
  C->>E: post
  E-->>C: posted
end
C-->>U: done
`)
	got := firstTrace(t, d, loadYAML(t, d, "defaults: {latency: 100ms}\n"))
	if len(got.Spans) != 3 {
		t.Fatalf("spans %+v, want go, req and post", got.Spans)
	}
	req, post := got.Spans[1], got.Spans[2]
	if req.N != 2 || req.Reply != 3 || req.End != 300*time.Millisecond || req.Leave != 200*time.Millisecond {
		t.Errorf("req span %+v: want it answered by #3, leaving at 200ms and ending at 300ms", req)
	}
	if post.N != 4 || post.Start != req.End || post.Parent != 0 {
		t.Errorf("post span %+v: want it to start at the reply (%v), under #1's span", post, req.End)
	}
}

// A 20% drop of a receipt sent after a compensable charge fails 20% of
// the runs, never cuts end_to_end and refunds nothing; a fork that fails
// after a compensable step of its own rolls back that step, in the fork.
func TestSemanticsLostReceiptRollsBackNothing(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
U->>Shop: buy
Shop->>Pay: charge
Pay-->>Shop: charged
Shop-)Email: receipt
Email->>CRM: log
CRM-->>Email: logged
Email->>Archive: store
Shop-->>U: done
`)
	p := loadYAML(t, d, `defaults: {latency: 100ms}
messages:
  "Shop->>Pay: charge": {compensate: ["Shop->>Pay: refund"]}
  "Shop-)Email: receipt": {fault: {rate: 0.2, kind: drop}}
`)
	res := simulate(t, d, p, nRuns)
	near(t, "failed share", shareOf(res.Outcomes.Failed, nRuns), 0.2, shareTol(0.2, nRuns))
	if res.Outcomes.Inconsistent != 0 || res.Outcomes.OK+res.Outcomes.Failed != nRuns {
		t.Errorf("outcomes %+v", res.Outcomes)
	}
	refund := len(res.Messages) // the compensation follows the diagram's messages
	if sends(res, refund) != 0 {
		t.Errorf("refund sent %d times for a lost receipt", sends(res, refund))
	}
	if res.EndToEnd.MinMS != 400 || res.EndToEnd.MaxMS != 400 {
		t.Errorf("end_to_end %+v, want 400ms in every run", res.EndToEnd)
	}
	if len(res.Cascades) != 1 || res.Cascades[0].Fork != 4 || res.Cascades[0].Root.N != 4 || res.Cascades[0].Compensated != 0 {
		t.Errorf("cascades %+v, want the lost receipt in its own fork, nothing compensated", res.Cascades)
	}
	exactMS(t, "time to failure", res.Cascades[0].TimeToFailure.MaxMS, 300)

	// the fork's own compensable step is rolled back when the fork fails
	p = loadYAML(t, d, `defaults: {latency: 100ms}
messages:
  "Shop->>Pay: charge": {compensate: ["Shop->>Pay: refund"]}
  "Email->>CRM: log": {compensate: ["Email->>CRM: unlog"]}
  "Email->>Archive: store": {fault: {rate: 1, kind: error}}
`)
	res = simulate(t, d, p, 1000)
	if res.Outcomes.Failed != 1000 || len(res.Cascades) != 1 || res.Cascades[0].Fork != 4 || res.Cascades[0].Compensated != 1000 {
		t.Fatalf("outcomes %+v, cascades %+v", res.Outcomes, res.Cascades)
	}
	n := len(res.Messages)
	if sends(res, n-1) != 0 || sends(res, n) != 1000 {
		t.Errorf("refund sent %d, unlog %d times: want only the fork's step rolled back", sends(res, n-1), sends(res, n))
	}
	// the fork: receipt at 300, log 400–600, store fails at 700, unlog
	// lands at 800; the main timeline ends at 400
	exactMS(t, "end_to_end", res.EndToEnd.MaxMS, 400)
	exactMS(t, "completion", res.Completion.MaxMS, 800)
	exactMS(t, "time to failure", res.Cascades[0].TimeToFailure.MaxMS, 700)
}

// choreo parse's reply_to and the simulator's exchanges agree on every
// diagram in testdata: each reply is listed by the exchange of the request
// it closes.
func TestReplyToMatchesSimulatorExchanges(t *testing.T) {
	files, err := filepath.Glob("../testdata/mermaid/*.mmd")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../testdata/golden/*.mmd")
	files = append(append(files, more...), "../testdata/provisioning.mmd", "../trace/testdata/checkout.mmd")
	compared := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := parser.Parse(filepath.Base(name), src)
		if err != nil || len(d.Messages()) == 0 {
			continue
		}
		compared++
		p := testProfile(d, Constant(time.Millisecond))
		res, err := Simulate(context.Background(), d, p, Options{Runs: 2, Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := map[int][]int{}
		for _, m := range d.Messages() {
			if m.ReplyTo != 0 {
				want[m.ReplyTo] = append(want[m.ReplyTo], m.N)
			}
		}
		got := map[int][]int{}
		for _, e := range res.Exchanges {
			switch {
			case len(e.Replies) > 0:
				got[e.Request] = e.Replies
			case e.Reply != 0:
				got[e.Request] = []int{e.Reply}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: simulator exchanges %v, reply_to %v", name, got, want)
		}
		// the request's exchange closes at a reply of its own on every path
		for _, mi := range flow.Build(d).Messages {
			if mi.Role == flow.RoleReply && mi.Exchange.Request.N != mi.Message.ReplyTo {
				t.Errorf("%s: #%d closes #%d, reply_to %d", name, mi.Message.N, mi.Exchange.Request.N, mi.Message.ReplyTo)
			}
		}
	}
	if compared < 100 {
		t.Errorf("compared %d diagrams", compared)
	}
}

// Regressions from the review of replies in blocks and fork failures.
func TestSemanticsReplyReviewCases(t *testing.T) {
	type want struct {
		ok, handled, failed int64
		e2e                 float64 // every run
		exMS                []float64
	}
	for _, c := range []struct {
		name, src, prof string
		want            want
	}{{
		// a reply to the outer request inside a nested exchange's body:
		// what follows is outside the outer request's timeout too
		name: "reply to the outer request after the inner one's",
		src: `sequenceDiagram
C->>S: req
S->>D: check
alt ok
  D-->>S: fine
  S-->>C: rep
  C->>E: post
  E-->>C: posted
else bad
  D-->>S: bad
  S--xC: no
end
C->>F: last
`,
		prof: "defaults: {latency: 100ms}\nmessages:\n  \"C->>S: req\": {timeout: 1s}\n  \"C->>E: post\": {latency: 1s}\n",
		want: want{ok: 1000, e2e: 1600, exMS: []float64{400, 200, 1100}},
	}, {
		// the request fails and a bound branch without a reply handles
		// it: the reply after the block still goes, and ends it
		name: "handler without a reply, reply after the block",
		src: `sequenceDiagram
C->>S: req
alt ok
  S-->>C: rep
else declined
  S->>L: log
end
S-->>C: final
C->>F: last
`,
		prof: "defaults: {latency: 100ms}\nmessages:\n  \"C->>S: req\": {fault: {rate: 1, kind: error}}\nblocks:\n  \"else declined\": {when: \"C->>S: req error\"}\n",
		want: want{handled: 1000, e2e: 400, exMS: []float64{300, 100, 100}},
	}, {
		// the callee's own async job does not take the reply after it
		// into the fork
		name: "a reply after the callee's async job",
		src: `sequenceDiagram
C->>S: req
S-)S: schedule job
alt ok
  S-->>C: accepted
end
C->>F: last
`,
		prof: "defaults: {latency: 100ms}\n",
		want: want{ok: 1000, e2e: 300, exMS: []float64{200, 100}},
	}} {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, c.src)
			res := simulate(t, d, loadYAML(t, d, c.prof), 1000)
			o := res.Outcomes
			if o.OK != c.want.ok || o.Handled != c.want.handled || o.Failed != c.want.failed {
				t.Errorf("outcomes %+v, cascades %+v", o, res.Cascades)
			}
			exactMS(t, "end_to_end min", res.EndToEnd.MinMS, c.want.e2e)
			exactMS(t, "end_to_end max", res.EndToEnd.MaxMS, c.want.e2e)
			for i, ms := range c.want.exMS {
				ex := res.Exchanges[i]
				if ex.Duration.MinMS != ms || ex.Duration.MaxMS != ms || ex.Failed != 0 {
					t.Errorf("exchange #%d: %+v, want %v ms in every run", ex.Request, ex.Duration, ms)
				}
			}
		})
	}
}

// Each run of a fork rolls back its own steps only: a loop that starts
// the same fork twice, each failing half the time, compensates once per
// failed fork.
func TestSemanticsForkRunsRollBackTheirOwnSteps(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
U->>A: go
loop twice
  A-)B: job
  B->>C: step
  C-->>B: stepped
  B->>D: fin
end
A-->>U: ok
`)
	p := loadYAML(t, d, `defaults: {latency: 10ms}
messages:
  "B->>C: step": {compensate: ["B->>C: undo"]}
  "B->>D: fin": {fault: {rate: 0.5, kind: error}}
blocks:
  "loop twice": {iterations: 2}
`)
	res := simulate(t, d, p, nRuns)
	undo := len(res.Messages)
	// failed forks per run: Binomial(2, 0.5), mean 1, sd sqrt(0.5)
	near(t, "undo per run", shareOf(sends(res, undo), nRuns), 1, meanTol(math.Sqrt(0.5), nRuns))
	near(t, "failed share", shareOf(res.Outcomes.Failed, nRuns), 0.75, shareTol(0.75, nRuns))
}

// In --traces output a par branch beside the reply is the callee's work:
// its span hangs under the request's.
func TestSemanticsParBesideReplyTraces(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nC->>S: req\npar ok\n  S-->>C: rep\nand side\n  S->>G: side\nend\nC->>F: last\n")
	got := firstTrace(t, d, loadYAML(t, d, "defaults: {latency: 10ms}\n"))
	if len(got.Spans) != 3 || got.Spans[1].N != 3 || got.Spans[1].Parent != 0 || got.Spans[2].N != 4 || got.Spans[2].Parent != -1 {
		t.Errorf("spans %+v: want side under req, last under the root", got.Spans)
	}
}
