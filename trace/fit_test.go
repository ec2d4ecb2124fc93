package trace

import (
	"slices"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/parser"
)

const fitDiagram = `sequenceDiagram
A->>B: order
B->>C: charge
C-->>B: charged
B-->>A: done
`

// fitTrace builds a trace from spans given as (id, parent, service,
// kind, name, start ms, end ms, failed).
type fitSpan struct {
	id, parent byte
	svc        string
	kind       Kind
	name       string
	start, end float64
	failed     bool
}

func fitTrace(n byte, spans ...fitSpan) *Trace {
	t := &Trace{ID: TraceID{15: n}}
	for _, s := range spans {
		sp := Span{TraceID: t.ID, SpanID: SpanID{0: n, 7: s.id}, Service: s.svc, Kind: s.kind, Name: s.name,
			Start: int64(s.start * 1e6), End: int64(s.end * 1e6)}
		if s.parent != 0 {
			sp.ParentID = SpanID{0: n, 7: s.parent}
		}
		if s.failed {
			sp.Status = Error
		}
		t.Spans = append(t.Spans, sp)
	}
	return t
}

// TestKeepFit: a request's fitted latency is the time to reach the
// callee plus the callee's own time (its span less its nested calls); a
// failure counts where it started, not at the callers it cascaded to; a
// retried call counts its attempts, its retry and the wait between.
func TestKeepFit(t *testing.T) {
	d, err := parser.Parse("fit.mmd", []byte(fitDiagram))
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(d, nil, NewAligner(d))
	c.KeepFit()
	// B spends 80ms serving order, 30 of them waiting for charge: its own
	// time is 50ms; C's own time in charge is 20ms.
	c.Add(fitTrace(1,
		fitSpan{1, 0, "A", Client, "order", 0, 100, false},
		fitSpan{2, 1, "B", Server, "order", 10, 90, false},
		fitSpan{3, 2, "B", Client, "charge", 30, 60, false},
		fitSpan{4, 3, "C", Server, "charge", 35, 55, false},
	))
	// charge fails once, and is retried 10ms later: the wait is the
	// retry policy's (the simulator draws it), not B's own time, so B's
	// own time is 80 − 30 (20 to 50) = 50ms again
	c.Add(fitTrace(2,
		fitSpan{1, 0, "A", Client, "order", 0, 100, false},
		fitSpan{2, 1, "B", Server, "order", 10, 90, false},
		fitSpan{3, 2, "B", Client, "charge", 20, 30, true},
		fitSpan{4, 3, "C", Server, "charge", 22, 28, true},
		fitSpan{5, 2, "B", Client, "charge", 40, 50, false},
		fitSpan{6, 5, "C", Server, "charge", 42, 48, false},
	))
	// charge fails for good: order fails by cascade
	c.Add(fitTrace(3,
		fitSpan{1, 0, "A", Client, "order", 0, 50, true},
		fitSpan{2, 1, "B", Server, "order", 10, 40, true},
		fitSpan{3, 2, "B", Client, "charge", 20, 30, true},
		fitSpan{4, 3, "C", Server, "charge", 22, 28, true},
	))
	fd := c.Result().Fit
	if fd == nil || len(fd.Messages) != 4 {
		t.Fatalf("fit data %+v", fd)
	}
	order, charge, charged, done := fd.Messages[0], fd.Messages[1], fd.Messages[2], fd.Messages[3]
	ms := func(h interface{ Quantile(float64) time.Duration }) time.Duration { return h.Quantile(0.5) }
	if order.Latency == nil || order.Latency.Count() != 2 || order.Latency.Min() != 60*time.Millisecond || order.Latency.Max() != 60*time.Millisecond {
		t.Errorf("order latency: want 2 × 60ms (10ms to B + 50ms of its own)")
	}
	if order.Faults.Error != 0 || order.Attempts != 3 {
		t.Errorf("order: %d errors in %d attempts, want 0 in 3 (its failure was charge's)", order.Faults.Error, order.Attempts)
	}
	if charge.Latency == nil || charge.Latency.Count() != 2 || charge.Latency.Min() != 8*time.Millisecond || charge.Latency.Max() != 25*time.Millisecond {
		t.Errorf("charge latency: want 25ms (5ms to C + 20ms of its own) and 8ms (2 + 6)")
	}
	if charge.Faults.Error != 2 || charge.Attempts != 4 {
		t.Errorf("charge: %d errors in %d attempts, want 2 in 4", charge.Faults.Error, charge.Attempts)
	}
	if charge.Calls != 3 || charge.Retried != 1 || charge.MaxAttempts != 2 {
		t.Errorf("charge: %d calls, %d retried, at most %d attempts; want 3, 1, 2", charge.Calls, charge.Retried, charge.MaxAttempts)
	}
	if charge.RetryWait == nil || charge.RetryWait.Count() != 1 || ms(charge.RetryWait) != 10*time.Millisecond {
		t.Errorf("charge: want one retry wait of 10ms")
	}
	if charged.Latency == nil || charged.Latency.Count() != 2 || charged.Latency.Min() != 2*time.Millisecond || charged.Latency.Max() != 5*time.Millisecond {
		t.Errorf("charged: want 5ms and 2ms")
	}
	if done.Latency == nil || done.Latency.Count() != 2 || ms(done.Latency) != 10*time.Millisecond {
		t.Errorf("done: want 2 × 10ms")
	}
}

// TestKeepFitDrawnError: an error the diagram draws (a --x reply in a
// critical's option) is a branch taken, not a fault; the same exchange
// failed by a nested call's failure is neither.
func TestKeepFitDrawnError(t *testing.T) {
	d, err := parser.Parse("crit.mmd", []byte(`sequenceDiagram
U->>API: login
API->>DB: lookup
DB-->>API: user
critical check password
  API-->>U: welcome
option wrong password
  API--xU: denied
end
`))
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(d, nil, NewAligner(d))
	c.KeepFit()
	c.Add(fitTrace(1, // denied: the drawn error
		fitSpan{1, 0, "U", Client, "login", 0, 50, true},
		fitSpan{2, 1, "API", Server, "login", 5, 45, true},
		fitSpan{3, 2, "API", Client, "lookup", 10, 30, false},
		fitSpan{4, 3, "DB", Server, "lookup", 12, 28, false},
	))
	c.Add(fitTrace(2, // welcome
		fitSpan{1, 0, "U", Client, "login", 0, 50, false},
		fitSpan{2, 1, "API", Server, "login", 5, 45, false},
		fitSpan{3, 2, "API", Client, "lookup", 10, 30, false},
		fitSpan{4, 3, "DB", Server, "lookup", 12, 28, false},
	))
	c.Add(fitTrace(3, // lookup fails: login fails by cascade
		fitSpan{1, 0, "U", Client, "login", 0, 50, true},
		fitSpan{2, 1, "API", Server, "login", 5, 45, true},
		fitSpan{3, 2, "API", Client, "lookup", 10, 30, true},
		fitSpan{4, 3, "DB", Server, "lookup", 12, 28, true},
	))
	fd := c.Result().Fit
	login, lookup, denied := fd.Messages[0], fd.Messages[1], fd.Messages[4]
	if login.Faults.Error != 0 || login.Latency == nil || login.Latency.Count() != 2 {
		t.Errorf("login: %d errors, want 0 (the drawn error is a branch, the cascade is lookup's); latency %v", login.Faults.Error, login.Latency)
	}
	if lookup.Faults.Error != 1 {
		t.Errorf("lookup: %d errors, want 1", lookup.Faults.Error)
	}
	if denied.Latency == nil || denied.Latency.Count() != 1 || denied.Latency.Min() != 5*time.Millisecond {
		t.Errorf("denied: want one reply of 5ms")
	}
	if len(fd.Blocks) != 1 || fd.Blocks[0].Reached != 2 || !slices.Equal(fd.Blocks[0].Taken, []int64{1, 1}) {
		t.Errorf("blocks %+v, want critical reached 2, taken [1 1]", fd.Blocks)
	}
}
