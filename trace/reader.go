package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/choreo-dev/choreo/report"
)

// ErrUnknownFormat is returned (wrapped, with the reason) by NewReader
// when the input is none of the formats the package reads.
var ErrUnknownFormat = errors.New("not OTLP (JSON or protobuf), Jaeger JSON or Zipkin v2 JSON")

// Format is a trace file format.
type Format uint8

// Formats the reader recognises.
const (
	FormatUnknown Format = iota
	OTLPJSON             // OTLP/JSON TracesData or ExportTraceServiceRequest, Tempo's batches; NDJSON of them
	OTLPProto            // OTLP protobuf TracesData or ExportTraceServiceRequest
	JaegerJSON           // Jaeger query API envelope, trace object or span array; NDJSON of them
	ZipkinJSON           // Zipkin v2 span array or array of traces; NDJSON of them
)

var formatNames = [...]string{"unknown", "otlp-json", "otlp-proto", "jaeger-json", "zipkin-json"}

// String returns the format's name: otlp-json, otlp-proto, jaeger-json or
// zipkin-json.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// MaxProblems bounds the problems a Reader keeps; Malformed counts all.
const MaxProblems = 1000

// recentIDs is how many completed trace ids a Reader remembers to notice
// spans that arrive after their trace was returned.
const recentIDs = 1 << 16

// Option configures a Reader.
type Option func(*Reader)

// Window sets how many further units a trace stays open after the last
// unit that carried one of its spans (see Reader). The default, 0,
// completes a trace at the end of its unit. Use a few units for OTLP
// NDJSON written by the collector's file exporter, whose lines are export
// batches that may split a trace; a negative window completes traces only
// at the end of the input.
func Window(units int) Option { return func(r *Reader) { r.window = units } }

// KeepAttrs makes the reader keep only the attributes whose key keep
// accepts: span attributes (OTLP) and tags (Jaeger, Zipkin), resource
// attributes and Jaeger process tags, event attributes and Jaeger log
// fields, link attributes. The value of an attribute not kept is skipped
// unread, as JSON that must be well formed but is not decoded, and the
// attribute is left out of its list. Without the option every attribute
// is kept. [CheckAttrs] keeps what the check reads.
//
// Keys the reader itself turns into Span fields are read whatever keep
// says, and end up where they did without the option: the OTLP
// resource's service.name (Service; it stays in Resource), a link's
// opentracing.ref_type (FollowsFrom; it stays in the link's Attrs), the
// Jaeger tags span.kind, error, otel.status_code and
// otel.status_description (Kind, Status, StatusMessage; never in Attrs),
// a Jaeger log's event field (the Event's Name) and the Zipkin tag error
// (Status, StatusMessage).
//
// A value not kept is not read, so it cannot make its span unusable;
// neither does a kept one of the wrong type (an OTLP intValue that is no
// integer reads as "", with the option or without). What still does is
// as without the option: a bad key, an attribute that is not a
// key-value object. The JSON of a skipped value must be well formed: a
// syntax error in it is damage as anywhere else. Kept keys follow the
// same duplicate rule as without the option: the first of a key wins.
// An OTLP attribute without a key is kept only if keep("") is true.
func KeepAttrs(keep func(key string) bool) Option { return func(r *Reader) { r.keep = keep } }

// attrList says which attribute list of a span an attribute is in, for
// the keys the reader interprets in it (see KeepAttrs).
type attrList uint8

const (
	spanAttrs      attrList = iota // OTLP span attributes
	resourceAttrs                  // OTLP resource attributes
	eventAttrs                     // OTLP event attributes
	linkAttrs                      // OTLP link attributes
	jaegerTags                     // Jaeger span tags
	jaegerProcTags                 // Jaeger process tags
	jaegerFields                   // Jaeger log fields
	zipkinTags                     // Zipkin tags
)

// wants reports whether the attribute key of list l is to be read: kept
// (KeepAttrs), or interpreted by the reader. The key may be its bytes as
// written (a plain JSON string's inside): no string is made of them to
// test the check's keys.
func wants[K string | []byte](r *Reader, l attrList, key K) bool {
	if r.keep == nil || readerKey(l, key) {
		return true
	}
	if r.check {
		return checkAttr(key)
	}
	return r.keep(string(key))
}

// readerKey reports whether the reader itself reads key of list l.
func readerKey[K string | []byte](l attrList, key K) bool {
	switch l {
	case resourceAttrs:
		return string(key) == "service.name"
	case linkAttrs:
		return string(key) == "opentracing.ref_type"
	case jaegerTags:
		switch string(key) {
		case "span.kind", "error", "otel.status_code", "otel.status_description":
			return true
		}
	case jaegerFields:
		return string(key) == "event"
	case zipkinTags:
		return string(key) == "error"
	}
	return false
}

// Reader reads traces from one input, one complete trace at a time.
//
// A trace is complete when the unit that carried its spans ends, or, with
// a Window of n, when n further units have ended without a span of it, or
// at the end of the input. A unit is an element of a Jaeger query
// envelope's data array (one trace each), an inner array of a Zipkin
// array of traces (GET /api/v2/traces), and otherwise one top-level JSON
// value: one NDJSON line, or the whole file for a single document (an
// OTLP TracesData, a Zipkin span array, a Jaeger trace object or span
// array), where a trace's spans may sit anywhere. An OTLP protobuf
// message is one unit. Memory is bounded by the traces in flight: the
// spans of the traces not yet complete plus one ResourceSpans (OTLP), one
// trace object (Jaeger) or one span (Zipkin) being decoded.
//
// A span arriving for a trace already returned is left out as malformed
// (its reason names the window), as are spans that cannot be used: bad or
// missing ids, missing times, end before start. The rest of their trace
// is still returned.
//
// Damaged input is skipped, never fatal: a line of NDJSON that does not
// parse (a cut last line included) is left out and reading goes on at the
// next line; an element of an array that is not a span or a trace is left
// out; a document cut short or broken keeps the spans read before the
// damage. Each is counted in Malformed, named in Problems by file and
// line, and summed up by kind in Warnings.
type Reader struct {
	name   string
	format Format
	window int
	keep   func(key string) bool // KeepAttrs; nil: every attribute
	check  bool                  // keep is CheckAttrs (CheckInput)
	dec    decoder

	open     map[TraceID]*pending
	lastOpen *pending   // the open trace that took the last span
	order    []*pending // open traces, first seen first
	unit     int64
	ready    []*Trace
	done     map[TraceID]struct{}
	doneLog  []TraceID // ring of completed ids, for done's bound
	doneAt   int

	// part: the reader reads one part of an NDJSON input cut at line
	// ends (CheckInput), whose first line is the input's lineBase+1
	part     bool
	lineBase int
	// broken: the input was damaged (JSON that does not parse, cut
	// short, a read error) or a trace came back, not just a span or an
	// element left out
	broken bool

	problems  []report.Problem
	malformed int64
	spans     int64
	traces    int64
	warnings  []warning
	err       error

	// What the unit being read changed, to take it back if the unit
	// turns out damaged: the open traces it touched, and the counts at
	// its start.
	marks    []mark
	atUnit   struct{ spans, malformed int64 }
	problemN int // len(problems) at the unit's start
}

type pending struct {
	t    Trace
	last int64 // unit that last carried a span
	gone bool  // dropped with a damaged unit: completes as nothing
}

// mark is how a pending trace stood before the unit being read touched
// it.
type mark struct {
	p         *pending
	spans     int
	malformed int
	last      int64
	created   bool // opened by this unit
}

// warning is one kind of damaged input, or a one-off (text, and what
// came of it).
type warning struct {
	noun, what string // "line", "invalid JSON"
	n          int64
	first      string // where the first was: "line 17"
	text, then string
}

// decoder decodes the input a step at a time, giving spans to the Reader.
type decoder interface {
	// step decodes at least one span or the end of a unit; it reports
	// whether a unit ended and returns io.EOF at the end of the input.
	step() (unitEnd bool, err error)
}

// NewReader returns a reader of r, whose format it sniffs from the
// content: gzip (by its magic bytes) is unwrapped first; then OTLP
// protobuf (a TracesData / ExportTraceServiceRequest, whose first byte is
// field 1's tag) or JSON. For JSON the first value's keys decide: OTLP has
// resourceSpans (resource_spans, Tempo's batches); Jaeger has data, spans
// and processes, or spans with spanID and operationName; Zipkin has
// arrays of spans with id, localEndpoint, timestamp. Name is used in
// problems and errors (a file name, or "-" for stdin).
func NewReader(r io.Reader, name string, opts ...Option) (*Reader, error) {
	br, f, err := openInput(r, name)
	if err != nil {
		return nil, err
	}
	rd := &Reader{name: name, open: map[TraceID]*pending{}, done: map[TraceID]struct{}{}}
	for _, o := range opts {
		o(rd)
	}
	rd.format = f
	if f == OTLPProto {
		rd.dec = newProtoDecoder(rd, br)
	} else {
		rd.dec = newJSONDecoder(rd, br, f)
	}
	return rd, nil
}

// openInput unwraps gzip, sniffs the format and, for JSON, skips a byte
// order mark: the rest of br is what the decoder reads.
func openInput(r io.Reader, name string) (*bufio.Reader, Format, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: gzip: %w", name, err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	// Sniff from as little input as decides, so that a reader of a pipe
	// does not wait for 64 KiB before the first trace.
	var f Format
	var why string
	for n := 512; ; n *= 8 {
		n = min(n, sniffSize)
		prefix, err := br.Peek(n)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		if f, why = sniff(prefix); f != FormatUnknown || len(prefix) < n || n == sniffSize {
			break
		}
	}
	if f == FormatUnknown {
		return nil, 0, fmt.Errorf("%s: %w: %s", name, ErrUnknownFormat, why)
	}
	if f != OTLPProto {
		if b, _ := br.Peek(len(bom)); string(b) == bom {
			br.Discard(len(bom))
		}
	}
	return br, f, nil
}

// Format returns the format sniffed from the input.
func (r *Reader) Format() Format { return r.format }

// Next returns the next complete trace, or io.EOF after the last one.
// Damaged input is not an error: what can be read is returned, and the
// damage is in Problems and Warnings.
func (r *Reader) Next() (*Trace, error) {
	for len(r.ready) == 0 {
		if r.err != nil {
			return nil, r.err
		}
		unitEnd, err := r.dec.step()
		switch {
		case err == io.EOF:
			r.err = io.EOF
			r.completeAll()
		case err != nil:
			r.err = fmt.Errorf("%s: %w", r.name, err)
		case unitEnd:
			r.endUnit()
		}
	}
	t := r.ready[0]
	r.ready[0] = nil
	r.ready = r.ready[1:]
	r.traces++
	return t, nil
}

// Problems returns the spans and damaged records left out so far, at
// most MaxProblems of them, as report problems: File is the input's name
// and, for JSON, the line ("traces.json:17"); TraceID and SpanID are
// lower-case hex when they could be read, else as written, and empty when
// unknown; Reason says what was wrong and what was left out.
func (r *Reader) Problems() []report.Problem { return r.problems }

// Malformed returns how many spans and damaged records were left out so
// far.
func (r *Reader) Malformed() int64 { return r.malformed }

// Warnings returns one line per kind of damaged input met so far, each
// starting with the input's name: "traces.json: 3 lines skipped: invalid
// JSON (first at line 17)", "traces.json: cut short at line 120: the
// spans before it are read" (what came of it is left out while no trace
// has been returned). Spans left out for their content are not warnings:
// they are in Problems.
func (r *Reader) Warnings() []string {
	var out []string
	for _, w := range r.warnings {
		if w.text != "" {
			if r.traces > 0 {
				out = append(out, r.name+": "+w.text+": "+w.then)
			} else {
				out = append(out, r.name+": "+w.text)
			}
			continue
		}
		noun, at := w.noun, "first at "+w.first
		if w.n != 1 {
			noun = plural(noun)
		} else {
			at = w.first
		}
		out = append(out, fmt.Sprintf("%s: %d %s skipped: %s (%s)", r.name, w.n, noun, w.what, at))
	}
	return out
}

func plural(noun string) string {
	if strings.HasSuffix(noun, "s") {
		return noun
	}
	return noun + "s"
}

// AddTo adds what the reader has read to in: one file, the traces
// returned, their spans, the malformed spans and their problems (up to
// MaxProblems in all). Call it once, after the last Next.
func (r *Reader) AddTo(in *report.Input) {
	in.Files++
	in.Traces += r.traces
	in.Spans += r.spans
	in.Malformed += r.malformed
	for _, p := range r.problems {
		if len(in.Problems) >= MaxProblems {
			break
		}
		in.Problems = append(in.Problems, p)
	}
}

// add files a usable span under its trace; line is where it starts in
// the input (0: no lines).
func (r *Reader) add(s *Span, line int) {
	p := r.pendingFor(s.TraceID)
	if p == nil {
		r.broken = true // for CheckInput: what came before decides it
		r.problem(line, s.TraceID.String(), s.SpanID.String(), "trace already complete: its spans came in units more than the window apart (read with a larger trace.Window)")
		return
	}
	p.t.Spans = append(p.t.Spans, *s)
	r.spans++
}

// bad records a span that cannot be used.
func (r *Reader) bad(line int, tid TraceID, tidText, sidText, reason string) {
	if !tid.IsZero() {
		if p := r.pendingFor(tid); p != nil {
			p.t.Malformed++
		}
		tidText = tid.String()
	}
	r.problem(line, tidText, sidText, reason)
}

func (r *Reader) problem(line int, tid, sid, reason string) {
	r.malformed++
	if len(r.problems) < MaxProblems {
		r.problems = append(r.problems, report.Problem{File: r.where(line), TraceID: clip(tid), SpanID: clip(sid), Reason: reason})
	}
}

// where names a line of the input: "traces.json:17" (just the name for
// line 0).
func (r *Reader) where(line int) string {
	if line <= 0 {
		return r.name
	}
	return r.name + ":" + strconv.Itoa(line)
}

// damaged records damaged input left out: one problem, counted as
// malformed, and a warning of its kind (noun and what; first says where).
func (r *Reader) damaged(line int, tid, noun, what, first, reason string) {
	r.problem(line, tid, "", reason)
	for i := range r.warnings {
		if w := &r.warnings[i]; w.text == "" && w.noun == noun && w.what == what {
			w.n++
			return
		}
	}
	r.warnings = append(r.warnings, warning{noun: noun, what: what, n: 1, first: first})
}

// warn adds a one-off warning: what happened, and what came of it.
func (r *Reader) warn(text, then string) {
	r.warnings = append(r.warnings, warning{text: text, then: then})
}

// pendingFor returns the open trace id, opening it, or nil if the trace
// was already returned.
func (r *Reader) pendingFor(id TraceID) *pending {
	p := r.lastOpen // the spans of a trace mostly come together
	if p == nil || p.t.ID != id {
		p = r.open[id]
	}
	if p != nil {
		r.lastOpen = p
		if p.last != r.unit {
			r.marks = append(r.marks, mark{p: p, spans: len(p.t.Spans), malformed: p.t.Malformed, last: p.last})
			p.last = r.unit
		}
		return p
	}
	if _, ok := r.done[id]; ok {
		return nil
	}
	p = &pending{t: Trace{ID: id, Spans: takeSpans()}, last: r.unit}
	r.open[id] = p
	r.lastOpen = p
	r.order = append(r.order, p)
	r.marks = append(r.marks, mark{p: p, created: true})
	return p
}

func (r *Reader) endUnit() {
	r.commit()
	if r.window >= 0 {
		r.completeBefore(r.unit - int64(r.window))
	}
	r.unit++
}

// commit keeps what the unit being read added: the next unit starts here.
func (r *Reader) commit() {
	clear(r.marks)
	r.marks = r.marks[:0]
	r.atUnit.spans, r.atUnit.malformed, r.problemN = r.spans, r.malformed, len(r.problems)
}

// rollback takes back what the unit being read added, for a damaged
// unit. It returns the first trace id the unit touched ("" if none) and
// how many spans it had added.
func (r *Reader) rollback() (tid string, spans int64) {
	for _, m := range r.marks {
		p := m.p
		if tid == "" {
			tid = p.t.ID.String()
		}
		if m.created {
			delete(r.open, p.t.ID)
			r.lastOpen = nil
			p.gone = true
			continue
		}
		clear(p.t.Spans[m.spans:])
		p.t.Spans = p.t.Spans[:m.spans]
		p.t.Malformed, p.last = m.malformed, m.last
	}
	spans = r.spans - r.atUnit.spans
	r.spans, r.malformed = r.atUnit.spans, r.atUnit.malformed
	clear(r.problems[r.problemN:])
	r.problems = r.problems[:r.problemN]
	r.commit()
	return tid, spans
}

func (r *Reader) completeAll() { r.completeBefore(r.unit + 1) }

// completeBefore completes the open traces last seen in unit u or before.
func (r *Reader) completeBefore(u int64) {
	kept := r.order[:0]
	for _, p := range r.order {
		if p.gone {
			continue
		}
		if p.last > u {
			kept = append(kept, p)
			continue
		}
		delete(r.open, p.t.ID)
		r.lastOpen = nil
		r.remember(p.t.ID)
		if len(p.t.Spans) > 0 {
			r.finish(&p.t)
			r.ready = append(r.ready, &p.t) // p is forgotten: its trace goes
		}
	}
	clear(r.order[len(kept):])
	r.order = kept
}

// spanBufs holds span slices whose traces are done with (Recycle), for
// the next traces' spans: a trace's spans then fill a slice that is
// already as long as a trace of the input usually is, instead of growing
// one span at a time.
var spanBufs sync.Pool

// maxRecycled is the capacity past which a span slice is left to the
// garbage collector rather than kept for reuse.
const maxRecycled = 1 << 12

func takeSpans() []Span {
	if b, ok := spanBufs.Get().(*[]Span); ok {
		return (*b)[:0]
	}
	return nil
}

// Recycle hands t's spans back for the reader to reuse in later traces;
// t must not be used afterwards, nor anything that points into its spans
// (Observed exchanges and unmapped spans). Recycling is optional: a
// trace not recycled is collected as usual.
func Recycle(t *Trace) {
	b := t.Spans
	t.Spans = nil
	if cap(b) == 0 || cap(b) > maxRecycled {
		return
	}
	clear(b[:cap(b)]) // no strings nor slices kept alive by a pooled slice
	b = b[:0]
	spanBufs.Put(&b)
}

func (r *Reader) remember(id TraceID) {
	if len(r.doneLog) < recentIDs {
		r.doneLog = append(r.doneLog, id)
	} else {
		delete(r.done, r.doneLog[r.doneAt])
		r.doneLog[r.doneAt] = id
		r.doneAt = (r.doneAt + 1) % recentIDs
	}
	r.done[id] = struct{}{}
}

// finish fixes up a complete trace: shared span halves get their own ids.
func (r *Reader) finish(t *Trace) {
	if r.format == ZipkinJSON || r.format == JaegerJSON {
		unshare(t)
	}
}

// unshare gives the server half of each shared span (one id used by a
// client span and a server span, as B3 did) a synthetic span id, makes
// the client half its parent, and moves the server's local children
// (same service, parent = the shared id) under it (trace-formats.md §3.3,
// Zipkin's SpanNode).
func unshare(t *Trace) {
	if !sharedIDs(t.Spans) {
		return
	}
	ids := make(map[SpanID]int, len(t.Spans))
	dup := false
	for i := range t.Spans {
		id := t.Spans[i].SpanID
		if _, ok := ids[id]; ok {
			dup = true
			continue
		}
		ids[id] = i
	}
	if !dup {
		return
	}
	for i := range t.Spans {
		s := &t.Spans[i]
		first := ids[s.SpanID]
		if first == i {
			continue
		}
		a, b := &t.Spans[first], s
		// The server half: the one flagged shared, else the SERVER (or
		// CONSUMER) when the other is not one.
		var cli, srv *Span
		switch {
		case b.Shared && !a.Shared, isServerSide(b.Kind) && !isServerSide(a.Kind):
			cli, srv = a, b
		case a.Shared && !b.Shared, isServerSide(a.Kind) && !isServerSide(b.Kind):
			cli, srv = b, a
		default:
			continue // two reports of one span: leave them
		}
		orig := srv.SpanID
		nid := synthID(orig, ids)
		ids[nid] = -1
		srv.SpanID, srv.ParentID, srv.Shared = nid, orig, true
		for j := range t.Spans {
			c := &t.Spans[j]
			if c != srv && c != cli && c.ParentID == orig && equalFoldService(c.Service, srv.Service) {
				c.ParentID = nid
			}
		}
	}
}

func isServerSide(k Kind) bool { return k == Server || k == Consumer }

// sharedIDs reports whether two spans share an id: by comparing each
// pair in a small trace (most traces, which share none: no map to
// build), by a set in a large one.
func sharedIDs(spans []Span) bool {
	if len(spans) > smallTrace {
		set := make(map[SpanID]struct{}, len(spans))
		for i := range spans {
			if _, ok := set[spans[i].SpanID]; ok {
				return true
			}
			set[spans[i].SpanID] = struct{}{}
		}
		return false
	}
	for i := range spans {
		for j := range i {
			if spans[i].SpanID == spans[j].SpanID {
				return true
			}
		}
	}
	return false
}

// synthID derives an id for a shared span's server half: the original
// with its high bytes xor-ed with "SHARED", changed until unused.
func synthID(id SpanID, used map[SpanID]int) SpanID {
	n := id
	for k := byte(0); ; k++ {
		n = id
		for i, c := range []byte("SHARED") {
			n[i] ^= c
		}
		n[6] ^= k
		if _, ok := used[n]; !ok && !n.IsZero() {
			return n
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func quote(s string) string { return strconv.Quote(s) }

// sniffSize is how much of the input sniffing looks at.
const sniffSize = 64 << 10

// sniffLaterLines tells the format from the next lines of NDJSON whose
// first line is damaged or not traces (the reader then skips that line):
// the first of the next few lines that starts with '{' or '[' and tells
// a format.
func sniffLaterLines(b []byte) Format {
	for range 8 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return FormatUnknown
		}
		b = b[i+1:]
		if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
			if f, _ := sniffJSON(b); f != FormatUnknown {
				return f
			}
		}
	}
	return FormatUnknown
}

// bom is UTF-8's byte order mark, which some tools write first.
const bom = "\xef\xbb\xbf"

// sniff tells the format from the start of the input, or says why not.
func sniff(b []byte) (Format, string) {
	b = bytes.TrimPrefix(b, []byte(bom))
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i == len(b) {
		return FormatUnknown, "empty input"
	}
	// A protobuf message may start with bytes that are JSON whitespace
	// (0x0a is field 1's tag and '\n'): try it when JSON fails.
	switch b[i] {
	case '{', '[':
		f, why := sniffJSON(b[i:])
		if f == FormatUnknown && sniffProto(b) {
			return OTLPProto, ""
		}
		if f == FormatUnknown {
			if g := sniffLaterLines(b[i:]); g != FormatUnknown {
				return g, ""
			}
		}
		return f, why
	case '"':
		return FormatUnknown, "JSON that is not an object or an array"
	}
	if sniffProto(b) {
		return OTLPProto, ""
	}
	if f := sniffLaterLines(b[i:]); f != FormatUnknown {
		return f, ""
	}
	return FormatUnknown, fmt.Sprintf("starts with %q, neither JSON nor an OTLP protobuf message", b[i:min(len(b), i+8)])
}
