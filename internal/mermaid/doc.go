// Package mermaid holds what choreo knows of Mermaid 11.15's
// sequenceDiagram text beyond the model: the lexical rules (lexer.go,
// space.go, preprocess.go), the CSS colours a box line may start with
// (css.go) and the printer that writes a flow.Diagram back as Mermaid
// text (print.go, [Format]).
//
// The lexical rules are Mermaid's as its jison lexer (sequenceDiagram.jison,
// run by a JavaScript regex engine) applies them, together with the few
// text rules of the preprocessing that runs before it. They are shared by
// the parser, which lexes with them (package parser), and by the printer,
// which uses them to decide what to escape so that the text it prints
// parses back to the same model. Keeping a single copy means the two
// cannot drift apart.
//
// Conventions: input is the preprocessed text as bytes (UTF-8, where entity
// codes may stand as 0xff … 0xfe placeholders, bytes that valid UTF-8 never
// holds); positions are byte offsets; a function named after a regex
// returns the end offset or the length of its match. Whitespace is
// JavaScript's \s, word characters are \w, and keyword matching is
// ASCII-case-insensitive, as the jison lexer's case-insensitive rules are.
//
// The package imports package flow and the standard library only, so that
// flow stays the model alone and the parser, the report renderers and the
// CLI can all print with it. The byte predicates are kept small so that
// the compiler inlines them into the lexer's hot loops.
package mermaid
