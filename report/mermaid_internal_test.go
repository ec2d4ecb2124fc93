package report

import (
	"bytes"
	"strings"
	"testing"
)

// ExportGolden lets the external tests (package report_test, which may
// parse diagrams) compare with golden files.
func ExportGolden(t *testing.T, got []byte) {
	t.Helper()
	golden(t, got)
}

// ExportHTMLChecks lets the external tests check a page as htmlChecks
// does: no external request, accessible figures, tables with headers.
func ExportHTMLChecks(t *testing.T, page []byte) {
	t.Helper()
	htmlChecks(t, page)
}

// Without a model the Markdown still renders: steps named by selectors,
// no flow paragraph, the diagram source as it is.
func TestRenderMarkdownNoModel(t *testing.T) {
	r := simResult()
	got := render(t, "markdown", r)
	noTrailingSpace(t, got)
	if !bytes.Contains(got, []byte("```mermaid\n"+r.DiagramSource+"```\n")) {
		t.Error("the diagram source is missing")
	}
	golden(t, got)
}

// Without a model the Mermaid output is the diagram source; without
// either it is an error.
func TestRenderMermaidNoModel(t *testing.T) {
	r := simResult()
	r.DiagramSource = strings.TrimSuffix(r.DiagramSource, "\n")
	if got := string(render(t, "mermaid", r)); got != r.DiagramSource+"\n" {
		t.Errorf("got %q, want the source", got)
	}
	r.DiagramSource = ""
	if err := WriteMermaid(&bytes.Buffer{}, r); err == nil {
		t.Error("no error for a result without a diagram")
	}
	// An empty result still gives a Markdown document.
	if got := render(t, "markdown", &Result{}); !bytes.HasPrefix(got, []byte("# Service levels: Flow\n")) {
		t.Errorf("markdown of an empty result:\n%s", got)
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		f        func(string) string
	}{
		{"a|b *c* _d_ <br>e", `a\|b \*c\* \_d\_ e`, mdText},
		{"Tom & <Jerry>", `Tom \& \<Jerry\>`, mdText},
		{"x|y", "`x\\|y`", func(s string) string { return mdCode(s, true) }},
		{"x|y", "`x|y`", func(s string) string { return mdCode(s, false) }},
		{"a`b", "`` a`b ``", func(s string) string { return mdCode(s, false) }},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
