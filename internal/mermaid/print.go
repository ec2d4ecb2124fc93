package mermaid

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
)

// Format prints the diagram back as Mermaid sequenceDiagram text,
// normalised, such that parsing the text again (package parser, Mermaid
// 11.15 semantics) gives the same model: the same participants in the same
// order with the same id, label, kind, box, metadata, links and
// properties, the same boxes, statements, title and accessibility texts.
// It is the output of `choreo parse --format mermaid`.
//
// Layout:
//
//   - Front matter (Diagram.FrontMatter) is re-emitted verbatim, so that its
//     configuration keeps applying; a wrap setting is re-emitted as a
//     %%{wrap}%% directive. Then the sequenceDiagram header line.
//   - The title is always printed as a `title X` line (even when it came
//     from front matter; the line then repeats it), then `accTitle: X` and
//     `accDescr: X` (always the one-line form; a newline in the
//     description is written #10;).
//   - One statement per line, indented by two spaces under the header and
//     two more per block level; no blank lines, no comments, no trailing
//     blanks. Keywords are lower case (`Note` is capitalised), messages
//     are written `From->>+To: text` with no spaces around the arrow, the
//     canonical lower-case arrow, and +, - or () as in the model; notes are
//     `Note left of X: t`, `Note right of X: t`, `Note over X,Y: t`;
//     `autonumber 10` stands for a step of 1. Empty labels and texts are
//     omitted (`loop`, `A->>B:`).
//   - Participants come out in the model's order (Mermaid's order of first
//     appearance). A declared participant is declared (participant X,
//     actor X, `as Label`, and `@{…}` metadata as recorded, or
//     `@{ "type": "K" }` for a kind that has no metadata) at the top while
//     that keeps the order, else just before the statement where it first
//     appears, or inside its box;
//     an implicit participant stays implicit, introduced by its first
//     message or note, or by a `links X: {}` line where it must appear
//     before any statement names it. A created participant is declared by
//     its create line. The label, kind and metadata printed are the final
//     ones, so redeclarations collapse into one declaration (two lines when
//     metadata and a later alias disagree on the kind or label).
//   - Boxes come out in order with their participant lines; links and
//     properties are printed last, one `links X: {json}` and one
//     `properties X: {json}` line per participant.
//
// Escaping: text is held decoded in the model, so whatever Mermaid's
// lexer or preprocessing would eat is written as an entity code #N; (N is
// the decimal code point), which the parser decodes back: '#' and ';' in
// texts and labels, newlines and other control characters, a '%' before
// another '%' (comments, %%{ directives), a '"' after '=' (Mermaid rewrites
// attribute quotes), spaces at either end of a trimmed value, the first
// character of a text that would start with a wrap:/nowrap: prefix, a ')'
// in a box title after an rgb() fill, and the last ';' of a line that
// Mermaid's style/classDef clean-up would drop (an extra ';' is added
// instead). Participant ids are escaped the same way wherever they occur,
// as little as every place they are written in allows: characters that end
// a name (,:;<>+@#%), an id that starts with a keyword (`end`, `opt x`) or
// a number and a space, dashes that would read as an arrow, and spaces or
// dashes where a declaration with an alias or metadata needs a single word.
// Characters U+0080 to U+009F and NUL have no entity the parser decodes
// back and are written as they are.
//
// Limitations: two participants whose ids differ only in how the source
// encoded them (a-b and a#45;b) cannot be told apart in the model and come
// out as one. A destroy line inside a box, which Mermaid records without a
// statement, is printed in a box placed where it has the same effect when
// there is one; in contrived diagrams there is none and it is lost.
func Format(d *flow.Diagram) string {
	p := newMermaidPrinter(d)
	p.print()
	return p.out.String()
}

type mmPrinter struct {
	d       *flow.Diagram
	out     strings.Builder
	indent  int
	ids     map[string]string // id -> printed form
	idx     map[string]int    // id -> index in Participants
	seen    []bool
	boxOf   map[string]int // id -> box index
	nextBox int
	// declared[i]: a full declaration of participant i has been printed.
	declared []bool
	// flat holds the statements in document order; after[s] is the index
	// following s and everything nested in it; cursor is the index of the
	// next statement to print.
	flat    []flow.Statement
	after   map[flow.Statement]int
	at      map[flow.Statement]int
	cursor  int
	destroy map[string]bool // destroyed in a box: no statement says so
	// destroyStated: a destroy statement names the participant
	destroyStated map[string]bool
	// createPending: a create line waits for its message
	createPending bool
	// pending: introduced by the statement being printed, not yet there
	pending map[string]bool
}

func newMermaidPrinter(d *flow.Diagram) *mmPrinter {
	p := &mmPrinter{d: d, idx: map[string]int{}, boxOf: map[string]int{}}
	for i, pt := range d.Participants {
		if _, ok := p.idx[pt.ID]; !ok {
			p.idx[pt.ID] = i
		}
	}
	p.seen = make([]bool, len(d.Participants))
	p.declared = make([]bool, len(d.Participants))
	p.after = map[flow.Statement]int{}
	p.at = map[flow.Statement]int{}
	var flatten func([]flow.Statement)
	flatten = func(ss []flow.Statement) {
		for _, s := range ss {
			p.at[s] = len(p.flat)
			p.flat = append(p.flat, s)
			if b, ok := s.(*flow.Block); ok {
				for _, br := range b.Branches {
					flatten(br.Statements)
				}
			}
			p.after[s] = len(p.flat)
		}
	}
	flatten(d.Statements)
	stated := map[string]bool{}
	p.destroyStated = stated
	for _, s := range p.flat {
		if x, ok := s.(*flow.Destroy); ok {
			stated[x.Participant] = true
		}
	}
	p.destroy = map[string]bool{}
	p.pending = map[string]bool{}
	for _, pt := range d.Participants {
		if pt.Destroyed && !stated[pt.ID] {
			p.destroy[pt.ID] = true
		}
	}
	for k, b := range d.Boxes {
		for _, id := range b.Participants {
			if _, ok := p.boxOf[id]; !ok {
				p.boxOf[id] = k
			}
		}
	}
	p.ids = chooseIDs(d)
	return p
}

func (p *mmPrinter) print() {
	d := p.d
	if d.FrontMatter != "" {
		p.out.WriteString("---\n" + d.FrontMatter + "\n---\n")
	}
	if d.Wrap {
		p.out.WriteString("%%{wrap}%%\n")
	}
	p.out.WriteString("sequenceDiagram\n")
	p.indent = 1
	if d.Title != "" {
		p.line("title "+escapeMM(d.Title, ctxTitle), false)
	}
	if d.AccTitle != "" {
		p.line("accTitle: "+escapeMM(d.AccTitle, ctxAcc), true)
	}
	if d.AccDescr != "" {
		p.line("accDescr: "+escapeMM(d.AccDescr, ctxAcc), true)
	}
	p.flushBoxes()
	// Declarations go at the top as long as that keeps the order.
	for i, pt := range d.Participants {
		if !pt.Declared || pt.Created || p.destroyStated[pt.ID] && !pt.Destroyed {
			break
		}
		if !p.seen[i] {
			p.introduce(i)
		}
	}
	p.stmts(d.Statements)
	p.ensureUpTo(len(d.Participants))
	for k := p.nextBox; k < len(d.Boxes); k++ {
		p.emitBox(k)
	}
	for _, pt := range d.Participants {
		if len(pt.Links) > 0 {
			p.line("links "+p.id(pt.ID)+": "+escapeMM(jsonText(pt.Links), ctxText), false)
		}
		if len(pt.Properties) > 0 {
			p.line("properties "+p.id(pt.ID)+": "+escapeMM(jsonText(pt.Properties), ctxText), false)
		}
	}
}

func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// line writes one line at the current indentation, protected against
// Mermaid's style/classDef semicolon removal. acc marks accTitle/accDescr
// lines, whose value runs to the end of the line, ';' included.
func (p *mmPrinter) line(s string, acc bool) {
	head, last := "", s
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		head, last = s[:i+1], s[i+1:]
	}
	p.out.WriteString(strings.Repeat("  ", p.indent))
	p.out.WriteString(head)
	p.out.WriteString(styleSafe(last, acc))
	p.out.WriteByte('\n')
}

// styleSafe appends the fewest ';' such that Mermaid's encodeEntities
// clean-up (/style.*:\S*#.*;/ and /classDef.*:\S*#.*;/ lose their last
// character) only drops what was appended.
func styleSafe(s string, acc bool) string {
	if !strings.Contains(s, "style") && !strings.Contains(s, "classDef") {
		return s
	}
	for k := 0; k <= 2; k++ {
		c := s + strings.Repeat(";", k)
		got := dropStyleSemi(dropStyleSemi(c, "style"), "classDef")
		if acc && got == s || !acc && strings.HasPrefix(got, s) && strings.Trim(got[len(s):], ";") == "" {
			return c
		}
	}
	return s
}

func dropStyleSemi(line, kw string) string {
	if semi := StyleSemicolon([]byte(line), kw); semi >= 0 {
		return line[:semi] + line[semi+1:]
	}
	return line
}

func (p *mmPrinter) id(id string) string {
	if s, ok := p.ids[id]; ok {
		return s
	}
	s, _ := encodeID(id, lvAll, false)
	p.ids[id] = s
	return s
}

func (p *mmPrinter) stmts(ss []flow.Statement) {
	for _, s := range ss {
		if i, ok := p.at[s]; ok {
			p.cursor = i
		}
		p.stmt(s)
		clear(p.pending)
		if i, ok := p.after[s]; ok {
			p.cursor = i
		}
		p.flushBoxes()
	}
}

var centralMark = map[bool]string{true: "()", false: ""}

func (p *mmPrinter) stmt(s flow.Statement) {
	switch x := s.(type) {
	case *flow.Message:
		p.need(x.From, x.To)
		p.boxForDestroy(x)
		mod := ""
		switch {
		case x.Central == flow.CentralTo || x.Central == flow.CentralBoth:
			mod = "()"
		case x.Activate:
			mod = "+"
		case x.Deactivate:
			mod = "-"
		}
		from := x.Central == flow.CentralFrom || x.Central == flow.CentralBoth
		arrow := string(x.Arrow)
		if firstArrow(arrow+mod+p.id(x.To)) != arrow {
			arrow += " " // Server\\- -Client: the mark must not lengthen the arrow
		}
		p.line(p.id(x.From)+centralMark[from]+arrow+mod+p.id(x.To)+":"+textPart(x.Text), false)
		p.createPending = false
	case *flow.Note:
		p.need(x.Participants...)
		ids := make([]string, len(x.Participants))
		for i, id := range x.Participants {
			ids[i] = p.id(id)
		}
		place := x.Placement
		if place == "" {
			place = flow.Over
		}
		p.line("Note "+place+" "+strings.Join(ids, ",")+":"+textPart(x.Text), false)
	case *flow.Create:
		i, ok := p.idx[x.Participant]
		if !ok {
			p.line("create participant "+p.id(x.Participant), false)
			return
		}
		p.ensureUpTo(i)
		ls := p.decl(p.d.Participants[i])
		p.seen[i] = true
		p.declared[i] = true
		p.line("create "+ls[0], false)
		p.createPending = true
		for _, l := range ls[1:] {
			p.line(l, false)
		}
	case *flow.Destroy:
		// The destroy marks the participant only if it exists by then.
		if i, ok := p.idx[x.Participant]; ok && !p.seen[i] && p.d.Participants[i].Destroyed {
			p.ensureUpTo(i)
			if !p.seen[i] {
				p.introduce(i)
			}
		}
		p.line("destroy "+p.id(x.Participant), false)
	case *flow.Activation:
		kw := "deactivate "
		if x.Active {
			kw = "activate "
		}
		p.line(kw+p.id(x.Participant), false)
	case *flow.Autonumber:
		switch {
		case x.Off:
			p.line("autonumber off", false)
		case x.Start == "":
			p.line("autonumber", false)
		case x.Step == "" || x.Step == "1":
			p.line("autonumber "+x.Start, false)
		default:
			p.line("autonumber "+x.Start+" "+x.Step, false)
		}
	case *flow.Block:
		for i, br := range x.Branches {
			kw := string(x.Kind)
			if i > 0 {
				kw = x.Kind.BranchKeyword()
				if kw == "" {
					kw = br.Keyword
				}
			}
			if br.Label != "" {
				kw += " " + escapeMM(br.Label, ctxText)
			}
			p.line(kw, false)
			p.indent++
			p.stmts(br.Statements)
			p.indent--
		}
		p.line("end", false)
	}
}

func textPart(s string) string {
	if s == "" {
		return ""
	}
	return " " + escapeMM(s, ctxText)
}

// need makes sure the participants a statement names, and every
// participant before them, appear before the statement is printed. Those
// that appear first in this statement are introduced by it, unless a
// later one needs a declaration line first: then they are introduced by
// lines of their own too, so that the order holds.
func (p *mmPrinter) need(ids ...string) {
	var news []int
	for _, id := range ids {
		if i, ok := p.idx[id]; ok && !p.seen[i] && !slices.Contains(news, i) {
			news = append(news, i)
		}
	}
	explicit := -1
	for k, i := range news {
		if !p.implicitOK(p.d.Participants[i]) {
			explicit = k
		}
		// participants that must come in between need lines of their
		// own, and so do the ones of this statement before them
		for j := 0; j < i; j++ {
			if !p.seen[j] && !slices.Contains(news[:k], j) {
				explicit = max(explicit, k-1)
				break
			}
		}
	}
	for k, i := range news {
		if p.seen[i] {
			continue
		}
		p.ensureUpTo(i)
		if k <= explicit {
			p.introduce(i)
		} else {
			p.seen[i] = true // the statement introduces it
			p.pending[p.d.Participants[i].ID] = true
		}
	}
}

// boxForDestroy prints the next box now if the message involves a
// participant destroyed in a box, and the box may come here.
func (p *mmPrinter) boxForDestroy(m *flow.Message) {
	if !p.there(m.From) && !p.there(m.To) || p.nextBox >= len(p.d.Boxes) {
		return
	}
	first := -1
	for i, s := range p.seen {
		if !s {
			first = i
			break
		}
	}
	allSeen := true
	for _, id := range p.d.Boxes[p.nextBox].Participants {
		if j, ok := p.idx[id]; ok && !p.seen[j] {
			allSeen = false
		}
	}
	if allSeen || first >= 0 && len(p.pending) == 0 && p.boxIntroduces(p.nextBox, first) {
		p.emitBox(p.nextBox)
	}
}

// destroyFits reports whether a destroy line for id may come before the
// statement at the cursor.
// Mermaid checks the message after a create first: a destroy waits for
// the one after that.
func (p *mmPrinter) destroyFits(id string) bool {
	created := p.createPending
	for _, s := range p.flat[min(p.cursor, len(p.flat)):] {
		switch x := s.(type) {
		case *flow.Create:
			created = true
		case *flow.Destroy:
			return true
		case *flow.Message:
			if created {
				created = false
				continue
			}
			return x.From == id || x.To == id
		}
	}
	return true
}

// there reports whether a participant destroyed in a box has appeared.
func (p *mmPrinter) there(id string) bool {
	i, ok := p.idx[id]
	return ok && p.destroy[id] && p.seen[i] && !p.pending[id]
}

// implicitOK reports whether a message or note may introduce the
// participant: it is not declared, or its box declares it later with all
// it needs.
func (p *mmPrinter) implicitOK(pt *flow.Participant) bool {
	if pt.Created || !pt.Declared {
		return !pt.Created
	}
	if _, ok := p.boxOf[pt.ID]; !ok {
		return false
	}
	if pt.Alias {
		return pt.Metadata == "" && keywordKind(pt.Kind)
	}
	return pt.Metadata == "" && pt.Kind == flow.KindParticipant && pt.Label == pt.ID
}

func (p *mmPrinter) ensureUpTo(j int) {
	for i := 0; i < j && i < len(p.seen); i++ {
		if !p.seen[i] {
			p.introduce(i)
		}
	}
}

// introduce prints what makes participant i appear now: its box, its
// declaration, or (for an implicit participant) an empty links line.
func (p *mmPrinter) introduce(i int) {
	pt := p.d.Participants[i]
	p.flushBoxes()
	if k, ok := p.boxOf[pt.ID]; ok && k == p.nextBox && p.boxIntroduces(k, i) && len(p.destroy) == 0 {
		p.emitBox(k)
		return
	}
	p.seen[i] = true
	p.declared[i] = pt.Declared
	if !pt.Declared {
		p.line("links "+p.id(pt.ID)+": {}", false)
		return
	}
	for _, l := range p.decl(pt) {
		p.line(l, false)
	}
}

// boxIntroduces reports whether printing box k now introduces exactly the
// next participants in order, starting with i.
func (p *mmPrinter) boxIntroduces(k, i int) bool {
	next := i
	done := map[string]bool{}
	for _, id := range p.d.Boxes[k].Participants {
		j, ok := p.idx[id]
		if !ok || p.seen[j] || done[id] {
			continue
		}
		done[id] = true
		if j != next || p.d.Participants[j].Created || p.destroyStated[id] && !p.d.Participants[j].Destroyed {
			return false // it must appear later: at its create line, after a destroy line
		}
		next++
	}
	return next > i
}

// flushBoxes prints the next boxes as soon as they may come: when their
// participants have all appeared, or when the ones that have not are the
// next ones in order (and appearing early changes nothing else).
func (p *mmPrinter) flushBoxes() {
	for p.nextBox < len(p.d.Boxes) {
		allSeen, early := true, true
		for _, id := range p.d.Boxes[p.nextBox].Participants {
			if j, ok := p.idx[id]; ok && !p.seen[j] {
				allSeen = false
				if p.destroyStated[id] && !p.d.Participants[j].Destroyed {
					early = false
				}
			}
		}
		if !allSeen {
			first := slices.Index(p.seen, false)
			if !early || len(p.pending) > 0 || first < 0 || !p.boxIntroduces(p.nextBox, first) {
				return
			}
		}
		if len(p.destroy) > 0 && !p.boxHostsDestroy(p.nextBox) {
			return // wait for a place where a destroy line fits
		}
		p.emitBox(p.nextBox)
	}
}

// boxHostsDestroy reports whether box k, printed now, can hold one of the
// destroy lines Mermaid records without a statement.
func (p *mmPrinter) boxHostsDestroy(k int) bool {
	in := map[string]bool{}
	for _, id := range p.d.Boxes[k].Participants {
		in[id] = true
	}
	for id := range p.destroy {
		if (p.there(id) || in[id]) && p.destroyFits(id) {
			return true
		}
	}
	return false
}

func (p *mmPrinter) emitBox(k int) {
	b := p.d.Boxes[k]
	p.nextBox = k + 1
	p.line(boxLine(b), false)
	p.indent++
	done := map[string]bool{}
	var later []string
	for _, id := range b.Participants {
		j, ok := p.idx[id]
		if !ok {
			p.line("participant "+p.id(id), false)
			continue
		}
		pt := p.d.Participants[j]
		if p.declared[j] || done[id] {
			p.line(kindKeyword(pt.Kind)+" "+p.id(id), false)
			continue
		}
		done[id] = true
		p.seen[j] = true
		p.declared[j] = true
		ls := p.decl(pt)
		p.line(ls[0], false)
		later = append(later, ls[1:]...) // outside the box, not to list it twice
	}
	// A destroy line in a box marks the participant destroyed without a
	// statement; the next message must involve it, unless another destroy
	// comes first.
	for _, pt := range p.d.Participants {
		if p.there(pt.ID) && p.destroyFits(pt.ID) {
			delete(p.destroy, pt.ID)
			p.line("destroy "+p.id(pt.ID), false)
		}
	}
	p.indent--
	p.line("end", false)
	for _, l := range later {
		p.line(l, false)
	}
}

func kindKeyword(kind string) string {
	if kind == flow.KindActor {
		return "actor"
	}
	return "participant"
}

func keywordKind(kind string) bool { return kind == flow.KindParticipant || kind == flow.KindActor }

// decl returns the declaration lines that give a participant its final
// label, kind and metadata from scratch.
func (p *mmPrinter) decl(pt *flow.Participant) []string {
	id := p.id(pt.ID)
	kw := kindKeyword(pt.Kind)
	meta := pt.Metadata
	if meta == "" && !keywordKind(pt.Kind) && pt.Kind != "" {
		meta = `"type": ` + strconv.Quote(pt.Kind)
	}
	alias := ""
	if pt.Alias {
		alias = " as"
		if pt.Label != "" {
			alias += " " + escapeMM(pt.Label, ctxText)
		}
	}
	if meta == "" {
		return []string{kw + " " + id + alias}
	}
	m := "@{ " + escapeMM(meta, ctxMeta) + " }"
	if !pt.Alias {
		return []string{kw + " " + id + m}
	}
	if !keywordKind(pt.Kind) || !strings.Contains(meta, "type") && !strings.Contains(meta, "alias") {
		return []string{kw + " " + id + m + alias}
	}
	return []string{"participant " + id + m, kw + " " + id + alias}
}

func boxLine(b *flow.Box) string {
	title := escapeMM(b.Title, ctxText)
	fill := b.Fill
	if fill == "" {
		fill = "transparent"
	}
	s := "box"
	if fill != "transparent" || title != "" && colourFirst(title) {
		if strings.HasSuffix(fill, ")") {
			title = strings.ReplaceAll(title, ")", "#41;")
		}
		s += " " + fill
	}
	if title != "" {
		s += " " + title
	}
	return s
}

// colourFirst reports whether a box line made of title alone could be read
// as a fill colour followed by a title.
func colourFirst(title string) bool {
	l := strings.ToLower(title)
	for _, f := range []string{"rgb", "hsl"} {
		if strings.HasPrefix(l, f) {
			return true
		}
	}
	i := 0
	for i < len(l) && IsWordByte(l[i]) {
		i++
	}
	return cssNamedColors[l[:i]]
}

// --- text escaping ---

type mmCtx int

const (
	ctxText  mmCtx = iota // message and note text, labels, aliases: trimmed, wrap: prefixes, stops at # ; newline
	ctxTitle              // title: not trimmed, stops at # ; newline
	ctxAcc                // accTitle/accDescr: trimmed, runs to the end of the line
	ctxMeta               // @{…} metadata: trimmed, runs to '}', newlines kept
)

func entity(r rune) string { return "#" + strconv.Itoa(int(r)) + ";" }

// encodable reports whether #N; decodes back to r.
func encodable(r rune) bool { return r != 0 && (r < 0x80 || r > 0x9f) && r != utf8.RuneError }

func escapeMM(s string, ctx mmCtx) string {
	rs := []rune(s)
	var sb strings.Builder
	trim := ctx != ctxTitle
	// the ends that trimming would eat
	lo, hi := 0, len(rs)
	if trim {
		for lo < len(rs) && IsSpace(rs[lo]) {
			lo++
		}
		for hi > lo && IsSpace(rs[hi-1]) {
			hi--
		}
	}
	var last rune
	for i, r := range rs {
		enc := false
		switch {
		case trim && (i < lo || i >= hi) && encodable(r):
			enc = true
		case r == '\n':
			enc = ctx != ctxMeta
		case r == '\r', r == 0x2028, r == 0x2029:
			enc = true
		case r < 0x20 && r != '\t' && r != 0:
			enc = true
		case r == '#':
			enc = ctx == ctxText || ctx == ctxTitle || entityAhead(rs[i+1:])
		case r == ';':
			enc = ctx == ctxText || ctx == ctxTitle
		case r == '}':
			enc = ctx == ctxMeta
		case r == '%':
			enc = i+1 < len(rs) && rs[i+1] == '%'
		case r == '"':
			enc = last == '='
		}
		if enc {
			sb.WriteString(entity(r))
			last = ';'
		} else {
			sb.WriteRune(r)
			last = r
		}
	}
	out := sb.String()
	if ctx == ctxText {
		for _, pre := range []string{":wrap:", "wrap:", ":nowrap:", "nowrap:"} {
			if strings.HasPrefix(out, pre) {
				out = entity(rune(out[0])) + out[1:]
				break
			}
		}
	}
	return out
}

// entityAhead reports whether rs starts with \w+; (so that a '#' before it
// would read as an entity code).
func entityAhead(rs []rune) bool {
	i := 0
	for i < len(rs) && rs[i] < 0x80 && IsWordByte(byte(rs[i])) {
		i++
	}
	return i > 0 && i < len(rs) && rs[i] == ';'
}

// --- participant ids ---

// Encoding levels for ids: the first that every use of the id accepts wins.
const (
	lvBase  = iota // only what ends or breaks a name anywhere
	lvSpace        // and spaces (an id before `as` or @{)
	lvMeta         // and - = (an id before @{)
	lvAll          // every ASCII character but letters, digits and _
)

// idUse collects where an id is written.
type idUse struct {
	suffixes   []string // what follows it where it is lexed as a name
	afterMinus bool     // written right after a '-' activation mark
	alias      bool     // declared with `as`
	meta       bool     // declared with @{…}
}

func chooseIDs(d *flow.Diagram) map[string]string {
	uses := map[string]*idUse{}
	var order []string
	use := func(id string) *idUse {
		u := uses[id]
		if u == nil {
			u = &idUse{}
			uses[id] = u
			order = append(order, id)
		}
		return u
	}
	for _, pt := range d.Participants {
		u := use(pt.ID)
		u.suffixes = append(u.suffixes, ":")
		if pt.Alias {
			u.alias = true
		}
		if pt.Metadata != "" || !keywordKind(pt.Kind) && pt.Kind != "" {
			u.meta = true
		}
	}
	for _, b := range d.Boxes {
		for _, id := range b.Participants {
			use(id)
		}
	}
	d.Walk(func(s flow.Statement) {
		switch x := s.(type) {
		case *flow.Message:
			pre := ""
			if x.Central == flow.CentralFrom || x.Central == flow.CentralBoth {
				pre = "()"
			}
			f := use(x.From)
			f.suffixes = append(f.suffixes, pre+string(x.Arrow))
			t := use(x.To)
			t.suffixes = append(t.suffixes, ":")
			if x.Deactivate && x.Central != flow.CentralTo && x.Central != flow.CentralBoth {
				t.afterMinus = true
			}
		case *flow.Note:
			for i, id := range x.Participants {
				suf := ":"
				if i+1 < len(x.Participants) {
					suf = ","
				}
				u := use(id)
				u.suffixes = append(u.suffixes, suf)
			}
		case *flow.Activation:
			use(x.Participant)
		case *flow.Create:
			use(x.Participant)
		case *flow.Destroy:
			use(x.Participant)
		}
	})
	out := map[string]string{}
	for _, id := range order {
		u := uses[id]
		var best string
		for lv := lvBase; lv <= lvAll; lv++ {
			s, ok := encodeIDFor(id, lv, u)
			best = s
			if ok {
				break
			}
		}
		out[id] = best
	}
	return out
}

// encodeIDFor encodes id at level lv, escaping its first character too if
// that is what the uses need, and reports whether every use accepts it.
func encodeIDFor(id string, lv int, u *idUse) (string, bool) {
	for _, first := range []bool{false, true} {
		s, lexed := encodeID(id, lv, first)
		if checkID(lexed, u) {
			return s, true
		}
	}
	s, _ := encodeID(id, lv, true)
	return s, false
}

// encodeID returns the printed id and the bytes Mermaid's lexer sees once
// entity codes are replaced by placeholders (0xff … 0xfe).
func encodeID(id string, lv int, first bool) (string, []byte) {
	rs := []rune(id)
	lo, hi := 0, len(rs)
	for lo < len(rs) && IsSpace(rs[lo]) {
		lo++
	}
	for hi > lo && IsSpace(rs[hi-1]) {
		hi--
	}
	var sb strings.Builder
	var lexed []byte
	var last rune
	for i, r := range rs {
		enc := false
		switch {
		case !encodable(r):
		case i == 0 && first:
			enc = true
		case i < lo || i >= hi:
			enc = true
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			enc = true
		case strings.ContainsRune("#%;,:<>+@", r):
			enc = true
		case r == '"' && last == '=':
			enc = true
		case lv >= lvSpace && IsSpace(r):
			enc = true
		case lv >= lvMeta && (r == '-' || r == '='):
			enc = true
		case lv >= lvAll && r < 0x80 && !IsWordByte(byte(r)):
			enc = true
		}
		if enc {
			e := entity(r)
			sb.WriteString(e)
			lexed = append(lexed, 0xff)
			lexed = append(lexed, e[1:len(e)-1]...)
			lexed = append(lexed, 0xfe)
			last = ';'
		} else {
			sb.WriteRune(r)
			lexed = utf8.AppendRune(lexed, r)
			last = r
		}
	}
	return sb.String(), lexed
}

func checkID(lexed []byte, u *idUse) bool {
	if len(lexed) == 0 {
		return false
	}
	// every id may be written in a participant, activate or destroy line
	if !idPlainOK(lexed) {
		return false
	}
	if u.alias && RunOf(lexed, 0, AliasIDByte) != len(lexed) {
		return false
	}
	if u.meta && RunOf(lexed, 0, MetaIDByte) != len(lexed) {
		return false
	}
	for _, suf := range u.suffixes {
		b := append(append([]byte(nil), lexed...), suf...)
		if specialStart(b) || MatchActor(b, 0) != len(lexed) {
			return false
		}
	}
	if u.afterMinus {
		b := append([]byte("-"), lexed...)
		for _, a := range Arrows {
			if HasPrefixFold(b, 0, a) {
				return false
			}
		}
	}
	return true
}

// idPlainOK: the ID lexer state reads the whole id, not an alias.
func idPlainOK(b []byte) bool {
	if Space(b, 0) > 0 || b[0] == '#' || RunOf(b, 0, PlainIDByte) != len(b) {
		return false
	}
	e := RunOf(b, 0, AliasIDByte)
	return !FollowedByAs(append(append([]byte(nil), b...), '\n'), e)
}

// firstArrow is the arrow token Mermaid's lexer reads at the start of s.
func firstArrow(s string) string {
	for _, a := range Arrows {
		if HasPrefixFold([]byte(s), 0, a) {
			return a
		}
	}
	return ""
}

// specialStart reports whether a rule tried before the name rule
// matches at the start of b (conservatively for title and acc*).
func specialStart(b []byte) bool {
	c := b[0]
	if Space(b, 0) > 0 || c == '#' || c == '%' || c == ',' || c == ';' {
		return true
	}
	if c != '}' {
		_, n := utf8.DecodeRune(b)
		if bytes.HasPrefix(b[n:], []byte("%%")) {
			return true
		}
	}
	if numberLike(b) {
		return true
	}
	for _, w := range Keywords {
		if Keyword(b, 0, w) {
			return true
		}
	}
	for _, w := range []string{"title", "accTitle", "accDescr"} {
		if HasPrefixFold(b, 0, w) {
			return true
		}
	}
	return !ActorFirstByte(c)
}

// numberLike is a conservative stand-in for the number rule
// (MatchNumber): any run of digits and dots followed by a
// space or newline, a superset of what the rule matches.
func numberLike(b []byte) bool {
	i := 0
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
		i++
	}
	return i > 0 && i < len(b) && (b[i] == ' ' || b[i] == '\n')
}
