package sim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
)

// ProfileError is one problem in a profile, at the YAML key or value
// that has it. LoadProfile returns a *ProfileError, or, when it finds
// several problems, their errors.Join in file order (errors.As finds the
// first).
type ProfileError struct {
	Pos flow.Pos // file, line and column (1-based) of the key or value
	Msg string
	// Src is the profile line at Pos ("" when unknown), for printing the
	// line with a caret under the column.
	Src string
}

// Error returns "file:line:col: msg".
func (e *ProfileError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Position returns where the problem is.
func (e *ProfileError) Position() flow.Pos { return e.Pos }

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
	l := &loader{path: path, dir: filepath.Dir(path), d: d, msgs: d.Messages(),
		lines: strings.Split(string(data), "\n"), extras: map[string]*flow.Message{}}
	if path == "" {
		l.dir = "."
	}
	p := l.load(data, scenario)
	if err := l.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// loader holds the state of one LoadProfile call.
type loader struct {
	path, dir string
	d         *flow.Diagram
	msgs      []*flow.Message
	lines     []string
	errs      []*ProfileError

	// extras are the compensating messages not in the diagram, by
	// extraKey, and in order of first mention.
	extras     map[string]*flow.Message
	extraOrder []*flow.Message
	// joined are the keys rejoin appended to the value before them.
	joined map[*yaml.Node]bool
}

// layer is one level of the profile: the top level, then the scenario.
type layer struct {
	defaults, participants, messages, blocks, slo *yaml.Node
}

// patch applies the fields one mapping sets to settings below it.
type patch func(*Settings)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the problems libyaml's parser (not its scanner)
// reports. For them yaml.v3 prints the 0-based line of the construct
// being parsed (the mark is not adjusted as for scanner errors), and
// nothing when that is the first line.
var yamlParserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"found undefined tag handle", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found duplicate %YAML directive", "found incompatible YAML document", "found duplicate %TAG directive",
}

// yamlErrorLine returns the 1-based line of a yaml.v3 syntax error (0
// when unknown) and its message.
func yamlErrorLine(err error) (int, string) {
	msg, line := err.Error(), 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if slices.Contains(yamlParserProblems, msg) {
			line++
		}
		return line, msg
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if strings.HasPrefix(msg, "unknown anchor") {
		return 0, msg
	}
	// A scanner or parser error without a line is on the first line.
	return 1, msg
}

func (l *loader) load(data []byte, scenario string) *Profile {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlErrorLine(err)
		line = max(line, 1)
		// YAML syntax errors carry a line only: point at its first character
		src := l.src(line)
		col := len(src) - len(strings.TrimLeft(src, " \t")) + 1
		l.errs = append(l.errs, &ProfileError{Pos: flow.Pos{File: l.path, Line: line, Col: col}, Msg: "YAML: " + msg, Src: src})
		return nil
	}
	var doc *yaml.Node
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	p := DefaultProfile(l.d)
	p.Path, p.Scenario = l.path, scenario

	top := l.mapping(doc, "a profile")
	l.checkKeys(top, topKeys, "profile")
	layers := []layer{l.layer(top)}
	if sc := get(top, "scenarios"); sc != nil {
		for _, e := range l.mapping(sc.val, "scenarios") {
			p.Scenarios = append(p.Scenarios, e.key.Value)
			ov := l.mapping(e.val, "a scenario")
			if n := get(ov, "scenarios"); n != nil {
				l.errf(n.key, "scenarios do not nest: a scenario has the keys %s", strings.Join(overlayKeys, ", "))
				ov = slices.DeleteFunc(ov, func(e entry) bool { return e.key.Value == "scenarios" })
			}
			l.checkKeys(ov, overlayKeys, "scenario")
			if e.key.Value == scenario {
				layers = append(layers, l.layer(ov))
			}
		}
	}
	if scenario != "" && !slices.Contains(p.Scenarios, scenario) {
		msg := fmt.Sprintf("scenario %q is not in the profile", scenario)
		if len(p.Scenarios) == 0 {
			msg += ", which defines no scenarios"
		} else if s := didYouMean(scenario, p.Scenarios); s != "" {
			msg += s
		} else {
			msg += "; it has " + strings.Join(quoteAll(p.Scenarios), ", ")
		}
		l.errs = append(l.errs, &ProfileError{Pos: flow.Pos{File: l.path}, Msg: msg})
	}

	l.collectExtras(layers)
	l.messages(p, layers)
	l.participants(p, layers)
	l.adapters(p)
	l.blocks(p, layers)
	l.slo(p, layers)
	return p
}

func (l *loader) layer(m []entry) layer {
	val := func(k string) *yaml.Node {
		if e := get(m, k); e != nil {
			return e.val
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
		for _, e := range l.quiet(ly.messages) {
			for _, c := range l.quiet(e.val) {
				if c.key.Value != "compensate" {
					continue
				}
				for _, item := range seqOrOne(c.val) {
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
							Arrow: arrow, Pos: l.pos(item)}
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
					first = fmt.Sprintf("message %q: %q is not a participant of the diagram%s", sel, f, didYouMean(f, ids))
				default:
					first = fmt.Sprintf("message %q: %q is not a participant of the diagram%s", sel, t, didYouMean(t, ids))
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
	if s := didYouMean(sel, names); s != "" {
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
			ents := l.mapping(ly.defaults, "defaults")
			l.checkKeys(ents, defaultsKeys, "defaults")
			defs = append(defs, l.settings(ents, nil))
			if a := get(ents, "actor"); a != nil {
				aents := l.mapping(a.val, "defaults.actor")
				l.checkKeys(aents, actorKeys, "defaults.actor")
				actor = append(actor, l.settings(aents, nil))
			}
		}
		seen := map[*flow.Message]*yaml.Node{}
		for _, e := range l.mapping(ly.messages, "messages") {
			m, err := l.lookup(e.key.Value, true)
			if err != nil {
				l.errf(e.key, "%v", err)
				continue
			}
			if prev := seen[m]; prev != nil {
				l.errf(e.key, "%q names the same message as %q (line %d)", e.key.Value, prev.Value, prev.Line)
				continue
			}
			seen[m] = e.key
			ents := l.mapping(e.val, "a message's settings")
			l.checkKeys(ents, messageKeys, "message")
			perMsg[m.N-1] = append(perMsg[m.N-1], l.settings(ents, m))
			pos[m.N-1] = l.pos(e.key)
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
func (l *loader) settings(ents []entry, m *flow.Message) patch {
	var ps []patch
	for _, e := range ents {
		v := e.val
		switch e.key.Value {
		case "latency":
			if lat, ok := l.latency(v); ok {
				ps = append(ps, func(s *Settings) { s.Latency = lat })
			}
		case "timeout", "deadline":
			if d, ok := l.duration(v, e.key.Value); ok {
				if e.key.Value == "timeout" {
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
			for _, item := range seqOrOne(v) {
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
					l.errf(item, "compensate: %v", err)
					continue
				}
				if m != nil && cm == m {
					l.errf(item, "compensate: a message cannot compensate itself")
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
			for _, item := range seqOrOne(v) {
				k, ok := l.scalar(item, "a fault kind")
				if !ok {
					continue
				}
				switch k {
				case FaultError, FaultTimeout, FaultDrop, "fails":
					kinds = append(kinds, k)
				default:
					l.errf(item, "expect: unknown fault %q%s", k, didYouMean(k, []string{FaultError, FaultTimeout, FaultDrop, "fails"}))
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
	v = deref(v)
	var items []*yaml.Node
	switch {
	case isNull(v):
		return nil, true
	case v.Kind == yaml.SequenceNode:
		items = v.Content
	case v.Kind == yaml.MappingNode:
		items = []*yaml.Node{v}
	default:
		l.errf(v, "fault must be a mapping {rate, kind, delay} or a list of them, not %s", describe(v))
		return nil, false
	}
	var fs []Fault
	ok := true
	sum := 0.0
	for _, it := range items {
		ents := l.mapping(it, "a fault")
		if deref(it).Kind != yaml.MappingNode {
			ok = false
			continue
		}
		l.checkKeys(ents, faultKeys, "fault")
		f := Fault{Kind: FaultError}
		good := true
		if e := get(ents, "kind"); e != nil {
			k, sok := l.scalar(e.val, "a fault kind")
			switch {
			case !sok:
				good = false
			case !slices.Contains(faultKinds, k):
				l.errf(e.val, "unknown fault kind %q%s; want %s", k, didYouMean(k, faultKinds), strings.Join(faultKinds, ", "))
				good = false
			case k == FaultDrop && m != nil && !m.Arrow.Async():
				l.errf(e.val, "fault kind drop is for async messages (-) or --)); #%d %q is not one", m.N, m.Selector())
				good = false
			case k == FaultDrop && m == nil:
				l.errf(e.val, "fault kind drop is for async messages (-) or --)): set it on them under messages:, not in defaults")
				good = false
			}
			f.Kind = k
		}
		if e := get(ents, "status"); e != nil {
			n, sok := l.integer(e.val, "status")
			switch {
			case !sok:
				good = false
			case f.Kind != FaultError:
				l.errf(e.key, "fault: status is for kind error, not %s", f.Kind)
				good = false
			case n < 100 || n > 599:
				l.errf(e.val, "fault: status must be an HTTP status in [100, 599], not %d", n)
				good = false
			default:
				f.Status = n
			}
		}
		if e := get(ents, "first"); e != nil {
			n, fok := l.integer(e.val, "first")
			if fok && n < 1 {
				l.errf(e.val, "fault: first must be at least 1 (the first K attempts of the message in each run), not %d", n)
				fok = false
			}
			good = good && fok
			f.First = n
		}
		if e := get(ents, "window"); e != nil {
			w, wok := l.window(e.val)
			good = good && wok
			f.Window = w
		}
		if e := get(ents, "rate"); e != nil {
			r, rok := l.share(e.val, "rate")
			good = good && rok
			f.Rate = r
			sum += r
		} else if get(ents, "first") != nil || get(ents, "window") != nil {
			f.Rate = 1 // scheduled: every call the schedule selects
		} else {
			l.errf(deref(it), "fault: rate is missing (a share of the messages, such as 0.02 or 2%%)")
			good = false
		}
		if e := get(ents, "delay"); e != nil {
			if f.Kind != FaultDelay {
				l.errf(e.key, "fault: delay is for kind delay, not %s", f.Kind)
				good = false
			} else if lat, lok := l.latency(e.val); lok {
				f.Delay = lat
			} else {
				good = false
			}
		} else if f.Kind == FaultDelay && good {
			l.errf(deref(it), "fault: kind delay needs delay: the extra latency, such as 2s")
			good = false
		}
		if good {
			fs = append(fs, f)
		}
		ok = ok && good
	}
	if ok && sum > 1+1e-9 && !scheduled(fs) {
		l.errf(v, "fault: the rates add up to %s; a message draws at most one fault, so they must add up to at most 1", fmtFloat(sum))
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
	v = deref(v)
	if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
		l.errf(v, "fault: window must be [from, to], two durations since the start, such as [10s, 40s]")
		return [2]time.Duration{}, false
	}
	a, aok := l.duration(v.Content[0], "window")
	b, bok := l.duration(v.Content[1], "window")
	if aok && bok && b <= a {
		l.errf(v, "fault: window [%v, %v] is empty: its end must come after its start", a, b)
		return [2]time.Duration{}, false
	}
	return [2]time.Duration{a, b}, aok && bok
}

func (l *loader) retry(v *yaml.Node) patch {
	ents := l.mapping(v, "retry")
	l.checkKeys(ents, retryKeys, "retry")
	var ps []patch
	for _, e := range ents {
		switch e.key.Value {
		case "attempts":
			n, ok := l.integer(e.val, "attempts")
			if ok && n < 1 {
				l.errf(e.val, "retry: attempts must be at least 1 (it counts the first try), not %d", n)
				ok = false
			}
			if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Attempts = n })
			}
		case "backoff", "max":
			d, ok := l.duration(e.val, e.key.Value)
			if ok && e.key.Value == "backoff" {
				ps = append(ps, func(s *Settings) { s.Retry.Backoff = d })
			} else if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Max = d })
			}
		case "multiplier":
			x, ok := l.number(e.val, "multiplier")
			if ok && x < 1 {
				l.errf(e.val, "retry: multiplier must be at least 1, not %s", fmtFloat(x))
				ok = false
			}
			if ok {
				ps = append(ps, func(s *Settings) { s.Retry.Multiplier = x })
			}
		case "jitter":
			j, ok := l.scalar(e.val, "a jitter")
			if ok && !slices.Contains(jitterKinds, j) {
				l.errf(e.val, "unknown jitter %q%s; want %s", j, didYouMean(j, jitterKinds), strings.Join(jitterKinds, ", "))
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
		for _, e := range l.mapping(ly.participants, "participants") {
			id := e.key.Value
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
					msg += didYouMean(id, ids)
				}
				l.errf(e.key, "%s", msg)
				continue
			}
			last[id] = e.key
			ps.Pos = l.pos(e.key)
			ents := l.mapping(e.val, "a participant's settings")
			l.checkKeys(ents, participantKeys, "participant")
			for _, f := range ents {
				switch f.key.Value {
				case "adapter":
					if a, ok := l.scalar(f.val, "an adapter"); ok {
						if slices.Contains(adapters, a) {
							ps.Adapter = a
						} else {
							l.errf(f.val, "unknown adapter %q%s; want %s", a, didYouMean(a, adapters), strings.Join(adapters, ", "))
						}
					}
				case "url":
					if u, ok := l.scalar(f.val, "a URL"); ok {
						pu, err := url.Parse(u)
						if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
							l.errf(f.val, "url %q: want an http:// or https:// URL with a host", u)
							badURL[id] = true
						} else {
							ps.URL = u
						}
					}
				case "command":
					fv := deref(f.val)
					if fv.Kind == yaml.ScalarNode {
						ps.Command = strings.Fields(fv.Value)
					} else {
						var argv []string
						if err := fv.Decode(&argv); err != nil {
							l.errf(fv, "command must be a string or a list of strings, not %s", describe(fv))
						} else {
							ps.Command = argv
						}
					}
				case "secret":
					var names []string
					if fv := deref(f.val); fv.Kind != yaml.SequenceNode || fv.Decode(&names) != nil {
						l.errf(fv, "secret must be a list of header or variable names")
						continue
					}
					ps.Secret = names
				case "shell":
					var b bool
					if fv := deref(f.val); fv.Decode(&b) != nil {
						l.errf(fv, "shell must be true or false")
						continue
					}
					ps.Shell = b
				case "ca":
					if c, ok := l.scalar(f.val, "a PEM file"); ok {
						if !filepath.IsAbs(c) {
							c = filepath.Join(l.dir, c)
						}
						ps.CA = c
					}
				case "env", "headers":
					var mm map[string]string
					if fv := deref(f.val); fv.Kind != yaml.MappingNode || fv.Decode(&mm) != nil {
						l.errf(fv, "%s must be a mapping of names to strings", f.key.Value)
						continue
					}
					if f.key.Value == "env" {
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
			l.errf(k, "participant %q: the http adapter needs url:", pt.ID)
		case ps.Adapter == AdapterExec && len(ps.Command) == 0:
			l.errf(k, "participant %q: the exec adapter needs command:", pt.ID)
		}
	}
}

// adapters checks what the real adapters will need before anything runs:
// every http request template of a message to an http participant, the
// CA files.
func (l *loader) adapters(p *Profile) {
	if len(l.errs) > 0 || !p.Real() {
		return
	}
	pl := &plan{}
	for i, m := range l.msgs {
		pl.msgs = append(pl.msgs, msgPlan{m: m, set: p.Messages[i]})
	}
	for _, c := range p.Extra {
		pl.msgs = append(pl.msgs, msgPlan{m: c.Message, set: c.Settings})
	}
	if _, _, err := buildAdapters(p, pl.msgs); err != nil {
		var pe *ProfileError
		if errors.As(err, &pe) {
			pe.Src = l.src(pe.Pos.Line)
			l.errs = append(l.errs, pe)
		}
	}
}

// Blocks.

func (l *loader) blocks(p *Profile, layers []layer) {
	for _, ly := range layers {
		for _, e := range l.mapping(ly.blocks, "blocks") {
			b, bi, err := l.d.LookupBlock(e.key.Value)
			if err != nil {
				l.errf(e.key, "%v", err)
				continue
			}
			ents := l.mapping(e.val, "a block's settings")
			l.checkKeys(ents, blockKeys, "block")
			bs := p.Blocks[b]
			if bs == nil && len(ents) > 0 {
				bs = &BlockSettings{}
				p.Blocks[b] = bs
			}
			key := b.Key(bi)
			for _, f := range ents {
				switch f.key.Value {
				case "when":
					if b.Kind != flow.Alt && b.Kind != flow.Critical && b.Kind != flow.Break {
						l.errf(f.key, "when binds a branch of alt, critical or break; %q is a %s block", key, b.Kind)
						continue
					}
					s, ok := l.scalar(f.val, "a when string")
					if !ok {
						continue
					}
					m, fault, err := l.d.LookupWhen(s)
					if err != nil {
						l.errf(f.val, "%v", err)
						continue
					}
					if bs.When == nil {
						bs.When = make([]*When, len(b.Branches))
					}
					bs.When[bi] = &When{N: m.N, Fault: fault}
				case "weights":
					if b.Kind != flow.Alt && b.Kind != flow.Critical {
						l.errf(f.key, "weights choose among the branches of alt and critical; %q is a %s block", key, b.Kind)
						continue
					}
					if bi != 0 {
						l.errf(f.key, "weights go on the block's opening line %q, one per branch", b.Key(0))
						continue
					}
					if w, ok := l.weights(f.val, b); ok {
						bs.Weights = w
					}
				case "probability":
					if b.Kind != flow.Opt && b.Kind != flow.Break {
						l.errf(f.key, "probability is for opt and break blocks; %q is a %s block", key, b.Kind)
						continue
					}
					if x, ok := l.share(f.val, "probability"); ok {
						bs.Probability = &x
					}
				case "iterations":
					if b.Kind != flow.Loop {
						l.errf(f.key, "iterations is for loop blocks; %q is a %s block", key, b.Kind)
						continue
					}
					s, ok := l.scalar(f.val, "an iteration count")
					if !ok {
						continue
					}
					c, err := ParseCount(s, l.dir)
					if err != nil {
						l.errf(f.val, "iterations: %v", err)
						continue
					}
					bs.Iterations = c
				}
			}
		}
	}
}

func (l *loader) weights(v *yaml.Node, b *flow.Block) ([]float64, bool) {
	v = deref(v)
	if v.Kind != yaml.SequenceNode {
		l.errf(v, "weights must be a list of numbers, one per branch, not %s", describe(v))
		return nil, false
	}
	var ws []float64
	sum, ok := 0.0, true
	for _, it := range v.Content {
		x, xok := l.number(it, "a weight")
		if xok && x < 0 {
			l.errf(it, "weight %s is negative", fmtFloat(x))
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
		l.errf(v, "weights: %q has %d branches, so want %d weights, not %d", b.Key(0), len(b.Branches), len(b.Branches), len(ws))
		return nil, false
	}
	if sum <= 0 {
		l.errf(v, "weights: at least one must be positive")
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
		for _, e := range l.mapping(ly.slo, "slo") {
			k := e.key.Value
			switch {
			case k == SLOFailed:
				if x, ok := l.share(e.val, "failed"); ok {
					targets[sloKey{metric: SLOFailed}] = SLOTarget{Target: "failed <= " + fmtPercent(x), Metric: SLOFailed, Share: x}
				}
			case slices.Contains(sloMetrics, k):
				l.quantileTargets(e.val, k, k, 0, targets)
			case strings.Contains(k, ":") || strings.HasPrefix(strings.TrimSpace(k), "#") || strings.Contains(k, "->"):
				m, err := l.d.Lookup(k)
				if err != nil {
					l.errf(e.key, "%v", err)
					continue
				}
				metric := SLOMessage
				for _, o := range l.msgs {
					if o.ReplyTo == m.N {
						metric = SLOExchange
						break
					}
				}
				l.quantileTargets(e.val, metric, strconv.Quote(m.Selector()), m.N, targets)
			default:
				l.errf(e.key, "unknown slo key %q%s; want %s, or a message selector", k, didYouMean(k, sloMetrics), strings.Join(sloMetrics, ", "))
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
	ents := l.mapping(v, "an slo target")
	if deref(v) != nil && deref(v).Kind == yaml.MappingNode && len(ents) == 0 {
		l.errf(v, "slo %s: want percentiles, such as {p95: 3s, p99: 10s}", name)
	}
	for _, e := range ents {
		q, err := parseP(e.key.Value)
		if err == nil && q == 0 {
			err = fmt.Errorf("%q: p0 is no target; want a percentile above 0 such as p50 or p99", e.key.Value)
		}
		if err != nil {
			l.errf(e.key, "slo %s: %v", strings.Trim(name, `"`), err)
			continue
		}
		d, ok := l.duration(e.val, e.key.Value)
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
		l.errf(v, "%v", err)
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
		l.errf(v, "%s: %v", what, err)
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
		l.errf(v, "%s %q: want a number between 0 and 1, or a percentage such as 2%%", what, s)
		return 0, false
	}
	if pct {
		x /= 100
	}
	if x < 0 || x > 1 {
		l.errf(v, "%s %s is outside [0, 1]", what, s)
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
		l.errf(v, "%s %q is not a number", what, s)
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
		l.errf(v, "%s %q is not a whole number", what, s)
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
	l.errf(v, "%q: want true or false", s)
	return false, false
}

// anyMap decodes a mapping as plain Go values (kept raw).
func (l *loader) anyMap(v *yaml.Node, what string) (map[string]any, bool) {
	v = deref(v)
	var m map[string]any
	if v.Kind != yaml.MappingNode || v.Decode(&m) != nil {
		l.errf(v, "%s must be a mapping, not %s", what, describe(v))
		return nil, false
	}
	return m, true
}

// scalar returns the text of a scalar node, reporting anything else.
func (l *loader) scalar(v *yaml.Node, want string) (string, bool) {
	v = deref(v)
	if v.Kind != yaml.ScalarNode || isNull(v) {
		l.errf(v, "want %s here, not %s", want, describe(v))
		return "", false
	}
	return v.Value, true
}

// YAML nodes.

// entry is one key and value of a mapping.
type entry struct{ key, val *yaml.Node }

func get(es []entry, k string) *entry {
	for i := range es {
		if es[i].key.Value == k {
			return &es[i]
		}
	}
	return nil
}

// mapping returns the entries of a mapping node (null is empty),
// following aliases and << merge keys (keys written in the mapping win),
// and reports duplicate and non-scalar keys, and values that are not
// mappings.
func (l *loader) mapping(n *yaml.Node, what string) []entry {
	return l.entries(n, what, true)
}

// quiet is mapping without reports, for a first pass.
func (l *loader) quiet(n *yaml.Node) []entry { return l.entries(n, "", false) }

func (l *loader) entries(n *yaml.Node, what string, report bool) []entry {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if report {
			l.errf(n, "%s must be a mapping, not %s", what, describe(n))
		}
		return nil
	}
	var out, merged []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			src := deref(v)
			srcs := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, s := range srcs {
				merged = append(merged, l.entries(s, "a << merge", report)...)
			}
			continue
		}
		if l.rejoin(out, k, v) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			if report {
				l.errf(k, "a key must be a string, not %s", describe(k))
			}
			continue
		}
		if prev := seen[k.Value]; prev != nil {
			if report {
				l.errf(k, "%q is given twice (first at line %d)", k.Value, prev.Line)
			}
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{k, v})
	}
	for _, e := range merged {
		if seen[e.key.Value] == nil {
			seen[e.key.Value] = e.key
			out = append(out, e)
		}
	}
	return out
}

// rejoin repairs a latency that YAML split at its commas inside a flow
// mapping: {iterations: uniform(1, 5)} reads as iterations: "uniform(1"
// and a key "5)" without a value. Such a key is appended to the previous
// value while that value has an unclosed parenthesis. It reports whether
// k was consumed; repeated passes over the same node agree.
func (l *loader) rejoin(out []entry, k, v *yaml.Node) bool {
	if l.joined[k] {
		return true
	}
	if k.Kind != yaml.ScalarNode || k.Style != 0 || !isNull(v) || v.Value != "" || len(out) == 0 {
		return false
	}
	prev := deref(out[len(out)-1].val)
	if prev == nil || prev.Kind != yaml.ScalarNode || prev.Style != 0 || strings.Count(prev.Value, "(") <= strings.Count(prev.Value, ")") {
		return false
	}
	prev.Value += ", " + k.Value
	if l.joined == nil {
		l.joined = map[*yaml.Node]bool{}
	}
	l.joined[k] = true
	return true
}

// checkKeys reports the keys not in valid.
func (l *loader) checkKeys(es []entry, valid []string, what string) {
	for _, e := range es {
		if !slices.Contains(valid, e.key.Value) {
			l.errf(e.key, "unknown %s key %q%s; want %s", what, e.key.Value, didYouMean(e.key.Value, valid), strings.Join(valid, ", "))
		}
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// seqOrOne returns the items of a sequence, or the node itself.
func seqOrOne(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!int" || n.Tag == "!!float":
		return "the number " + n.Value
	case n.Tag == "!!bool":
		return n.Value
	}
	return strconv.Quote(n.Value)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Errors.

func (l *loader) pos(n *yaml.Node) flow.Pos {
	if n == nil {
		return flow.Pos{File: l.path}
	}
	return flow.Pos{File: l.path, Line: n.Line, Col: n.Column}
}

func (l *loader) src(line int) string {
	if line < 1 || line > len(l.lines) {
		return ""
	}
	return strings.TrimRight(l.lines[line-1], "\r")
}

func (l *loader) errf(n *yaml.Node, format string, args ...any) {
	p := l.pos(n)
	l.errs = append(l.errs, &ProfileError{Pos: p, Msg: fmt.Sprintf(format, args...), Src: l.src(p.Line)})
}

// err returns the problems found, sorted by position, without repeats.
func (l *loader) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(l.errs, func(a, b *ProfileError) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	l.errs = slices.CompactFunc(l.errs, func(a, b *ProfileError) bool { return a.Pos == b.Pos && a.Msg == b.Msg })
	if len(l.errs) == 1 {
		return l.errs[0]
	}
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
