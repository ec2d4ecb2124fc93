package trace

import "strings"

// A Jaeger span as Jaeger writes it, compact and in its own names
// ({"traceID":"…","spanID":"…","operationName":"…","references":[…],
// "startTime":…,"duration":…,"tags":[…],"logs":[],"processID":"p1",
// "warnings":null}), is read in one pass over its bytes when it is in
// memory: jaegerSpanInPlace, as zipkinSpanInPlace reads Zipkin's. It
// gives what jaegerSpans gives; at anything else (a blank, a member
// named otherwise or twice, an escape, a non-ASCII or long string, logs,
// an embedded process, a wanted tag whose value is not a plain string
// or integer, JSON that is not valid) it reads nothing and the span is
// read token by token.

type jaegerMember uint16

const (
	jmTraceID jaegerMember = 1 << iota
	jmSpanID
	jmParentSpanID
	jmOperation
	jmFlags
	jmStart
	jmDuration
	jmReferences
	jmTags
	jmLogs
	jmProcessID
	jmWarnings
)

// jaegerMemberOf is the member a span's member name names, 0 for none (a
// switch: no hashing).
func jaegerMemberOf(name []byte) jaegerMember {
	switch string(name) {
	case "traceID":
		return jmTraceID
	case "spanID":
		return jmSpanID
	case "parentSpanID":
		return jmParentSpanID
	case "operationName":
		return jmOperation
	case "flags":
		return jmFlags
	case "startTime":
		return jmStart
	case "duration":
		return jmDuration
	case "references":
		return jmReferences
	case "tags":
		return jmTags
	case "logs":
		return jmLogs
	case "processID":
		return jmProcessID
	case "warnings":
		return jmWarnings
	}
	return 0
}

// jaegerSpanInPlace reads the next span into js (a zero jaegerSpan) as
// the comment at the top of this file says, reporting whether it did;
// if not, js is left zero.
func (d *jsonDecoder) jaegerSpanInPlace(js *jaegerSpan) bool {
	f, b, open, ok := d.spanAt()
	if !ok {
		return false
	}
	st, s := &js.st, &js.s
	refsAt := len(d.jrefs)
	attrs := d.attrs[:0]
	var seen jaegerMember
	l := openCompact(b, open, '{')
	for l.next() {
		m := jaegerMemberOf(l.name())
		if m == 0 || seen&m != 0 {
			l.fail()
			break
		}
		seen |= m
		var ok bool
		if l.i, ok = d.jaegerMember(m, b, l.i, js, refsAt, &attrs); !ok {
			l.fail()
			break
		}
	}
	end, ok := l.end()
	if !ok {
		clear(attrs)
		clear(d.jrefs[refsAt:])
		d.jrefs = d.jrefs[:refsAt]
		*js = jaegerSpan{}
		return false
	}
	st.line = d.in.base + f.line(open+1)
	f.skipTo(end)
	d.attrs, s.Attrs = attrs, d.cloneAttrs(attrs)
	d.inPlace++
	return true
}

// jaegerMember reads member m's value at b[i] into js (its references
// from d.jrefs[refsAt:], its tags' attributes into attrs), returning
// where it ends.
func (d *jsonDecoder) jaegerMember(m jaegerMember, b []byte, i int, js *jaegerSpan, refsAt int, attrs *[]Attr) (int, bool) {
	st, s, j := &js.st, &js.s, d.j
	ok := true
	var raw []byte
	switch m {
	case jmTraceID:
		i, ok = idAt(&st.tid, b, i)
	case jmSpanID:
		i, ok = idAt(&st.sid, b, i)
	case jmParentSpanID:
		i, ok = idAt(&st.pid, b, i)
	case jmOperation:
		if raw, i, ok = plainAt(b, i, 64); ok {
			s.Name = internBytes(j.intern, raw, false)
		}
	case jmProcessID:
		if raw, i, ok = plainAt(b, i, 64); ok {
			js.processID = internBytes(j.intern, raw, false)
		}
	case jmFlags:
		var fl int64
		fl, i, ok = intAt(b, i)
		s.Flags = uint32(fl)
	case jmStart:
		var us int64
		if us, i, ok = intAt(b, i); ok {
			s.Start, st.start = micros(us)
			ok = st.start
		}
	case jmDuration:
		var us int64
		if us, i, ok = intAt(b, i); ok {
			s.End, ok = micros(us)
			st.end = ok
		}
	case jmReferences:
		i, ok = d.jaegerRefsAt(b, i)
		js.refs = d.jrefs[refsAt:len(d.jrefs):len(d.jrefs)]
	case jmTags:
		i, ok = d.jaegerTagsAt(b, i, js, attrs)
	case jmLogs:
		ok = hasAt(b, i, "[]")
		i += 2
	case jmWarnings:
		switch {
		case hasAt(b, i, "null"):
			i += 4
		case hasAt(b, i, "[]"):
			i += 2
		default:
			ok = false
		}
	}
	return i, ok
}

// jaegerRefsAt reads references {"refType":"…","traceID":"…","spanID":"…"}
// at b[i] into d.jrefs, as jaegerRefs does.
func (d *jsonDecoder) jaegerRefsAt(b []byte, i int) (int, bool) {
	l := openCompact(b, i, '[')
	for l.next() {
		var ok bool
		if l.i, ok = d.jaegerRefAt(b, l.i); !ok {
			l.fail()
		}
	}
	return l.end()
}

// jaegerRefAt reads one reference at b[i] for jaegerRefsAt.
func (d *jsonDecoder) jaegerRefAt(b []byte, i int) (int, bool) {
	if !hasAt(b, i, `{"refType":`) {
		return 0, false
	}
	var r jaegerRef
	typ, k, ok := plainAt(b, i+len(`{"refType":`), 64)
	if !ok || !hasAt(b, k, `,"traceID":`) {
		return 0, false
	}
	t := internBytes(d.j.vals, typ, true)
	r.followsFrom = strings.EqualFold(t, "FOLLOWS_FROM") || t == "1"
	tid, k, ok := plainAt(b, k+len(`,"traceID":`), 32)
	if !ok || !hasAt(b, k, `,"spanID":`) {
		return 0, false
	}
	sid, k, ok := plainAt(b, k+len(`,"spanID":`), 32)
	if !ok || k >= len(b) || b[k] != '}' {
		return 0, false
	}
	r.tid.setRaw(tid)
	r.sid.setRaw(sid)
	d.jrefs = append(d.jrefs, r)
	return k + 1, true
}

// jaegerTagsAt reads tags at b[i] as jaegerTags does: the unwanted ones
// skipped as kvAt matches them, the wanted {"key":"K","type":"T",
// "value":V} with V a plain string or integer.
func (d *jsonDecoder) jaegerTagsAt(b []byte, i int, js *jaegerSpan, attrs *[]Attr) (int, bool) {
	l := openCompact(b, i, '[')
	for l.next() {
		var ok bool
		if l.i, ok = d.jaegerTagAt(b, l.i, js, attrs); !ok {
			l.fail()
		}
	}
	return l.end()
}

// jaegerTagAt reads one tag at b[i] for jaegerTagsAt.
func (d *jsonDecoder) jaegerTagAt(b []byte, i int, js *jaegerSpan, attrs *[]Attr) (int, bool) {
	key, e, ok := d.j.f.kvAtIndex(i, true)
	if !ok || !wants(d.r, jaegerTags, key) {
		return e, ok
	}
	// {"key":"K","type":"T","value":V}, as kvAt found it
	k := i + len(`{"key":"`) + len(key) + 1 + len(`,"type":`)
	if k, ok = scanString(b, k); !ok || !hasAt(b, k, `,"value":`) {
		return 0, false
	}
	k += len(`,"value":`)
	raw, vk, ok := plainAt(b, k, 64)
	if !ok {
		if _, vk, ok = intAt(b, k); ok {
			raw = b[k:vk]
		}
	}
	if !ok || vk+1 != e {
		return 0, false
	}
	js.tag(internBytes(d.j.intern, key, false), internBytes(d.j.vals, raw, true), attrs)
	return e, true
}
