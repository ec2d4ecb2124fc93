package trace

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/report"
)

// What the mapping could not place, gathered across traces for
// report.Conformance.Unmapped, and how alike two names are.
//
// Three kinds of entries:
//
//   - a service: a service.name no participant maps to; every span of
//     it counts;
//   - a peer: what a client span of a mapped participant names its
//     callee by (Span.Peer: peer.service, server.address, db.system…)
//     when the callee has no spans and no participant maps the name;
//     each such call counts;
//   - a span: a call between two mapped participants (or a root server
//     span whose caller is not traced, From ""; or a client span that
//     names no callee, To "") whose span matches no diagram message;
//     entries are by service, span name (see spanLabel), From and To.
//
// The nearest participant of a service or peer is the one of highest
// similarity: the similarity of the names (to the participant's id or
// label, whichever is higher), raised to (1 + it) / 2 when a span of the
// service matches (as the mapping matches texts) a message that the
// participant sends (a client or producer span) or receives (a server
// or consumer span) — for a peer, a message from its caller to the
// participant. So a span match alone gives 0.5. Ties go to the smaller
// participant id. The nearest message of a span name is the request
// (not a reply) between its participants whose text is most similar to
// it, the first in the diagram on a tie. Below minSimilarity nothing is
// near. Similarities are rounded to two decimals before they are
// compared, so that results merge exactly (report.MergeUnmapped).

// minSimilarity is the similarity below which nothing is near.
const minSimilarity = 0.5

// maxUnmappedTracked bounds the distinct entries a Checker keeps; the
// spans of further ones are only counted (report.Conformance.UnmappedMore).
const maxUnmappedTracked = 10 * report.MaxUnmapped

// Kinds of unmapped entries.
const (
	unmappedService = "service"
	unmappedPeer    = "peer"
	unmappedSpan    = "span"
)

type unmappedKey struct{ kind, service, name, from, to string }

type unmappedEntry struct {
	spans, traces int64
	// matched holds the participants whose messages the spans of a
	// service or peer matched (see the similarity rule above).
	matched map[string]bool
}

// unmappedAgg gathers the unmapped entries of the traces a Checker adds.
// The zero value is ready to use.
type unmappedAgg struct {
	entries map[unmappedKey]*unmappedEntry
	more    int64 // spans of entries past maxUnmappedTracked
	seen    map[unmappedKey]bool
	// match memoizes which participants a span's names give evidence
	// for, by how the span reads (at most maxMatchMemo of them).
	match map[matchKey][]string
}

type matchKey struct {
	side, from string
	view       spanView
}

const maxMatchMemo = 4096

// add counts what o, observed in t with m, could not map.
func (a *unmappedAgg) add(m *Mapping, t *Trace, o *Observed) {
	if len(o.UnmappedServices) == 0 && len(o.UnmappedSpans) == 0 {
		return
	}
	if a.entries == nil {
		a.entries = map[unmappedKey]*unmappedEntry{}
		a.seen = map[unmappedKey]bool{}
		a.match = map[matchKey][]string{}
	}
	clear(a.seen)
	if len(o.UnmappedServices) > 0 {
		for i := range t.Spans {
			s := &t.Spans[i]
			if _, ok := slices.BinarySearch(o.UnmappedServices, s.Service); !ok || s.Service == "" {
				continue
			}
			e := a.entry(unmappedKey{kind: unmappedService, service: s.Service})
			if e == nil {
				continue
			}
			switch s.Kind {
			case Client, Producer:
				a.evidence(m, e, s, "sends", "")
			case Server, Consumer:
				a.evidence(m, e, s, "receives", "")
			}
		}
	}
	for _, u := range o.UnmappedSpans {
		x := u.Exchange
		switch {
		case x == nil,
			x.Client != nil && x.From == "", // the caller's service is unmapped
			x.Server != nil && x.To == "",   // the callee's service is unmapped
			x.Client == nil && x.To == "":
			continue
		case x.Server == nil && x.To == "":
			if v, _ := x.Client.Peer(); v != "" {
				if e := a.entry(unmappedKey{kind: unmappedPeer, service: v, from: x.From}); e != nil {
					a.evidence(m, e, x.Client, "receives", x.From)
				}
				continue
			}
		}
		s := x.Client
		if s == nil {
			s = x.Server
		}
		a.entry(unmappedKey{kind: unmappedSpan, service: s.Service, name: spanLabel(s), from: x.From, to: x.To})
	}
	for k := range a.seen {
		a.entries[k].traces++
	}
}

// entry counts a span of k and returns its entry, nil when the table is
// full and k is not in it.
func (a *unmappedAgg) entry(k unmappedKey) *unmappedEntry {
	e := a.entries[k]
	if e == nil {
		if len(a.entries) >= maxUnmappedTracked {
			a.more++
			return nil
		}
		e = &unmappedEntry{}
		a.entries[k] = e
	}
	e.spans++
	a.seen[k] = true
	return e
}

// evidence notes in e the participants whose messages s matches: the
// senders of the messages it matches (side "sends") or their receivers
// ("receives"), among the messages from "from" when it is not "".
func (a *unmappedAgg) evidence(m *Mapping, e *unmappedEntry, s *Span, side, from string) {
	k := matchKey{side: side, from: from}
	k.view.read(s)
	ps, ok := a.match[k]
	if !ok {
		for pk, entries := range m.byPair {
			if from != "" && pk.from != from {
				continue
			}
			for _, me := range entries {
				if !m.entryMatches(me, &k.view, s) {
					continue
				}
				p := me.msg.From
				if side == "receives" {
					p = me.msg.To
				}
				if !slices.Contains(ps, p) {
					ps = append(ps, p)
				}
			}
		}
		if len(a.match) < maxMatchMemo && !m.destRules {
			a.match[cloneMatchKey(k)] = ps
		}
	}
	for _, p := range ps {
		if e.matched == nil {
			e.matched = map[string]bool{}
		}
		e.matched[p] = true
	}
}

// entryMatches reports whether span s (seen as v) stands for the message
// of e: by the mapping file's rules for it, or by its text.
func (m *Mapping) entryMatches(e *msgEntry, v *spanView, s *Span) bool {
	for i := range e.rules {
		if ruleMatches(&e.rules[i], v, s) {
			return true
		}
	}
	return e.text.match(v, srcAll)
}

// cloneMatchKey copies the strings of k, which point into a span, so that
// the memo does not keep the trace alive.
func cloneMatchKey(k matchKey) matchKey {
	v := &k.view
	for _, p := range []*string{&v.name, &v.nameMethod, &v.namePath, &v.method, &v.route, &v.path,
		&v.rpcSvc, &v.rpcMeth, &v.nameSvc, &v.nameMeth, &v.pathSvc, &v.pathMeth} {
		*p = strings.Clone(*p)
	}
	k.from = strings.Clone(k.from)
	return k
}

// result returns the entries, with their nearest match, as report lists
// them (report.MergeUnmapped: most spans first, at most
// report.MaxUnmapped), and the spans of those left out.
func (a *unmappedAgg) result(m *Mapping) ([]report.Unmapped, int64) {
	if len(a.entries) == 0 {
		return nil, a.more
	}
	list := make([]report.Unmapped, 0, len(a.entries))
	for k, e := range a.entries {
		u := report.Unmapped{Kind: k.kind, Service: k.service, Name: k.name, From: k.from, To: k.to,
			Spans: e.spans, Traces: e.traces}
		if k.kind == unmappedSpan {
			u.Nearest, u.Similarity = nearestMessage(m, k.name, k.from, k.to)
		} else {
			u.Nearest, u.Similarity = nearestParticipant(m, k.service, e.matched)
		}
		list = append(list, u)
	}
	list, more := report.MergeUnmapped(list)
	return list, more + a.more
}

// nearestParticipant returns the participant most like the service (or
// peer) name, given the participants its spans matched messages of, and
// the similarity; "", 0 when none reaches minSimilarity.
func nearestParticipant(m *Mapping, name string, matched map[string]bool) (string, float64) {
	best, bestSim := "", 0.0
	for _, p := range m.Diagram.Participants {
		sim := max(similarity(name, p.ID), similarity(name, p.Label))
		if matched[p.ID] {
			sim = round2((1 + sim) / 2)
		}
		if sim > bestSim || sim == bestSim && best != "" && p.ID < best {
			best, bestSim = p.ID, sim
		}
	}
	if bestSim < minSimilarity {
		return "", 0
	}
	return best, bestSim
}

// nearestMessage returns the selector of the request from → to ("" for
// any) whose text is most like the span name, and the similarity; "", 0
// when none reaches minSimilarity.
func nearestMessage(m *Mapping, name, from, to string) (string, float64) {
	best, bestSim := "", 0.0
	for _, msg := range m.msgs {
		if msg.Arrow.Dotted() || from != "" && msg.From != from || to != "" && msg.To != to {
			continue
		}
		if sim := similarity(name, msg.Text); sim > bestSim {
			best, bestSim = msg.Selector(), sim
		}
	}
	if bestSim < minSimilarity {
		return "", 0
	}
	return best, bestSim
}

// similarity returns how alike two names are, from 0 to 1, rounded to two
// decimals: the higher of
//
//   - the overlap of their words (Dice's coefficient: twice the words
//     they share over the words of both), where a word is a run of
//     letters or digits, camelCase split (PlaceOrder: place, order),
//     lower case; two words are the same when equal, equal but for a
//     plural ending (orders, order; directories, directory), or when
//     one starts with the other and both are 4 letters or more (auth,
//     authentication). Words that say nothing about what a thing is are
//     left out, unless nothing else is left: the HTTP methods, svc, service, srv, server, api, grpc,
//     http, https, www, com, io, net, org, v1, v2…, numbers, path
//     parameters ({id}, :id, _uuid_), and the, a, an, to, of, for, and,
//     in, on, with, by, from; a word ending in service or svc loses the
//     ending (cartservice: cart);
//   - the edit similarity of the words run together: 1 − the edit
//     distance over the longer length, when both have 4 letters or more
//     (emailservice and Mailer: email, mailer: 0.5).
//
// So payment-gateway and Payments: 0.67; checkout-svc and Shop: 0.25.
func similarity(a, b string) float64 {
	ta, tb := nameWords(a), nameWords(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	shared := 0
	used := make([]bool, len(tb))
	for _, x := range ta {
		for j, y := range tb {
			if !used[j] && sameWord(x, y) {
				used[j] = true
				shared++
				break
			}
		}
	}
	dice := 2 * float64(shared) / float64(len(ta)+len(tb))
	ca, cb := strings.Join(ta, ""), strings.Join(tb, "")
	edit := 0.0
	la, lb := utf8.RuneCountInString(ca), utf8.RuneCountInString(cb)
	if min(la, lb) >= 4 {
		edit = 1 - float64(suggest.Distance(ca, cb))/float64(max(la, lb))
	}
	return round2(max(dice, edit))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// sameWord reports whether two words count as one (see similarity).
func sameWord(x, y string) bool {
	if x == y || singular(x) == singular(y) {
		return true
	}
	if len(x) >= 4 && len(y) >= 4 {
		return strings.HasPrefix(x, y) || strings.HasPrefix(y, x)
	}
	return false
}

// singular drops a plural ending: directories: directory, orders:
// order.
func singular(w string) string {
	if len(w) > 4 && strings.HasSuffix(w, "ies") {
		return w[:len(w)-3] + "y"
	}
	return strings.TrimSuffix(w, "s")
}

// noiseWords say nothing about what a service or call is (see
// similarity).
var noiseWords = map[string]bool{
	"svc": true, "service": true, "srv": true, "server": true, "api": true, "grpc": true,
	"http": true, "https": true, "www": true, "com": true, "io": true, "net": true, "org": true,
	"the": true, "a": true, "an": true, "to": true, "of": true, "for": true, "and": true,
	"in": true, "on": true, "with": true, "by": true, "from": true,
	"get": true, "post": true, "put": true, "delete": true, "patch": true, "head": true,
	"options": true, "trace": true, "connect": true,
}

// nameWords returns the words of a name that similarity compares.
func nameWords(s string) []string {
	var all []string
	for seg := range strings.SplitSeq(s, "/") {
		if isParam(strings.TrimSpace(seg)) {
			continue
		}
		all = appendWords(all, seg)
	}
	var kept []string
	for _, w := range all {
		if isNoise(w) {
			continue
		}
		for _, suffix := range []string{"service", "svc"} {
			if len(w) > len(suffix)+2 && strings.HasSuffix(w, suffix) {
				w = strings.TrimSuffix(w, suffix)
				break
			}
		}
		if !slices.Contains(kept, w) {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		for _, w := range all {
			if !slices.Contains(kept, w) {
				kept = append(kept, w)
			}
		}
	}
	return kept
}

func isNoise(w string) bool {
	if noiseWords[w] {
		return true
	}
	digits := strings.TrimLeft(w, "0123456789")
	if digits == "" { // a number
		return true
	}
	return len(w) >= 2 && w[0] == 'v' && strings.Trim(w[1:], "0123456789") == ""
}

// appendWords appends the lower-case words of s: runs of letters and
// digits, split where camelCase turns (aB, and ABc before c).
func appendWords(out []string, s string) []string {
	rs := []rune(s)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start >= 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return out
}

// spanLabel is how the unmapped list names a span: its name, with the
// path segments that look like ids (see idSegment) written {id} when it
// reads as "[METHOD] /path"; a name that is only an HTTP method ("GET",
// "HTTP GET") or empty gives way to the method and route or path of the
// span's attributes, likewise.
func spanLabel(s *Span) string {
	name := strings.TrimSpace(s.Name)
	if method, path, ok := splitHTTP(name); ok {
		if t, changed := templatePath(path); changed {
			return strings.TrimSpace(method + " " + t)
		}
		return name
	}
	bare := name
	if len(bare) > 5 && strings.EqualFold(bare[:5], "HTTP ") {
		bare = strings.TrimSpace(bare[5:])
	}
	if bare == "" || slices.ContainsFunc(httpMethods[:], func(m string) bool { return strings.EqualFold(m, bare) }) {
		if h := httpName(s); h != "" {
			method, route, _ := strings.Cut(h, " ")
			t, _ := templatePath(route)
			return method + " " + t
		}
	}
	return name
}

// templatePath writes {id} for the segments of path that look like ids,
// and reports whether it changed any.
func templatePath(path string) (string, bool) {
	segs := strings.Split(path, "/")
	changed := false
	for i, seg := range segs {
		if idSegment(seg) {
			segs[i] = "{id}"
			changed = true
		}
	}
	return strings.Join(segs, "/"), changed
}

// idSegment reports whether a path segment looks like an id rather than
// a name: all digits; a UUID or other hex of 8 characters or more with
// a digit; or 16 characters or more of letters, digits, - and _ with
// both a letter and a digit (tokens, base64 ids).
func idSegment(seg string) bool {
	if seg == "" {
		return false
	}
	digits, hex, letters, other := 0, 0, 0, 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F':
			hex++
			letters++
		case 'g' <= c && c <= 'z' || 'G' <= c && c <= 'Z':
			letters++
		case c == '-' || c == '_':
		default:
			other++
		}
	}
	switch {
	case other > 0:
		return false
	case digits == len(seg):
		return true
	case digits > 0 && letters == hex && len(seg) >= 8:
		return true
	}
	return len(seg) >= 16 && digits > 0 && letters > 0
}
