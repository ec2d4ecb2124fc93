package report

import (
	"encoding/json"
	"io"
)

// Renderers are the output formats of a Result by --format name. Each
// writes the whole result to w and returns the first write error. The text
// renderer here never colours; cmd/choreo calls WriteText itself when it
// decides (isatty, NO_COLOR) that colour is wanted.
var Renderers = map[string]func(io.Writer, *Result) error{
	"json":     WriteJSON,
	"text":     func(w io.Writer, r *Result) error { return WriteText(w, r, TextOptions{}) },
	"markdown": WriteMarkdown,
	"html":     WriteHTML,
	"mermaid":  WriteMermaid,
}

// WriteJSON writes r as indented JSON with a trailing newline: the stable,
// versioned form docs/result.md documents. Field order is the struct order,
// HTML characters are not escaped (selectors hold "->>"), absent lists are
// written as [] rather than null, and a zero Version is written as Version.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(normalized(r))
}

// normalized returns a shallow copy of r whose nil lists are empty, so
// that the JSON has one shape whatever the producer did.
func normalized(r *Result) *Result {
	c := *r
	if c.Version == 0 {
		c.Version = Version
	}
	c.Messages = orEmpty(c.Messages)
	c.Exchanges = orEmpty(c.Exchanges)
	c.SLO = orEmpty(c.SLO)
	c.Slow = normalizedSlow(c.Slow)
	c.Cascades = append([]Cascade{}, c.Cascades...) // a copy: r's is not ours to change
	for i := range c.Cascades {
		c.Cascades[i].Chain = orEmpty(c.Cascades[i].Chain)
	}
	if c.Input != nil {
		in := *c.Input
		in.Problems = orEmpty(in.Problems)
		c.Input = &in
	}
	if c.Conformance != nil {
		cf := *c.Conformance
		cf.UnmappedServices = orEmpty(cf.UnmappedServices)
		cf.Deviations = append([]Deviation{}, cf.Deviations...)
		for i := range cf.Deviations {
			cf.Deviations[i].Examples = orEmpty(cf.Deviations[i].Examples)
		}
		c.Conformance = &cf
	}
	return &c
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
