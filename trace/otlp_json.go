package trace

import (
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
			return j.skip()
		}
		j.open('[')
		for j.more() {
			if err := d.otlpValue(depth + 1); err != nil {
				return err
			}
		}
		return j.close()
	case '{':
	default:
		return j.skip()
	}
	j.open('{')
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		switch string(key) {
		case "resourcespans", "batches":
			ok, err := j.open('[')
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for j.more() {
				if err := d.resourceSpans(); err != nil {
					return err
				}
			}
			if err := j.close(); err != nil {
				return err
			}
		case "trace":
			if depth < 2 {
				if err := d.otlpValue(depth + 1); err != nil {
					return err
				}
				continue
			}
			fallthrough
		default:
			if err := j.skip(); err != nil {
				return err
			}
		}
	}
	return j.close()
}

// resourceSpans reads one ResourceSpans and hands its spans over once
// its resource is known (it may come after the spans).
func (d *jsonDecoder) resourceSpans() error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	clear(d.res)
	d.res = d.res[:0]
	var resource []Attr
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		switch string(key) {
		case "resource":
			ok, err := j.open('{')
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for j.more() {
				key, err := j.nextKey()
				if err != nil {
					return err
				}
				if string(key) == "attributes" {
					if resource, err = d.otlpAttrs(resource, nil); err != nil {
						return err
					}
					continue
				}
				if err := j.skip(); err != nil {
					return err
				}
			}
			if err := j.close(); err != nil {
				return err
			}
		case "scopespans", "instrumentationlibraryspans":
			ok, err := j.open('[')
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for j.more() {
				if err := d.scopeSpans(); err != nil {
					return err
				}
			}
			if err := j.close(); err != nil {
				return err
			}
		default:
			if err := j.skip(); err != nil {
				return err
			}
		}
	}
	if err := j.close(); err != nil {
		return err
	}
	var service string
	for _, a := range resource {
		if a.Key == "service.name" {
			service = a.Value
			break
		}
	}
	for i := range d.res {
		s := &d.res[i]
		s.Service, s.Resource = service, resource
		d.r.add(s)
	}
	return nil
}

// scopeSpans reads one ScopeSpans (InstrumentationLibrarySpans).
func (d *jsonDecoder) scopeSpans() error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	first := len(d.res)
	var scope string
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		switch string(key) {
		case "scope", "instrumentationlibrary":
			ok, err := j.open('{')
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for j.more() {
				key, err := j.nextKey()
				if err != nil {
					return err
				}
				if string(key) == "name" {
					if scope, _, err = j.str(); err != nil && fatal(err) {
						return err
					}
					continue
				}
				if err := j.skip(); err != nil {
					return err
				}
			}
			if err := j.close(); err != nil {
				return err
			}
		case "spans":
			ok, err := j.open('[')
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for j.more() {
				if err := d.otlpSpan(); err != nil {
					return err
				}
			}
			if err := j.close(); err != nil {
				return err
			}
		default:
			if err := j.skip(); err != nil {
				return err
			}
		}
	}
	for i := first; i < len(d.res); i++ {
		d.res[i].Scope = scope
	}
	return j.close()
}

// otlpSpan reads one span; a usable one is appended to d.res.
func (d *jsonDecoder) otlpSpan() error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	st := &d.sp
	st.reset()
	var s Span
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		var verr error
		switch string(key) {
		case "traceid":
			st.tid, _, verr = j.str()
		case "spanid":
			st.sid, _, verr = j.str()
		case "parentspanid":
			st.pid, _, verr = j.str()
		case "name":
			s.Name, _, verr = j.strIntern()
		case "kind":
			var k string
			if k, _, verr = j.str(); verr == nil {
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
			s.Attrs, verr = d.otlpAttrs(s.Attrs, st)
		case "events":
			s.Events, verr = d.otlpEvents(s.Events, st)
		case "links":
			s.Links, verr = d.otlpLinks(s.Links, st)
		case "status":
			verr = d.otlpStatus(&s, st)
		default:
			verr = j.skip()
		}
		if err := st.check(string(key), verr); err != nil {
			return err
		}
	}
	if err := j.close(); err != nil {
		return err
	}
	st.ids(&s)
	if d.usable(&s, st) {
		d.res = append(d.res, s)
	}
	return nil
}

func (d *jsonDecoder) otlpStatus(s *Span, st *spanState) error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		var verr error
		switch string(key) {
		case "code":
			var c string
			if c, _, verr = j.str(); verr == nil {
				s.Status, verr = parseStatus(c)
			}
		case "message":
			s.StatusMessage, _, verr = j.str()
		default:
			verr = j.skip()
		}
		if err := st.check("status."+string(key), verr); err != nil {
			return err
		}
	}
	return j.close()
}

// otlpAttrs reads a KeyValue list. st may be nil (resource attributes).
func (d *jsonDecoder) otlpAttrs(list []Attr, st *spanState) ([]Attr, error) {
	j := d.j
	ok, err := j.open('[')
	if !ok || err != nil {
		return list, err
	}
	for j.more() {
		k, v, err := d.keyValue()
		if err != nil {
			if fatal(err) || st == nil {
				if fatal(err) {
					return list, err
				}
				continue
			}
			st.fail(fieldErr("attributes", err))
			continue
		}
		list = addAttr(list, k, v)
	}
	return list, j.close()
}

// keyValue reads {"key": …, "value": AnyValue}.
func (d *jsonDecoder) keyValue() (k, v string, err error) {
	j := d.j
	ok, err := j.open('{')
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", fmt.Errorf("want an object")
	}
	var verr error
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return "", "", err
		}
		var e error
		switch string(key) {
		case "key":
			k, _, e = j.strIntern()
		case "value":
			v, _, e = d.anyValue(0)
		default:
			e = j.skip()
		}
		if e != nil {
			if fatal(e) {
				return "", "", e
			}
			if verr == nil {
				verr = e
			}
		}
	}
	if err := j.close(); err != nil {
		return "", "", err
	}
	return k, v, verr
}

// anyValue reads an OTLP AnyValue as text (see Attr); isStr tells arrays
// whether to quote it.
func (d *jsonDecoder) anyValue(depth int) (text string, isStr bool, err error) {
	j := d.j
	if k := j.peek(); k != '{' {
		// Lenient: a bare value where an AnyValue belongs.
		s, err := j.text()
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
			text, _, e = j.str()
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
	ok, err := j.open('{')
	if !ok || err != nil {
		return "", err
	}
	n := 0
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return "", err
		}
		if string(key) != "values" {
			if err := j.skip(); err != nil {
				return "", err
			}
			continue
		}
		ok, err := j.open('[')
		if !ok || err != nil {
			if err != nil {
				return "", err
			}
			continue
		}
		for j.more() {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if kv {
				k, v, err := d.keyValue()
				if err != nil && fatal(err) {
					return "", err
				}
				b.WriteString(strconv.Quote(k))
				b.WriteByte(':')
				b.WriteString(strconv.Quote(v))
				continue
			}
			t, isStr, err := d.anyValue(depth + 1)
			if err != nil && fatal(err) {
				return "", err
			}
			if isStr || t == "" {
				t = strconv.Quote(t)
			}
			b.WriteString(t)
		}
		if err := j.close(); err != nil {
			return "", err
		}
	}
	if err := j.close(); err != nil {
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
	ok, err := j.open('[')
	if !ok || err != nil {
		return list, err
	}
	for j.more() {
		ok, err := j.open('{')
		if err != nil {
			return list, err
		}
		if !ok {
			continue
		}
		var e Event
		for j.more() {
			key, err := j.nextKey()
			if err != nil {
				return list, err
			}
			var verr error
			switch string(key) {
			case "name":
				e.Name, _, verr = j.str()
			case "timeunixnano":
				e.Time, _, verr = j.int()
			case "attributes":
				e.Attrs, verr = d.otlpAttrs(e.Attrs, st)
			default:
				verr = j.skip()
			}
			if err := st.check("events."+string(key), verr); err != nil {
				return list, err
			}
		}
		if err := j.close(); err != nil {
			return list, err
		}
		list = append(list, e)
	}
	return list, j.close()
}

func (d *jsonDecoder) otlpLinks(list []Link, st *spanState) ([]Link, error) {
	j := d.j
	ok, err := j.open('[')
	if !ok || err != nil {
		return list, err
	}
	for j.more() {
		ok, err := j.open('{')
		if err != nil {
			return list, err
		}
		if !ok {
			continue
		}
		var l Link
		var tid, sid string
		for j.more() {
			key, err := j.nextKey()
			if err != nil {
				return list, err
			}
			var verr error
			switch string(key) {
			case "traceid":
				tid, _, verr = j.str()
			case "spanid":
				sid, _, verr = j.str()
			case "attributes":
				l.Attrs, verr = d.otlpAttrs(l.Attrs, st)
			default:
				verr = j.skip()
			}
			if err := st.check("links."+string(key), verr); err != nil {
				return list, err
			}
		}
		if err := j.close(); err != nil {
			return list, err
		}
		if parseID(l.TraceID[:], tid) != nil || parseID(l.SpanID[:], sid) != nil {
			continue // a link to nowhere is no link
		}
		l.FollowsFrom = linkFollowsFrom(l.Attrs)
		list = append(list, l)
	}
	return list, j.close()
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
