package sim

import (
	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/internal/yamlpos"
)

// Loading the profile's blocks section: when, weights, probability and
// iterations by block and branch key.

func (l *loader) blocks(p *Profile, layers []layer) {
	for _, ly := range layers {
		for _, e := range l.f.Mapping(ly.blocks, "blocks") {
			b, bi, err := l.d.LookupBlock(e.Key.Value)
			if err != nil {
				l.f.Errorf(e.Key, "%v", lookup.Explain(err))
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
						l.f.Errorf(f.Val, "%v", lookup.Explain(err))
						continue
					}
					if bs.When == nil {
						bs.When = make([]*When, len(b.Branches))
					}
					bs.When[bi] = &When{N: m.N, Fault: fault, Pos: l.f.Pos(f.Val)}
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
						bs.Weights, bs.WeightsPos = w, l.f.Pos(f.Val)
					}
				case "probability":
					if b.Kind != flow.Opt && b.Kind != flow.Break {
						l.f.Errorf(f.Key, "probability is for opt and break blocks; %q is a %s block", key, b.Kind)
						continue
					}
					if x, ok := l.share(f.Val, "probability"); ok {
						bs.Probability, bs.ProbabilityPos = &x, l.f.Pos(f.Val)
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
					c, err := parseCount(s, l.dir)
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
