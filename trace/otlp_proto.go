package trace

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// maxProtoMessage bounds one ResourceSpans in a protobuf input.
const maxProtoMessage = 1 << 30

// protoDecoder reads an OTLP protobuf TracesData (an
// ExportTraceServiceRequest has the same field 1) one ResourceSpans at a
// time: the top-level message is never held whole.
type protoDecoder struct {
	r       *Reader
	in      *countingReader
	buf     []byte
	rs      tracev1.ResourceSpans
	stopped bool // damage ended the input
}

type countingReader struct {
	*bufio.Reader
	n int64
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.Reader.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *countingReader) Discard(n int) (int, error) {
	m, err := c.Reader.Discard(n)
	c.n += int64(m)
	return m, err
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.n += int64(n)
	return n, err
}

func newProtoDecoder(r *Reader, in *bufio.Reader) *protoDecoder {
	return &protoDecoder{r: r, in: &countingReader{Reader: in}}
}

// step reads the next field of the top-level message. A ResourceSpans
// that does not parse is skipped (its length says where the next one
// starts); input cut short or a field that breaks the framing stops the
// reading, keeping what was read.
func (d *protoDecoder) step() (bool, error) {
	if d.stopped {
		return false, io.EOF
	}
	at := d.in.n
	tag, err := binary.ReadUvarint(d.in)
	if err == io.EOF && d.in.n == at {
		return false, io.EOF
	}
	if err != nil {
		return d.stop(at, fmt.Errorf("reading a field tag: %w", unexpected(err)))
	}
	num, typ := protowire.Number(tag>>3), protowire.Type(tag&7)
	switch typ {
	case protowire.VarintType:
		_, err = binary.ReadUvarint(d.in)
	case protowire.Fixed64Type:
		_, err = d.in.Discard(8)
	case protowire.Fixed32Type:
		_, err = d.in.Discard(4)
	case protowire.BytesType:
		var l uint64
		if l, err = binary.ReadUvarint(d.in); err != nil {
			break
		}
		if l > maxProtoMessage {
			return d.stop(at, fmt.Errorf("field %d: length %d over the %d limit", num, l, maxProtoMessage))
		}
		if num != 1 {
			_, err = d.in.Discard(int(l))
			break
		}
		// Grow with the data read, not with the length claimed.
		buf := bytes.NewBuffer(d.buf[:0])
		_, err = io.CopyN(buf, d.in, int64(l))
		d.buf = buf.Bytes()
		if err != nil {
			break
		}
		if err := proto.Unmarshal(d.buf, &d.rs); err != nil {
			where := "byte " + strconv.FormatInt(at, 10)
			d.r.damaged(0, "", "ResourceSpans message", "invalid protobuf", where,
				fmt.Sprintf("%s: ResourceSpans skipped: invalid protobuf: %v", where, err))
			return false, nil
		}
		d.resourceSpans(&d.rs)
		return false, nil
	default:
		return d.stop(at, fmt.Errorf("field %d: wire type %d is not OTLP", num, typ))
	}
	if err != nil {
		return d.stop(at, fmt.Errorf("field %d: %w", num, unexpected(err)))
	}
	return false, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// stop records damage that ends the input at byte at; what was read
// before it is kept.
func (d *protoDecoder) stop(at int64, err error) (bool, error) {
	d.stopped = true
	what := "invalid protobuf"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		what = "cut short"
	}
	where := "byte " + strconv.FormatInt(at, 10)
	then := "the spans before it are read"
	if what != "cut short" {
		then += ", the rest is not"
	}
	d.r.problem(0, "", "", fmt.Sprintf("%s: %s: %v: %s", where, what, err, then))
	d.r.warn(what+" at "+where, then)
	return false, io.EOF
}

func (d *protoDecoder) resourceSpans(rs *tracev1.ResourceSpans) {
	var resource []Attr
	var service string
	for _, kv := range rs.GetResource().GetAttributes() {
		if !wants(d.r, resourceAttrs, kv.GetKey()) {
			continue
		}
		v, _ := protoAnyText(kv.GetValue(), 0)
		resource = addAttr(resource, kv.GetKey(), v)
		if kv.GetKey() == "service.name" && service == "" {
			service = v
		}
	}
	for _, ss := range rs.GetScopeSpans() {
		scope := ss.GetScope().GetName()
		for _, ps := range ss.GetSpans() {
			d.span(ps, service, scope, resource)
		}
	}
}

func (d *protoDecoder) span(ps *tracev1.Span, service, scope string, resource []Attr) {
	s := Span{
		Name:          ps.GetName(),
		Service:       service,
		Resource:      resource,
		Scope:         scope,
		Kind:          Kind(ps.GetKind()),
		Flags:         ps.GetFlags(),
		Status:        Status(ps.GetStatus().GetCode()),
		StatusMessage: ps.GetStatus().GetMessage(),
	}
	var reason string
	fail := func(r string) {
		if reason == "" {
			reason = r
		}
	}
	if s.Kind > Consumer {
		fail(fmt.Sprintf("unknown span kind %d", ps.GetKind()))
	}
	if s.Status > Error {
		fail(fmt.Sprintf("unknown status code %d", ps.GetStatus().GetCode()))
	}
	if err := rawID(s.TraceID[:], ps.GetTraceId()); err != nil {
		fail("trace id: " + err.Error())
	}
	if err := rawID(s.SpanID[:], ps.GetSpanId()); err != nil {
		fail("span id: " + err.Error())
	}
	if p := ps.GetParentSpanId(); len(p) > 0 {
		if err := rawID(s.ParentID[:], p); err != nil && err != errIDZero {
			fail("parent span id: " + err.Error())
		}
	}
	start, end := ps.GetStartTimeUnixNano(), ps.GetEndTimeUnixNano()
	switch {
	case start == 0:
		fail("missing start time")
	case end == 0:
		fail("missing end time")
	case start > math.MaxInt64 || end > math.MaxInt64:
		fail("time out of range")
	case end < start:
		fail("end before start")
	}
	s.Start, s.End = int64(start), int64(end)
	for _, kv := range ps.GetAttributes() {
		if !wants(d.r, spanAttrs, kv.GetKey()) {
			continue
		}
		v, _ := protoAnyText(kv.GetValue(), 0)
		s.Attrs = addAttr(s.Attrs, kv.GetKey(), v)
	}
	for _, e := range ps.GetEvents() {
		ev := Event{Name: e.GetName(), Time: int64(min(e.GetTimeUnixNano(), math.MaxInt64))}
		for _, kv := range e.GetAttributes() {
			if !wants(d.r, eventAttrs, kv.GetKey()) {
				continue
			}
			v, _ := protoAnyText(kv.GetValue(), 0)
			ev.Attrs = addAttr(ev.Attrs, kv.GetKey(), v)
		}
		s.Events = append(s.Events, ev)
	}
	for _, l := range ps.GetLinks() {
		var lk Link
		if rawID(lk.TraceID[:], l.GetTraceId()) != nil || rawID(lk.SpanID[:], l.GetSpanId()) != nil {
			continue
		}
		for _, kv := range l.GetAttributes() {
			if !wants(d.r, linkAttrs, kv.GetKey()) {
				continue
			}
			v, _ := protoAnyText(kv.GetValue(), 0)
			lk.Attrs = addAttr(lk.Attrs, kv.GetKey(), v)
		}
		lk.FollowsFrom = linkFollowsFrom(lk.Attrs)
		s.Links = append(s.Links, lk)
	}
	if reason != "" {
		tid := hex.EncodeToString(ps.GetTraceId())
		if len(ps.GetTraceId()) != 16 {
			s.TraceID = TraceID{}
		}
		d.r.bad(0, s.TraceID, tid, hex.EncodeToString(ps.GetSpanId()), reason)
		return
	}
	d.r.add(&s, 0)
}

var errIDLength = errors.New("wrong length")

// rawID copies a protobuf id, which must have exactly len(dst) bytes.
func rawID(dst, b []byte) error {
	switch {
	case len(b) == 0:
		return errIDEmpty
	case len(b) != len(dst):
		return fmt.Errorf("%w: %d bytes, want %d", errIDLength, len(b), len(dst))
	}
	copy(dst, b)
	return checkZero(dst)
}

// protoAnyText writes an AnyValue as attribute text (see Attr).
func protoAnyText(v *commonv1.AnyValue, depth int) (string, bool) {
	switch x := v.GetValue().(type) {
	case *commonv1.AnyValue_StringValue:
		return x.StringValue, true
	case *commonv1.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue), false
	case *commonv1.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10), false
	case *commonv1.AnyValue_DoubleValue:
		return formatDouble(x.DoubleValue), false
	case *commonv1.AnyValue_BytesValue:
		return base64.StdEncoding.EncodeToString(x.BytesValue), true
	case *commonv1.AnyValue_ArrayValue:
		if depth > 8 {
			return "", true
		}
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				b.WriteByte(',')
			}
			t, isStr := protoAnyText(e, depth+1)
			if isStr || t == "" {
				t = strconv.Quote(t)
			}
			b.WriteString(t)
		}
		b.WriteByte(']')
		return b.String(), false
	case *commonv1.AnyValue_KvlistValue:
		if depth > 8 {
			return "", true
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, kv := range x.KvlistValue.GetValues() {
			if i > 0 {
				b.WriteByte(',')
			}
			t, _ := protoAnyText(kv.GetValue(), depth+1)
			b.WriteString(strconv.Quote(kv.GetKey()))
			b.WriteByte(':')
			b.WriteString(strconv.Quote(t))
		}
		b.WriteByte('}')
		return b.String(), false
	}
	return "", true
}
