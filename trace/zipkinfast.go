package trace

import "math"

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

// plainAt returns the inside of the string at b[i] and where it ends,
// for a string of at most max ASCII bytes without escapes; ok is false
// for any other value.
func plainAt(b []byte, i, max int) (raw []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	k := i + 1
	for k < len(b) && strPlain[b[k]] && b[k] < 0x80 {
		k++
	}
	if k >= len(b) || b[k] != '"' || k-i-1 > max {
		return nil, 0, false
	}
	return b[i+1 : k], k + 1, true
}

// intAt returns the plain integer at b[i] (digits, no sign, fraction
// or exponent, no leading zero, at most math.MaxInt64) and where it
// ends.
func intAt(b []byte, i int) (n int64, end int, ok bool) {
	k := i
	for k < len(b) && '0' <= b[k] && b[k] <= '9' {
		d := int64(b[k] - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, 0, false
		}
		n = n*10 + d
		k++
	}
	if k == i || k-i > 1 && b[i] == '0' {
		return 0, 0, false
	}
	if k < len(b) && (b[k] == '.' || b[k] == 'e' || b[k] == 'E') {
		return 0, 0, false
	}
	return n, k, true
}

// intOrStringAt returns the plain integer at b[i], bare or in a string
// (OTLP/JSON's int64), its digits, and where it ends.
func intOrStringAt(b []byte, i int) (n int64, digits []byte, end int, ok bool) {
	q := i < len(b) && b[i] == '"'
	if q {
		i++
	}
	if n, end, ok = intAt(b, i); !ok {
		return 0, nil, 0, false
	}
	digits = b[i:end]
	if q {
		if end >= len(b) || b[end] != '"' {
			return 0, nil, 0, false
		}
		end++
	}
	return n, digits, end, true
}

// zipkinSpanInPlace reads the next span as the package doc above says,
// reporting whether it did.
func (d *jsonDecoder) zipkinSpanInPlace() bool {
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
	var dur int64
	var seen zipkinMember
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
		m := zipkinMemberOf(name)
		if m == 0 || seen&m != 0 {
			return false
		}
		seen |= m
		i = end + 1
		switch m {
		case zmTraceID, zmID, zmParentID:
			var raw []byte
			if raw, i, ok = plainAt(b, i, 32); ok {
				t := &st.tid
				if m == zmID {
					t = &st.sid
				} else if m == zmParentID {
					t = &st.pid
				}
				t.str, t.s = false, ""
				t.n = uint8(copy(t.b[:], raw))
			}
		case zmName:
			var raw []byte
			if raw, i, ok = plainAt(b, i, 64); ok {
				s.Name = internBytes(j.intern, raw, false)
			}
		case zmKind:
			var raw []byte
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
			var e Endpoint
			if e, i, ok = d.zipkinEndpointAt(b, i); ok {
				if m == zmLocal {
					s.Local = e
				} else {
					s.Remote = e
				}
			}
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
	}
	if !ok || i >= len(b) {
		clear(attrs)
		return false
	}
	// Read: as zipkinSpan, from its line on.
	st.line = d.in.base + f.line(open+1)
	f.skipTo(i + 1)
	d.attrs, s.Attrs = attrs, d.cloneAttrs(attrs)
	d.zipkinDone(&s, st, dur)
	d.inPlace++
	return true
}

// zipkinEndpointAt reads an endpoint of plain strings and a plain port
// at b[i] as zipkinEndpoint does.
func (d *jsonDecoder) zipkinEndpointAt(b []byte, i int) (e Endpoint, end int, ok bool) {
	if i >= len(b) || b[i] != '{' {
		return e, 0, false
	}
	open := i
	i++
	for i < len(b) && b[i] != '}' {
		if i > open+1 {
			if b[i] != ',' {
				return e, 0, false
			}
			i++
		}
		name, k, ok := plainAt(b, i, 64)
		if !ok || k >= len(b) || b[k] != ':' {
			return e, 0, false
		}
		i = k + 1
		var raw []byte
		switch string(name) {
		case "serviceName":
			if raw, i, ok = plainAt(b, i, 64); ok {
				e.Service = internBytes(d.j.intern, raw, false)
			}
		case "ipv4", "ipv6":
			if raw, i, ok = plainAt(b, i, 64); ok {
				v := internBytes(d.j.vals, raw, true)
				if name[3] == '4' {
					e.IPv4 = v
				} else {
					e.IPv6 = v
				}
			}
		case "port":
			var p int64
			p, i, ok = intAt(b, i)
			e.Port = int(p)
		default:
			return e, 0, false
		}
		if !ok {
			return e, 0, false
		}
	}
	if i >= len(b) {
		return e, 0, false
	}
	return e, i + 1, true
}

// zipkinTagsAt reads a tags object of string values at b[i] as
// zipkinTags does, the wanted tags into attrs.
func (d *jsonDecoder) zipkinTagsAt(b []byte, i int, s *Span, attrs *[]Attr) (end int, ok bool) {
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
		key, k, ok := plainAt(b, i, 64)
		if !ok || k >= len(b) || b[k] != ':' {
			return 0, false
		}
		i = k + 1
		if !wants(d.r, zipkinTags, key) {
			if i >= len(b) || b[i] != '"' {
				return 0, false
			}
			if i, ok = scanString(b, i); !ok {
				return 0, false
			}
			continue
		}
		var raw []byte
		if raw, i, ok = plainAt(b, i, 64); !ok {
			return 0, false
		}
		kk, v := internBytes(d.j.intern, key, false), internBytes(d.j.vals, raw, true)
		if kk == "error" {
			if s.Status != Error {
				s.Status, s.StatusMessage = Error, v
			}
			continue
		}
		*attrs = addAttr(*attrs, kk, v)
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}
