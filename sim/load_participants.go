package sim

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/internal/yamlpos"
)

// Loading the profile's participants section: actors' defaults and each
// participant's adapter (stub, http, exec) with its settings.

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
