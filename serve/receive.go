package serve

import (
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// Content types of OTLP/HTTP.
const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// maxProblems bounds the problems a server keeps for its result, as a
// trace.Reader does.
const maxProblems = trace.MaxProblems

// Reasons a span or request is counted as dropped or refused.
const (
	reasonMalformed    = "malformed"     // the payload or the span could not be read
	reasonLate         = "late"          // its trace was already checked
	reasonOverCap      = "over_capacity" // MaxSpans: refused with 429, the sender retries
	reasonTooLarge     = "too_large"     // over MaxBody: 413
	reasonStopping     = "stopping"      // refused with 503 while shutting down
	reasonUnauthorized = "unauthorized"  // no or a wrong bearer token
	reasonUnsupported  = "unsupported"   // a content type or encoding that is not OTLP/HTTP
)

// receive is POST /v1/traces.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	asJSON := ct == ctJSON
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.fail(w, asJSON, http.StatusMethodNotAllowed, "", "only POST is accepted")
		return
	}
	if s.cfg.Token != "" && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="choreo"`)
		s.fail(w, asJSON, http.StatusUnauthorized, reasonUnauthorized, "a bearer token is required (Authorization: Bearer TOKEN)")
		return
	}
	if ct != ctProto && ct != ctJSON {
		s.fail(w, asJSON, http.StatusUnsupportedMediaType, reasonUnsupported,
			fmt.Sprintf("content type %q: OTLP/HTTP is %s or %s", r.Header.Get("Content-Type"), ctProto, ctJSON))
		return
	}
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		w.Header().Set("Retry-After", "5")
		s.fail(w, asJSON, http.StatusServiceUnavailable, reasonStopping, "shutting down: send to another instance or retry later")
		return
	}

	body, status, err := s.readBody(w, r)
	if err != nil {
		reason := reasonMalformed
		switch status {
		case http.StatusRequestEntityTooLarge:
			reason = reasonTooLarge
		case http.StatusUnsupportedMediaType:
			reason = reasonUnsupported
		}
		s.fail(w, asJSON, status, reason, err.Error())
		return
	}
	a := s.ingest(body, asJSON)
	if a.status != http.StatusOK {
		if a.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
		}
		s.fail(w, asJSON, a.status, a.reason, a.msg)
		return
	}
	s.m.requests.WithLabelValues("200").Inc()
	writeSuccess(w, asJSON, a.rejected, a.msg)
}

// answer is what ingest makes of a request: a status (200: accepted,
// rejected spans aside), the reason it is counted under when not
// accepted, the message, and the seconds to wait before a retry.
type answer struct {
	status     int
	reason     string
	msg        string
	rejected   int64
	retryAfter int
}

// ingest decodes an export request's body and adds its spans to the
// traces in flight; HTTP and gRPC answer what it returns.
func (s *Server) ingest(body []byte, asJSON bool) answer {
	s.m.bytes.Add(float64(len(body)))
	traces, malformed, problems, why, err := decode(body, asJSON)
	if malformed > 0 {
		s.malformed(malformed, problems)
		s.m.received.Add(float64(malformed))
		s.m.dropped.WithLabelValues(reasonMalformed).Add(float64(malformed))
	}
	if err != nil {
		return answer{status: http.StatusBadRequest, reason: reasonMalformed, msg: err.Error()}
	}
	n := 0
	for _, t := range traces {
		n += len(t.Spans)
	}
	s.m.received.Add(float64(n))

	late, status := s.admit(traces, n)
	switch status {
	case http.StatusServiceUnavailable:
		s.m.refused.WithLabelValues(reasonStopping).Add(float64(n))
		return answer{status: status, reason: reasonStopping, retryAfter: 5,
			msg: "shutting down: send to another instance or retry later"}
	case http.StatusTooManyRequests:
		s.m.refused.WithLabelValues(reasonOverCap).Add(float64(n))
		return answer{status: status, retryAfter: max(1, int(s.cfg.TraceIdle.Seconds())),
			msg: fmt.Sprintf("over capacity: %d spans in flight, at most %d", s.inFlightSpans(), s.cfg.MaxSpans)}
	}
	if late > 0 {
		s.m.dropped.WithLabelValues(reasonLate).Add(float64(late))
		if why != "" {
			why += "; "
		}
		why += fmt.Sprintf("%d spans arrived after their trace was checked (idle for --trace-idle)", late)
	}
	s.m.accepted.Add(float64(n - late))
	return answer{status: http.StatusOK, rejected: malformed + int64(late), msg: why}
}

// authorized reports whether r carries the bearer token.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(s.cfg.Token)) == 1
}

// readBody reads the request's body, gunzipped, within MaxBody.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := s.cfg.MaxBody
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body of %d bytes, at most %d", r.ContentLength, limit)
	}
	var in io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, tooLargeOr(err, http.StatusBadRequest), fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		in = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content encoding %q: only gzip is accepted", enc)
	}
	b, err := io.ReadAll(io.LimitReader(in, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("decompressed body over %d bytes", limit)
	}
	return b, 0, nil
}

func tooLargeOr(err error, status int) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return status
}

// decode reads an ExportTraceServiceRequest: the traces in it, how many
// spans were left out as malformed and why (the first reason). An error
// is a payload that is not OTLP at all, or of which nothing could be
// read.
func decode(body []byte, asJSON bool) (traces []*trace.Trace, malformed int64, problems []report.Problem, why string, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, 0, nil, "", nil // an empty request: nothing to export
	}
	rd, err := trace.NewReader(bytes.NewReader(body), "request", trace.Window(1<<30))
	if err != nil {
		if errors.Is(err, trace.ErrUnknownFormat) && asJSON && emptyJSONRequest(body) {
			return nil, 0, nil, "", nil // {} or {"resourceSpans": []}
		}
		return nil, 0, nil, "", errors.New(strings.TrimPrefix(err.Error(), "request: "))
	}
	want := trace.OTLPProto
	if asJSON {
		want = trace.OTLPJSON
	}
	if rd.Format() != want {
		return nil, 0, nil, "", fmt.Errorf("the body is %s, the content type says %s", rd.Format(), want)
	}
	for {
		t, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, nil, "", errors.New(strings.TrimPrefix(err.Error(), "request: "))
		}
		traces = append(traces, t)
	}
	problems = rd.Problems()
	if len(problems) > 0 {
		why = problems[0].Reason
	} else if ws := rd.Warnings(); len(ws) > 0 {
		why = strings.TrimPrefix(ws[0], "request: ")
	}
	malformed = rd.Malformed()
	if len(traces) == 0 && malformed > 0 {
		if why == "" {
			why = "no span could be read"
		}
		return nil, malformed, problems, why, errors.New(why)
	}
	if len(traces) == 0 && !asJSON && why != "" {
		return nil, 0, nil, "", errors.New(why)
	}
	return traces, malformed, problems, why, nil
}

// emptyJSONRequest reports whether body is a JSON object with no
// resource spans, which OTLP reads as an empty request (unknown fields
// are ignored).
func emptyJSONRequest(body []byte) bool {
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	for _, k := range []string{"resourceSpans", "resource_spans"} {
		if rs, ok := v[k]; ok {
			var a []json.RawMessage
			if json.Unmarshal(rs, &a) != nil || len(a) > 0 {
				return false
			}
		}
	}
	return true
}

// admit adds the spans of traces to the traces in flight, unless that
// would pass MaxSpans (status 429: nothing added) or the server is
// stopping (503). late counts the spans of traces already checked, which
// are dropped.
func (s *Server) admit(traces []*trace.Trace, n int) (late, status int) {
	now := s.cfg.now()
	var evicted []*pending
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return 0, http.StatusServiceUnavailable
	}
	// a request larger than MaxSpans alone is taken when nothing is in
	// flight (MaxBody bounds it), else it would be refused forever
	if s.spans+n > s.cfg.MaxSpans && n > 0 && s.spans > 0 {
		s.mu.Unlock()
		return 0, http.StatusTooManyRequests
	}
	for _, t := range traces {
		if _, ok := s.done[t.ID]; ok {
			late += len(t.Spans)
			continue
		}
		p := s.open[t.ID]
		if p == nil {
			for len(s.open) >= s.cfg.MaxTraces {
				old := s.order.Front().Value.(*pending)
				s.take(old)
				evicted = append(evicted, old)
			}
			p = &pending{id: t.ID}
			p.elem = s.order.PushBack(p)
			s.open[t.ID] = p
		} else {
			s.order.MoveToBack(p.elem)
		}
		p.spans = append(p.spans, t.Spans...)
		p.malformed += t.Malformed
		p.last = now
		s.spans += len(t.Spans)
	}
	s.mu.Unlock()
	s.check(evicted, completeEvicted)
	return late, 0
}

func (s *Server) inFlightSpans() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans
}

// fail answers a request that was not accepted, and counts it.
func (s *Server) fail(w http.ResponseWriter, asJSON bool, status int, reason, msg string) {
	s.m.requests.WithLabelValues(strconv.Itoa(status)).Inc()
	if reason != "" && status != http.StatusTooManyRequests {
		s.m.rejected.WithLabelValues(reason).Inc()
	}
	writeStatus(w, asJSON, status, msg)
}

// writeSuccess writes an ExportTraceServiceResponse, with a partial
// success when spans were rejected.
func writeSuccess(w http.ResponseWriter, asJSON bool, rejected int64, msg string) {
	if asJSON {
		w.Header().Set("Content-Type", ctJSON)
		w.WriteHeader(http.StatusOK)
		if rejected == 0 && msg == "" {
			io.WriteString(w, "{}")
			return
		}
		b, _ := json.Marshal(map[string]any{"partialSuccess": map[string]string{
			"rejectedSpans": strconv.FormatInt(rejected, 10), "errorMessage": msg}})
		w.Write(b)
		return
	}
	w.Header().Set("Content-Type", ctProto)
	w.WriteHeader(http.StatusOK)
	if rejected == 0 && msg == "" {
		return
	}
	var ps []byte
	if rejected != 0 {
		ps = protowire.AppendTag(ps, 1, protowire.VarintType)
		ps = protowire.AppendVarint(ps, uint64(rejected))
	}
	if msg != "" {
		ps = protowire.AppendTag(ps, 2, protowire.BytesType)
		ps = protowire.AppendString(ps, msg)
	}
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, ps)
	w.Write(b)
}

// writeStatus writes an error response: a google.rpc.Status with the
// message, as OTLP/HTTP asks, in the request's encoding.
func writeStatus(w http.ResponseWriter, asJSON bool, status int, msg string) {
	code := grpcCode(status)
	if asJSON {
		w.Header().Set("Content-Type", ctJSON)
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]any{"code": code, "message": msg})
		w.Write(b)
		return
	}
	w.Header().Set("Content-Type", ctProto)
	w.WriteHeader(status)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(code))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, msg)
	w.Write(b)
}

// grpcCode is the google.rpc.Code of an HTTP status.
func grpcCode(status int) int {
	switch status {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return 3 // INVALID_ARGUMENT
	case http.StatusUnauthorized:
		return 16 // UNAUTHENTICATED
	case http.StatusRequestEntityTooLarge:
		return 11 // OUT_OF_RANGE
	case http.StatusTooManyRequests:
		return 8 // RESOURCE_EXHAUSTED
	case http.StatusServiceUnavailable:
		return 14 // UNAVAILABLE
	}
	return 2 // UNKNOWN
}
