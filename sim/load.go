package sim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/internal/yamlpos"
)

// ProfileError is a problem in a profile, at the YAML key or value that
// has it, with the profile's line (printed with a caret under the
// column). LoadProfile returns one *ProfileError, or, when it finds
// several problems, all of them as a [srcpos.List] in file order
// (errors.As finds the first).
type ProfileError = srcpos.Error

// Built-in defaults: what a profile that says nothing means. See
// docs/profile.md.
var (
	// DefaultLatency is the latency of a message sent by a participant.
	DefaultLatency = LogNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond)
	// DefaultActorLatency is the latency of a message sent by an actor
	// (human time).
	DefaultActorLatency = LogNormalP(3*time.Second, 0.99, 30*time.Second)
)

const (
	// DefaultTimeout bounds each attempt of a request sent by a
	// participant; a request sent by an actor has no timeout by default
	// (a person waits for the answer, and the exchange may contain human
	// time of its own).
	DefaultTimeout = 30 * time.Second
	// DefaultBackoff is the wait before the first retry, before jitter.
	DefaultBackoff = 100 * time.Millisecond
	// DefaultMultiplier multiplies the backoff at each further retry.
	DefaultMultiplier = 2.0
)

// defaultSettings returns the built-in settings of a message sent by a
// participant, or by an actor.
func defaultSettings(actor bool) *Settings {
	s := &Settings{
		Latency: DefaultLatency,
		Timeout: DefaultTimeout,
		Retry:   Retry{Attempts: 1, Backoff: DefaultBackoff, Multiplier: DefaultMultiplier, Jitter: JitterFull},
	}
	if actor {
		s.Latency, s.Timeout = DefaultActorLatency, 0
	}
	return s
}

// DefaultProfile returns the profile choreo uses without a profile file:
// every message has the built-in settings (documented in docs/profile.md),
// every participant is a stub, no block has settings and there are no SLOs.
func DefaultProfile(d *flow.Diagram) *Profile {
	p := &Profile{Blocks: map[*flow.Block]*BlockSettings{}, Participants: map[string]*ParticipantSettings{}}
	for _, m := range d.Messages() {
		p.Messages = append(p.Messages, defaultSettings(isActor(d, m.From)))
	}
	for _, pt := range d.Participants {
		p.Participants[pt.ID] = &ParticipantSettings{Adapter: AdapterStub}
	}
	return p
}

func isActor(d *flow.Diagram, id string) bool {
	p := d.Participant(id)
	return p != nil && p.Kind == flow.KindActor
}

// Keys of each part of a profile.
var (
	topKeys         = []string{"defaults", "participants", "messages", "blocks", "slo", "scenarios"}
	overlayKeys     = []string{"defaults", "participants", "messages", "blocks", "slo"}
	messageKeys     = []string{"latency", "fault", "timeout", "deadline", "retry", "compensate", "idempotent", "http", "expect"}
	defaultsKeys    = []string{"latency", "fault", "timeout", "deadline", "retry", "idempotent", "http", "actor"}
	actorKeys       = []string{"latency", "fault", "timeout", "deadline", "retry", "idempotent", "http"}
	faultKeys       = []string{"rate", "kind", "delay", "status", "first", "window"}
	faultKinds      = []string{FaultError, FaultTimeout, FaultDrop, FaultDelay}
	retryKeys       = []string{"attempts", "backoff", "multiplier", "jitter", "max"}
	jitterKinds     = []string{JitterNone, JitterFull, JitterEqual}
	blockKeys       = []string{"when", "weights", "probability", "iterations"}
	participantKeys = []string{"adapter", "url", "command", "env", "headers", "secret", "shell", "ca"}
	adapters        = []string{AdapterStub, AdapterHTTP, AdapterExec}
	sloMetrics      = []string{SLOEndToEnd, SLOCompletion, SLOSystemTime, SLOFailed}
)

// LoadProfile reads the YAML profile data (named path, which also
// locates the files of empirical(FILE) latencies) and resolves it against
// d: every selector, block key and when string must name something in d.
// scenario, when not empty, names a scenario of the profile whose
// settings are merged over the top level. The result holds the settings
// of every message, defaults applied. Problems are *ProfileError values;
// see ProfileError for several. docs/profile.md describes the format.
func LoadProfile(path string, data []byte, d *flow.Diagram, scenario string) (*Profile, error) {
	l := &loader{dir: filepath.Dir(path), d: d, msgs: d.Messages(), extras: map[string]*flow.Message{}}
	if path == "" {
		l.dir = "."
	}
	p := l.load(path, data, scenario)
	if err := l.f.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// loader holds the state of one LoadProfile call.
type loader struct {
	f    *yamlpos.File // the profile, and the problems found in it
	dir  string
	d    *flow.Diagram
	msgs []*flow.Message

	// extras are the compensating messages not in the diagram, by
	// extraKey, and in order of first mention.
	extras     map[string]*flow.Message
	extraOrder []*flow.Message
}

// layer is one level of the profile: the top level, then the scenario.
type layer struct {
	defaults, participants, messages, blocks, slo *yaml.Node
}

// patch applies the fields one mapping sets to settings below it.
type patch func(*Settings)

func (l *loader) load(path string, data []byte, scenario string) *Profile {
	f, doc := yamlpos.Parse(path, data)
	l.f = f
	f.Rejoin = true
	if f.Failed() {
		return nil
	}
	p := DefaultProfile(l.d)
	p.Path, p.Scenario = path, scenario

	top := l.f.Mapping(doc, "a profile")
	l.f.CheckKeys(top, topKeys, "profile")
	layers := []layer{l.layer(top)}
	if sc := yamlpos.Get(top, "scenarios"); sc != nil {
		for _, e := range l.f.Mapping(sc.Val, "scenarios") {
			p.Scenarios = append(p.Scenarios, e.Key.Value)
			ov := l.f.Mapping(e.Val, "a scenario")
			if n := yamlpos.Get(ov, "scenarios"); n != nil {
				l.f.Errorf(n.Key, "scenarios do not nest: a scenario has the keys %s", strings.Join(overlayKeys, ", "))
				ov = slices.DeleteFunc(ov, func(e yamlpos.Entry) bool { return e.Key.Value == "scenarios" })
			}
			l.f.CheckKeys(ov, overlayKeys, "scenario")
			if e.Key.Value == scenario {
				layers = append(layers, l.layer(ov))
			}
		}
	}
	if scenario != "" && !slices.Contains(p.Scenarios, scenario) {
		msg := fmt.Sprintf("scenario %q is not in the profile", scenario)
		if len(p.Scenarios) == 0 {
			msg += ", which defines no scenarios"
		} else if s := suggest.DidYouMean(scenario, p.Scenarios); s != "" {
			msg += s
		} else {
			msg += "; it has " + strings.Join(quoteAll(p.Scenarios), ", ")
		}
		l.f.Add(&ProfileError{Pos: flow.Pos{File: path}, Msg: msg})
	}

	l.collectExtras(layers)
	l.messages(p, layers)
	l.participants(p, layers)
	l.adapters(p)
	l.blocks(p, layers)
	l.slo(p, layers)
	return p
}

func (l *loader) layer(m []yamlpos.Entry) layer {
	val := func(k string) *yaml.Node {
		if e := yamlpos.Get(m, k); e != nil {
			return e.Val
		}
		return nil
	}
	return layer{defaults: val("defaults"), participants: val("participants"), messages: val("messages"), blocks: val("blocks"), slo: val("slo")}
}

// Messages.

// collectExtras finds the compensate selectors that name no message of
// the diagram and defines a message for each, numbered after the
// diagram's in order of first mention. Bad selectors are reported later,
// where they are resolved.
func (l *loader) collectExtras(layers []layer) {
	for _, ly := range layers {
		for _, e := range l.f.Quiet(ly.messages) {
			for _, c := range l.f.Quiet(e.Val) {
				if c.Key.Value != "compensate" {
					continue
				}
				for _, item := range yamlpos.SeqOrOne(c.Val) {
					if item.Kind != yaml.ScalarNode {
						continue
					}
					if _, err := l.d.Lookup(item.Value); err == nil || !newSelector(item.Value, err) {
						continue
					}
					from, arrow, to, text, err := l.parseSelector(item.Value)
					if err != nil {
						continue
					}
					k := extraKey(from, to, text)
					if l.extras[k] == nil {
						m := &flow.Message{N: len(l.msgs) + len(l.extraOrder) + 1, From: from, To: to, Text: text,
							Arrow: arrow, Pos: l.f.Pos(item)}
						l.extras[k] = m
						l.extraOrder = append(l.extraOrder, m)
					}
				}
			}
		}
	}
}

// newSelector reports whether a failed diagram lookup of sel means that
// sel may define a new message (not an ambiguous selector or a "#N").
func newSelector(sel string, err error) bool {
	var le *flow.LookupError
	return errors.As(err, &le) && !le.Ambiguous && !strings.HasPrefix(strings.TrimSpace(sel), "#")
}

func extraKey(from, to, text string) string {
	return from + "\x00" + to + "\x00" + strings.Join(strings.Fields(text), " ")
}

// parseSelector reads "From->>To: text" for a message not in the diagram:
// From and To must be participants of the diagram.
func (l *loader) parseSelector(sel string) (from string, arrow flow.Arrow, to, text string, err error) {
	head, text, ok := strings.Cut(sel, ":")
	text = strings.Join(strings.Fields(text), " ")
	if !ok || text == "" {
		return "", "", "", "", fmt.Errorf("message %q: want \"From->>To: text\" or \"#N\"", sel)
	}
	arrows := slices.Clone(flow.Arrows)
	slices.SortStableFunc(arrows, func(a, b flow.Arrow) int { return len(b) - len(a) })
	var ids []string
	for _, p := range l.d.Participants {
		ids = append(ids, p.ID)
	}
	var first string
	for i := range head {
		for _, a := range arrows {
			if !strings.HasPrefix(strings.ToLower(head[i:]), string(a)) {
				continue
			}
			f := strings.TrimSpace(head[:i])
			t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(head[i+len(a):]), "+-"))
			if f == "" || t == "" {
				continue
			}
			if slices.Contains(ids, f) && slices.Contains(ids, t) {
				return f, a, t, text, nil
			}
			if first == "" {
				switch {
				case !slices.Contains(ids, f):
					first = fmt.Sprintf("message %q: %q is not a participant of the diagram%s", sel, f, suggest.DidYouMean(f, ids))
				default:
					first = fmt.Sprintf("message %q: %q is not a participant of the diagram%s", sel, t, suggest.DidYouMean(t, ids))
				}
			}
		}
	}
	if first != "" {
		return "", "", "", "", errors.New(first)
	}
	return "", "", "", "", fmt.Errorf("message %q: want \"From->>To: text\" or \"#N\"", sel)
}

// lookup resolves a message name of the messages: or slo: section:
// a diagram message, or a compensating message not in the diagram.
func (l *loader) lookup(sel string, extras bool) (*flow.Message, error) {
	m, err := l.d.Lookup(sel)
	if err == nil || !extras {
		return m, err
	}
	q := strings.TrimSpace(sel)
	if rest, ok := strings.CutPrefix(q, "#"); ok {
		if n, e := strconv.Atoi(strings.TrimSpace(rest)); e == nil && n > len(l.msgs) && n <= len(l.msgs)+len(l.extraOrder) {
			return l.extraOrder[n-len(l.msgs)-1], nil
		}
		if len(l.extraOrder) > 0 {
			return nil, fmt.Errorf("message %q: the diagram has %d messages and the profile defines %d more (compensations)", sel, len(l.msgs), len(l.extraOrder))
		}
		return nil, err
	}
	if from, _, to, text, perr := l.parseSelector(sel); perr == nil {
		if x := l.extras[extraKey(from, to, text)]; x != nil {
			return x, nil
		}
	}
	var names []string
	for _, x := range l.extraOrder {
		names = append(names, x.Selector())
	}
	if s := suggest.DidYouMean(sel, names); s != "" {
		return nil, fmt.Errorf("message %q is not in the diagram nor among the compensations%s", sel, s)
	}
	return nil, err
}

func (l *loader) messages(p *Profile, layers []layer) {
	all := append(slices.Clone(l.msgs), l.extraOrder...)
	var defs, actor []patch
	perMsg := make([][]patch, len(all))
	pos := make([]flow.Pos, len(all))
	for _, ly := range layers {
		if ly.defaults != nil {
			ents := l.f.Mapping(ly.defaults, "defaults")
			l.f.CheckKeys(ents, defaultsKeys, "defaults")
			defs = append(defs, l.settings(ents, nil))
			if a := yamlpos.Get(ents, "actor"); a != nil {
				aents := l.f.Mapping(a.Val, "defaults.actor")
				l.f.CheckKeys(aents, actorKeys, "defaults.actor")
				actor = append(actor, l.settings(aents, nil))
			}
		}
		seen := map[*flow.Message]*yaml.Node{}
		for _, e := range l.f.Mapping(ly.messages, "messages") {
			m, err := l.lookup(e.Key.Value, true)
			if err != nil {
				l.f.Errorf(e.Key, "%v", err)
				continue
			}
			if prev := seen[m]; prev != nil {
				l.f.Errorf(e.Key, "%q names the same message as %q (line %d)", e.Key.Value, prev.Value, prev.Line)
				continue
			}
			seen[m] = e.Key
			ents := l.f.Mapping(e.Val, "a message's settings")
			l.f.CheckKeys(ents, messageKeys, "message")
			perMsg[m.N-1] = append(perMsg[m.N-1], l.settings(ents, m))
			pos[m.N-1] = l.f.Pos(e.Key)
		}
	}
	settings := make([]*Settings, len(all))
	for i, m := range all {
		act := isActor(l.d, m.From)
		s := defaultSettings(false)
		for _, f := range defs {
			f(s)
		}
		if act {
			base := defaultSettings(true)
			s.Latency, s.Timeout = base.Latency, base.Timeout
			for _, f := range actor {
				f(s)
			}
		}
		for _, f := range perMsg[i] {
			f(s)
		}
		s.Pos = pos[i]
		settings[i] = s
	}
	p.Messages = settings[:len(l.msgs)]
	comps := map[*flow.Message]*Compensation{}
	comp := func(m *flow.Message) *Compensation {
		if c := comps[m]; c != nil {
			return c
		}
		c := &Compensation{Selector: m.Selector(), Message: m, Settings: settings[m.N-1]}
		comps[m] = c
		return c
	}
	for _, m := range l.extraOrder {
		p.Extra = append(p.Extra, comp(m))
	}
	// Compensate lists were resolved to messages; bind them to the
	// shared Compensation values now that every message has settings.
	for _, s := range settings {
		for i, c := range s.Compensate {
			s.Compensate[i] = comp(c.Message)
		}
	}
}

// settings decodes one mapping of message settings (a messages: entry
// for m, or defaults when m is nil) into a patch. Problems are reported
// once, here.
func (l *loader) settings(ents []yamlpos.Entry, m *flow.Message) patch {
	var ps []patch
	for _, e := range ents {
		v := e.Val
		switch e.Key.Value {
		case "latency":
			if lat, ok := l.latency(v); ok {
				ps = append(ps, func(s *Settings) { s.Latency = lat })
			}
		case "timeout", "deadline":
			if d, ok := l.duration(v, e.Key.Value); ok {
				if e.Key.Value == "timeout" {
					ps = append(ps, func(s *Settings) { s.Timeout = d })
				} else {
					ps = append(ps, func(s *Settings) { s.Deadline = d })
				}
			}
		case "fault":
			if fs, ok := l.faults(v, m); ok {
				ps = append(ps, func(s *Settings) { s.Faults = fs })
			}
		case "retry":
			ps = append(ps, l.retry(v))
		case "compensate":
			var cs []*Compensation
			for _, item := range yamlpos.SeqOrOne(v) {
				sel, ok := l.scalar(item, "a compensating message")
				if !ok {
					continue
				}
				var cm *flow.Message
				cm, err := l.d.Lookup(sel)
				if err != nil && newSelector(sel, err) {
					var perr error
					if from, _, to, text, e2 := l.parseSelector(sel); e2 != nil {
						perr = e2
					} else {
						cm = l.extras[extraKey(from, to, text)]
					}
					err = perr
				}
				if err != nil {
					l.f.Errorf(item, "compensate: %v", err)
					continue
				}
				if m != nil && cm == m {
					l.f.Errorf(item, "compensate: a message cannot compensate itself")
					continue
				}
				cs = append(cs, &Compensation{Selector: cm.Selector(), Message: cm})
			}
			ps = append(ps, func(s *Settings) { s.Compensate = slices.Clone(cs) })
		case "idempotent":
			if b, ok := l.boolean(v); ok {
				ps = append(ps, func(s *Settings) { s.Idempotent = b })
			}
		case "expect":
			var kinds []string
			for _, item := range yamlpos.SeqOrOne(v) {
				k, ok := l.scalar(item, "a fault kind")
				if !ok {
					continue
				}
				switch k {
				case FaultError, FaultTimeout, FaultDrop, "fails":
					kinds = append(kinds, k)
				default:
					l.f.Errorf(item, "expect: unknown fault %q%s", k, suggest.DidYouMean(k, []string{FaultError, FaultTimeout, FaultDrop, "fails"}))
				}
			}
			ps = append(ps, func(s *Settings) { s.Expect = kinds })
		case "http":
			if h, ok := l.anyMap(v, "http"); ok {
				ps = append(ps, func(s *Settings) {
					s.HTTP = maps.Clone(s.HTTP)
					if s.HTTP == nil {
						s.HTTP = map[string]any{}
					}
					maps.Copy(s.HTTP, h)
				})
			}
		}
	}
	return func(s *Settings) {
		for _, f := range ps {
			f(s)
		}
	}
}

// faults reads a fault mapping or a list of them; null or [] is no
// faults. m is the message (nil in defaults).
func (l *loader) faults(v *yaml.Node, m *flow.Message) ([]Fault, bool) {
	v = yamlpos.Deref(v)
	var items []*yaml.Node
	switch {
	case yamlpos.IsNull(v):
		return nil, true
	case v.Kind == yaml.SequenceNode:
		items = v.Content
	case v.Kind == yaml.MappingNode:
		items = []*yaml.Node{v}
	default:
		l.f.Errorf(v, "fault must be a mapping {rate, kind, delay} or a list of them, not %s", yamlpos.Describe(v))
		return nil, false
	}
	var fs []Fault
	ok := true
	sum := 0.0
	for _, it := range items {
		ents := l.f.Mapping(it, "a fault")
		if yamlpos.Deref(it).Kind != yaml.MappingNode {
			ok = false
			continue
		}
		l.f.CheckKeys(ents, faultKeys, "fault")
		f := Fault{Kind: FaultError}
		good := true
		if e := yamlpos.Get(ents, "kind"); e != nil {
			k, sok := l.scalar(e.Val, "a fault kind")
			switch {
			case !sok:
				good = false
			case !slices.Contains(faultKinds, k):
				l.f.Errorf(e.Val, "unknown fault kind %q%s; want %s", k, suggest.DidYouMean(k, faultKinds), strings.Join(faultKinds, ", "))
				good = false
			case k == FaultDrop && m != nil && !m.Arrow.Async():
				l.f.Errorf(e.Val, "fault kind drop is for async messages (-) or --)); #%d %q is not one", m.N, m.Selector())
				good = false
			case k == FaultDrop && m == nil:
				l.f.Errorf(e.Val, "fault kind drop is for async messages (-) or --)): set it on them under messages:, not in defaults")
				good = false
			}
			f.Kind = k
		}
		if e := yamlpos.Get(ents, "status"); e != nil {
			n, sok := l.integer(e.Val, "status")
			switch {
			case !sok:
				good = false
			case f.Kind != FaultError:
				l.f.Errorf(e.Key, "fault: status is for kind error, not %s", f.Kind)
				good = false
			case n < 100 || n > 599:
				l.f.Errorf(e.Val, "fault: status must be an HTTP status in [100, 599], not %d", n)
				good = false
			default:
				f.Status = n
			}
		}
		if e := yamlpos.Get(ents, "first"); e != nil {
			n, fok := l.integer(e.Val, "first")
			if fok && n < 1 {
				l.f.Errorf(e.Val, "fault: first must be at least 1 (the first K attempts of the message in each run), not %d", n)
				fok = false
			}
			good = good && fok
			f.First = n
		}
		if e := yamlpos.Get(ents, "window"); e != nil {
			w, wok := l.window(e.Val)
			good = good && wok
			f.Window = w
		}
		if e := yamlpos.Get(ents, "rate"); e != nil {
			r, rok := l.share(e.Val, "rate")
			good = good && rok
			f.Rate = r
			sum += r
		} else if yamlpos.Get(ents, "first") != nil || yamlpos.Get(ents, "window") != nil {
			f.Rate = 1 // scheduled: every call the schedule selects
		} else {
			l.f.Errorf(yamlpos.Deref(it), "fault: rate is missing (a share of the messages, such as 0.02 or 2%%)")
			good = false
		}
		if e := yamlpos.Get(ents, "delay"); e != nil {
			if f.Kind != FaultDelay {
				l.f.Errorf(e.Key, "fault: delay is for kind delay, not %s", f.Kind)
				good = false
			} else if lat, lok := l.latency(e.Val); lok {
				f.Delay = lat
			} else {
				good = false
			}
		} else if f.Kind == FaultDelay && good {
			l.f.Errorf(yamlpos.Deref(it), "fault: kind delay needs delay: the extra latency, such as 2s")
			good = false
		}
		if good {
			fs = append(fs, f)
		}
		ok = ok && good
	}
	if ok && sum > 1+1e-9 && !scheduled(fs) {
		l.f.Errorf(v, "fault: the rates add up to %s; a message draws at most one fault, so they must add up to at most 1", fmtFloat(sum))
		ok = false
	}
	return fs, ok
}

// scheduled reports whether any fault has a schedule (first, window):
// then rates need not add up to 1, since the first fault whose schedule
// holds and whose rate draws is the one injected.
func scheduled(fs []Fault) bool {
	for i := range fs {
		if fs[i].scheduled() {
			return true
		}
	}
	return false
}

// window reads a fault's window: [from, to] as durations since the start
// of the simulation, from < to.
func (l *loader) window(v *yaml.Node) ([2]time.Duration, bool) {
	v = yamlpos.Deref(v)
	if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
		l.f.Errorf(v, "fault: window must be [from, to], two durations since the start, such as [10s, 40s]")
		return [2]time.Duration{}, false
	}
	a, aok := l.duration(v.Content[0], "window")
	b, bok := l.duration(v.Content[1], "window")
	if aok && bok && b <= a {
		l.f.Errorf(v, "fault: window [%v, %v] is empty: its end must come after its start", a, b)
		return [2]time.Duration{}, false
	}
	return [2]time.Duration{a, b}, aok && bok
}

func (l *loader) retry(v *yaml.Node) patch {
	ents := l.f.Mapping(v, "retry")
	l.f.CheckKeys(ents, retryKeys, "retry")
	var ps []patch
	for _, e := range ents {
		switch e.Key.Value {
		case "attempts":
			n, ok := l.integer(e.Val, "attempts")
			if ok && n < 1 {
				l.f.Errorf(e.Val, "retry: attempts must be at least 1 (it counts the first try), not %d", n)
				ok = false
			}
			if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Attempts = n })
			}
		case "backoff", "max":
			d, ok := l.duration(e.Val, e.Key.Value)
			if ok && e.Key.Value == "backoff" {
				ps = append(ps, func(s *Settings) { s.Retry.Backoff = d })
			} else if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Max = d })
			}
		case "multiplier":
			x, ok := l.number(e.Val, "multiplier")
			if ok && x < 1 {
				l.f.Errorf(e.Val, "retry: multiplier must be at least 1, not %s", fmtFloat(x))
				ok = false
			}
			if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Multiplier = x })
			}
		case "jitter":
			j, ok := l.scalar(e.Val, "a jitter")
			if ok && !slices.Contains(jitterKinds, j) {
				l.f.Errorf(e.Val, "unknown jitter %q%s; want %s", j, suggest.DidYouMean(j, jitterKinds), strings.Join(jitterKinds, ", "))
				ok = false
			}
			if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Jitter = j })
			}
		}
	}
	return func(s *Settings) {
		for _, f := range ps {
			f(s)
		}
	}
}

// Participants.

func (l *loader) participants(p *Profile, layers []layer) {
	var ids []string
	for _, pt := range l.d.Participants {
		ids = append(ids, pt.ID)
	}
	last := map[string]*yaml.Node{}
	badURL := map[string]bool{}
	for _, ly := range layers {
		for _, e := range l.f.Mapping(ly.participants, "participants") {
			id := e.Key.Value
			ps := p.Participants[id]
			if ps == nil {
				msg := fmt.Sprintf("participant %q is not in the diagram", id)
				for _, pt := range l.d.Participants {
					if pt.Label == id {
						msg += fmt.Sprintf("; it is the label of %q: use the id", pt.ID)
						break
					}
				}
				if !strings.Contains(msg, "label") {
					msg += suggest.DidYouMean(id, ids)
				}
				l.f.Errorf(e.Key, "%s", msg)
				continue
			}
			last[id] = e.Key
			ps.Pos = l.f.Pos(e.Key)
			ents := l.f.Mapping(e.Val, "a participant's settings")
			l.f.CheckKeys(ents, participantKeys, "participant")
			for _, f := range ents {
				switch f.Key.Value {
				case "adapter":
					if a, ok := l.scalar(f.Val, "an adapter"); ok {
						if slices.Contains(adapters, a) {
							ps.Adapter = a
						} else {
							l.f.Errorf(f.Val, "unknown adapter %q%s; want %s", a, suggest.DidYouMean(a, adapters), strings.Join(adapters, ", "))
						}
					}
				case "url":
					if u, ok := l.scalar(f.Val, "a URL"); ok {
						pu, err := url.Parse(u)
						if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
							l.f.Errorf(f.Val, "url %q: want an http:// or https:// URL with a host", u)
							badURL[id] = true
						} else {
							ps.URL = u
						}
					}
				case "command":
					fv := yamlpos.Deref(f.Val)
					if fv.Kind == yaml.ScalarNode {
						ps.Command = strings.Fields(fv.Value)
					} else {
						var argv []string
						if err := fv.Decode(&argv); err != nil {
							l.f.Errorf(fv, "command must be a string or a list of strings, not %s", yamlpos.Describe(fv))
						} else {
							ps.Command = argv
						}
					}
				case "secret":
					var names []string
					if fv := yamlpos.Deref(f.Val); fv.Kind != yaml.SequenceNode || fv.Decode(&names) != nil {
						l.f.Errorf(fv, "secret must be a list of header or variable names")
						continue
					}
					ps.Secret = names
				case "shell":
					var b bool
					if fv := yamlpos.Deref(f.Val); fv.Decode(&b) != nil {
						l.f.Errorf(fv, "shell must be true or false")
						continue
					}
					ps.Shell = b
				case "ca":
					if c, ok := l.scalar(f.Val, "a PEM file"); ok {
						if !filepath.IsAbs(c) {
							c = filepath.Join(l.dir, c)
						}
						ps.CA = c
					}
				case "env", "headers":
					var mm map[string]string
					if fv := yamlpos.Deref(f.Val); fv.Kind != yaml.MappingNode || fv.Decode(&mm) != nil {
						l.f.Errorf(fv, "%s must be a mapping of names to strings", f.Key.Value)
						continue
					}
					if f.Key.Value == "env" {
						ps.Env = mm
					} else {
						ps.Headers = mm
					}
				}
			}
		}
	}
	for _, pt := range l.d.Participants {
		ps, k := p.Participants[pt.ID], last[pt.ID]
		switch {
		case k == nil:
		case ps.Adapter == AdapterHTTP && ps.URL == "" && !badURL[pt.ID]:
			l.f.Errorf(k, "participant %q: the http adapter needs url:", pt.ID)
		case ps.Adapter == AdapterExec && len(ps.Command) == 0:
			l.f.Errorf(k, "participant %q: the exec adapter needs command:", pt.ID)
		}
	}
}

// adapters checks what the real adapters will need before anything runs:
// every http request template of a message to an http participant, the
// CA files.
func (l *loader) adapters(p *Profile) {
	if !p.Real() {
		return
	}
	pl := &plan{}
	for i, m := range l.msgs {
		pl.msgs = append(pl.msgs, msgPlan{m: m, set: p.Messages[i]})
	}
	for _, c := range p.Extra {
		pl.msgs = append(pl.msgs, msgPlan{m: c.Message, set: c.Settings})
	}
	_, _, err := buildAdapters(p, pl.msgs)
	for _, e := range srcpos.All(err) {
		// a line that already has a problem has no further one here
		if !slices.ContainsFunc(l.f.Errors(), func(o *srcpos.Error) bool { return o.Pos.Line == e.Pos.Line }) {
			l.f.Add(e)
		}
	}
}

// Blocks.

func (l *loader) blocks(p *Profile, layers []layer) {
	for _, ly := range layers {
		for _, e := range l.f.Mapping(ly.blocks, "blocks") {
			b, bi, err := l.d.LookupBlock(e.Key.Value)
			if err != nil {
				l.f.Errorf(e.Key, "%v", err)
				l.f.CheckKeys(l.f.Quiet(e.Val), blockKeys, "block")
				continue
			}
			ents := l.f.Mapping(e.Val, "a block's settings")
			l.f.CheckKeys(ents, blockKeys, "block")
			bs := p.Blocks[b]
			if bs == nil && len(ents) > 0 {
				bs = &BlockSettings{}
				p.Blocks[b] = bs
			}
			key := b.Key(bi)
			for _, f := range ents {
				switch f.Key.Value {
				case "when":
					if b.Kind != flow.Alt && b.Kind != flow.Critical && b.Kind != flow.Break {
						l.f.Errorf(f.Key, "when binds a branch of alt, critical or break; %q is a %s block", key, b.Kind)
						continue
					}
					s, ok := l.scalar(f.Val, "a when string")
					if !ok {
						continue
					}
					m, fault, err := l.d.LookupWhen(s)
					if err != nil {
						l.f.Errorf(f.Val, "%v", err)
						continue
					}
					if bs.When == nil {
						bs.When = make([]*When, len(b.Branches))
					}
					bs.When[bi] = &When{N: m.N, Fault: fault}
				case "weights":
					if b.Kind != flow.Alt && b.Kind != flow.Critical {
						l.f.Errorf(f.Key, "weights choose among the branches of alt and critical; %q is a %s block", key, b.Kind)
						continue
					}
					if bi != 0 {
						l.f.Errorf(f.Key, "weights go on the block's opening line %q, one per branch", b.Key(0))
						continue
					}
					if w, ok := l.weights(f.Val, b); ok {
						bs.Weights = w
					}
				case "probability":
					if b.Kind != flow.Opt && b.Kind != flow.Break {
						l.f.Errorf(f.Key, "probability is for opt and break blocks; %q is a %s block", key, b.Kind)
						continue
					}
					if x, ok := l.share(f.Val, "probability"); ok {
						bs.Probability = &x
					}
				case "iterations":
					if b.Kind != flow.Loop {
						l.f.Errorf(f.Key, "iterations is for loop blocks; %q is a %s block", key, b.Kind)
						continue
					}
					s, ok := l.scalar(f.Val, "an iteration count")
					if !ok {
						continue
					}
					c, err := ParseCount(s, l.dir)
					if err != nil {
						l.f.Errorf(f.Val, "iterations: %v", err)
						continue
					}
					bs.Iterations = c
				}
			}
		}
	}
}

func (l *loader) weights(v *yaml.Node, b *flow.Block) ([]float64, bool) {
	v = yamlpos.Deref(v)
	if v.Kind != yaml.SequenceNode {
		l.f.Errorf(v, "weights must be a list of numbers, one per branch, not %s", yamlpos.Describe(v))
		return nil, false
	}
	var ws []float64
	sum, ok := 0.0, true
	for _, it := range v.Content {
		x, xok := l.number(it, "a weight")
		if xok && x < 0 {
			l.f.Errorf(it, "weight %s is negative", fmtFloat(x))
			xok = false
		}
		ok = ok && xok
		ws = append(ws, x)
		sum += x
	}
	if !ok {
		return nil, false
	}
	if len(ws) != len(b.Branches) {
		l.f.Errorf(v, "weights: %q has %d branches, so want %d weights, not %d", b.Key(0), len(b.Branches), len(b.Branches), len(ws))
		return nil, false
	}
	if sum <= 0 {
		l.f.Errorf(v, "weights: at least one must be positive")
		return nil, false
	}
	return ws, true
}

// SLOs.

type sloKey struct {
	metric string
	n      int
	q      float64
}

func (l *loader) slo(p *Profile, layers []layer) {
	targets := map[sloKey]SLOTarget{}
	for _, ly := range layers {
		for _, e := range l.f.Mapping(ly.slo, "slo") {
			k := e.Key.Value
			switch {
			case k == SLOFailed:
				if x, ok := l.share(e.Val, "failed"); ok {
					targets[sloKey{metric: SLOFailed}] = SLOTarget{Target: "failed <= " + fmtPercent(x), Metric: SLOFailed, Share: x}
				}
			case slices.Contains(sloMetrics, k):
				l.quantileTargets(e.Val, k, k, 0, targets)
			case strings.Contains(k, ":") || strings.HasPrefix(strings.TrimSpace(k), "#") || strings.Contains(k, "->"):
				m, err := l.d.Lookup(k)
				if err != nil {
					l.f.Errorf(e.Key, "%v", err)
					continue
				}
				metric := SLOMessage
				for _, o := range l.msgs {
					if o.ReplyTo == m.N {
						metric = SLOExchange
						break
					}
				}
				l.quantileTargets(e.Val, metric, strconv.Quote(m.Selector()), m.N, targets)
			default:
				l.f.Errorf(e.Key, "unknown slo key %q%s; want %s, or a message selector", k, suggest.DidYouMean(k, sloMetrics), strings.Join(sloMetrics, ", "))
			}
		}
	}
	for _, t := range targets {
		p.SLO = append(p.SLO, t)
	}
	order := func(m string) int {
		if i := slices.Index(sloMetrics, m); i >= 0 {
			return i
		}
		return len(sloMetrics)
	}
	slices.SortFunc(p.SLO, func(a, b SLOTarget) int {
		return cmp.Or(cmp.Compare(order(a.Metric), order(b.Metric)), cmp.Compare(a.N, b.N), cmp.Compare(a.Quantile, b.Quantile))
	})
}

func (l *loader) quantileTargets(v *yaml.Node, metric, name string, n int, targets map[sloKey]SLOTarget) {
	ents := l.f.Mapping(v, "an slo target")
	if yamlpos.Deref(v) != nil && yamlpos.Deref(v).Kind == yaml.MappingNode && len(ents) == 0 {
		l.f.Errorf(v, "slo %s: want percentiles, such as {p95: 3s, p99: 10s}", name)
	}
	for _, e := range ents {
		q, err := parseP(e.Key.Value)
		if err == nil && q == 0 {
			err = fmt.Errorf("%q: p0 is no target; want a percentile above 0 such as p50 or p99", e.Key.Value)
		}
		if err != nil {
			l.f.Errorf(e.Key, "slo %s: %v", strings.Trim(name, `"`), err)
			continue
		}
		d, ok := l.duration(e.Val, e.Key.Value)
		if !ok {
			continue
		}
		targets[sloKey{metric, n, q}] = SLOTarget{Target: fmt.Sprintf("%s %s <= %s", name, pName(q), fmtDur(d)),
			Metric: metric, N: n, Quantile: q, Limit: d}
	}
}

func fmtPercent(x float64) string { return strconv.FormatFloat(x*100, 'g', -1, 64) + "%" }

// Scalars.

// latency reads a latency value.
func (l *loader) latency(v *yaml.Node) (Latency, bool) {
	s, ok := l.scalar(v, "a latency")
	if !ok {
		return nil, false
	}
	lat, err := ParseLatency(s, l.dir)
	if err != nil {
		if strings.Count(s, "(") > strings.Count(s, ")") {
			err = fmt.Errorf("%w (inside […], YAML splits at commas: quote the latency)", err)
		}
		l.f.Errorf(v, "%v", err)
		return nil, false
	}
	return lat, true
}

// duration reads a duration (0 may be written bare).
func (l *loader) duration(v *yaml.Node, what string) (time.Duration, bool) {
	s, ok := l.scalar(v, "a duration")
	if !ok {
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		l.f.Errorf(v, "%s: %v", what, err)
		return 0, false
	}
	return d, true
}

// share reads a rate or probability: a number in [0, 1] or a
// percentage "2%".
func (l *loader) share(v *yaml.Node, what string) (float64, bool) {
	s, ok := l.scalar(v, "a number")
	if !ok {
		return 0, false
	}
	t, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	x, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		l.f.Errorf(v, "%s %q: want a number between 0 and 1, or a percentage such as 2%%", what, s)
		return 0, false
	}
	if pct {
		x /= 100
	}
	if x < 0 || x > 1 {
		l.f.Errorf(v, "%s %s is outside [0, 1]", what, s)
		return 0, false
	}
	return x, true
}

func (l *loader) number(v *yaml.Node, what string) (float64, bool) {
	s, ok := l.scalar(v, "a number")
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		l.f.Errorf(v, "%s %q is not a number", what, s)
		return 0, false
	}
	return x, true
}

func (l *loader) integer(v *yaml.Node, what string) (int, bool) {
	s, ok := l.scalar(v, "a whole number")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		l.f.Errorf(v, "%s %q is not a whole number", what, s)
		return 0, false
	}
	return n, true
}

func (l *loader) boolean(v *yaml.Node) (bool, bool) {
	s, ok := l.scalar(v, "true or false")
	if !ok {
		return false, false
	}
	switch s {
	case "true", "True", "TRUE", "yes", "on":
		return true, true
	case "false", "False", "FALSE", "no", "off":
		return false, true
	}
	l.f.Errorf(v, "%q: want true or false", s)
	return false, false
}

// anyMap decodes a mapping as plain Go values (kept raw).
func (l *loader) anyMap(v *yaml.Node, what string) (map[string]any, bool) {
	v = yamlpos.Deref(v)
	var m map[string]any
	if v.Kind != yaml.MappingNode || v.Decode(&m) != nil {
		l.f.Errorf(v, "%s must be a mapping, not %s", what, yamlpos.Describe(v))
		return nil, false
	}
	return m, true
}

// scalar returns the text of a scalar node, reporting anything else.
func (l *loader) scalar(v *yaml.Node, want string) (string, bool) {
	v = yamlpos.Deref(v)
	if v.Kind != yaml.ScalarNode || yamlpos.IsNull(v) {
		l.f.Errorf(v, "want %s here, not %s", want, yamlpos.Describe(v))
		return "", false
	}
	return v.Value, true
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
