package serve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/otelexport"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
	"github.com/choreo-dev/choreo/trace"
)

// fixture is a diagram, its profile's SLO targets and simulated traces:
// one OTLP/JSON TracesData line per trace, as `choreo sim --traces`
// writes them.
type fixture struct {
	d     *flow.Diagram
	src   []byte
	slo   []report.SLOTarget
	lines [][]byte
}

var (
	fixOnce sync.Once
	fix     fixture
)

// provisioning simulates runs of the seed diagram (with its profile's
// faults) as traces, once per test binary.
func provisioning(t testing.TB) fixture {
	t.Helper()
	fixOnce.Do(func() {
		d, src := testdiagram.Read(t, "../testdata/provisioning.mmd")
		data := mustRead(t, "../testdata/provisioning.yaml")
		p, err := sim.LoadProfile("provisioning.yaml", data, d, "")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := otelexport.NewFile(&buf, d, 3)
		w.AddCompensations(p.Extra)
		if _, err := sim.Simulate(context.Background(), d, p, sim.Options{Runs: 400, Seed: 3, Workers: 1,
			Trace: w.Write, TraceEvery: 1}); err != nil {
			t.Fatal(err)
		}
		var lines [][]byte
		sc := bufio.NewScanner(&buf)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			lines = append(lines, slices.Clone(sc.Bytes()))
		}
		fix = fixture{d: d, src: src, slo: p.SLO, lines: lines}
	})
	if fix.d == nil {
		t.Fatal("no fixture")
	}
	return fix
}

// variant is the fixture checked against another diagram: the tenant
// directory is created before the subscription, and the invite is named
// otherwise, so that traces deviate (out of order, missing, unexpected).
func (f fixture) variant(t testing.TB) fixture {
	t.Helper()
	src := strings.Replace(string(f.src), "App->>Billing: Provision subscription\nBilling-->>App: Subscription created\nApp->>IdP: Create tenant directory\nIdP-->>App: Directory provisioned\n",
		"App->>IdP: Create tenant directory\nIdP-->>App: Directory provisioned\nApp->>Billing: Provision subscription\nBilling-->>App: Subscription created\n", 1)
	src = strings.Replace(src, "Send invite link", "Send invitation", 1)
	if src == string(f.src) {
		t.Fatal("the variant is the diagram")
	}
	d, err := parser.Parse("variant.mmd", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f.d, f.src = d, []byte(src)
	return f
}

func (f fixture) describe(res *report.Result) {
	res.Diagram, res.DiagramSource, res.Model = "provisioning.mmd", string(f.src), f.d
}

func (f fixture) config() Config {
	return Config{Diagram: f.d, SLO: f.slo, Describe: f.describe}
}

// check is `choreo check` of the fixture's traces, as one file.
func (f fixture) check(t testing.TB) *report.Result {
	t.Helper()
	c := trace.NewChecker(f.d, nil, trace.NewAligner(f.d))
	c.SLO = f.slo
	rd, err := trace.NewReader(bytes.NewReader(bytes.Join(f.lines, []byte("\n"))), "traces.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for {
		tr, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c.Add(tr)
	}
	res := c.Result()
	rd.AddTo(res.Input)
	f.describe(res)
	return res
}

// traces returns the fixture's traces as pdata, one per line.
func (f fixture) traces(t testing.TB) []ptrace.Traces {
	t.Helper()
	var out []ptrace.Traces
	for _, l := range f.lines {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, td)
	}
	return out
}

// batches regroups traces into export requests of about per resource
// spans each, taking them round robin from the traces, so that a trace's
// spans come in several requests mixed with other traces', as an SDK's
// batch processor or a Collector sends them.
func batches(ts []ptrace.Traces, per int) []ptrace.Traces {
	var queue [][]ptrace.ResourceSpans
	for _, td := range ts {
		var q []ptrace.ResourceSpans
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			q = append(q, td.ResourceSpans().At(i))
		}
		queue = append(queue, q)
	}
	var out []ptrace.Traces
	cur := ptrace.NewTraces()
	for more := true; more; {
		more = false
		for i := range queue {
			if len(queue[i]) == 0 {
				continue
			}
			more = true
			queue[i][0].CopyTo(cur.ResourceSpans().AppendEmpty())
			queue[i] = queue[i][1:]
			if cur.ResourceSpans().Len() == per {
				out = append(out, cur)
				cur = ptrace.NewTraces()
			}
		}
	}
	if cur.ResourceSpans().Len() > 0 {
		out = append(out, cur)
	}
	return out
}

func protoBody(t testing.TB, td ptrace.Traces) []byte {
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonBody(t testing.TB, td ptrace.Traces) []byte {
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// post sends body to url's /v1/traces and returns the status, headers
// and body of the answer.
func post(t testing.TB, base, ct string, body []byte, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func get(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// comparable is a result's JSON without what differs between a check of
// a file and the same traces received over OTLP by servers: the time it
// took, the file count and problem names, which traces are shown as
// examples (the first ones each saw), the order of deviations with the
// same count, and slow causes (judged against each instance's own p95
// when no end_to_end SLO is set).
func comparable(t testing.TB, r *report.Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c report.Result
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c.ElapsedMS = 0
	if c.Input != nil {
		c.Input.Files = 0
		c.Input.Problems = nil
	}
	if cf := c.Conformance; cf != nil {
		for i := range cf.Deviations {
			cf.Deviations[i].Examples = nil
		}
		slices.SortFunc(cf.Deviations, func(a, b report.Deviation) int {
			return strings.Compare(a.Kind+a.Message, b.Kind+b.Message)
		})
		cf.Fitness = float64(int64(cf.Fitness*1e9)) / 1e9
	}
	for i := range c.Cascades {
		c.Cascades[i].Examples = nil
	}
	c.Slow, c.SlowTraces = nil, nil
	if c.Histograms != nil {
		c.Histograms.Slow = nil
	}
	out, _ := json.MarshalIndent(c, "", " ")
	return string(out)
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clock is a settable clock for Config.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
