package otelexport

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// OTLP span kinds and status codes (opentelemetry-proto trace.proto).
const (
	otlpServer   = 2
	otlpClient   = 3
	otlpProducer = 4
	otlpConsumer = 5

	otlpStatusError = 2
)

// File writes simulated runs as OTLP/JSON, one line per run: a
// TracesData object ({"resourceSpans": […]}), the format of the
// OpenTelemetry Collector's file exporter, which `choreo check`, the
// collector's otlpjsonfile receiver, Jaeger and Tempo read.
//
// Each Span of a run gives two OTLP spans: a CLIENT span in the sender's
// service from Start to End and a SERVER span in the receiver's service
// from Arrive to Leave, child of the CLIENT span (PRODUCER and CONSUMER for
// async messages; a dropped async message has no CONSUMER span). A span
// whose Parent is i is a child of span i's SERVER span: the callee's work.
// Resources are grouped by service (service.name is the participant id,
// in diagram order); every scope is named "choreo". The span name is the
// request's text, and spans carry the attributes choreo.run,
// choreo.message.n, choreo.attempt, choreo.reply.n (exchanges with a
// reply), peer.service (the receiver, on the sending side), and where they
// apply choreo.compensation, choreo.abandoned, choreo.fault ("delay") and,
// on root requests, choreo.outcome. A fault sets status ERROR with a
// message, error.type and an "exception" event whose exception.type is the
// fault kind, on both sides. An exchange answered by an error the diagram
// draws (--x) has status ERROR with the reply's text as its message, and
// no exception, as a system answering 401 would record it.
//
// Ids are derived, never random: the trace id (16 bytes) from the seed and
// the run index, each span id (8 bytes) from the seed, the run, the span's
// index and its side, through the splitmix64 mixer. Timestamps: see
// runid.Epoch.
//
// Write issues one Write per run on the underlying writer: give it a
// bufio.Writer. An File is not safe for concurrent use.
type File struct {
	w    io.Writer
	seed uint64
	msgs []otlpMsg // message N at index N-1
	svcs []otlpService
	byID map[string]int // service index by participant id
	buf  []byte
}

type otlpMsg struct {
	ok       bool
	from, to int    // service indexes
	name     []byte // JSON string of the request's text
	peer     []byte // JSON string of the receiver's id
	drawn    bool   // an error the diagram draws (-x, --x)
}

type otlpService struct {
	open []byte // from {"resource": … to the opening [ of spans
}

// NewFile returns a writer of the runs of d simulated with seed.
// Compensating messages that are not in the diagram need AddCompensations.
func NewFile(w io.Writer, d *flow.Diagram, seed uint64) *File {
	o := &File{w: w, seed: seed, byID: map[string]int{}}
	for _, p := range d.Participants {
		o.service(p.ID)
	}
	for i, m := range d.Messages() {
		o.setMessage(i+1, m)
	}
	return o
}

// AddCompensations makes the compensating messages a profile defines
// outside the diagram (Profile.Extra, numbered after the diagram's
// messages) known to the writer, so that their spans can be written.
func (o *File) AddCompensations(cs []*sim.Compensation) {
	for _, c := range cs {
		if c != nil && c.Message != nil && c.Message.N > 0 {
			o.setMessage(c.Message.N, c.Message)
		}
	}
}

func (o *File) setMessage(n int, m *flow.Message) {
	for len(o.msgs) < n {
		o.msgs = append(o.msgs, otlpMsg{})
	}
	o.msgs[n-1] = otlpMsg{
		ok:    true,
		from:  o.service(m.From),
		to:    o.service(m.To),
		name:  otlpAppendString(nil, m.Text),
		peer:  otlpAppendString(nil, m.To),
		drawn: m.Arrow.Cross(),
	}
}

// service returns the index of participant id's service, adding it.
func (o *File) service(id string) int {
	if i, ok := o.byID[id]; ok {
		return i
	}
	b := []byte(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":`)
	b = otlpAppendString(b, id)
	b = append(b, `}}]},"scopeSpans":[{"scope":{"name":"choreo"},"spans":[`...)
	o.svcs = append(o.svcs, otlpService{open: b})
	o.byID[id] = len(o.svcs) - 1
	return len(o.svcs) - 1
}

// Write writes one run as one line.
func (o *File) Write(rt *sim.RunTrace) error {
	for i := range rt.Spans {
		sp := &rt.Spans[i]
		if sp.N < 1 || sp.N > len(o.msgs) || !o.msgs[sp.N-1].ok {
			return fmt.Errorf("otlp: run %d: span %d: message #%d is neither in the diagram nor a compensation given to AddCompensations", rt.Run, i, sp.N)
		}
		if sp.Parent < -1 || sp.Parent >= len(rt.Spans) || sp.Parent == i {
			return fmt.Errorf("otlp: run %d: span %d: parent %d out of range", rt.Run, i, sp.Parent)
		}
	}
	ids := runid.New(o.seed, rt.Run)
	base := runid.Epoch.UnixNano() + rt.Run*int64(runid.Spacing)
	if !rt.Start.IsZero() {
		base = rt.Start.UnixNano()
	}

	b := append(o.buf[:0], `{"resourceSpans":[`...)
	firstSvc := true
	for s := range o.svcs {
		n := 0
		for i := range rt.Spans {
			sp := &rt.Spans[i]
			m := &o.msgs[sp.N-1]
			for side := range 2 {
				svc := m.from
				if side == 1 {
					if sp.Kind == sim.SpanAsync && sp.Fault == report.FaultDrop || sp.Remote {
						continue // never delivered, or the system writes its own
					}
					svc = m.to
				}
				if svc != s {
					continue
				}
				if n == 0 {
					if !firstSvc {
						b = append(b, ',')
					}
					firstSvc = false
					b = append(b, o.svcs[s].open...)
				} else {
					b = append(b, ',')
				}
				n++
				b = o.appendSpan(b, rt, i, side, &ids, base)
			}
		}
		if n > 0 {
			b = append(b, "]}]}"...)
		}
	}
	b = append(b, "]}\n"...)
	o.buf = b
	_, err := o.w.Write(b)
	return err
}

// appendSpan appends side 0 (CLIENT or PRODUCER) or 1 (SERVER or
// CONSUMER) of span i.
func (o *File) appendSpan(b []byte, rt *sim.RunTrace, i, side int, ids *runid.IDs, base int64) []byte {
	sp := &rt.Spans[i]
	m := &o.msgs[sp.N-1]
	b = append(b, `{"traceId":"`...)
	b = runid.AppendHex(b, ids.ID(1<<63))
	b = runid.AppendHex(b, ids.ID(1<<63|1))
	b = append(b, `","spanId":"`...)
	b = runid.AppendHex(b, ids.ID(uint64(i)<<1|uint64(side)))
	b = append(b, '"')
	// Parent: the CLIENT side serves its parent's SERVER side; the SERVER
	// side is the child of its own CLIENT side.
	switch {
	case side == 1:
		b = append(b, `,"parentSpanId":"`...)
		b = runid.AppendHex(b, ids.ID(uint64(i)<<1))
		b = append(b, '"')
	case sp.Parent >= 0:
		// the parent's SERVER side, or its CLIENT side when the parent's
		// receiver is a real system (whose SERVER span is its own)
		side := uint64(1)
		if rt.Spans[sp.Parent].Remote {
			side = 0
		}
		b = append(b, `,"parentSpanId":"`...)
		b = runid.AppendHex(b, ids.ID(uint64(sp.Parent)<<1|side))
		b = append(b, '"')
	}
	b = append(b, `,"name":`...)
	b = append(b, m.name...)
	kind := otlpClient + side*(otlpServer-otlpClient) // 3, 2
	if sp.Kind == sim.SpanAsync {
		kind = otlpProducer + side // 4, 5
	}
	b = append(b, `,"kind":`...)
	b = strconv.AppendInt(b, int64(kind), 10)
	start, end := sp.Start, sp.End
	if side == 1 {
		start, end = sp.Arrive, sp.Leave
	}
	end = max(end, start)
	b = append(b, `,"startTimeUnixNano":"`...)
	b = strconv.AppendInt(b, base+int64(start), 10)
	b = append(b, `","endTimeUnixNano":"`...)
	b = strconv.AppendInt(b, base+int64(end), 10)
	b = append(b, `","attributes":[`...)
	b = otlpIntAttr(b, "choreo.run", rt.Run, false)
	b = otlpIntAttr(b, "choreo.message.n", int64(sp.N), true)
	b = otlpIntAttr(b, "choreo.attempt", int64(sp.Attempt), true)
	if sp.Reply != 0 {
		b = otlpIntAttr(b, "choreo.reply.n", int64(sp.Reply), true)
	}
	if side == 0 {
		b = append(b, `,{"key":"peer.service","value":{"stringValue":`...)
		b = append(b, m.peer...)
		b = append(b, "}}"...)
		if sp.Parent < 0 && sp.Kind != sim.SpanCompensation && rt.Outcome != "" {
			b = otlpStrAttr(b, "choreo.outcome", rt.Outcome, true)
		}
	}
	if sp.Kind == sim.SpanCompensation {
		b = append(b, `,{"key":"choreo.compensation","value":{"boolValue":true}}`...)
	}
	if sp.Abandoned {
		b = append(b, `,{"key":"choreo.abandoned","value":{"boolValue":true}}`...)
	}
	if sp.Status != 0 {
		b = otlpIntAttr(b, "http.response.status_code", int64(sp.Status), true)
	}
	failed := sp.Fault != "" && sp.Fault != report.FaultDelay
	switch {
	case failed:
		b = otlpStrAttr(b, "error.type", sp.Fault, true)
	case sp.Fault != "":
		b = otlpStrAttr(b, "choreo.fault", sp.Fault, true)
	}
	b = append(b, ']')
	if !failed && sp.Detail != "" && side == 0 {
		// an exec adapter's output
		b = append(b, `,"events":[{"timeUnixNano":"`...)
		b = strconv.AppendInt(b, base+int64(end), 10)
		b = append(b, `","name":"choreo.output","attributes":[`...)
		b = otlpStrAttr(b, "choreo.output", sp.Detail, false)
		b = append(b, `]}]`...)
	}
	if !failed && sp.Reply > 0 && sp.Reply <= len(o.msgs) && o.msgs[sp.Reply-1].drawn {
		// answered by an error the diagram draws (a 401, a decline): an
		// error status as the system's own span would carry, and no
		// exception, since nothing was injected
		b = append(b, `,"status":{"message":`...)
		b = append(b, o.msgs[sp.Reply-1].name...)
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, otlpStatusError, 10)
		b = append(b, '}')
	}
	if failed {
		msg := otlpFaultMessage(sp.Fault)
		if sp.Detail != "" {
			msg = sp.Detail
		}
		b = append(b, `,"events":[{"timeUnixNano":"`...)
		b = strconv.AppendInt(b, base+int64(end), 10)
		b = append(b, `","name":"exception","attributes":[`...)
		b = otlpStrAttr(b, "exception.type", sp.Fault, false)
		b = otlpStrAttr(b, "exception.message", msg, true)
		b = append(b, `]}],"status":{"message":`...)
		b = otlpAppendString(b, msg)
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, otlpStatusError, 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

// otlpFaultMessage is the status message of a fault: it names the fault
// kind (a timeout says "deadline exceeded", as gRPC does).
func otlpFaultMessage(kind string) string {
	switch kind {
	case report.FaultError:
		return "injected error"
	case report.FaultTimeout:
		return "injected timeout: deadline exceeded, no reply"
	case report.FaultDrop:
		return "injected drop: message lost"
	}
	return "injected " + kind
}

func otlpIntAttr(b []byte, key string, v int64, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, `{"key":"`...)
	b = append(b, key...)
	b = append(b, `","value":{"intValue":"`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, `"}}`...)
}

// otlpStrAttr appends {"key": key, "value": {"stringValue": v}}, after a
// comma if asked; keys are constants that need no escaping.
func otlpStrAttr(b []byte, key, v string, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, `{"key":"`...)
	b = append(b, key...)
	b = append(b, `","value":{"stringValue":`...)
	b = otlpAppendString(b, v)
	return append(b, "}}"...)
}

// otlpAppendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
func otlpAppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"
