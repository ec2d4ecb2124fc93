package trace

import (
	"fmt"
	"strings"
)

// zipkinArray reads one inner array of a Zipkin array of traces.
func (d *jsonDecoder) zipkinArray() error {
	if d.j.peek() != '[' {
		return d.notA("element", "an array of spans")
	}
	if _, err := d.j.open('['); err != nil {
		return err
	}
	return d.zipkinSpans()
}

// zipkinSpans reads spans up to and including the closing ']'.
func (d *jsonDecoder) zipkinSpans() error {
	j := d.j
	for j.more() {
		if j.peek() != '{' {
			if err := d.notA("element", "a span"); err != nil {
				return err
			}
			continue
		}
		if d.zipkinSpanInPlace() {
			continue
		}
		if err := d.zipkinSpan(); err != nil {
			return err
		}
	}
	return j.close()
}

// zipkinSpan reads one Zipkin v2 span.
func (d *jsonDecoder) zipkinSpan() error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	st := &d.sp
	st.reset()
	st.line = d.line()
	var s Span
	var dur int64
	err = j.members(func(key []byte) error {
		var verr error
		switch string(key) {
		case "traceid":
			verr = j.id(&st.tid)
		case "id":
			verr = j.id(&st.sid)
		case "parentid":
			verr = j.id(&st.pid)
		case "name":
			s.Name, _, verr = j.strIntern()
		case "kind":
			var k string
			var ok bool
			if k, ok, verr = j.strValue(); verr == nil && ok {
				s.Kind, verr = zipkinKind(k)
			}
		case "timestamp":
			verr = d.startMicros(&s, st, "timestamp")
		case "duration":
			dur, st.end, verr = j.int()
		case "localendpoint":
			s.Local, verr = d.zipkinEndpoint()
		case "remoteendpoint":
			s.Remote, verr = d.zipkinEndpoint()
		case "annotations":
			s.Events, verr = d.zipkinAnnotations(s.Events, st)
		case "tags":
			verr = d.zipkinTags(&s, st)
		case "shared":
			s.Shared, verr = j.bool()
		default:
			verr = j.skip()
		}
		return st.checkIn("", key, verr)
	})
	if err != nil {
		return err
	}
	d.zipkinDone(&s, st, dur)
	return nil
}

// zipkinDone finishes a span read (its duration dur, µs) and adds it.
func (d *jsonDecoder) zipkinDone(s *Span, st *spanState, dur int64) {
	s.Service = s.Local.Service
	if s.Kind == Client {
		s.Shared = false // as Zipkin's builder: only a server half is shared
	}
	if st.end {
		ns, ok := micros(dur)
		if !ok || ns < 0 || s.Start > 0 && s.Start+ns < s.Start {
			st.fail(fmt.Sprintf("duration %d out of range", dur))
		}
		s.End = s.Start + ns
	} else if st.start {
		st.fail("missing duration (incomplete span)")
	}
	if !st.start {
		st.fail("missing timestamp (incomplete span)")
	}
	st.ids(s)
	if d.usable(s, st) {
		d.r.add(s, st.line)
	}
}

// zipkinKind reads CLIENT, SERVER, PRODUCER or CONSUMER, in any case.
func zipkinKind(k string) (Kind, error) {
	switch strings.ToUpper(k) {
	case "CLIENT":
		return Client, nil
	case "SERVER":
		return Server, nil
	case "PRODUCER":
		return Producer, nil
	case "CONSUMER":
		return Consumer, nil
	case "":
		return Unspecified, nil
	}
	return Unspecified, fmt.Errorf("unknown kind %q", k)
}

func (d *jsonDecoder) zipkinEndpoint() (Endpoint, error) {
	j := d.j
	var e Endpoint
	_, err := j.object(func(key []byte) error {
		var verr error
		switch string(key) {
		case "servicename":
			e.Service, _, verr = j.strIntern()
		case "ipv4":
			e.IPv4, _, verr = j.strValue()
		case "ipv6":
			e.IPv6, _, verr = j.strValue()
		case "port":
			var p int64
			p, _, verr = j.int()
			e.Port = int(p)
		default:
			verr = j.skip()
		}
		if verr != nil && fatal(verr) {
			return verr
		}
		return nil
	})
	return e, err
}

func (d *jsonDecoder) zipkinAnnotations(list []Event, st *spanState) ([]Event, error) {
	j := d.j
	_, err := j.array(func() error {
		var e Event
		ok, err := j.object(func(key []byte) error {
			var verr error
			switch string(key) {
			case "timestamp":
				var us int64
				if us, _, verr = j.int(); verr == nil {
					e.Time, _ = micros(us)
				}
			case "value":
				e.Name, _, verr = j.strValue()
			default:
				verr = j.skip()
			}
			return st.checkIn("annotations.", key, verr)
		})
		if ok && err == nil {
			list = append(list, e)
		}
		return err
	})
	return list, err
}

// zipkinTags reads the tags object; the key error (any value) makes the
// span failed, its value the status message.
func (d *jsonDecoder) zipkinTags(s *Span, st *spanState) error {
	j := d.j
	ok, err := j.open('{')
	if !ok || err != nil {
		return err
	}
	if len(s.Attrs) == 0 {
		// read into the decoder's buffer, kept at one allocation
		s.Attrs, d.attrs = d.attrs[:0], nil
		defer func() { d.attrs, s.Attrs = s.Attrs, d.cloneAttrs(s.Attrs) }()
	}
	for j.more() {
		if d.skipUnwanted(zipkinTags) {
			continue
		}
		k, want, err := d.attrKey(zipkinTags)
		if err != nil {
			return err
		}
		if !want {
			if err := j.skip(); err != nil {
				return err
			}
			continue
		}
		v, err := j.textValue()
		if err != nil {
			return err
		}
		if k == "error" {
			if s.Status != Error {
				s.Status, s.StatusMessage = Error, v
			}
			continue
		}
		s.Attrs = addAttr(s.Attrs, k, v)
	}
	return j.close()
}
