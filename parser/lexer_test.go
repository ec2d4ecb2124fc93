package parser

import (
	"slices"
	"testing"

	"github.com/choreo-dev/choreo/internal/mermaid"
)

// TestKeywordsAgree keeps the lexer's keyword tables, which carry token
// types and states, in step with the shared word list the printer escapes
// by.
func TestKeywordsAgree(t *testing.T) {
	var words []string
	for _, kw := range append(slices.Clone(keywords), keywords2...) {
		words = append(words, kw.word)
	}
	if !slices.Equal(words, mermaid.Keywords) {
		t.Errorf("lexer keywords %q\nmermaid.Keywords %q", words, mermaid.Keywords)
	}
}
