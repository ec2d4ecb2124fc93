package trace

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// otlpValue reads a TracesData (or ExportTraceServiceRequest, or Tempo's
// {"batches": …} and {"trace": TracesData}), or an array of them.
func (d *jsonDecoder) otlpValue(depth int) error {
	j := d.j
	switch j.peek() {
	case '[':
		if depth > 0 {
			return d.notA("element", "OTLP traces")
		}
		_, err := j.array(func() error { return d.otlpValue(depth + 1) })
		return err
	case '{':
	default:
		return d.notA(d.noun(depth == 0), "OTLP traces")
	}
	if _, err := j.open('{'); err != nil {
		return err
	}
	start, traces := d.line(), false
	err := j.members(func(key []byte) error {
		switch string(key) {
		case "resourcespans", "batches":
			traces = true
			_, err := j.array(d.resourceSpans)
			return err
		case "trace":
			if depth < 2 {
				traces = true
				return d.otlpValue(depth + 1)
			}
		}
		return j.skip()
	})
	if err == nil && !traces {
		d.skipped(start, d.noun(depth == 0), "an object without resourceSpans", "OTLP traces")
	}
	return err
}

// resourceSpans reads one ResourceSpans and hands its spans over once
// its resource is known (it may come after the spans).
func (d *jsonDecoder) resourceSpans() error {
	j := d.j
	if j.peek() != '{' {
		return d.notA("element", "a ResourceSpans")
	}
	if _, err := j.open('{'); err != nil {
		return err
	}
	d.resource = nil
	err := j.members(func(key []byte) error {
		switch string(key) {
		case "resource":
			_, err := j.object(func(key []byte) error {
				if string(key) == "attributes" {
					var err error
					d.resource, err = d.otlpAttrs(d.resource, nil, resourceAttrs)
					return err
				}
				return j.skip()
			})
			return err
		case "scopespans", "instrumentationlibraryspans":
			_, err := j.array(d.scopeSpans)
			return err
		}
		return j.skip()
	})
	if err != nil {
		return err
	}
	d.handOver()
	return nil
}

// handOver gives the spans of the ResourceSpans read to the Reader, with
// its resource.
func (d *jsonDecoder) handOver() {
	var service string
	for _, a := range d.resource {
		if a.Key == "service.name" {
			service = a.Value
			break
		}
	}
	for i := range d.res {
		s := &d.res[i]
		s.Service, s.Resource = service, d.resource
		d.r.add(s, d.resLine[i])
	}
	clear(d.res)
	d.res, d.resLine, d.resource = d.res[:0], d.resLine[:0], nil
}

// scopeSpans reads one ScopeSpans (InstrumentationLibrarySpans).
func (d *jsonDecoder) scopeSpans() error {
	j := d.j
	if j.peek() != '{' {
		return d.notA("element", "a ScopeSpans")
	}
	first := len(d.res)
	var scope string
	_, err := j.object(func(key []byte) error {
		switch string(key) {
		case "scope", "instrumentationlibrary":
			_, err := j.object(func(key []byte) error {
				if string(key) == "name" {
					var err error
					if scope, _, err = j.strIntern(); err != nil && fatal(err) {
						return err
					}
					return nil
				}
				return j.skip()
			})
			return err
		case "spans":
			_, err := j.array(d.otlpSpan)
			return err
		}
		return j.skip()
	})
	if err != nil {
		return err
	}
	for i := first; i < len(d.res); i++ {
		d.res[i].Scope = scope
	}
	return nil
}

// otlpSpan reads one span; a usable one is appended to d.res.
func (d *jsonDecoder) otlpSpan() error {
	if d.otlpSpanInPlace() {
		return nil
	}
	j := d.j
	if j.peek() != '{' {
		return d.notA("element", "a span")
	}
	if _, err := j.open('{'); err != nil {
		return err
	}
	st := &d.sp
	st.reset()
	st.line = d.line()
	var s Span
	err := j.members(func(key []byte) error {
		var verr error
		switch string(key) {
		case "traceid":
			verr = j.id(&st.tid)
		case "spanid":
			verr = j.id(&st.sid)
		case "parentspanid":
			verr = j.id(&st.pid)
		case "name":
			s.Name, _, verr = j.strIntern()
		case "kind":
			var k string
			if k, _, verr = j.strValue(); verr == nil {
				s.Kind, verr = parseKind(k)
			}
		case "starttimeunixnano":
			s.Start, st.start, verr = j.int()
		case "endtimeunixnano":
			s.End, st.end, verr = j.int()
		case "flags":
			var f int64
			if f, _, verr = j.int(); verr == nil {
				s.Flags = uint32(f)
			}
		case "attributes":
			s.Attrs, verr = d.otlpAttrs(s.Attrs, st, spanAttrs)
		case "events":
			s.Events, verr = d.otlpEvents(s.Events, st)
		case "links":
			s.Links, verr = d.otlpLinks(s.Links, st)
		case "status":
			verr = d.otlpStatus(&s, st)
		default:
			verr = j.skip()
		}
		return st.checkIn("", key, verr)
	})
	if err != nil {
		return err
	}
	st.ids(&s)
	if d.usable(&s, st) {
		d.res = append(d.res, s)
		d.resLine = append(d.resLine, st.line)
	}
	return nil
}

func (d *jsonDecoder) otlpStatus(s *Span, st *spanState) error {
	j := d.j
	_, err := j.object(func(key []byte) error {
		var verr error
		switch string(key) {
		case "code":
			var c string
			if c, _, verr = j.strValue(); verr == nil {
				s.Status, verr = parseStatus(c)
			}
		case "message":
			s.StatusMessage, _, verr = j.strValue()
		default:
			verr = j.skip()
		}
		return st.checkIn("status.", key, verr)
	})
	return err
}

// otlpAttrs reads a KeyValue list, the attributes of where (only those
// the Reader wants). st may be nil (resource attributes).
func (d *jsonDecoder) otlpAttrs(list []Attr, st *spanState, where attrList) ([]Attr, error) {
	fresh := len(list) == 0
	if fresh {
		list, d.attrs = d.attrs[:0], nil // taken while in use
	}
	_, err := d.j.array(func() error {
		if d.skipUnwanted(where) {
			return nil
		}
		k, v, ok, err := d.keyValue(true, where)
		if err != nil {
			if fatal(err) {
				return err
			}
			if st != nil {
				st.fail(fieldErr("attributes", err))
			}
			return nil
		}
		if ok {
			list = addAttr(list, k, v)
		}
		return nil
	})
	if fresh {
		d.attrs, list = list, d.cloneAttrs(list)
	}
	return list, err
}

// keyValue reads {"key": …, "value": AnyValue}. With sel, an attribute
// of where that the Reader does not want is not kept (keep is false): its
// value is skipped when the key comes first, and its value's errors, if
// read, are no errors.
func (d *jsonDecoder) keyValue(sel bool, where attrList) (k, v string, keep bool, err error) {
	j := d.j
	ok, err := j.open('{')
	if err != nil {
		return "", "", false, err
	}
	if !ok {
		return "", "", false, fmt.Errorf("want an object")
	}
	var verr error
	// keyRead: the key came, before the value or not; want: the Reader
	// wants it (or its key is bad: the error is the key's). Of two keys,
	// the last decides.
	keyRead, want := false, true
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return "", "", false, err
		}
		var e error
		switch string(key) {
		case "key":
			if sel {
				k, want, e = d.attrKey(where)
				want = want || e != nil
			} else {
				k, _, e = j.strIntern()
				want = true
			}
			keyRead = true
		case "value":
			if !want {
				e = j.skip()
				break
			}
			v, _, e = d.anyValue(0)
		default:
			e = j.skip()
		}
		if e != nil {
			if fatal(e) {
				return "", "", false, e
			}
			if verr == nil {
				verr = e
			}
		}
	}
	if err := j.close(); err != nil {
		return "", "", false, err
	}
	if sel && !keyRead {
		want = wants(d.r, where, "")
	}
	if !want {
		return k, "", false, nil
	}
	return k, v, true, verr
}

// anyValue reads an OTLP AnyValue as text (see Attr); isStr tells arrays
// whether to quote it.
func (d *jsonDecoder) anyValue(depth int) (text string, isStr bool, err error) {
	j := d.j
	if k := j.peek(); k != '{' {
		// Lenient: a bare value where an AnyValue belongs.
		s, err := j.textValue()
		return s, k == '"', err
	}
	j.open('{')
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return "", false, err
		}
		var e error
		switch string(key) {
		case "stringvalue", "bytesvalue":
			text, _, e = j.strValue()
			isStr = true
		case "intvalue":
			var n int64
			var ok bool
			if n, ok, e = j.int(); ok {
				text = strconv.FormatInt(n, 10)
			}
		case "doublevalue":
			var f float64
			var ok bool
			if f, ok, e = j.float(); ok {
				text = formatDouble(f)
			}
		case "boolvalue":
			var b bool
			if b, e = j.bool(); e == nil {
				text = strconv.FormatBool(b)
			}
		case "arrayvalue", "kvlistvalue":
			if depth > 8 {
				e = j.skip()
				break
			}
			text, e = d.listValue(string(key) == "kvlistvalue", depth)
		default:
			e = j.skip()
		}
		if e != nil {
			if fatal(e) {
				return "", false, e
			}
			if err == nil {
				err = e
			}
		}
	}
	if e := j.close(); e != nil {
		return "", false, e
	}
	return text, isStr, err
}

// listValue reads an ArrayValue or KeyValueList as compact JSON text.
func (d *jsonDecoder) listValue(kv bool, depth int) (string, error) {
	j := d.j
	var b strings.Builder
	if kv {
		b.WriteByte('{')
	} else {
		b.WriteByte('[')
	}
	n := 0
	ok, err := j.object(func(key []byte) error {
		if string(key) != "values" {
			return j.skip()
		}
		_, err := j.array(func() error {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if kv {
				k, v, _, err := d.keyValue(false, 0)
				if err != nil && fatal(err) {
					return err
				}
				b.WriteString(strconv.Quote(k))
				b.WriteByte(':')
				b.WriteString(strconv.Quote(v))
				return nil
			}
			t, isStr, err := d.anyValue(depth + 1)
			if err != nil && fatal(err) {
				return err
			}
			if isStr || t == "" {
				t = strconv.Quote(t)
			}
			b.WriteString(t)
			return nil
		})
		return err
	})
	if !ok || err != nil {
		return "", err
	}
	if kv {
		b.WriteByte('}')
	} else {
		b.WriteByte(']')
	}
	return b.String(), nil
}

func (d *jsonDecoder) otlpEvents(list []Event, st *spanState) ([]Event, error) {
	j := d.j
	_, err := j.array(func() error {
		var e Event
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "name":
				e.Name, _, verr = j.strValue()
			case "timeunixnano":
				e.Time, _, verr = j.int()
			case "attributes":
				e.Attrs, verr = d.otlpAttrs(e.Attrs, st, eventAttrs)
			default:
				verr = j.skip()
			}
			return st.checkIn("events.", key, verr)
		})
		if ok && err == nil {
			list = append(list, e)
		}
		return err
	})
	return list, err
}

func (d *jsonDecoder) otlpLinks(list []Link, st *spanState) ([]Link, error) {
	j := d.j
	_, err := j.array(func() error {
		var l Link
		var tid, sid idText
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "traceid":
				verr = j.id(&tid)
			case "spanid":
				verr = j.id(&sid)
			case "attributes":
				l.Attrs, verr = d.otlpAttrs(l.Attrs, st, linkAttrs)
			default:
				verr = j.skip()
			}
			return st.checkIn("links.", key, verr)
		})
		if !ok || err != nil {
			return err
		}
		if tid.parse(l.TraceID[:]) != nil || sid.parse(l.SpanID[:]) != nil {
			return nil // a link to nowhere is no link
		}
		l.FollowsFrom = linkFollowsFrom(l.Attrs)
		list = append(list, l)
		return nil
	})
	return list, err
}

func linkFollowsFrom(attrs []Attr) bool {
	for _, a := range attrs {
		if a.Key == "opentracing.ref_type" {
			return strings.EqualFold(a.Value, "follows_from")
		}
	}
	return false
}

// parseKind reads an OTLP span kind: 0-5, SPAN_KIND_CLIENT, CLIENT or
// client.
func parseKind(s string) (Kind, error) {
	if !mayBeInt(s) {
		// a name, the common case: as below without the allocations
		// of the failed Atoi and of ToLower
		var buf [32]byte
		if u, ok := asciiLower(buf[:0], s); ok {
			u = bytes.TrimPrefix(u, []byte("span_kind_"))
			for k, name := range kindNames {
				if string(u) == name {
					return Kind(k), nil
				}
			}
			return Unspecified, fmt.Errorf("unknown span kind %q", s)
		}
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 5 {
			return Unspecified, fmt.Errorf("unknown span kind %d", n)
		}
		return Kind(n), nil
	}
	u := strings.ToLower(s)
	u = strings.TrimPrefix(u, "span_kind_")
	for k, name := range kindNames {
		if u == name {
			return Kind(k), nil
		}
	}
	return Unspecified, fmt.Errorf("unknown span kind %q", s)
}

// mayBeInt reports whether strconv.Atoi might accept s: it starts as a
// number does.
func mayBeInt(s string) bool {
	return s != "" && ('0' <= s[0] && s[0] <= '9' || s[0] == '-' || s[0] == '+')
}

// asciiLower appends s lower-cased to dst as strings.ToLower does, if
// s is ASCII (ok is false otherwise).
func asciiLower(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return dst, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// parseStatus reads an OTLP status code: 0-2, STATUS_CODE_ERROR, ERROR.
func parseStatus(s string) (Status, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 2 {
			return Unset, fmt.Errorf("unknown status code %d", n)
		}
		return Status(n), nil
	}
	u := strings.ToLower(s)
	u = strings.TrimPrefix(u, "status_code_")
	for k, name := range statusNames {
		if u == name {
			return Status(k), nil
		}
	}
	return Unset, fmt.Errorf("unknown status code %q", s)
}
