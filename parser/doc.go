// Package parser reads Mermaid sequenceDiagram text into a [flow.Diagram],
// as Mermaid 11.15.0 reads it: the same statements, the same implicit
// participants, the same lexer surprises (first-match lexing, keywords
// that open blocks inside names, `title` alone taking the next line…),
// and the same diagrams rejected.
//
// # Pipeline
//
// Mermaid's own preprocessing comes first (front matter, `%%{init}%%`
// directives, `%%` comments, entity codes such as `#59;` kept out of the
// lexer's way), keeping the offset of every byte in the original file.
// Then a lexer that reproduces Mermaid's jison lexer (its first-match
// rules and start conditions) produces tokens, each line is dispatched on
// its first token to the one statement grammar (participle v2) that can
// match it, and the statements are built into the model: participants,
// messages, notes, blocks with their branches, activations, and every
// node's position. Block openers, else/and/option and end are lines too:
// blocks nest through a stack, not recursion, so depth costs no goroutine
// stack (20,000 nested blocks parse in under a second: BENCHMARKS.md).
// [flow.Pair] then fills each reply's ReplyTo.
//
// # Errors and warnings
//
// [Parse] returns an [*Error] for input Mermaid rejects: the file, line
// and column, what is wrong in words a user understands, and the source
// line, which [Error.Snippet] shows with a caret under the column.
// [ParseWarnings] also returns [Warning]s for what Mermaid accepts but
// probably surprises the author (it does not change the diagram).
//
// The reference for every rule is Mermaid itself: the tests compare the
// parser with the recorded output of Mermaid's parser on the corpus in
// testdata/mermaid (the .oracle.json file beside each diagram).
package parser
