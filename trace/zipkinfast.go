package trace

// A Zipkin span as Zipkin and its tracers write it, compact and in
// their own names ({"traceId":"…","id":"…","kind":"CLIENT","name":"…",
// "timestamp":…,"duration":…,"localEndpoint":{"serviceName":"…"},
// "tags":{…}}), is read in one pass over its bytes when it is in memory
// (a part read in place): zipkinSpanInPlace. It gives the span, its
// problems and its line exactly as zipkinSpan does; at anything else (a
// blank, a member named otherwise or twice, an escape, a non-ASCII or
// long string, a number that is not a plain integer, annotations, a tag
// whose value is not a string, JSON that is not valid) it reads nothing
// and zipkinSpan reads the span token by token.

// zipkinMember is a span member zipkinSpanInPlace reads.
type zipkinMember uint16

const (
	zmTraceID zipkinMember = 1 << iota
	zmID
	zmParentID
	zmName
	zmKind
	zmTimestamp
	zmDuration
	zmLocal
	zmRemote
	zmTags
	zmShared
	zmDebug
)

// zipkinMemberOf is the member a span's member name names, 0 for none (a
// switch: no hashing).
func zipkinMemberOf(name []byte) zipkinMember {
	switch string(name) {
	case "traceId":
		return zmTraceID
	case "id":
		return zmID
	case "parentId":
		return zmParentID
	case "name":
		return zmName
	case "kind":
		return zmKind
	case "timestamp":
		return zmTimestamp
	case "duration":
		return zmDuration
	case "localEndpoint":
		return zmLocal
	case "remoteEndpoint":
		return zmRemote
	case "tags":
		return zmTags
	case "shared":
		return zmShared
	case "debug":
		return zmDebug
	}
	return 0
}

// zipkinSpanInPlace reads the next span as the comment at the top of
// this file says, reporting whether it did.
func (d *jsonDecoder) zipkinSpanInPlace() bool {
	f, b, open, ok := d.spanAt()
	if !ok {
		return false
	}
	var s Span
	var dur int64 // µs
	st, j, attrs := &d.sp, d.j, d.attrs[:0]
	st.reset()
	var seen zipkinMember
	l := openCompact(b, open, '{')
	for l.next() {
		m := zipkinMemberOf(l.name())
		if m == 0 || seen&m != 0 {
			l.fail()
			break
		}
		seen |= m
		i := l.i
		ok := true
		var raw []byte
		switch m {
		case zmTraceID:
			i, ok = idAt(&st.tid, b, i)
		case zmID:
			i, ok = idAt(&st.sid, b, i)
		case zmParentID:
			i, ok = idAt(&st.pid, b, i)
		case zmName:
			if raw, i, ok = plainAt(b, i, 64); ok {
				s.Name = internBytes(j.intern, raw, false)
			}
		case zmKind:
			if raw, i, ok = plainAt(b, i, 64); ok {
				var err error
				s.Kind, err = zipkinKind(internBytes(j.vals, raw, true))
				ok = err == nil
			}
		case zmTimestamp:
			var us int64
			if us, i, ok = intAt(b, i); ok {
				s.Start, st.start = micros(us)
				ok = st.start
			}
		case zmDuration:
			dur, i, ok = intAt(b, i)
			st.end = ok
		case zmLocal, zmRemote:
			e := &s.Local
			if m == zmRemote {
				e = &s.Remote
			}
			i, ok = d.zipkinEndpointAt(b, i, e)
		case zmTags:
			i, ok = d.zipkinTagsAt(b, i, &s, &attrs)
		case zmShared, zmDebug:
			var v bool
			switch {
			case hasAt(b, i, "true"):
				v, i = true, i+4
			case hasAt(b, i, "false"):
				i += 5
			default:
				ok = false
			}
			if m == zmShared {
				s.Shared = v
			}
		}
		if !ok {
			l.fail()
			break
		}
		l.i = i
	}
	end, ok := l.end()
	if !ok {
		clear(attrs)
		return false
	}
	// Read: as zipkinSpan, from its line on.
	st.line = d.in.base + f.line(open+1)
	f.skipTo(end)
	d.attrs, s.Attrs = attrs, d.cloneAttrs(attrs)
	d.zipkinDone(&s, st, dur)
	d.inPlace++
	return true
}

// zipkinEndpointAt reads an endpoint of plain strings and a plain port
// at b[i] into e as zipkinEndpoint does.
func (d *jsonDecoder) zipkinEndpointAt(b []byte, i int, e *Endpoint) (int, bool) {
	l := openCompact(b, i, '{')
	for l.next() {
		name := l.name()
		var raw []byte
		ok := false
		switch string(name) {
		case "serviceName":
			if raw, l.i, ok = plainAt(b, l.i, 64); ok {
				e.Service = internBytes(d.j.intern, raw, false)
			}
		case "ipv4", "ipv6":
			if raw, l.i, ok = plainAt(b, l.i, 64); ok {
				v := internBytes(d.j.vals, raw, true)
				if name[3] == '4' {
					e.IPv4 = v
				} else {
					e.IPv6 = v
				}
			}
		case "port":
			var p int64
			p, l.i, ok = intAt(b, l.i)
			e.Port = int(p)
		}
		if !ok {
			l.fail()
		}
	}
	return l.end()
}

// zipkinTagsAt reads a tags object of string values at b[i] as
// zipkinTags does, the wanted tags into attrs.
func (d *jsonDecoder) zipkinTagsAt(b []byte, i int, s *Span, attrs *[]Attr) (int, bool) {
	l := openCompact(b, i, '{')
	for l.next() {
		key := l.name()
		var ok bool
		if !wants(d.r, zipkinTags, key) {
			if ok = l.i < len(b) && b[l.i] == '"'; ok {
				l.i, ok = scanString(b, l.i)
			}
		} else {
			var raw []byte
			if raw, l.i, ok = plainAt(b, l.i, 64); ok {
				k, v := internBytes(d.j.intern, key, false), internBytes(d.j.vals, raw, true)
				if k == "error" {
					if s.Status != Error {
						s.Status, s.StatusMessage = Error, v
					}
				} else {
					*attrs = addAttr(*attrs, k, v)
				}
			}
		}
		if !ok {
			l.fail()
		}
	}
	return l.end()
}
