package trace

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/go-json-experiment/json/jsontext"
)

// jsonDecoder reads the JSON formats token by token.
type jsonDecoder struct {
	r  *Reader
	j  *jlex
	f  Format
	st jsonState

	res    []Span       // OTLP: the spans of the ResourceSpans being read
	jspans []jaegerSpan // Jaeger: the spans of the trace object being read
	procs  map[string]jaegerProcess
	sp     spanState // the span being read
}

type jsonState uint8

const (
	stTop         jsonState = iota // between top-level values
	stJaegerEnv                    // in a Jaeger envelope object, outside data
	stJaegerData                   // in a Jaeger envelope's data array
	stZipkinOuter                  // in a Zipkin array of traces
)

// spanState is what is known about the span being read besides the Span
// itself: the ids as written (for problems) and the first reason it
// cannot be used.
type spanState struct {
	tid, sid, pid string
	reason        string
	start, end    bool // times seen
}

func (st *spanState) reset() { *st = spanState{} }

// fail records the first reason the span cannot be used.
func (st *spanState) fail(reason string) {
	if st.reason == "" {
		st.reason = reason
	}
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

func newJSONDecoder(r *Reader, in io.Reader, f Format) *jsonDecoder {
	return &jsonDecoder{
		r:     r,
		j:     newJlex(jsontext.NewDecoder(in, jsonOptions...)),
		f:     f,
		procs: map[string]jaegerProcess{},
	}
}

func (d *jsonDecoder) step() (bool, error) {
	j := d.j
	switch d.st {
	case stJaegerData:
		if j.more() {
			if j.peek() != '{' {
				return false, j.skip()
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
		_, err := j.d.ReadToken()
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
			if _, err := j.d.ReadToken(); err != nil {
				return false, err
			}
			if j.peek() == '[' {
				d.st = stZipkinOuter
				return false, nil
			}
			return true, d.zipkinSpans()
		case '{':
			return true, d.zipkinSpan()
		}
	case JaegerJSON:
		switch k {
		case '[':
			return true, d.jaegerSpanArray()
		case '{':
			inData, err := d.jaegerObject(true)
			return !inData, err
		}
	}
	return true, j.skip()
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
	sid := st.sid
	if !s.SpanID.IsZero() {
		sid = s.SpanID.String()
	}
	d.r.bad(s.TraceID, st.tid, sid, st.reason)
	return false
}

// ids parses the span's ids into s, recording a reason when they are
// unusable.
func (st *spanState) ids(s *Span) {
	if err := parseID(s.TraceID[:], st.tid); err != nil {
		s.TraceID = TraceID{}
		st.fail(idProblem("trace id", st.tid, err))
	}
	if err := parseID(s.SpanID[:], st.sid); err != nil {
		s.SpanID = SpanID{}
		st.fail(idProblem("span id", st.sid, err))
	}
	if st.pid != "" {
		if err := parseParentID(&s.ParentID, st.pid); err != nil {
			st.fail(idProblem("parent span id", st.pid, err))
		}
	}
}
