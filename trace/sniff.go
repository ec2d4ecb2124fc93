package trace

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/encoding/protowire"
)

// sniffJSON tells the format from the first JSON value's keys; b may be
// cut anywhere after its start.
func sniffJSON(b []byte) (Format, string) {
	j := newJlex(jsontext.NewDecoder(bytes.NewReader(b), jsonOptions...))
	switch j.peek() {
	case '{':
		return sniffObject(j, 0)
	case '[':
		j.d.ReadToken()
		first := skipScalars(j)
		switch j.peek() {
		case '{':
			return sniffObject(j, 0)
		case '[':
			j.d.ReadToken()
			if inner := skipScalars(j); inner != 0 && j.peek() != '{' {
				return FormatUnknown, "an array of arrays of " + kindName(inner)
			}
			switch j.peek() {
			case '{':
				if f, why := sniffObject(j, 0); f != ZipkinJSON {
					return FormatUnknown, "an array of arrays of objects, but not Zipkin spans: " + why
				}
				return ZipkinJSON, ""
			case ']':
				return ZipkinJSON, "" // [[]]: Zipkin, no traces
			}
			return FormatUnknown, "an array of arrays of " + kindName(j.peek())
		case ']':
			if first != 0 {
				break
			}
			return ZipkinJSON, "" // []: Zipkin's answer when there are no spans
		}
		if first != 0 {
			return FormatUnknown, "an array of " + kindName(first)
		}
		return FormatUnknown, "an array of " + kindName(j.peek())
	}
	return FormatUnknown, "JSON that is not an object or an array"
}

// skipScalars skips array elements that are not objects or arrays (a
// damaged element, which the reader skips too), and returns the kind of
// the first (0 if none).
func skipScalars(j *jlex) (first jsontext.Kind) {
	for {
		k := j.peek()
		switch k {
		case '{', '[', ']', 0:
			return first
		}
		if first == 0 {
			first = k
		}
		if j.d.SkipValue() != nil {
			return first
		}
	}
}

// sniffObject reads an object's keys until one decides the format.
func sniffObject(j *jlex, depth int) (Format, string) {
	if _, err := j.d.ReadToken(); err != nil {
		return FormatUnknown, "invalid JSON: " + err.Error()
	}
	var traceID, traceId bool
	for j.more() {
		raw, err := j.d.ReadValue()
		if err != nil {
			break
		}
		name := j.unquote(raw)
		key, _ := normKey(name)
		switch key {
		case "resourcespans", "batches":
			return OTLPJSON, ""
		case "trace": // Tempo's /api/v2/traces: {"trace": TracesData}
			if depth == 0 && j.peek() == '{' {
				if f, _ := sniffObject(j, 1); f == OTLPJSON {
					return f, ""
				}
				return FormatUnknown, "a \"trace\" object without resourceSpans"
			}
		case "data", "processes", "operationname", "processid", "references", "starttime":
			return JaegerJSON, ""
		case "spans":
			if traceID || !traceId {
				return JaegerJSON, ""
			}
		case "localendpoint", "remoteendpoint", "timestamp", "annotations", "shared", "id", "parentid":
			return ZipkinJSON, ""
		case "traceid":
			traceID = traceID || name == "traceID"
			traceId = true
		case "spanid":
			if name == "spanID" {
				return JaegerJSON, ""
			}
		}
		if err := j.d.SkipValue(); err != nil {
			break
		}
	}
	if j.peek() == '}' {
		return FormatUnknown, "an object without resourceSpans (OTLP), data or spans (Jaeger), or Zipkin span fields"
	}
	return FormatUnknown, "could not tell the format from the first 64 KiB"
}

// normKey normalises a key as jlex.nextKey does.
func normKey(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-':
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

// sniffProto reports whether b starts like an OTLP TracesData (or
// ExportTraceServiceRequest): field 1 (resource_spans), length-delimited,
// holding a ResourceSpans whose first field is resource (1), scope_spans
// (2) or schema_url (3), each length-delimited.
func sniffProto(b []byte) bool {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != 1 || typ != protowire.BytesType {
		return false
	}
	b = b[n:]
	l, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return false
	}
	b = b[n:]
	if l == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	num, typ, n = protowire.ConsumeTag(b)
	return n > 0 && num >= 1 && num <= 3 && typ == protowire.BytesType
}
