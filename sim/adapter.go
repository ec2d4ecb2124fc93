package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
)

// Adapters turn a message into a real call on the system that receives
// it. The http adapter sends one request per message (by default POST
// {url}/{slug of the text} with the JSON body {run, n, from, to, text});
// a 2xx answer is success and its arrival is the message's delivery. The
// exec adapter runs a command per message, with the message in CHOREO_*
// environment variables; exit status 0 is success. Both carry the run's
// W3C trace context, and both are bounded by the caller's timeout through
// their context.

// Call is one message sent to a real system: what templates and commands
// see.
type Call struct {
	Run     int64
	N       int // message number
	Attempt int // 1 for the first try
	From    string
	To      string
	Text    string
	// Slug is the text in lower case with every run of other characters
	// than letters and digits turned into one "-": the default path.
	Slug string
	// TraceID (32 hex digits) is the run's trace; SpanID (16) the
	// caller's span for this call: the parent of the system's own span.
	TraceID, SpanID string
}

// TraceParent is the W3C traceparent header of the call (sampled).
func (c *Call) TraceParent() string { return "00-" + c.TraceID + "-" + c.SpanID + "-01" }

// TraceState is the W3C tracestate header: choreo's own entry, which
// names the run, the message and the attempt (run-n-attempt).
func (c *Call) TraceState() string {
	return "choreo=" + strconv.FormatInt(c.Run, 10) + "-" + strconv.Itoa(c.N) + "-" + strconv.Itoa(c.Attempt)
}

// callResult is how a real call ended: the HTTP status (http), the
// output (exec, at most maxOutput bytes) and the error that made it fail
// (nil on success).
type callResult struct {
	status int
	output string
	err    error
}

const maxOutput = 4096

// adapter is a participant's real adapter; r is the message's request
// (http; nil for exec).
type adapter interface {
	do(ctx context.Context, c *Call, r *httpRequest) callResult
	// describe is the call as a person reads it, secrets redacted.
	describe(c *Call, r *httpRequest) string
	// redact replaces the values of the adapter's secrets in s (an error
	// message, an answer, a command's output) with Redacted.
	redact(s string) string
}

// redactValues replaces every value of vals (4 bytes or longer: shorter
// ones would blank out ordinary words) in s with Redacted.
func redactValues(s string, vals []string) string {
	for _, v := range vals {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// alwaysSecret are headers redacted whatever the profile says.
var alwaysSecret = []string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// redacted replaces secret values wherever choreo shows a request.
const redacted = "REDACTED"

// slug is the default path of a message's text: lower case, with every
// run of characters other than letters and digits turned into one "-".
func slug(text string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// expandEnv replaces ${NAME} with the environment variable NAME. Only
// that form: os.Expand would also take $NAME, and a header value may hold
// a literal $.
func expandEnv(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(os.Getenv(s[i+2 : i+j]))
		s = s[i+j+1:]
	}
}

// buildAdapters builds the adapter of every participant that has a real one,
// with the http requests of the messages they receive. Problems point at
// the profile; all of them are returned, as a srcpos.List.
func buildAdapters(p *Profile, msgs []msgPlan) (map[string]adapter, []*httpRequest, error) {
	out := map[string]adapter{}
	var errs srcpos.List
	ids := make([]string, 0, len(p.Participants))
	for id := range p.Participants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ps := p.Participants[id]
		switch ps.Adapter {
		case AdapterHTTP:
			h, err := newHTTPAdapter(ps)
			if err != nil {
				errs = append(errs, &ProfileError{Pos: ps.Pos, Msg: fmt.Sprintf("participant %q: %v", id, err)})
				continue
			}
			out[id] = h
		case AdapterExec:
			out[id] = &execAdapter{argv: ps.Command, shell: ps.Shell, env: ps.Env, secret: ps.Secret}
		}
	}
	reqs := make([]*httpRequest, len(msgs))
	for i := range msgs {
		mp := &msgs[i]
		h, ok := out[mp.m.To].(*httpAdapter)
		if !ok {
			continue
		}
		r, err := newHTTPRequest(mp.set.HTTP, h)
		if err != nil {
			errs = append(errs, &ProfileError{Pos: mp.set.Pos, Msg: fmt.Sprintf("message #%d %q: http: %v", mp.m.N, mp.m.Selector(), err)})
			continue
		}
		reqs[i] = r
	}
	if err := errs.Err(); err != nil {
		return nil, nil, err
	}
	return out, reqs, nil
}

// httpAdapter sends requests to one system.
type httpAdapter struct {
	base    *url.URL
	client  *http.Client
	headers map[string]string // expanded
	secret  []string
}

func newHTTPAdapter(ps *ParticipantSettings) (*httpAdapter, error) {
	u, err := url.Parse(ps.URL)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	if ps.CA != "" {
		pem, err := os.ReadFile(ps.CA)
		if err != nil {
			return nil, fmt.Errorf("ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca: %s holds no PEM certificate", ps.CA)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	h := &httpAdapter{base: u, headers: map[string]string{}, secret: append(slices.Clone(alwaysSecret), ps.Secret...)}
	for k, v := range ps.Headers {
		h.headers[k] = expandEnv(v)
	}
	h.client = &http.Client{Transport: tr, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		// requests go only to the system's own scheme and host: another
		// host (even one of the profile) would receive this system's
		// headers, secrets included, and https must not turn into http
		if r.URL.Host != via[0].URL.Host || r.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("redirect to %s://%s refused: a system's requests stay on its own scheme and host", r.URL.Scheme, r.URL.Host)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}
	return h, nil
}

// httpRequest is a message's request: templates over Call.
type httpRequest struct {
	method  string
	path    *template.Template // nil: /{{.Slug}}
	body    *template.Template // nil: the default JSON body
	headers map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	// json writes a value as JSON: {"text": {{json .Text}}}
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

var httpKeys = []string{"method", "path", "body", "headers"}

func newHTTPRequest(spec map[string]any, h *httpAdapter) (*httpRequest, error) {
	r := &httpRequest{method: http.MethodPost, headers: map[string]*template.Template{}}
	keys := make([]string, 0, len(spec))
	for k := range spec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := spec[k]
		switch k {
		case "method":
			s, ok := v.(string)
			if !ok || s == "" || strings.ContainsAny(s, " \t/") {
				return nil, fmt.Errorf("method must be an HTTP method such as POST, not %v", v)
			}
			r.method = strings.ToUpper(s)
		case "path", "body":
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s must be a string (a Go template over .Run, .N, .From, .To, .Text, .Slug, .Attempt, .TraceID), not %v", k, v)
			}
			t, err := template.New(k).Funcs(templateFuncs).Option("missingkey=error").Parse(s)
			if err != nil {
				return nil, err
			}
			if k == "path" {
				if !strings.HasPrefix(s, "/") {
					return nil, fmt.Errorf("path %q must start with /", s)
				}
				r.path = t
			} else {
				r.body = t
			}
		case "headers":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("headers must be a mapping of names to strings, not %v", v)
			}
			for name, hv := range m {
				s, ok := hv.(string)
				if !ok {
					return nil, fmt.Errorf("header %s must be a string, not %v", name, hv)
				}
				t, err := template.New(name).Funcs(templateFuncs).Parse(expandEnv(s))
				if err != nil {
					return nil, err
				}
				r.headers[http.CanonicalHeaderKey(name)] = t
			}
		default:
			return nil, fmt.Errorf("unknown key %q%s; want %s", k, suggest.DidYouMean(k, httpKeys), strings.Join(httpKeys, ", "))
		}
	}
	// check the templates once on a sample call, so that a template that
	// cannot run fails before anything is sent
	if _, err := r.build(context.Background(), h, &Call{Run: 0, N: 1, Attempt: 1, Text: "x", Slug: "x", TraceID: strings.Repeat("0", 31) + "1", SpanID: strings.Repeat("0", 15) + "1"}); err != nil {
		return nil, err
	}
	return r, nil
}

func render(t *template.Template, c *Call) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, c); err != nil {
		return "", err
	}
	return b.String(), nil
}

// build makes the request of a call: the adapter's base URL (scheme and
// host are never taken from a template) with the path appended.
func (r *httpRequest) build(ctx context.Context, h *httpAdapter, c *Call) (*http.Request, error) {
	p := "/" + c.Slug
	if r.path != nil {
		var err error
		if p, err = render(r.path, c); err != nil {
			return nil, err
		}
	}
	rel, err := url.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", p, err)
	}
	// the path appended to the base's, as written (%2F stays %2F); the
	// base's query first, then the template's
	u := *h.base
	escaped := strings.TrimSuffix(h.base.EscapedPath(), "/") + "/" + strings.TrimLeft(rel.EscapedPath(), "/")
	if u.Path, err = url.PathUnescape(escaped); err != nil {
		return nil, fmt.Errorf("path %q: %w", p, err)
	}
	u.RawPath = escaped
	switch {
	case h.base.RawQuery == "":
		u.RawQuery = rel.RawQuery
	case rel.RawQuery != "":
		u.RawQuery = h.base.RawQuery + "&" + rel.RawQuery
	}
	var body []byte
	if r.body != nil {
		s, err := render(r.body, c)
		if err != nil {
			return nil, err
		}
		body = []byte(s)
	} else if r.method != http.MethodGet && r.method != http.MethodHead && r.method != http.MethodDelete {
		body, _ = json.Marshal(struct {
			Run  int64  `json:"run"`
			N    int    `json:"n"`
			From string `json:"from"`
			To   string `json:"to"`
			Text string `json:"text"`
		}{c.Run, c.N, c.From, c.To, c.Text})
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "choreo")
	for k, v := range h.headers {
		req.Header.Set(k, v)
	}
	for k, t := range r.headers {
		v, err := render(t, c)
		if err != nil {
			return nil, err
		}
		req.Header.Set(k, v)
	}
	req.Header.Set("Traceparent", c.TraceParent())
	req.Header.Set("Tracestate", c.TraceState())
	return req, nil
}

func (h *httpAdapter) do(ctx context.Context, c *Call, r *httpRequest) callResult {
	req, err := r.build(ctx, h, c)
	if err != nil {
		return callResult{err: err}
	}
	// the values of the secret headers sent, the message's own included,
	// are redacted from whatever the answer or the error keeps
	var secrets []string
	for k, vs := range req.Header {
		if h.isSecret(k) {
			for _, v := range vs {
				secrets = append(secrets, v, strings.TrimPrefix(strings.TrimPrefix(v, "Bearer "), "Basic "))
			}
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return callResult{err: errors.New(redactValues(err.Error(), secrets))}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxOutput))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	res := callResult{status: resp.StatusCode, output: redactValues(string(b), secrets)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.err = fmt.Errorf("%s %s: %s", req.Method, req.URL.Redacted(), resp.Status)
	}
	return res
}

// closeIdle closes the adapter's idle connections.
func (h *httpAdapter) closeIdle() { h.client.CloseIdleConnections() }

func (h *httpAdapter) describe(c *Call, r *httpRequest) string {
	req, err := r.build(context.Background(), h, c)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", req.Method, req.URL.Redacted())
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := req.Header.Get(k)
		if h.isSecret(k) {
			v = redacted
		}
		fmt.Fprintf(&b, "\n      %s: %s", k, v)
	}
	if req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		fmt.Fprintf(&b, "\n      %s", body)
	}
	return b.String()
}

func (h *httpAdapter) redact(s string) string {
	var vals []string
	for k, v := range h.headers {
		if h.isSecret(k) {
			vals = append(vals, v, strings.TrimPrefix(strings.TrimPrefix(v, "Bearer "), "Basic "))
		}
	}
	if p, ok := h.base.User.Password(); ok {
		vals = append(vals, p)
	}
	return redactValues(s, vals)
}

func (h *httpAdapter) isSecret(name string) bool {
	for _, s := range h.secret {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// execAdapter runs a command for each message.
type execAdapter struct {
	argv   []string
	shell  bool
	env    map[string]string
	secret []string
}

func (e *execAdapter) environ(c *Call) []string {
	env := []string{
		"CHOREO_RUN=" + strconv.FormatInt(c.Run, 10),
		"CHOREO_N=" + strconv.Itoa(c.N),
		"CHOREO_ATTEMPT=" + strconv.Itoa(c.Attempt),
		"CHOREO_FROM=" + c.From,
		"CHOREO_TO=" + c.To,
		"CHOREO_TEXT=" + c.Text,
		"CHOREO_SLUG=" + c.Slug,
		"CHOREO_TRACE_ID=" + c.TraceID,
		"CHOREO_SPAN_ID=" + c.SpanID,
		"TRACEPARENT=" + c.TraceParent(),
		"TRACESTATE=" + c.TraceState(),
	}
	keys := make([]string, 0, len(e.env))
	for k := range e.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+expandEnv(e.env[k]))
	}
	return env
}

func (e *execAdapter) command(ctx context.Context) *exec.Cmd {
	if e.shell {
		return exec.CommandContext(ctx, "sh", "-c", strings.Join(e.argv, " "))
	}
	return exec.CommandContext(ctx, e.argv[0], e.argv[1:]...)
}

func (e *execAdapter) do(ctx context.Context, c *Call, _ *httpRequest) callResult {
	cmd := e.command(ctx)
	cmd.Env = append(os.Environ(), e.environ(c)...)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second // a child that keeps the pipes open
	err := cmd.Run()
	res := callResult{output: out.b.String()}
	if err != nil {
		res.err = fmt.Errorf("%s: %w", e.argv[0], err)
	}
	return res
}

func (e *execAdapter) redact(s string) string {
	var vals []string
	for _, k := range e.secret {
		if v, ok := e.env[k]; ok {
			vals = append(vals, expandEnv(v))
		} else if v, ok := os.LookupEnv(k); ok {
			vals = append(vals, v) // inherited from choreo's environment
		}
	}
	return redactValues(s, vals)
}

func (e *execAdapter) describe(c *Call, _ *httpRequest) string {
	var b strings.Builder
	if e.shell {
		fmt.Fprintf(&b, "sh -c %q", strings.Join(e.argv, " "))
	} else {
		fmt.Fprintf(&b, "%q", e.argv)
	}
	for _, kv := range e.environ(c) {
		k, v, _ := strings.Cut(kv, "=")
		for _, s := range e.secret {
			if s == k {
				v = redacted
			}
		}
		fmt.Fprintf(&b, "\n      %s=%s", k, v)
	}
	return b.String()
}

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct{ b bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
