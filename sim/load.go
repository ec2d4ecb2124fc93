package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
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
	"github.com/choreo-dev/choreo/report"
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
	DefaultLatency = logNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond)
	// DefaultActorLatency is the latency of a message sent by an actor
	// (human time).
	DefaultActorLatency = logNormalP(3*time.Second, 0.99, 30*time.Second)
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
	faultKinds      = []string{report.FaultError, report.FaultTimeout, report.FaultDrop, report.FaultDelay}
	retryKeys       = []string{"attempts", "backoff", "multiplier", "jitter", "max"}
	jitterKinds     = []string{JitterNone, JitterFull, JitterEqual}
	blockKeys       = []string{"when", "weights", "probability", "iterations"}
	participantKeys = []string{"adapter", "url", "command", "env", "headers", "secret", "shell", "ca"}
	adapters        = []string{AdapterStub, AdapterHTTP, AdapterExec}
	sloMetrics      = []string{report.SLOEndToEnd, report.SLOCompletion, report.SLOSystemTime, report.SLOFailed}
)

// LoadProfile reads the YAML profile data (named path, which also
// locates the files of empirical(FILE) latencies) and resolves it against
// d: every selector, block key and when string must name something in d.
// scenario, when not empty, names a scenario of the profile whose
// settings are merged over the top level. The result holds the settings
// of every message, defaults applied. Problems are *ProfileError values;
// see ProfileError for several. docs/profile.md describes the format.
//
// sets are overrides (`choreo sim --set`), "SELECTOR.key=value" each,
// layered over the profile and the scenario as one more overlay:
// docs/whatif.md. Their problems are at "--set[i]:1:COL", i counting
// from 1. Without a profile, path is "" and data nil.
func LoadProfile(path string, data []byte, d *flow.Diagram, scenario string, sets ...string) (*Profile, error) {
	return loadProfile(path, data, d, scenario, sets, false)
}

// LoadProfileLint is LoadProfile for choreo lint: a profile entry that can
// never take effect and that LoadProfile refuses — a drop fault on a
// message that is not async — is left out of the settings and listed in
// the profile's Unreachable instead, so that lint reports it beside its
// other findings.
func LoadProfileLint(path string, data []byte, d *flow.Diagram, scenario string, sets ...string) (*Profile, error) {
	return loadProfile(path, data, d, scenario, sets, true)
}

func loadProfile(path string, data []byte, d *flow.Diagram, scenario string, sets []string, lint bool) (*Profile, error) {
	l := &loader{dir: filepath.Dir(path), d: d, msgs: d.Messages(), extras: map[string]*flow.Message{}, lint: lint}
	if path == "" {
		l.dir = "."
	}
	p := l.load(path, data, scenario, sets)
	if err := l.f.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	if lint {
		p.Unreachable = l.unreachable
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
	// sloPos is where each SLO target was set, by its Target text.
	sloPos map[string]flow.Pos
	// lint: entries that can never take effect are listed in unreachable
	// instead of refused (LoadProfileLint).
	lint        bool
	unreachable []*ProfileError
}

// layer is one level of the profile: the top level, then the scenario.
type layer struct {
	defaults, participants, messages, blocks, slo *yaml.Node
}

// patch applies the fields one mapping sets to settings below it.
type patch func(*Settings)

func (l *loader) load(path string, data []byte, scenario string, sets []string) *Profile {
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

	if len(sets) > 0 {
		ov := l.overlay(sets)
		l.f.CheckKeys(ov, overlayKeys, "--set")
		layers = append(layers, l.layer(ov))
		p.Set = sets
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

// Participants.

// Blocks.

// SLOs.

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
