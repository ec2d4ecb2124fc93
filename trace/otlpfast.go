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

// otlpSpanInPlace reads the next span as the package doc above says,
// reporting whether it did.
func (d *jsonDecoder) otlpSpanInPlace() bool {
	f, j := d.j.f, d.j
	if f == nil {
		return false
	}
	if k, ok := f.peek(); !ok || k != '{' {
		return false
	}
	b, open := f.b, f.pos
	st := &d.sp
	st.reset()
	var s Span
	var seen otlpMember
	attrs := d.attrs[:0]
	i := open + 1
	ok := true
	for ok && i < len(b) && b[i] != '}' {
		if i > open+1 {
			if b[i] != ',' {
				return false
			}
			i++
		}
		name, end, nameOK := plainAt(b, i, 64)
		if !nameOK || end >= len(b) || b[end] != ':' {
			return false
		}
		m := otlpMemberOf(name)
		if m == 0 || seen&m != 0 {
			return false
		}
		seen |= m
		i = end + 1
		var raw []byte
		switch m {
		case omTraceID, omSpanID, omParentSpanID:
			if raw, i, ok = plainAt(b, i, 32); ok {
				t := &st.tid
				if m == omSpanID {
					t = &st.sid
				} else if m == omParentSpanID {
					t = &st.pid
				}
				t.str, t.s = false, ""
				t.n = uint8(copy(t.b[:], raw))
			}
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
			i, ok = d.otlpAttrsAt(b, i, &attrs)
		case omEvents, omLinks:
			ok = hasAt(b, i, "[]")
			i += 2
		case omStatus:
			i, ok = d.otlpStatusAt(b, i, &s)
		}
	}
	if !ok || i >= len(b) {
		clear(attrs)
		return false
	}
	// Read: as otlpSpan, from its line on.
	st.line = d.in.base + f.line(open+1)
	f.skipTo(i + 1)
	d.attrs, s.Attrs = attrs, d.cloneAttrs(attrs)
	st.ids(&s)
	if d.usable(&s, st) {
		d.res = append(d.res, s)
		d.resLine = append(d.resLine, st.line)
	}
	return true
}

// otlpAttrsAt reads an attribute list at b[i] as otlpAttrs does: the
// unwanted attributes skipped as kvAt matches them, the wanted ones
// {"key":"K","value":{"stringValue":"V"}} (or "intValue") into attrs.
func (d *jsonDecoder) otlpAttrsAt(b []byte, i int, attrs *[]Attr) (end int, ok bool) {
	if i >= len(b) || b[i] != '[' {
		return 0, false
	}
	open := i
	i++
	for i < len(b) && b[i] != ']' {
		if i > open+1 {
			if b[i] != ',' {
				return 0, false
			}
			i++
		}
		key, e, ok := d.j.f.kvAtIndex(i, false)
		if !ok {
			return 0, false
		}
		if !wants(d.r, spanAttrs, key) {
			i = e
			continue
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
		i = e
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}

// otlpStatusAt reads a status {"code":…,"message":"…"} at b[i] as
// otlpStatus does.
func (d *jsonDecoder) otlpStatusAt(b []byte, i int, s *Span) (end int, ok bool) {
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	open := i
	i++
	for i < len(b) && b[i] != '}' {
		if i > open+1 {
			if b[i] != ',' {
				return 0, false
			}
			i++
		}
		name, k, ok := plainAt(b, i, 64)
		if !ok || k >= len(b) || b[k] != ':' {
			return 0, false
		}
		i = k + 1
		var raw []byte
		switch string(name) {
		case "code":
			if raw, i, ok = numberOrString(b, i); ok {
				var err error
				s.Status, err = parseStatus(internBytes(d.j.vals, raw, true))
				ok = err == nil
			}
		case "message":
			if raw, i, ok = plainAt(b, i, 64); ok {
				s.StatusMessage = internBytes(d.j.vals, raw, true)
			}
		default:
			ok = false
		}
		if !ok {
			return 0, false
		}
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}

// numberOrString returns the plain integer's digits at b[i], bare or in
// a string, else the plain string's inside (an enum by name), and where
// it ends.
func numberOrString(b []byte, i int) (raw []byte, end int, ok bool) {
	if _, digits, e, ok := intOrStringAt(b, i); ok {
		return digits, e, true
	}
	return plainAt(b, i, 64)
}
