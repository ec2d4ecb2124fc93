package trace

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/choreo-dev/choreo/flow"
	"go.yaml.in/yaml/v3"
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
// file gives. A message matches a span whose name equals its text, or
// whose HTTP method and route or path ("POST /subscriptions") does; the
// rules of the file are tried first.
type Mapping struct {
	// Diagram is the diagram the mapping is for.
	Diagram *flow.Diagram
	// Path is the mapping file, "" for the default mapping.
	Path string

	// names maps each normalised service or peer name to its
	// participant id; peers the names that only PeerParticipant uses.
	names map[string]string
	peers map[string]string
	// rules are the file's message rules, in file order.
	rules []msgRule
	msgs  []*flow.Message
}

// msgRule is one way a mapping file names a message's spans: the span
// name, "METHOD route", RPC method or messaging destination, normalised.
type msgRule struct {
	msg  *flow.Message
	kind string // span, http, rpc, destination
	want string
}

// MappingError is a problem in a mapping file, with its position.
type MappingError struct {
	Pos flow.Pos
	Msg string
}

// Error returns "file:line:col: message".
func (e *MappingError) Error() string { return e.Pos.String() + ": " + e.Msg }

// normName normalises a name for matching: lower case, without spaces,
// dashes, dots and underscores.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '\n', '\r', '-', '.', '_':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DefaultMapping returns the mapping that matches participant ids and
// labels to service names and message texts to span names or HTTP
// method and route.
func DefaultMapping(d *flow.Diagram) *Mapping {
	m := &Mapping{Diagram: d, names: map[string]string{}, peers: map[string]string{}, msgs: d.Messages()}
	for _, p := range d.Participants {
		m.addDefault(p)
	}
	return m
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
//	  "IdP->>Email: Send invite link": "POST /v3/mail/send"  # a span name
//
// A participant's service names match the service.name of the spans it
// reports; its peer names match the peer attributes of its callers' spans
// ([Span.Peer], the host of url.full) and the service names too. A
// message value is a span name, a list of them, or a mapping with span,
// http ("METHOD route"), rpc (rpc.method, or "service/method") and
// destination (messaging.destination.name), each a string or a list.
// Participants and messages the file leaves out keep the default
// matching ([DefaultMapping]). Errors carry the file:line:col and
// suggest what may have been meant; all of them are returned, joined.
func LoadMapping(path string, data []byte, d *flow.Diagram) (*Mapping, error) {
	m := DefaultMapping(d)
	m.Path = path
	l := &mapLoader{path: path, m: m}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &MappingError{Pos: flow.Pos{File: path, Line: 1}, Msg: "YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 {
		return m, nil
	}
	top := l.mapping(root.Content[0], "a mapping")
	for i := 0; i+1 < len(top); i += 2 {
		k, v := top[i], top[i+1]
		switch k.Value {
		case "participants":
			l.participants(v)
		case "messages":
			l.messages(v)
		default:
			l.unknown(k, "key", mappingKeys)
		}
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return m, nil
}

type mapLoader struct {
	path string
	m    *Mapping
	errs []error
}

func (l *mapLoader) errf(n *yaml.Node, format string, args ...any) {
	l.errs = append(l.errs, &MappingError{Pos: flow.Pos{File: l.path, Line: n.Line, Col: n.Column}, Msg: fmt.Sprintf(format, args...)})
}

func (l *mapLoader) unknown(k *yaml.Node, what string, want []string) {
	l.errf(k, "unknown %s %q%s; want %s", what, k.Value, didYouMean(k.Value, want), strings.Join(want, ", "))
}

// mapping returns the key and value nodes of a YAML mapping (aliases
// resolved), reporting anything else.
func (l *mapLoader) mapping(n *yaml.Node, what string) []*yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return l.mapping(n.Content[0], what)
	}
	if n.Kind != yaml.MappingNode {
		l.errf(n, "want %s (key: value lines)", what)
		return nil
	}
	return n.Content
}

// strings returns a scalar or a list of scalars.
func (l *mapLoader) strs(n *yaml.Node, what string) []string {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" || n.Value == "" {
			l.errf(n, "%s: want a name or a list of names", what)
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
	l.errf(n, "%s: want a name or a list of names", what)
	return nil
}

func (l *mapLoader) participants(n *yaml.Node) {
	var ids []string
	for _, p := range l.m.Diagram.Participants {
		ids = append(ids, p.ID)
	}
	claimed := map[string]*yaml.Node{}
	kv := l.mapping(n, "participants")
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		p := l.m.Diagram.Participant(k.Value)
		if p == nil {
			l.errf(k, "participant %q is not in the diagram%s", k.Value, didYouMean(k.Value, ids))
			continue
		}
		var services, peers []string
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				switch fk.Value {
				case "service":
					services = append(services, l.strs(fv, p.ID+" "+fk.Value)...)
				case "peer":
					peers = append(peers, l.strs(fv, p.ID+" "+fk.Value)...)
				default:
					l.unknown(fk, "participant key", participantKeys)
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
				l.errf(node, "%q is already mapped to %s (line %d)", s, table[key], prev.Line)
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
	kv := l.mapping(n, "messages")
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		msg, err := l.m.Diagram.Lookup(k.Value)
		if err != nil {
			l.errf(k, "%s", err.Error())
			continue
		}
		add := func(kind string, vals []string) {
			for _, s := range vals {
				l.m.rules = append(l.m.rules, msgRule{msg: msg, kind: kind, want: normName(s)})
			}
		}
		if v.Kind != yaml.MappingNode {
			add("span", l.strs(v, k.Value))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], v.Content[j+1]
			if !slices.Contains(messageKeys, fk.Value) {
				l.unknown(fk, "message key", messageKeys)
				continue
			}
			add(fk.Value, l.strs(fv, fk.Value))
		}
	}
}

// didYouMean suggests the nearest of names to s, if one is close.
func didYouMean(s string, names []string) string {
	best, bestD := "", 0
	for _, n := range names {
		d := flow.EditDistance(strings.ToLower(s), strings.ToLower(n))
		if best == "" || d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" || bestD > max(2, len(s)/3) {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// Participant returns the participant whose service reported s: by the
// span's service.name.
func (m *Mapping) Participant(s *Span) (id string, ok bool) {
	if s.Service == "" {
		return "", false
	}
	id, ok = m.names[normName(s.Service)]
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
	for _, v := range peerValues(s) {
		k := normName(v)
		if id, ok := m.peers[k]; ok {
			return id, true
		}
		if id, ok := m.names[k]; ok {
			return id, true
		}
	}
	return "", false
}

// httpName returns "METHOD route" for an HTTP span (route from
// http.route, else url.path, http.target or the path of url.full), or "".
func httpName(s *Span) string {
	method, ok := s.Attr("http.request.method")
	if !ok {
		method, ok = s.Attr("http.method")
	}
	if !ok || method == "" {
		return ""
	}
	route := ""
	for _, k := range []string{"http.route", "url.path", "http.target"} {
		if v, ok := s.Attr(k); ok && v != "" {
			route, _, _ = strings.Cut(v, "?")
			break
		}
	}
	if route == "" {
		for _, k := range []string{"url.full", "http.url"} {
			if v, ok := s.Attr(k); ok {
				if u, err := url.Parse(v); err == nil && u.Path != "" {
					route = u.Path
					break
				}
			}
		}
	}
	if route == "" {
		return ""
	}
	return method + " " + route
}

// ruleMatches reports whether s satisfies r.
func ruleMatches(r msgRule, s *Span) bool {
	switch r.kind {
	case "span":
		return normName(s.Name) == r.want
	case "http":
		h := httpName(s)
		return h != "" && normName(h) == r.want
	case "rpc":
		meth, _ := s.Attr("rpc.method")
		svc, _ := s.Attr("rpc.service")
		return meth != "" && (normName(meth) == r.want || normName(svc+"/"+meth) == r.want)
	case "destination":
		for _, k := range []string{"messaging.destination.name", "messaging.destination"} {
			if v, ok := s.Attr(k); ok && normName(v) == r.want {
				return true
			}
		}
	}
	return false
}

// Message returns the diagram message from participant from to
// participant to that span s stands for: by the mapping file's rules
// first, then by its text against the span's name or "METHOD route".
// When several messages match (a loop drawn twice, say), the first in
// document order is returned.
func (m *Mapping) Message(from, to string, s *Span) (*flow.Message, bool) {
	if from == "" || to == "" {
		return nil, false
	}
	for _, r := range m.rules {
		if r.msg.From == from && r.msg.To == to && ruleMatches(r, s) {
			return r.msg, true
		}
	}
	name, h := normName(s.Name), normName(httpName(s))
	for _, msg := range m.msgs {
		if msg.From != from || msg.To != to || msg.Arrow.Dotted() {
			continue
		}
		t := normName(msg.Text)
		if t != "" && (t == name || t == h) {
			return msg, true
		}
	}
	return nil, false
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
