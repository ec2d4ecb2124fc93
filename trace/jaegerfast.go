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
// the package doc above says, reporting whether it did; if not, js is
// left zero.
func (d *jsonDecoder) jaegerSpanInPlace(js *jaegerSpan) bool {
	f, j := d.j.f, d.j
	if f == nil {
		return false
	}
	if k, ok := f.peek(); !ok || k != '{' {
		return false
	}
	b, open := f.b, f.pos
	st, s := &js.st, &js.s
	refsAt := len(d.jrefs)
	attrs := d.attrs[:0]
	var seen jaegerMember
	i := open + 1
	ok := true
	for ok && i < len(b) && b[i] != '}' {
		if i > open+1 {
			if b[i] != ',' {
				ok = false
				break
			}
			i++
		}
		name, end, nameOK := plainAt(b, i, 64)
		if !nameOK || end >= len(b) || b[end] != ':' {
			ok = false
			break
		}
		m := jaegerMemberOf(name)
		if m == 0 || seen&m != 0 {
			ok = false
			break
		}
		seen |= m
		i = end + 1
		var raw []byte
		switch m {
		case jmTraceID, jmSpanID, jmParentSpanID:
			if raw, i, ok = plainAt(b, i, 32); ok {
				t := &st.tid
				if m == jmSpanID {
					t = &st.sid
				} else if m == jmParentSpanID {
					t = &st.pid
				}
				t.str, t.s = false, ""
				t.n = uint8(copy(t.b[:], raw))
			}
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
			i, ok = d.jaegerTagsAt(b, i, js, &attrs)
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
	}
	if !ok || i >= len(b) {
		clear(attrs)
		clear(d.jrefs[refsAt:])
		d.jrefs = d.jrefs[:refsAt]
		*js = jaegerSpan{}
		return false
	}
	st.line = d.in.base + f.line(open+1)
	f.skipTo(i + 1)
	d.attrs, s.Attrs = attrs, d.cloneAttrs(attrs)
	return true
}

// jaegerRefsAt reads references {"refType":"…","traceID":"…","spanID":"…"}
// at b[i] into d.jrefs, as jaegerRefs does.
func (d *jsonDecoder) jaegerRefsAt(b []byte, i int) (end int, ok bool) {
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
		r.tid.n = uint8(copy(r.tid.b[:], tid))
		r.sid.n = uint8(copy(r.sid.b[:], sid))
		d.jrefs = append(d.jrefs, r)
		i = k + 1
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}

// jaegerTagsAt reads tags at b[i] as jaegerTags does: the unwanted ones
// skipped as kvAt matches them, the wanted {"key":"K","type":"T",
// "value":V} with V a plain string or integer.
func (d *jsonDecoder) jaegerTagsAt(b []byte, i int, js *jaegerSpan, attrs *[]Attr) (end int, ok bool) {
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
		key, e, ok := d.j.f.kvAtIndex(i, true)
		if !ok {
			return 0, false
		}
		if !wants(d.r, jaegerTags, key) {
			i = e
			continue
		}
		// {"key":"K","type":"T","value":V}, as kvAt found it
		k := i + len(`{"key":"`) + len(key) + 1 + len(`,"type":`)
		if k, ok = scanString(b, k); !ok || !hasAt(b, k, `,"value":`) {
			return 0, false
		}
		k += len(`,"value":`)
		var raw []byte
		var vk int
		if raw, vk, ok = plainAt(b, k, 64); !ok {
			if _, vk, ok = intAt(b, k); ok {
				raw = b[k:vk]
			}
		}
		if !ok || vk+1 != e {
			return 0, false
		}
		kk, v := internBytes(d.j.intern, key, false), internBytes(d.j.vals, raw, true)
		switch kk {
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
			*attrs = addAttr(*attrs, kk, v)
		}
		i = e
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}
