package sim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/internal/yamlpos"
	"github.com/choreo-dev/choreo/report"
)

// Loading the profile's messages section: selectors, each message's
// settings (latency, faults and their schedules, timeout, deadline,
// retries, compensations), and the compensations defined by selector.

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
	err = lookup.Explain(err)
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
	// the diagram's suggestion first: it names what the selector most
	// likely misspells
	if s := suggest.DidYouMean(sel, names); s != "" && !strings.Contains(err.Error(), "did you mean") {
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
					l.f.Errorf(item, "compensate: %v", lookup.Explain(err))
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
				case report.FaultError, report.FaultTimeout, report.FaultDrop, "fails":
					kinds = append(kinds, k)
				default:
					l.f.Errorf(item, "expect: unknown fault %q%s", k, suggest.DidYouMean(k, []string{report.FaultError, report.FaultTimeout, report.FaultDrop, "fails"}))
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
		f := Fault{Kind: report.FaultError}
		good, skip := true, false // skip: left out, listed as unreachable (lint)
		if e := yamlpos.Get(ents, "kind"); e != nil {
			k, sok := l.scalar(e.Val, "a fault kind")
			switch {
			case !sok:
				good = false
			case !slices.Contains(faultKinds, k):
				l.f.Errorf(e.Val, "unknown fault kind %q%s; want %s", k, suggest.DidYouMean(k, faultKinds), strings.Join(faultKinds, ", "))
				good = false
			case k == report.FaultDrop && m != nil && !m.Arrow.Async():
				msg := fmt.Sprintf("fault kind drop is for async messages (-) or --)); #%d %q is not one", m.N, m.Selector())
				if l.lint {
					l.unreachable = append(l.unreachable, &ProfileError{Pos: l.f.Pos(e.Val), Msg: msg, Src: l.f.Line(e.Val.Line)})
					skip = true
				} else {
					l.f.Errorf(e.Val, "%s", msg)
					good = false
				}
			case k == report.FaultDrop && m == nil:
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
			case f.Kind != report.FaultError:
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
			if f.Kind != report.FaultDelay {
				l.f.Errorf(e.Key, "fault: delay is for kind delay, not %s", f.Kind)
				good = false
			} else if lat, lok := l.latency(e.Val); lok {
				f.Delay = lat
			} else {
				good = false
			}
		} else if f.Kind == report.FaultDelay && good {
			l.f.Errorf(yamlpos.Deref(it), "fault: kind delay needs delay: the extra latency, such as 2s")
			good = false
		}
		if good && !skip {
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
