// Package seedsystems serves the systems of the seed flow
// (testdata/provisioning.mmd) over HTTP: Billing, IdP and Email, each on
// its own listener, answering the requests choreo's http adapter sends by
// default (POST /{slug of the text}, JSON body {run, n, from, to, text}).
// Every request is logged with its trace context, and each system can be
// made slow, failing (500 at a rate), hanging, or resetting connections,
// so that a drill has something real to find. examples/seedsystems is the
// program; the CLI tests start it in-process.
package seedsystems

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Names are the systems, in the order of their default ports.
var Names = []string{"Billing", "IdP", "Email"}

// paths are the endpoints each system serves: the seed's messages to it
// and the compensations of the example profile.
var paths = map[string][]string{
	"Billing": {"/provision-subscription", "/cancel-subscription"},
	"IdP":     {"/create-tenant-directory", "/delete-tenant-directory", "/invite-first-admin", "/accept-invite"},
	"Email":   {"/send-invite-link"},
}

// Behaviour is how a system misbehaves.
type Behaviour struct {
	Slow      time.Duration // added to every answer
	ErrorRate float64       // share of requests answered 500
	Hang      bool          // never answer (until the client gives up)
	Reset     bool          // close the connection without an answer
}

// Request is one request a system received.
type Request struct {
	System      string `json:"system"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Run         int64  `json:"run"`
	N           int    `json:"n"`
	TraceParent string `json:"traceparent"`
	TraceState  string `json:"tracestate"`
	Status      int    `json:"status"`
}

// Server is the three systems.
type Server struct {
	URLs map[string]string
	mu   sync.Mutex
	reqs []Request
	be   map[string]Behaviour
	rnd  *rand.Rand
	log  io.Writer
	srvs []*http.Server
}

// Start listens on host:port for each system (port 0: any free port) and
// serves until Close. log, if not nil, gets one line per request.
func Start(host string, ports map[string]int, be map[string]Behaviour, seed uint64, log io.Writer) (*Server, error) {
	s := &Server{URLs: map[string]string{}, be: be, rnd: rand.New(rand.NewPCG(seed, 0)), log: log}
	for _, name := range Names {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(ports[name])))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		srv := &http.Server{Handler: s.handler(name), ReadHeaderTimeout: 10 * time.Second}
		s.srvs = append(s.srvs, srv)
		s.URLs[name] = "http://" + ln.Addr().String()
		go srv.Serve(ln)
	}
	return s, nil
}

// Close stops the systems.
func (s *Server) Close() {
	for _, srv := range s.srvs {
		srv.Close()
	}
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (s *Server) handler(name string) http.HandlerFunc {
	known := map[string]bool{}
	for _, p := range paths[name] {
		known[p] = true
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Run int64 `json:"run"`
			N   int   `json:"n"`
		}
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
		req := Request{System: name, Method: r.Method, Path: r.URL.Path, Run: body.Run, N: body.N,
			TraceParent: r.Header.Get("Traceparent"), TraceState: r.Header.Get("Tracestate")}
		s.mu.Lock()
		b := s.be[name]
		fail := b.ErrorRate > 0 && s.rnd.Float64() < b.ErrorRate
		s.mu.Unlock()
		switch {
		case !known[r.URL.Path]:
			req.Status = http.StatusNotFound
		case r.Method != http.MethodPost:
			req.Status = http.StatusMethodNotAllowed
		case b.Hang:
			req.Status = -1
		case b.Reset:
			req.Status = 0
		case fail:
			req.Status = http.StatusInternalServerError
		default:
			req.Status = http.StatusOK
		}
		s.record(req)
		if b.Slow > 0 {
			select {
			case <-time.After(b.Slow):
			case <-r.Context().Done():
				return
			}
		}
		switch req.Status {
		case -1:
			<-r.Context().Done()
		case 0:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		case http.StatusOK:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":true,"system":%q,"run":%d}`+"\n", name, body.Run)
		default:
			http.Error(w, fmt.Sprintf("%s: %s", name, http.StatusText(req.Status)), req.Status)
		}
	}
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	if s.log != nil {
		status := fmt.Sprint(r.Status)
		switch r.Status {
		case -1:
			status = "hang"
		case 0:
			status = "reset"
		}
		s.mu.Lock()
		fmt.Fprintf(s.log, "%-7s %s %-26s run=%d n=%d %s traceparent=%s\n", r.System, r.Method, r.Path, r.Run, r.N, status, r.TraceParent)
		s.mu.Unlock()
	}
}

// ParseBehaviours reads flags such as "Billing=500ms" (slow), "Email=0.3"
// (error rate), "IdP" (hang or reset) into be, for the named kind.
func ParseBehaviours(be map[string]Behaviour, kind string, specs []string) error {
	for _, spec := range specs {
		name, val, _ := strings.Cut(spec, "=")
		ok := false
		for _, n := range Names {
			ok = ok || n == name
		}
		if !ok {
			return fmt.Errorf("--%s %s: unknown system %q; want one of %s", kind, spec, name, strings.Join(Names, ", "))
		}
		b := be[name]
		switch kind {
		case "slow":
			d, err := time.ParseDuration(val)
			if err != nil {
				return fmt.Errorf("--slow %s: %w", spec, err)
			}
			b.Slow = d
		case "fail":
			var r float64
			if _, err := fmt.Sscanf(val, "%g", &r); err != nil || r < 0 || r > 1 {
				return fmt.Errorf("--fail %s: want a rate in [0, 1]", spec)
			}
			b.ErrorRate = r
		case "hang":
			b.Hang = true
		case "reset":
			b.Reset = true
		}
		be[name] = b
	}
	return nil
}

// Summary counts the requests by system and path, for the log's end.
func Summary(reqs []Request) string {
	count := map[string]int{}
	for _, r := range reqs {
		count[fmt.Sprintf("%s %s %d", r.System, r.Path, r.Status)]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%5d  %s\n", count[k], k)
	}
	return b.String()
}
