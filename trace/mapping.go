package trace

import (
	"cmp"
	"net/url"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/internal/yamlpos"
)

// Mapping ties a diagram's participants to the services that report spans
// (and to the peer names callers give systems without spans of their
// own), and its messages to spans. Build one with [LoadMapping] from a
// mapping file, or with [DefaultMapping].
//
// Names are compared normalised: ignoring case, spaces, dashes, dots and
// underscores ("SaaS App" matches saas-app and saas_app).
//
// By default a participant matches the services (and peer names) equal to
// its id or label; a participant the file names matches only what the
// file gives. A message matches a span by its text: the span's name, its
// HTTP method and route or path ("GET /clients/{id}" matches GET
// /clients/42), or its RPC method ("PlaceOrder" matches
// oteldemo.CheckoutService/PlaceOrder), as the package documentation
// details under "Matching spans to messages". The rules of the file come
// first: when one of them matches, the text is not consulted.
//
// The texts and rules are compiled when the mapping is built; matching a
// span allocates nothing. A Mapping is safe for concurrent use once
// built.
type Mapping struct {
	// Diagram is the diagram the mapping is for.
	Diagram *flow.Diagram
	// Path is the mapping file, "" for the default mapping.
	Path string

	// names maps each normalised service or peer name to its
	// participant id; peers the names that only PeerParticipant uses.
	names map[string]string
	peers map[string]string
	// byPair holds the messages from one participant to another, in
	// document order, with their compiled texts and the file's rules.
	byPair map[pairKey][]*msgEntry
	rules  int // how many rules the file gave
	// destRules: some rule matches on the messaging destination, which a
	// spanView does not hold, so matches cannot be memoized by the view
	destRules bool
	msgs      []*flow.Message
}

type pairKey struct{ from, to string }

// msgEntry is a diagram message compiled for matching.
type msgEntry struct {
	msg *flow.Message
	// text is the message text's pattern; zero (it never matches) for a
	// reply, which no span stands for.
	text  pattern
	rules []msgRule
}

// msgRule is one way a mapping file names a message's spans: the span
// name, "METHOD route", RPC method or messaging destination.
type msgRule struct {
	kind string // span, http, rpc, destination
	want pattern
}

// MappingError is a problem in a mapping file, at the YAML key or value
// that has it, with the file's line (printed with a caret under the
// column). LoadMapping returns one *MappingError, or all of them as a
// [srcpos.List] in file order.
type MappingError = srcpos.Error

// DefaultMapping returns the mapping that matches participant ids and
// labels to service names and message texts to span names, HTTP method
// and route, or RPC method.
func DefaultMapping(d *flow.Diagram) *Mapping {
	m := &Mapping{Diagram: d, names: map[string]string{}, peers: map[string]string{}, msgs: d.Messages(),
		byPair: map[pairKey][]*msgEntry{}}
	for _, p := range d.Participants {
		m.addDefault(p)
	}
	for _, msg := range m.msgs {
		e := &msgEntry{msg: msg}
		if !msg.Arrow.Dotted() {
			e.text = compilePattern(msg.Text)
		}
		k := pairKey{msg.From, msg.To}
		m.byPair[k] = append(m.byPair[k], e)
	}
	return m
}

// entry returns the compiled entry of msg.
func (m *Mapping) entry(msg *flow.Message) *msgEntry {
	k := pairKey{msg.From, msg.To}
	for _, e := range m.byPair[k] {
		if e.msg == msg {
			return e
		}
	}
	e := &msgEntry{msg: msg} // not drawn: a compensation named by selector
	m.byPair[k] = append(m.byPair[k], e)
	return e
}

func (m *Mapping) addDefault(p *flow.Participant) {
	for _, n := range []string{p.ID, p.Label} {
		if k := normName(n); k != "" {
			if _, dup := m.names[k]; !dup {
				m.names[k] = p.ID
			}
		}
	}
}

// mappingKeys are the top-level keys of a mapping file.
var (
	mappingKeys     = []string{"participants", "messages"}
	participantKeys = []string{"service", "peer"}
	messageKeys     = []string{"span", "http", "rpc", "destination"}
)

// LoadMapping reads a mapping file for d:
//
//	participants:
//	  App: {service: saas-app}          # or a name, or a list of names
//	  Email: {peer: [sendgrid, api.sendgrid.com]}
//	messages:
//	  "App->>Billing: Provision subscription": {http: POST /subscriptions}
//	  "App->>Billing: Look up customer": {http: "GET /customers/{id}"}
//	  "App->>IdP: Create tenant directory": {rpc: DirectoryService/Create}
//	  "IdP->>Email: Send invite link": "POST /v3/mail/send"  # a span name
//
// A participant's service names match the service.name of the spans it
// reports; its peer names match the peer attributes of its callers' spans
// ([Span.Peer], the host of url.full) and the service names too. A
// message value is a span name, a list of them, or a mapping with span,
// http ("METHOD route"), rpc (method, Service/Method or
// pkg.Service/Method) and destination (messaging.destination.name), each
// a string or a list. Each value matches as a message text does (see
// "Matching spans to messages" in the package documentation), but only
// through its own source: span through the span name (as text, as
// "METHOD /path", as an RPC name); http through the HTTP method with
// http.route, url.path, http.target, url.full or http.url, and the span
// name read as "METHOD /path"; rpc through rpc.service and rpc.method
// and the span name read as an RPC name; destination through
// messaging.destination.name or messaging.destination, compared as names.
// When a rule matches a span, the messages its rules give are the span's
// candidates and no text is consulted. Participants and messages the
// file leaves out keep the default matching ([DefaultMapping]). Errors
// carry the file:line:col and suggest what may have been meant; all of
// them are returned, joined. docs/map.md documents the format for users,
// and [SuggestMap] writes a starting file from a check.
func LoadMapping(path string, data []byte, d *flow.Diagram) (*Mapping, error) {
	m := DefaultMapping(d)
	m.Path = path
	f, doc := yamlpos.Parse(path, data)
	l := &mapLoader{f: f, m: m}
	for _, e := range f.Mapping(doc, "a map file") {
		switch e.Key.Value {
		case "participants":
			l.participants(e.Val)
		case "messages":
			l.messages(e.Val)
		default:
			f.Unknown(e.Key, "key", mappingKeys)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

type mapLoader struct {
	f *yamlpos.File
	m *Mapping
}

// strs returns a scalar or a list of scalars.
func (l *mapLoader) strs(n *yaml.Node, what string) []string {
	n = yamlpos.Deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if yamlpos.IsNull(n) || n.Value == "" {
			l.f.Errorf(n, "%s: want a name or a list of names", what)
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			out = append(out, l.strs(c, what)...)
		}
		return out
	}
	l.f.Errorf(n, "%s: want a name or a list of names", what)
	return nil
}

func (l *mapLoader) participants(n *yaml.Node) {
	var ids []string
	for _, p := range l.m.Diagram.Participants {
		ids = append(ids, p.ID)
	}
	claimed := map[string]*yaml.Node{}
	for _, e := range l.f.Mapping(n, "participants") {
		k, v := e.Key, e.Val
		p := l.m.Diagram.Participant(k.Value)
		if p == nil {
			l.f.Errorf(k, "participant %q is not in the diagram%s", k.Value, suggest.DidYouMean(k.Value, ids))
			continue
		}
		var services, peers []string
		if yamlpos.Deref(v).Kind == yaml.MappingNode {
			for _, fe := range l.f.Mapping(v, "a participant") {
				switch fe.Key.Value {
				case "service":
					services = append(services, l.strs(fe.Val, p.ID+" "+fe.Key.Value)...)
				case "peer":
					peers = append(peers, l.strs(fe.Val, p.ID+" "+fe.Key.Value)...)
				default:
					l.f.Unknown(fe.Key, "participant key", participantKeys)
				}
			}
		} else {
			services = l.strs(v, p.ID)
		}
		// The file replaces the default names of the participant.
		for name, id := range l.m.names {
			if id == p.ID && claimed[name] == nil {
				delete(l.m.names, name)
			}
		}
		add := func(table map[string]string, s string, node *yaml.Node) {
			key := normName(s)
			if prev, ok := claimed[key]; ok && table[key] != p.ID {
				l.f.Errorf(node, "%q is already mapped to %s (line %d)", s, table[key], prev.Line)
				return
			}
			claimed[key] = node
			table[key] = p.ID
		}
		for _, s := range services {
			add(l.m.names, s, v)
		}
		for _, s := range peers {
			add(l.m.peers, s, v)
		}
	}
}

func (l *mapLoader) messages(n *yaml.Node) {
	for _, e := range l.f.Mapping(n, "messages") {
		k, v := e.Key, e.Val
		msg, err := l.m.Diagram.Lookup(k.Value)
		if err != nil {
			l.f.Errorf(k, "%s", lookup.Explain(err).Error())
			if yamlpos.Deref(v).Kind == yaml.MappingNode {
				l.f.CheckKeys(l.f.Mapping(v, "a message"), messageKeys, "message")
			}
			continue
		}
		me := l.m.entry(msg)
		add := func(kind string, vals []string) {
			for _, s := range vals {
				me.rules = append(me.rules, msgRule{kind: kind, want: compilePattern(s)})
				l.m.rules++
				l.m.destRules = l.m.destRules || kind == "destination"
			}
		}
		if yamlpos.Deref(v).Kind != yaml.MappingNode {
			add("span", l.strs(v, k.Value))
			continue
		}
		for _, fe := range l.f.Mapping(v, "a message") {
			if !slices.Contains(messageKeys, fe.Key.Value) {
				l.f.Unknown(fe.Key, "message key", messageKeys)
				continue
			}
			add(fe.Key.Value, l.strs(fe.Val, fe.Key.Value))
		}
	}
}

// Participant returns the participant whose service reported s: by the
// span's service.name.
func (m *Mapping) Participant(s *Span) (id string, ok bool) {
	if s.Service == "" {
		return "", false
	}
	var buf [64]byte
	id, ok = m.names[string(appendNorm(buf[:0], s.Service))]
	return id, ok
}

// peerValues returns what names the other side of s's call, in order:
// the Zipkin remote endpoint, the PeerKeys attributes, the host of
// url.full / http.url.
func peerValues(s *Span) []string {
	var vs []string
	if s.Remote.Service != "" {
		vs = append(vs, s.Remote.Service)
	}
	for _, k := range PeerKeys {
		if v, ok := s.Attr(k); ok && v != "" {
			vs = append(vs, v)
		}
	}
	for _, k := range []string{"url.full", "http.url"} {
		if v, ok := s.Attr(k); ok {
			if u, err := url.Parse(v); err == nil && u.Hostname() != "" {
				vs = append(vs, u.Hostname())
			}
		}
	}
	return vs
}

// PeerParticipant returns the participant that s's peer attributes name
// (the callee of a client or producer span, for systems without spans of
// their own): the Zipkin remote endpoint, peer.service, server.address /
// net.peer.name, db.system, messaging destination, rpc.service, the URL's
// host, matched against the mapping's peer names and service names.
func (m *Mapping) PeerParticipant(s *Span) (string, bool) {
	var buf [64]byte
	for _, v := range peerValues(s) {
		k := appendNorm(buf[:0], v)
		if id, ok := m.peers[string(k)]; ok {
			return id, true
		}
		if id, ok := m.names[string(k)]; ok {
			return id, true
		}
	}
	return "", false
}

// httpName returns "METHOD route" for an HTTP span (route from
// http.route, else url.path, http.target or the path of url.full), or "":
// how a report can name the span.
func httpName(s *Span) string {
	var v spanView
	v.read(s)
	route := cmp.Or(v.route, v.path)
	if v.method == "" || route == "" {
		return ""
	}
	return v.method + " " + route
}

// ruleMatches reports whether the span s, seen as v, satisfies r.
func ruleMatches(r *msgRule, v *spanView, s *Span) bool {
	switch r.kind {
	case "span":
		return r.want.match(v, srcName|srcNameHTTP|srcNameRPC)
	case "http":
		return r.want.match(v, srcHTTP|srcNameHTTP)
	case "rpc":
		return r.want.match(v, srcRPC|srcNameRPC)
	case "destination":
		for _, k := range []string{"messaging.destination.name", "messaging.destination"} {
			if d, ok := s.Attr(k); ok && r.want.norm != "" && normEq(r.want.norm, d) {
				return true
			}
		}
	}
	return false
}

// Message returns the diagram message from participant from to
// participant to that span s stands for: the first of [Mapping.Messages].
// It allocates nothing.
func (m *Mapping) Message(from, to string, s *Span) (*flow.Message, bool) {
	var one [1]*flow.Message
	got := m.lookup(from, to, s, one[:0], 1)
	if len(got) == 0 {
		return nil, false
	}
	return got[0], true
}

// Messages returns every diagram message from participant from to
// participant to that span s may stand for, in document order: those the
// mapping file's rules give when one of them matches s, else those whose
// text matches s (see [Mapping]). Several messages with the same text (a
// loop drawn out, the same call in three places) are all returned: where
// the span sits in the trace decides which one it is, which is the
// alignment's work. The result is nil when none matches.
func (m *Mapping) Messages(from, to string, s *Span) []*flow.Message {
	return m.lookup(from, to, s, nil, -1)
}

// lookup appends to dst the messages from → to that s matches, at most
// limit of them (no limit when negative).
func (m *Mapping) lookup(from, to string, s *Span, dst []*flow.Message, limit int) []*flow.Message {
	if from == "" || to == "" {
		return dst
	}
	entries := m.byPair[pairKey{from, to}]
	if len(entries) == 0 {
		return dst
	}
	var v spanView
	v.read(s)
	n := len(dst)
	if m.rules > 0 {
		for _, e := range entries {
			for i := range e.rules {
				if ruleMatches(&e.rules[i], &v, s) {
					dst = append(dst, e.msg)
					if len(dst)-n == limit {
						return dst
					}
					break
				}
			}
		}
		if len(dst) > n {
			return dst
		}
	}
	for _, e := range entries {
		if e.text.match(&v, srcAll) {
			dst = append(dst, e.msg)
			if len(dst)-n == limit {
				return dst
			}
		}
	}
	return dst
}

// messagesTo returns the messages to participant to that span s matches,
// whatever their sender: for a root server span, whose caller is not
// traced.
func (m *Mapping) messagesTo(to string, s *Span) []*flow.Message {
	var out []*flow.Message
	for _, msg := range m.msgs {
		if msg.To != to || msg.Arrow.Dotted() || slices.Contains(out, msg) {
			continue
		}
		if got, ok := m.Message(msg.From, to, s); ok && got == msg {
			out = append(out, msg)
		}
	}
	return out
}
