package trace

import (
	"fmt"
	"strings"
)

// jaegerSpan is a Jaeger span read but not yet resolved: its process may
// be named by an id whose definition comes later in the trace object.
type jaegerSpan struct {
	s         Span
	st        spanState
	refs      []jaegerRef
	processID string
	proc      *jaegerProcess // embedded process
	errTag    string         // the error tag's value, "" if none
	otelCode  string         // otel.status_code
}

type jaegerRef struct {
	followsFrom bool
	tid, sid    idText
}

type jaegerProcess struct {
	service string
	tags    []Attr
}

// jaegerObject reads an object that is a query envelope ({"data": […]}),
// a trace ({"traceID", "spans", "processes"}) or a single span. For an
// envelope it stops inside data (returning true) and step reads the
// traces one by one.
func (d *jsonDecoder) jaegerObject(top bool) (inData bool, err error) {
	j := d.j
	if _, err := j.open('{'); err != nil {
		return false, err
	}
	d.resetJaeger()
	clear(d.procs)
	var one jaegerSpan
	one.st.line = d.line()
	isSpan, isTrace, isEnv := false, false, false
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return false, err
		}
		switch string(key) {
		case "data":
			if top {
				isEnv = true
				ok, err := j.open('[')
				if err != nil {
					return false, err
				}
				if ok {
					d.st = stJaegerData
					return true, nil
				}
				continue
			}
			err = j.skip()
		case "spans":
			isTrace = true
			err = d.jaegerSpans()
		case "processes":
			isTrace = true
			err = d.jaegerProcesses()
		default:
			var known bool
			known, err = d.jaegerField(&one, key)
			isSpan = isSpan || known
		}
		if err != nil {
			return false, err
		}
	}
	if err := j.close(); err != nil {
		return false, err
	}
	switch {
	case isTrace:
		for i := range d.jspans[:d.jdone] {
			d.jaegerResolve(&d.jspans[i], false)
		}
		d.jdone = 0
	case isSpan:
		d.jaegerResolve(&one, false)
	case !isEnv:
		d.skipped(one.st.line, d.noun(top), "an object without spans or span fields", "a Jaeger trace")
	}
	return false, nil
}

// resetJaeger forgets the Jaeger spans read (and their references).
func (d *jsonDecoder) resetJaeger() {
	clear(d.jspans)
	d.jspans, d.jdone = d.jspans[:0], 0
	clear(d.jrefs)
	d.jrefs = d.jrefs[:0]
}

// jaegerSpanArray reads a bare array of spans with embedded processes
// (Jaeger's anonymizer output).
func (d *jsonDecoder) jaegerSpanArray() error {
	d.resetJaeger()
	clear(d.procs)
	if err := d.jaegerSpans(); err != nil {
		return err
	}
	for i := range d.jspans[:d.jdone] {
		d.jaegerResolve(&d.jspans[i], false)
	}
	d.jdone = 0
	return nil
}

// jaegerSpans reads an array of spans into d.jspans; d.jdone counts
// those read whole.
func (d *jsonDecoder) jaegerSpans() error {
	j := d.j
	_, err := j.array(func() error {
		if j.peek() != '{' {
			return d.notA("element", "a span")
		}
		d.jspans = append(d.jspans[:d.jdone], jaegerSpan{})
		js := &d.jspans[d.jdone]
		if d.jaegerSpanInPlace(js) {
			d.jdone++
			return nil
		}
		if _, err := j.open('{'); err != nil {
			return err
		}
		js.st.line = d.line()
		err := j.members(func(key []byte) error {
			_, err := d.jaegerField(js, key)
			return err
		})
		if err == nil {
			d.jdone++
		}
		return err
	})
	return err
}

// jaegerField reads one span field; known says whether key is a span
// field.
func (d *jsonDecoder) jaegerField(js *jaegerSpan, key []byte) (known bool, err error) {
	j := d.j
	st := &js.st
	s := &js.s
	var verr error
	switch string(key) {
	case "traceid":
		verr = j.id(&st.tid)
	case "spanid":
		verr = j.id(&st.sid)
	case "parentspanid":
		verr = j.id(&st.pid)
	case "operationname":
		s.Name, _, verr = j.strIntern()
	case "flags":
		var f int64
		f, _, verr = j.int()
		s.Flags = uint32(f)
	case "starttime":
		verr = d.startMicros(s, st, "startTime")
	case "duration":
		var us int64
		if us, st.end, verr = j.int(); verr == nil && st.end {
			var ok bool
			if s.End, ok = micros(us); !ok {
				verr = fmt.Errorf("duration %d out of range", us)
			}
		}
	case "references":
		if len(js.refs) > 0 { // a second list: after the first
			js.refs, verr = d.jaegerRefs(js.refs, st)
			break
		}
		// in the decoder's array, which the trace's spans share
		at := len(d.jrefs)
		d.jrefs, verr = d.jaegerRefs(d.jrefs, st)
		js.refs = d.jrefs[at:len(d.jrefs):len(d.jrefs)]
	case "tags":
		verr = d.jaegerTags(js, st)
	case "logs":
		s.Events, verr = d.jaegerLogs(s.Events, st)
	case "processid":
		js.processID, _, verr = j.strIntern()
	case "process":
		var p jaegerProcess
		p, verr = d.jaegerProcess()
		js.proc = &p
	default:
		return false, j.skip()
	}
	return true, st.checkIn("", key, verr)
}

func (d *jsonDecoder) jaegerRefs(list []jaegerRef, st *spanState) ([]jaegerRef, error) {
	j := d.j
	_, err := j.array(func() error {
		var r jaegerRef
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "reftype":
				var t string
				t, _, verr = j.strValue()
				r.followsFrom = strings.EqualFold(t, "FOLLOWS_FROM") || t == "1"
			case "traceid":
				verr = j.id(&r.tid)
			case "spanid":
				verr = j.id(&r.sid)
			default:
				verr = j.skip()
			}
			return st.checkIn("references.", key, verr)
		})
		if ok && err == nil {
			list = append(list, r)
		}
		return err
	})
	return list, err
}

// jaegerKV reads a list of {key, type, value} tags or log fields,
// calling f for each the Reader wants (where says which list it is); the
// value of one it does not want is skipped when the key comes first.
func (d *jsonDecoder) jaegerKV(st *spanState, where attrList, f func(k, v string)) error {
	j := d.j
	_, err := j.array(func() error {
		if d.skipUnwanted(where) {
			return nil
		}
		var k, v string
		keyRead, want := false, true
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "key":
				k, want, verr = d.attrKey(where)
				keyRead = true
			case "value":
				if !want {
					verr = j.skip()
					break
				}
				v, verr = j.textValue()
			default:
				verr = j.skip()
			}
			if st != nil {
				verr = st.checkIn("tags.", key, verr)
			}
			if verr != nil && fatal(verr) {
				return verr
			}
			return nil
		})
		if !keyRead {
			want = wants(d.r, where, "")
		}
		if ok && err == nil && want {
			f(k, v)
		}
		return err
	})
	return err
}

// jaegerTags reads a span's tags; span.kind and the status tags become
// fields.
func (d *jsonDecoder) jaegerTags(js *jaegerSpan, st *spanState) error {
	if len(js.s.Attrs) == 0 {
		// read into the decoder's buffer, kept at one allocation
		js.s.Attrs, d.attrs = d.attrs[:0], nil
		defer func() { d.attrs, js.s.Attrs = js.s.Attrs, d.cloneAttrs(js.s.Attrs) }()
	}
	return d.jaegerKV(st, jaegerTags, func(k, v string) { js.tag(k, v, &js.s.Attrs) })
}

// tag takes a tag of the span: span.kind, the error and OTel status
// tags become fields, the others go to attrs.
func (js *jaegerSpan) tag(k, v string, attrs *[]Attr) {
	switch k {
	case "span.kind":
		if js.s.Kind == Unspecified {
			js.s.Kind, _ = parseKind(v)
		}
	case "error":
		if js.errTag == "" {
			js.errTag = v
		}
	case "otel.status_code":
		js.otelCode = v
	case "otel.status_description":
		js.s.StatusMessage = v
	default:
		*attrs = addAttr(*attrs, k, v)
	}
}

func (d *jsonDecoder) jaegerLogs(list []Event, st *spanState) ([]Event, error) {
	j := d.j
	_, err := j.array(func() error {
		e := Event{Name: "log"}
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "timestamp":
				var us int64
				if us, _, verr = j.int(); verr == nil {
					e.Time, _ = micros(us)
				}
			case "fields":
				verr = d.jaegerKV(st, jaegerFields, func(k, v string) {
					if k == "event" {
						e.Name = v
						return
					}
					e.Attrs = addAttr(e.Attrs, k, v)
				})
			default:
				verr = j.skip()
			}
			return st.checkIn("logs.", key, verr)
		})
		if ok && err == nil {
			list = append(list, e)
		}
		return err
	})
	return list, err
}

func (d *jsonDecoder) jaegerProcess() (jaegerProcess, error) {
	j := d.j
	var p jaegerProcess
	_, err := j.object(func(key []byte) error {
		var verr error
		switch string(key) {
		case "servicename":
			p.service, _, verr = j.strIntern()
		case "tags":
			verr = d.jaegerKV(nil, jaegerProcTags, func(k, v string) { p.tags = addAttr(p.tags, k, v) })
		default:
			verr = j.skip()
		}
		if verr != nil && fatal(verr) {
			return verr
		}
		return nil
	})
	return p, err
}

// jaegerProcesses reads {"p1": process, …} into d.procs.
func (d *jsonDecoder) jaegerProcesses() error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	for j.more() {
		id, err := j.rawKey()
		if err != nil {
			return err
		}
		p, err := d.jaegerProcess()
		if err != nil {
			return err
		}
		if _, dup := d.procs[id]; !dup {
			d.procs[id] = p
		}
	}
	return j.close()
}

// jaegerResolve finishes a span: ids, parent among the references,
// process, status; then hands it over or records its problem. cut says
// the trace object was cut short (its processes may be missing).
func (d *jsonDecoder) jaegerResolve(js *jaegerSpan, cut bool) {
	s, st := &js.s, &js.st
	if st.end {
		// s.End holds the duration so far.
		if s.End < 0 {
			st.fail("negative duration (end before start)")
		} else if s.Start+s.End < s.Start {
			st.fail("duration out of range")
		}
		s.End += s.Start
	}
	if !st.end && st.reason == "" {
		st.fail("missing duration")
	}
	st.ids(s)
	// Parent: first same-trace CHILD_OF, else first same-trace
	// FOLLOWS_FROM, else parentSpanID; other references are links.
	parent := -1
	var refs []Link
	for pass := 0; pass < 2 && parent < 0; pass++ {
		for i, r := range js.refs {
			if r.followsFrom != (pass == 1) {
				continue
			}
			var tid TraceID
			var sid SpanID
			if r.tid.parse(tid[:]) != nil || r.sid.parse(sid[:]) != nil {
				continue
			}
			if tid == s.TraceID {
				parent = i
				s.ParentID, s.FollowsFrom = sid, r.followsFrom
				break
			}
		}
	}
	for i, r := range js.refs {
		if i == parent {
			continue
		}
		var l Link
		if r.tid.parse(l.TraceID[:]) != nil || r.sid.parse(l.SpanID[:]) != nil {
			continue
		}
		l.FollowsFrom = r.followsFrom
		refs = append(refs, l)
	}
	s.Links = refs
	if parent < 0 && st.pid.empty() {
		s.ParentID = SpanID{}
	}
	switch {
	case js.proc != nil:
		s.Service, s.Resource = js.proc.service, js.proc.tags
	case js.processID != "":
		p, ok := d.procs[js.processID]
		switch {
		case !ok && cut:
			st.fail(fmt.Sprintf("processID %q not read: the input is cut short before it", js.processID))
		case !ok:
			st.fail(fmt.Sprintf("processID %q not in processes", js.processID))
		}
		s.Service, s.Resource = p.service, p.tags
	}
	switch {
	case js.errTag != "" && truthy(js.errTag):
		s.Status = Error
	case strings.EqualFold(js.otelCode, "ERROR"):
		s.Status = Error
	case strings.EqualFold(js.otelCode, "OK"):
		s.Status = OK
	}
	if d.usable(s, st) {
		d.r.add(s, st.line)
	}
}
