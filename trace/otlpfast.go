package trace

// An OTLP/JSON span as the SDKs and the Collector write it, compact and
// in its proto3 JSON names ({"traceId":"…","spanId":"…","name":"…",
// "kind":2,"startTimeUnixNano":"…","endTimeUnixNano":"…","attributes":
// […],"status":{}}), is read in one pass over its bytes when it is in
// memory: otlpSpanInPlace, as zipkinSpanInPlace reads Zipkin's. It gives
// what otlpSpan gives; at anything else (a blank, a member named
// otherwise or twice, an escape, a non-ASCII or long string, events or
// links, a wanted attribute whose value is not a plain string or
// integer, JSON that is not valid) it reads nothing and otlpSpan reads
// the span token by token.

type otlpMember uint16

const (
	omTraceID otlpMember = 1 << iota
	omSpanID
	omParentSpanID
	omTraceState
	omName
	omKind
	omStart
	omEnd
	omFlags
	omAttributes
	omEvents
	omLinks
	omStatus
	omDropped
)

// otlpMemberOf is the member a span's member name names, 0 for none (a
// switch: no hashing).
func otlpMemberOf(name []byte) otlpMember {
	switch string(name) {
	case "traceId":
		return omTraceID
	case "spanId":
		return omSpanID
	case "parentSpanId":
		return omParentSpanID
	case "traceState":
		return omTraceState
	case "name":
		return omName
	case "kind":
		return omKind
	case "startTimeUnixNano":
		return omStart
	case "endTimeUnixNano":
		return omEnd
	case "flags":
		return omFlags
	case "attributes":
		return omAttributes
	case "events":
		return omEvents
	case "links":
		return omLinks
	case "status":
		return omStatus
	case "droppedAttributesCount":
		return omDropped
	case "droppedEventsCount":
		return omDropped << 1
	case "droppedLinksCount":
		return omDropped << 2
	}
	return 0
}

// otlpSpanInPlace reads the next span as the comment at the top of this
// file says, reporting whether it did.
func (d *jsonDecoder) otlpSpanInPlace() bool {
	f, b, open, ok := d.spanAt()
	if !ok {
		return false
	}
	r := otlpRead{st: &d.sp, attrs: d.attrs[:0]}
	r.st.reset()
	var seen otlpMember
	l := openCompact(b, open, '{')
	for l.next() {
		m := otlpMemberOf(l.name())
		if m == 0 || seen&m != 0 {
			l.fail()
			break
		}
		seen |= m
		var ok bool
		if l.i, ok = d.otlpMember(m, b, l.i, &r); !ok {
			l.fail()
			break
		}
	}
	end, ok := l.end()
	if !ok {
		clear(r.attrs)
		return false
	}
	s, st := &r.s, r.st
	// Read: as otlpSpan, from its line on.
	st.line = d.in.base + f.line(open+1)
	f.skipTo(end)
	d.attrs, s.Attrs = r.attrs, d.cloneAttrs(r.attrs)
	st.ids(s)
	if d.usable(s, st) {
		d.res = append(d.res, *s)
		d.resLine = append(d.resLine, st.line)
	}
	d.inPlace++
	return true
}

// otlpRead is a span otlpSpanInPlace is reading.
type otlpRead struct {
	s     Span
	st    *spanState
	attrs []Attr
}

// otlpMember reads member m's value at b[i] into r, returning where it
// ends.
func (d *jsonDecoder) otlpMember(m otlpMember, b []byte, i int, r *otlpRead) (int, bool) {
	s, st, j := &r.s, r.st, d.j
	ok := true
	var raw []byte
	switch m {
	case omTraceID:
		i, ok = idAt(&st.tid, b, i)
	case omSpanID:
		i, ok = idAt(&st.sid, b, i)
	case omParentSpanID:
		i, ok = idAt(&st.pid, b, i)
	case omTraceState:
		ok = i < len(b) && b[i] == '"'
		if ok {
			i, ok = scanString(b, i)
		}
	case omName:
		if raw, i, ok = plainAt(b, i, 64); ok {
			s.Name = internBytes(j.intern, raw, false)
		}
	case omKind:
		if raw, i, ok = numberOrString(b, i); ok {
			var err error
			s.Kind, err = parseKind(internBytes(j.vals, raw, true))
			ok = err == nil
		}
	case omStart:
		s.Start, _, i, ok = intOrStringAt(b, i)
		st.start = ok
	case omEnd:
		s.End, _, i, ok = intOrStringAt(b, i)
		st.end = ok
	case omFlags:
		var fl int64
		fl, _, i, ok = intOrStringAt(b, i)
		s.Flags = uint32(fl)
	case omDropped, omDropped << 1, omDropped << 2:
		_, _, i, ok = intOrStringAt(b, i)
	case omAttributes:
		i, ok = d.otlpAttrsAt(b, i, &r.attrs)
	case omEvents, omLinks:
		ok = hasAt(b, i, "[]")
		i += 2
	case omStatus:
		i, ok = d.otlpStatusAt(b, i, s)
	}
	return i, ok
}

// otlpAttrsAt reads an attribute list at b[i] as otlpAttrs does: the
// unwanted attributes skipped as kvAt matches them, the wanted ones
// {"key":"K","value":{"stringValue":"V"}} (or "intValue") into attrs.
func (d *jsonDecoder) otlpAttrsAt(b []byte, i int, attrs *[]Attr) (int, bool) {
	l := openCompact(b, i, '[')
	for l.next() {
		var ok bool
		if l.i, ok = d.otlpAttrAt(b, l.i, attrs); !ok {
			l.fail()
		}
	}
	return l.end()
}

// otlpAttrAt reads one attribute at b[i] for otlpAttrsAt.
func (d *jsonDecoder) otlpAttrAt(b []byte, i int, attrs *[]Attr) (int, bool) {
	key, e, ok := d.j.f.kvAtIndex(i, false)
	if !ok || !wants(d.r, spanAttrs, key) {
		return e, ok
	}
	// {"key":"K","value":{"stringValue":"V"}}, as kvAt found it
	k := i + len(`{"key":"`) + len(key) + len(`","value":{`)
	var v string
	switch {
	case b[k-1] != '{':
		ok = false
	case hasAt(b, k, `"stringValue":`):
		var raw []byte
		if raw, k, ok = plainAt(b, k+len(`"stringValue":`), 64); ok {
			v = internBytes(d.j.vals, raw, true)
		}
	case hasAt(b, k, `"intValue":`):
		var digits []byte
		if _, digits, k, ok = intOrStringAt(b, k+len(`"intValue":`)); ok {
			v = internBytes(d.j.vals, digits, true)
		}
	default:
		ok = false
	}
	if !ok || k+2 != e || b[k] != '}' {
		return 0, false
	}
	*attrs = addAttr(*attrs, internBytes(d.j.intern, key, false), v)
	return e, true
}

// otlpStatusAt reads a status {"code":…,"message":"…"} at b[i] as
// otlpStatus does.
func (d *jsonDecoder) otlpStatusAt(b []byte, i int, s *Span) (int, bool) {
	l := openCompact(b, i, '{')
	for l.next() {
		var raw []byte
		ok := false
		switch string(l.name()) {
		case "code":
			if raw, l.i, ok = numberOrString(b, l.i); ok {
				var err error
				s.Status, err = parseStatus(internBytes(d.j.vals, raw, true))
				ok = err == nil
			}
		case "message":
			if raw, l.i, ok = plainAt(b, l.i, 64); ok {
				s.StatusMessage = internBytes(d.j.vals, raw, true)
			}
		}
		if !ok {
			l.fail()
		}
	}
	return l.end()
}
