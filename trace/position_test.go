package trace

import (
	"testing"
)

// spanTree builds a trace from (service, kind, name, parent index, start,
// end) rows, microseconds from 0.
type spanRow struct {
	svc    string
	kind   Kind
	name   string
	parent int // -1: root
	start  int64
	end    int64
	err    bool
}

func buildTrace(id byte, rows []spanRow) *Trace {
	t := &Trace{}
	t.ID[15] = id
	for i, r := range rows {
		s := Span{TraceID: t.ID, Name: r.name, Service: r.svc, Kind: r.kind,
			Start: r.start * 1000, End: r.end * 1000}
		s.SpanID[7] = byte(i + 1)
		s.SpanID[6] = id
		if r.parent >= 0 {
			s.ParentID = t.Spans[r.parent].SpanID
		}
		if r.err {
			s.Status = Error
		}
		t.Spans = append(t.Spans, s)
	}
	return t
}

// call appends a client span in from and its server span in to, under
// parent (a server span's index, -1 for a root), and returns the server's
// index.
func call(rows *[]spanRow, from, to, name string, parent int, start, end int64, err bool) int {
	*rows = append(*rows, spanRow{from, Client, name, parent, start, end, err})
	*rows = append(*rows, spanRow{to, Server, name, len(*rows) - 1, start + 1, end - 1, err})
	return len(*rows) - 1
}

// Messages with the same sender, receiver and text are told apart by
// where the alignment places the span: each call counts at its own
// message, with its own latency.
func TestCheckAttributesRepeatedMessagesByPosition(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
U->>App: open
App->>Auth: GET /oauth/check_token
Auth-->>App: ok
App->>API: GET /clients/{clientId}
API-->>App: client
App->>Auth: GET /oauth/check_token
Auth-->>App: ok
App->>API: DELETE /clients/{clientId}
API-->>App: deleted
App->>API: GET /clients/{clientId}
API-->>App: gone
App-->>U: done
`)
	c := NewChecker(d, nil, NewAligner(d))
	for id := byte(1); id <= 3; id++ {
		var rows []spanRow
		root := call(&rows, "U", "App", "open", -1, 0, 1000, false)
		call(&rows, "App", "Auth", "GET /oauth/check_token", root, 10, 20, false)   // 10µs
		call(&rows, "App", "API", "GET /clients/42", root, 30, 60, false)           // 30µs
		call(&rows, "App", "Auth", "GET /oauth/check_token", root, 100, 200, false) // 100µs
		call(&rows, "App", "API", "DELETE /clients/42", root, 300, 400, false)      // 100µs
		call(&rows, "App", "API", "GET /clients/42", root, 500, 900, false)         // 400µs
		c.Add(buildTrace(id, rows))
	}
	res := c.Result()
	if res.Conformance.Conforming != 3 {
		t.Fatalf("conformance %+v", res.Conformance)
	}
	for _, w := range []struct {
		n     int
		count int64
		maxMS float64
	}{{2, 3, 0.010}, {4, 3, 0.030}, {6, 3, 0.100}, {8, 3, 0.100}, {10, 3, 0.400}} {
		ex := res.Exchanges[0]
		for _, e := range res.Exchanges {
			if e.Request == w.n {
				ex = e
			}
		}
		if ex.Request != w.n || ex.Duration.Count != w.count || ex.Duration.MaxMS != w.maxMS {
			t.Errorf("exchange #%d: %d runs, max %v ms; want %d runs, %v ms", w.n, ex.Duration.Count, ex.Duration.MaxMS, w.count, w.maxMS)
		}
		if m := res.Messages[w.n-1]; m.Latency.Count != w.count {
			t.Errorf("message #%d seen %d times, want %d", w.n, m.Latency.Count, w.count)
		}
	}
}

// A loop of screens that call the same endpoint: every iteration counts
// at the loop's message, and a 401 the diagram draws does not end the
// flow: the alignment goes on with what comes next.
func TestCheckDrawnErrorDoesNotEndTheFlow(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
U->>App: open
App->>Auth: POST /token
alt valid
  Auth-->>App: token
else invalid client
  Auth--xApp: 401
  App->>Auth: POST /token/refresh
  Auth-->>App: token
end
loop screens
  App->>API: GET /screen
  API-->>App: screen
end
App-->>U: done
`)
	c := NewChecker(d, nil, NewAligner(d))
	var rows []spanRow
	root := call(&rows, "U", "App", "open", -1, 0, 1000, false)
	call(&rows, "App", "Auth", "POST /token", root, 10, 20, true)
	call(&rows, "App", "Auth", "POST /token/refresh", root, 30, 40, false)
	for i := int64(0); i < 3; i++ {
		call(&rows, "App", "API", "GET /screen", root, 100+100*i, 150+100*i, false)
	}
	c.Add(buildTrace(1, rows))
	res := c.Result()
	if res.Conformance.Conforming != 1 || res.Outcomes.Handled != 1 {
		t.Errorf("conformance %+v, outcomes %+v: want the drawn 401 to conform and be handled", res.Conformance, res.Outcomes)
	}
	if m := res.Messages[6]; m.Selector != "App->>API: GET /screen" || m.Latency.Count != 3 {
		t.Errorf("message %+v: want 3 screens", m)
	}
}

// Every message that no trace showed says why; cascades carry example
// traces and never a root #0.
func TestCheckExplainsUnobservedMessages(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
U->>App: open
App->>Auth: POST /token
alt valid
  Auth-->>App: token
else invalid
  Auth--xApp: 401
end
App->>Ledger: record
Ledger-->>App: ok
App->>Cache: GET /warm
App-->>U: done
`)
	c := NewChecker(d, nil, NewAligner(d))
	var rows []spanRow
	root := call(&rows, "U", "App", "open", -1, 0, 1000, true)
	call(&rows, "App", "Auth", "POST /token", root, 10, 20, false)
	call(&rows, "App", "Cache", "GET /cold", root, 30, 40, false)
	// an unmapped call fails: the cascade's root is its mapped caller
	call(&rows, "App", "Other", "boom", root, 50, 60, true)
	c.Add(buildTrace(7, rows))
	res := c.Result()
	for n, want := range map[int]string{
		4: `its branch "else invalid" was never taken`,
		5: "participant Ledger matches no service in the traces",
		6: "participant Ledger matches no service in the traces",
		7: "no span from App to Cache matched its text",
	} {
		if got := res.Messages[n-1].Unobserved; got != want {
			t.Errorf("#%d unobserved %q, want %q", n, got, want)
		}
	}
	if got := res.Messages[1].Unobserved; got != "" {
		t.Errorf("#2 was seen, yet %q", got)
	}
	if len(res.Cascades) != 1 || res.Cascades[0].Root.N != 1 || len(res.Cascades[0].Examples) != 1 {
		t.Errorf("cascades %+v: want one rooted at #1 with its trace", res.Cascades)
	}
}
