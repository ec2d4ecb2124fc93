package report_test

import (
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/report"
)

// shopSource answers its first request in two branches of an alt (one an
// error reply), then sends a receipt asynchronously: the fork that
// “Send receipt” (#6) starts runs Email's two exchanges while the main
// timeline has ended.
const shopSource = `sequenceDiagram
  title Order and receipt
  actor Admin
  participant Shop
  participant Pay as Payments
  participant Email
  participant Archive
  participant CRM
  Admin->>Shop: Place order
  Shop->>Pay: Charge card
  Pay-->>Shop: Charged
  alt in stock
    Shop-->>Admin: Order placed
  else sold out
    Shop--xAdmin: 409 Sold out
  end
  Shop-)Email: Send receipt
  Email->>Archive: Store receipt
  Archive-->>Email: Stored
  Email->>CRM: Log receipt
  CRM-->>Email: Logged
`

// shopResult is a simulation of shopSource, built by hand: exchange #1 is
// closed by #4 or #5, and four of its five cascades happen in the fork of
// #6 (one of them the receipt itself lost).
func shopResult(t *testing.T) *report.Result {
	return &report.Result{
		Version: report.Version, Source: "sim",
		Diagram: "shop.mmd", DiagramSource: shopSource, Model: parse(t, "shop.mmd", shopSource),
		Profile: "shop.yaml", Runs: 10_000, Seed: 3, ElapsedMS: 210,
		Outcomes:   report.Outcomes{OK: 8_470, Handled: 1_050, Failed: 470, Inconsistent: 10},
		EndToEnd:   st(10_000, 840, 1300, 1600, 2400, 3100, 3300),
		Completion: st(10_000, 1210, 1900, 2300, 3300, 4200, 4500),
		SystemTime: st(10_000, 310, 520, 640, 930, 1200, 1300),
		Messages: []report.MessageStats{
			{N: 1, Selector: "Admin->>Shop: Place order", Latency: st(10_000, 520, 980, 1250, 2000, 2700, 2900)},
			{N: 2, Selector: "Shop->>Pay: Charge card", Latency: st(10_000, 240, 410, 520, 800, 1100, 1200),
				Faults: report.Faults{Error: 300}},
			{N: 3, Selector: "Pay-->>Shop: Charged", Latency: st(9_700, 4, 6, 7, 9, 12, 13)},
			{N: 4, Selector: "Shop-->>Admin: Order placed", Latency: st(8_650, 30, 52, 61, 90, 120, 130)},
			{N: 5, Selector: "Shop--xAdmin: 409 Sold out", Latency: st(1_050, 28, 50, 60, 88, 110, 112)},
			{N: 6, Selector: "Shop-)Email: Send receipt", Latency: st(8_650, 15, 30, 38, 70, 95, 99),
				Faults: report.Faults{Drop: 50}},
			{N: 7, Selector: "Email->>Archive: Store receipt", Latency: st(8_600, 120, 260, 330, 610, 900, 950),
				Faults: report.Faults{Error: 10}},
			{N: 8, Selector: "Archive-->>Email: Stored", Latency: st(8_590, 3, 5, 6, 8, 10, 11)},
			{N: 9, Selector: "Email->>CRM: Log receipt", Latency: st(8_590, 150, 330, 410, 800, 1300, 1400),
				Faults: report.Faults{Error: 20, Timeout: 100}},
			{N: 10, Selector: "CRM-->>Email: Logged", Latency: st(8_470, 3, 5, 6, 8, 10, 11)},
		},
		Exchanges: []report.ExchangeStats{
			{Request: 1, Reply: 4, Replies: []int{4, 5}, Duration: st(9_700, 830, 1290, 1590, 2380, 3050, 3250),
				Failed: 300, CriticalPathShare: 1},
			{Request: 2, Reply: 3, Duration: st(9_700, 250, 420, 530, 810, 1120, 1210), Failed: 300, CriticalPathShare: 0.31},
			{Request: 6, Duration: st(8_600, 15, 30, 38, 70, 95, 99), Failed: 50},
			{Request: 7, Reply: 8, Duration: st(8_590, 125, 265, 335, 615, 905, 955), Failed: 10},
			{Request: 9, Reply: 10, Duration: st(8_470, 155, 335, 415, 805, 1305, 1405), Failed: 120},
		},
		Cascades: []report.Cascade{
			{Root: report.Root{N: 2, Fault: "error"}, Runs: 300, Share: 0.03, Chain: []int{2, 1}, Outcome: report.Failed,
				TimeToFailure: st(300, 760, 1200, 1500, 2200, 2900, 3000)},
			{Root: report.Root{N: 9, Fault: "timeout"}, Runs: 100, Share: 0.01, Chain: []int{9}, Outcome: report.Failed,
				Fork: 6, Compensated: 40, TimeToFailure: st(100, 1200, 1800, 2100, 2900, 3400, 3500)},
			{Root: report.Root{N: 6, Fault: "drop"}, Runs: 50, Share: 0.005, Outcome: report.Failed,
				Fork: 6, TimeToFailure: st(50, 560, 990, 1300, 2000, 2500, 2600)},
			{Root: report.Root{N: 9, Fault: "error"}, Runs: 20, Share: 0.002, Chain: []int{9}, Outcome: report.Inconsistent,
				Fork: 6, Compensated: 18, Inconsistent: 2, TimeToFailure: st(20, 1100, 1500, 1700, 1900, 1900, 1900)},
			{Root: report.Root{N: 7, Fault: "error"}, Runs: 10, Share: 0.001, Chain: []int{7}, Outcome: report.Failed,
				Fork: 6, TimeToFailure: st(10, 700, 900, 950, 990, 990, 990)},
		},
		SLO: []report.SLOVerdict{{Target: "end_to_end p95 <= 2s", ObservedMS: 1600, OK: true}},
	}
}

func TestRenderTextShop(t *testing.T) {
	report.ExportGolden(t, renderTo(t, "text", shopResult(t)))
}

func TestRenderMarkdownShop(t *testing.T) {
	got := renderTo(t, "markdown", shopResult(t))
	checkMarkdown(t, got)
	report.ExportGolden(t, got)
}

func TestRenderHTMLShop(t *testing.T) {
	got := renderTo(t, "html", shopResult(t))
	report.ExportHTMLChecks(t, got)
	report.ExportGolden(t, got)
}

// Every report names an exchange by its request and each reply that closes
// it, and says of a failure in an async fork which fork it happened in and
// when, never that the initiator (or anyone) saw it.
func TestRepliesAndForksWording(t *testing.T) {
	for _, tc := range []struct {
		format string
		// cascades cuts the cascades out of the output
		cascades func(string) string
		want     []string
		reason   string
	}{{
		format:   "text",
		cascades: between("\nCascades\n", "\n\n"),
		want: []string{
			"\n  #1→#4,#5 ",
			"\n  #2→#3 ",
			"\n  #6 ",
			"#2 Shop->>Pay: Charge card error in 3.0% of runs (300) → failed #2 → #1; seen after 760ms (p50), 2.20s (p99)\n",
			"#9 Email->>CRM: Log receipt timeout in 1.0% of runs (100) → failed #9 in the fork started by #6 Shop-)Email: Send receipt; " +
				"the main timeline goes on; the fork's own steps compensated in 40 runs; the fork failed after 1.20s (p50), 2.90s (p99) from the run's start\n",
			"#6 Shop-)Email: Send receipt drop in 0.5% of runs (50) → failed; the fork it starts does not run; the main timeline goes on; " +
				"the fork failed after 560ms (p50), 2.00s (p99) from the run's start\n",
		},
	}, {
		format:   "markdown",
		cascades: between("\n## Failure cascades\n", "\n## "),
		want: []string{
			"\n| 1→4,5 | Admin → Shop: Place order | sync |",
			"\n| 2→3 | Shop → Payments: Charge card | sync |",
			"\n| 6 | Shop → Email: Send receipt | async |",
			"and waits for “Order placed” or the error “409 Sold out”",
			"- Payments rejects “Charge card” in 3.0% of runs (300), which fails Admin's “Place order”; " +
				"Admin sees the error after 1.50s at p95 (760ms at p50); nothing is rolled back.\n",
			"- CRM does not answer “Log receipt” in time in 1.0% of runs (100), in the fork started by #6 (“Send receipt” from Shop to Email); " +
				"the fork fails 2.10s after the run's start at p95 (1.20s at p50), in the background (end to end is not cut); " +
				"the fork's own steps are rolled back in 40 runs.\n",
			"- “Send receipt” from Shop to Email is lost in 0.5% of runs (50), so the fork it starts (#6) does not run; " +
				"the fork fails 1.30s after the run's start at p95 (560ms at p50), in the background (end to end is not cut); nothing is rolled back.\n",
			"; the fork's own steps are rolled back in 18 runs, and the rollback fails in 2 runs, leaving data inconsistent.\n",
		},
		reason: "Markdown's table heads the column #, so its cells leave the # out (GitHub would link #1 in an issue)",
	}, {
		format:   "html",
		cascades: between("<section id=\"cascades\">", "</section>"),
		want: []string{
			"<tr><th scope=\"row\">#1→#4,#5</th>",
			"<b>#1→#4,#5 Admin-&gt;&gt;Shop: Place order</b>",
			"The most frequent root cause of failure is #2 Shop-&gt;&gt;Pay: Charge card error, in 3.0% of runs.",
			"<li>#9 Email-&gt;&gt;CRM: Log receipt timeout in 1.0% of runs (100) → <strong class=\"o-text-failed\">failed</strong> #9 " +
				"in the fork started by #6 Shop-)Email: Send receipt; the main timeline goes on; the fork's own steps compensated in 40 runs; " +
				"the fork failed after 1.20s (p50), 2.90s (p99) from the run's start</li>",
			">timeout in fork #6<",
			">fork compensated 40<",
			">fork failed after 560ms<",
			"<title>failed: 100 runs in the fork started by #6 Shop-)Email: Send receipt (the main timeline goes on), " +
				"the fork&#39;s own steps compensated in 40, the fork failed after 1.20s (p50), 2.90s (p99) from the run&#39;s start</title>",
		},
	}} {
		t.Run(tc.format, func(t *testing.T) {
			out := string(renderTo(t, tc.format, shopResult(t)))
			if tc.format == "text" {
				// lines over TextWidth go on indented by 4 more: join them
				out = strings.ReplaceAll(out, "\n      ", " ")
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the %s output lacks %q (%s):\n%s", tc.format, w, tc.reason, out)
				}
			}
			if strings.Contains(out, "#1→#4\n") || strings.Contains(out, "#1→#4<") || strings.Contains(out, "| 1→4 |") {
				t.Errorf("an exchange is labelled by its first reply alone:\n%s", out)
			}
			// Each line about a fork: no one sees the failure.
			forks := 0
			for line := range strings.Lines(tc.cascades(out)) {
				if !strings.Contains(line, "fork") {
					continue
				}
				forks++
				for _, bad := range []string{"sees", "saw", "seen"} {
					if strings.Contains(line, bad) {
						t.Errorf("a fork's failure is %q: %s", bad, line)
					}
				}
			}
			if forks == 0 {
				t.Errorf("no cascade names a fork:\n%s", tc.cascades(out))
			}
		})
	}
}

// between returns a function that cuts s from the first start to the
// next end after it.
func between(start, end string) func(string) string {
	return func(s string) string {
		_, s, ok := strings.Cut(s, start)
		if !ok {
			return ""
		}
		s, _, _ = strings.Cut(s, end)
		return s
	}
}
