package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// jsonDecoder reads the JSON formats token by token.
type jsonDecoder struct {
	r       *Reader
	in      *input
	j       *jlex
	f       Format
	st      jsonState
	stopped bool // damage ended the input
	dropped int  // damaged units left out so far
	inPlace int  // spans read by the one-pass readers (tests)

	res       []Span       // OTLP: the spans of the ResourceSpans being read
	resLine   []int        // and the line each starts on
	resource  []Attr       // and its resource's attributes
	jspans    []jaegerSpan // Jaeger: the spans of the trace object being read
	jdone     int          // how many of jspans were read whole
	jrefs     []jaegerRef  // their references, in one array
	attrArena []Attr       // where cloneAttrs cuts its copies
	procs     map[string]jaegerProcess
	sp        spanState // the span being read
	attrs     []Attr    // a buffer the attributes of one list are read into, then copied at their size
}

type jsonState uint8

const (
	stTop         jsonState = iota // between top-level values
	stJaegerEnv                    // in a Jaeger envelope object, outside data
	stJaegerData                   // in a Jaeger envelope's data array
	stZipkinOuter                  // in a Zipkin array of traces
)

// spanState is what is known about the span being read besides the Span
// itself: the ids as written (for problems), the line it starts on and
// the first reason it cannot be used.
type spanState struct {
	tid, sid, pid idText
	reason        string
	line          int
	start, end    bool // times seen
}

func (st *spanState) reset() { *st = spanState{} }

// fail records the first reason the span cannot be used.
func (st *spanState) fail(reason string) {
	if st.reason == "" {
		st.reason = reason
	}
}

// checkIn is check for the member key of the field named by prefix
// ("tags."); the field's name is made only for an error.
func (st *spanState) checkIn(prefix string, key []byte, err error) error {
	if err == nil {
		return nil
	}
	return st.check(prefix+string(key), err)
}

// check turns a value error into the span's reason and passes a syntax
// error on.
func (st *spanState) check(field string, err error) error {
	if err == nil {
		return nil
	}
	if fatal(err) {
		return err
	}
	st.fail(fieldErr(field, err))
	return nil
}

// newJSONDecoder returns a decoder of br, read a line at a time or not as
// the start of the input says (see input).
func newJSONDecoder(r *Reader, br *bufio.Reader, f Format) *jsonDecoder {
	var in *input
	if r.part {
		// one of the NDJSON input's parts (see CheckInput): lines
		in = newInput(br, true)
		in.base = r.lineBase
	} else {
		in = newInput(br, lineMode(br, new(jsontext.Decoder)))
	}
	return newJSONDecoderIn(r, in, f)
}

// newFastDecoder returns a decoder of b, read in place (see fastLex),
// whose first line is the input's line base+1. It gives up with errBail
// (from Next) where b is not valid JSON.
func newFastDecoder(r *Reader, b []byte, f Format, lineMode bool, base int) *jsonDecoder {
	return &jsonDecoder{
		r:     r,
		in:    &input{lineMode: lineMode, base: base, line: 1},
		j:     &jlex{f: newFastLex(b, lineMode), intern: map[string]string{}, vals: map[string]string{}},
		f:     f,
		procs: map[string]jaegerProcess{},
	}
}

// newJSONDecoderIn returns a decoder of in.
func newJSONDecoderIn(r *Reader, in *input, f Format) *jsonDecoder {
	dec := new(jsontext.Decoder)
	dec.Reset(in, jsonOptions...)
	return &jsonDecoder{
		r:     r,
		in:    in,
		j:     newJlex(dec),
		f:     f,
		procs: map[string]jaegerProcess{},
	}
}

// step reads the next value or unit, line after line in line mode.
// Damage (JSON that does not parse, input cut short, a read error) is
// recorded and skipped: it never stops Next with an error.
func (d *jsonDecoder) step() (bool, error) {
	if d.j.f != nil {
		// in place: anything but valid JSON is left to jsontext
		unitEnd, err := d.stepValue()
		if err != nil && err != io.EOF {
			return false, errBail
		}
		return unitEnd, err
	}
	for !d.stopped {
		unitEnd, err := d.stepValue()
		switch {
		case err == nil:
			return unitEnd, nil
		case err != io.EOF:
			d.damaged(err)
		case d.in.lineMode && d.in.nextLine():
			d.j.d.Reset(d.in, jsonOptions...)
		case d.in.err != nil:
			d.damaged(d.in.err)
		default:
			return false, io.EOF
		}
	}
	return false, io.EOF
}

// line returns the line the decoder is on.
func (d *jsonDecoder) line() int {
	if f := d.j.f; f != nil {
		return d.in.base + f.line(f.last)
	}
	l, _ := d.in.lineAt(d.j.d.InputOffset())
	return l
}

// damaged records a damaged unit and moves past it. In line mode reading
// goes on at the next line, else it stops. The unit being read is left
// out (the line, or the trace of a Jaeger envelope or Zipkin array of
// traces being read), unless it is the input's only one: a single
// document keeps the spans read before the damage.
func (d *jsonDecoder) damaged(err error) {
	r := d.r
	r.broken = true
	off := d.j.d.InputOffset()
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		off = se.ByteOffset
		if errors.Is(err, io.ErrUnexpectedEOF) && off > 0 {
			off-- // the input's last byte, not the line after its last '\n'
		}
	}
	line, col := d.in.lineAt(off)
	readErr := d.in.err
	what, detail := "invalid JSON", ""
	switch {
	case readErr != nil && !errors.Is(readErr, io.ErrUnexpectedEOF):
		what, detail = "read error", ": "+readErr.Error()
	case readErr != nil || errors.Is(err, io.ErrUnexpectedEOF) || se != nil && d.in.endsAt(off):
		what = "cut short"
	case se != nil:
		detail = fmt.Sprintf(" at column %d: %v", max(col, 1), se.Err)
	default:
		detail = ": " + err.Error()
	}
	more := d.in.lineMode && readErr == nil && d.in.nextLine()
	if r.unit == 0 && d.dropped == 0 && !more && !r.part {
		d.flush()
		d.stopped = true
		then := "the spans before it are read"
		if what != "cut short" {
			then += ", the rest is not"
		}
		r.problem(line, "", "", what+detail+": "+then)
		r.warn(what+" at line "+strconv.Itoa(line), then)
		return
	}
	d.dropped++
	tid, spans := r.rollback()
	btid, buffered := d.drop()
	if tid == "" {
		tid = btid
	}
	left := ""
	switch spans += buffered; spans {
	case 0:
	case 1:
		left = " (1 span read before the damage left out)"
	default:
		left = fmt.Sprintf(" (%d spans read before the damage left out)", spans)
	}
	d.st = stTop
	if more {
		r.damaged(line, tid, "line", what, "line "+strconv.Itoa(line), "line skipped: "+what+detail+left)
		r.commit() // kept: a damaged line after it takes back its own unit only
		d.j.d.Reset(d.in, jsonOptions...)
		return
	}
	d.stopped = true
	if d.in.lineMode {
		r.damaged(line, tid, "line", what, "line "+strconv.Itoa(line), "line skipped: "+what+detail+left)
		return
	}
	then := "the trace it cuts is left out"
	if what != "cut short" {
		then = "the trace it breaks is left out, and the rest of the input"
	}
	r.problem(line, tid, "", what+detail+": "+then+left)
	r.warn(what+" at line "+strconv.Itoa(line), then)
}

// flush hands over the spans read whole in a unit cut short: an OTLP
// ResourceSpans' spans with the resource read so far, a Jaeger trace
// object's spans with the processes read so far.
func (d *jsonDecoder) flush() {
	if len(d.res) > 0 {
		d.handOver()
	}
	if d.jdone > 0 {
		for i := range d.jspans[:d.jdone] {
			d.jaegerResolve(&d.jspans[i], true)
		}
		d.jdone = 0
	}
}

// drop forgets the spans of a damaged unit not yet handed over, and
// returns the trace id of the first ("" if none) and how many were read
// whole.
func (d *jsonDecoder) drop() (tid string, n int64) {
	n = int64(len(d.res) + d.jdone)
	switch {
	case len(d.res) > 0:
		tid = d.res[0].TraceID.String()
	case d.jdone > 0:
		var id TraceID
		if d.jspans[0].st.tid.parse(id[:]) == nil {
			tid = id.String()
		}
	}
	clear(d.res)
	d.res, d.resLine, d.resource = d.res[:0], d.resLine[:0], nil
	d.resetJaeger()
	return tid, n
}

// notA skips a value that is not what its place holds (a span, a trace),
// recording it; null is nothing and skipped quietly. noun says what the
// value is ("element", or at the top "line" or "value").
func (d *jsonDecoder) notA(noun, want string) error {
	k := d.j.peek()
	if err := d.j.skip(); err != nil {
		return err
	}
	if k != 'n' {
		d.skipped(0, noun, kindName(k), want)
	}
	return nil
}

// skipped records a value left out for not being what its place holds;
// line is where it is (0: where the decoder is).
func (d *jsonDecoder) skipped(line int, noun, got, want string) {
	if line == 0 {
		line = d.line()
	}
	d.r.damaged(line, "", noun, "not "+want, "line "+strconv.Itoa(line), noun+" skipped: "+got+", not "+want)
}

// noun names a value that is skipped: an element inside the input's
// arrays and objects, and a top-level (top) line or value.
func (d *jsonDecoder) noun(top bool) string {
	if !top {
		return "element"
	}
	if d.in.lineMode {
		return "line"
	}
	return "value"
}

func (d *jsonDecoder) stepValue() (bool, error) {
	j := d.j
	switch d.st {
	case stJaegerData:
		if j.more() {
			if j.peek() != '{' {
				return false, d.notA("element", "a trace")
			}
			_, err := d.jaegerObject(false)
			return true, err
		}
		if err := j.close(); err != nil {
			return false, err
		}
		d.st = stJaegerEnv
		return false, nil
	case stJaegerEnv:
		for j.more() {
			key, err := j.nextKey()
			if err != nil {
				return false, err
			}
			if string(key) == "data" {
				ok, err := j.open('[')
				if err != nil {
					return false, err
				}
				if ok {
					d.st = stJaegerData
					return false, nil
				}
				continue
			}
			if err := j.skip(); err != nil {
				return false, err
			}
		}
		d.st = stTop
		return true, j.close()
	case stZipkinOuter:
		if j.more() {
			return true, d.zipkinArray()
		}
		d.st = stTop
		return true, j.close()
	}

	k := j.peek()
	if k == 0 {
		err := j.readToken()
		if err == nil || errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return false, io.EOF
		}
		return false, err
	}
	switch d.f {
	case OTLPJSON:
		return true, d.otlpValue(0)
	case ZipkinJSON:
		switch k {
		case '[':
			if err := j.readToken(); err != nil {
				return false, err
			}
			for k := j.peek(); k != '{' && k != '[' && k != ']' && k != 0; k = j.peek() {
				if err := d.notA("element", "a span or an array of spans"); err != nil {
					return false, err
				}
			}
			if j.peek() == '[' {
				d.st = stZipkinOuter
				return false, nil
			}
			return true, d.zipkinSpans()
		case '{':
			return true, d.zipkinSpan()
		}
		return true, d.notA(d.noun(true), "Zipkin spans")
	case JaegerJSON:
		switch k {
		case '[':
			return true, d.jaegerSpanArray()
		case '{':
			inData, err := d.jaegerObject(true)
			return !inData, err
		}
		return true, d.notA(d.noun(true), "a Jaeger trace")
	}
	return true, j.skip()
}

// skipUnwanted skips, read in place, the next attributes of where the
// Reader does not want (see kvAt), while they are written the usual way
// for their list, each right after the previous one's comma: Zipkin
// tags "K":V, Jaeger {"key","type","value"}, OTLP {"key","value"}. It
// stops before a wanted attribute or anything else, for the caller to
// read as usual, and reports whether it skipped any.
func (d *jsonDecoder) skipUnwanted(where attrList) bool {
	f := d.j.f
	if f == nil || d.r.keep == nil {
		return false
	}
	k, ok := f.peek()
	if !ok {
		return false
	}
	start := byte('{') // what starts an attribute
	if where == zipkinTags {
		start = '"'
		if !f.isName() {
			return false
		}
	}
	if k != jsontext.Kind(start) {
		return false
	}
	b, i, end := f.b, f.pos, -1
	for {
		var key []byte
		var e int
		switch where {
		case zipkinTags:
			key, e, ok = f.memberAtIndex(i)
		case jaegerTags, jaegerProcTags, jaegerFields:
			key, e, ok = f.kvAtIndex(i, true)
		default:
			key, e, ok = f.kvAtIndex(i, false)
		}
		if !ok || wants(d.r, where, key) {
			break
		}
		end = e
		if e+1 >= len(b) || b[e] != ',' || b[e+1] != start {
			break
		}
		i = e + 1
	}
	if end < 0 {
		return false
	}
	f.skipTo(end)
	return true
}

// attrKey reads an attribute's key (a string value, or an object's
// member name: Zipkin's tags) as strIntern reads it, and whether the
// Reader wants the attribute. The key of one it does not want is not
// made into a string; k is then "".
func (d *jsonDecoder) attrKey(where attrList) (k string, want bool, err error) {
	j := d.j
	v, err := j.readValue()
	if err != nil {
		return "", true, errSyntax{err}
	}
	if v.Kind() == '"' && len(v) <= 66 {
		if raw := v[1 : len(v)-1]; plainString(raw) {
			if !wants(d.r, where, []byte(raw)) {
				return "", false, nil
			}
			return j.internRaw(raw), true, nil
		}
	}
	k, _, err = j.scalar(v)
	return k, wants(d.r, where, k), err
}

// micros converts Jaeger's and Zipkin's microseconds to nanoseconds.
// startMicros reads a span's start, in microseconds since the epoch
// (Jaeger's startTime, Zipkin's timestamp), into s.Start; st.start tells
// whether there was one.
func (d *jsonDecoder) startMicros(s *Span, st *spanState, what string) error {
	us, ok, err := d.j.int()
	st.start = ok
	if err != nil || !ok {
		return err
	}
	if s.Start, st.start = micros(us); !st.start {
		return fmt.Errorf("%s %d out of range", what, us)
	}
	return nil
}

func micros(us int64) (int64, bool) {
	if us > math.MaxInt64/1000 || us < math.MinInt64/1000 {
		return 0, false
	}
	return us * 1000, true
}

// cloneAttrs returns a copy of list at its length and capacity, nil
// when empty, and clears list (the buffer keeps no strings alive). The
// copies are cut from one array of attrChunk attributes at a time,
// which the spans that point into it keep alive, as one allocation.
func (d *jsonDecoder) cloneAttrs(list []Attr) []Attr {
	n := len(list)
	if n == 0 {
		return nil
	}
	if cap(d.attrArena)-len(d.attrArena) < n {
		d.attrArena = make([]Attr, 0, max(attrChunk, n))
	}
	at := len(d.attrArena)
	d.attrArena = append(d.attrArena, list...)
	clear(list)
	return d.attrArena[at : at+n : at+n]
}

// attrChunk is how many attributes cloneAttrs takes an array for.
const attrChunk = 256

// addAttr appends a key and value unless the key is there already (the
// first of duplicate keys wins; lists longer than 64 are not checked).
func addAttr(list []Attr, k, v string) []Attr {
	if len(list) <= 64 {
		for _, a := range list {
			if a.Key == k {
				return list
			}
		}
	}
	return append(list, Attr{Key: k, Value: v})
}

// usable reports whether a decoded span can be used, recording the
// problem when not.
func (d *jsonDecoder) usable(s *Span, st *spanState) bool {
	if st.reason == "" {
		switch {
		case !st.start:
			st.reason = "missing start time"
		case !st.end:
			st.reason = "missing end time or duration"
		case s.Start == 0:
			st.reason = "start time 0"
		case s.End < s.Start:
			st.reason = "end before start"
		}
	}
	if st.reason == "" {
		return true
	}
	var sid string
	if !s.SpanID.IsZero() {
		sid = s.SpanID.String()
	} else {
		sid = st.sid.String()
	}
	d.r.bad(st.line, s.TraceID, st.tid.String(), sid, st.reason)
	return false
}

// ids parses the span's ids into s, recording a reason when they are
// unusable.
func (st *spanState) ids(s *Span) {
	if err := st.tid.parse(s.TraceID[:]); err != nil {
		s.TraceID = TraceID{}
		st.fail(idProblem("trace id", st.tid.String(), err))
	}
	if err := st.sid.parse(s.SpanID[:]); err != nil {
		s.SpanID = SpanID{}
		st.fail(idProblem("span id", st.sid.String(), err))
	}
	if !st.pid.empty() {
		err := st.pid.parse(s.ParentID[:])
		if err == errIDZero {
			err = nil
		}
		if err != nil {
			st.fail(idProblem("parent span id", st.pid.String(), err))
		}
	}
}
