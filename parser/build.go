package parser

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/alecthomas/participle/v2/lexer"
	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
)

// builder applies the parsed statements to the model the way Mermaid's
// SequenceDB applies them, including the checks that make Mermaid reject a
// diagram after a successful parse.
type builder struct {
	p           *parse
	d           *flow.Diagram
	actors      map[string]*actorRec // keyed by the raw id (entities encoded)
	order       []*actorRec
	boxes       []*boxRec
	currentBox  *boxRec
	lastCreated string
	lastDestroy string
	active      map[string]int
	n           int
}

type actorRec struct {
	p   *flow.Participant
	raw string
	box *boxRec
}

type boxRec struct {
	b *flow.Box
}

func (p *parse) build(items []gItem) (*flow.Diagram, error) {
	b := &builder{p: p, d: &flow.Diagram{}, actors: map[string]*actorRec{}, active: map[string]int{}}
	b.d.Title = p.pre.title
	b.d.Wrap = p.pre.wrap
	b.d.FrontMatter = p.pre.front
	if err := b.items(items); err != nil {
		return nil, err
	}
	for _, a := range b.order {
		if a.box != nil {
			a.p.Box = a.box.b.Title
		}
		b.d.Participants = append(b.d.Participants, a.p)
	}
	for _, bx := range b.boxes {
		b.d.Boxes = append(b.d.Boxes, bx.b)
	}
	flow.Pair(b.d)
	return b.d, nil
}

// items applies the lines in document order. The open blocks are a stack:
// a line's statements go to the branch on top, or to the diagram.
func (b *builder) items(items []gItem) error {
	type open struct {
		blk *flow.Block
		out *[]flow.Statement // the statements of the branch being read
	}
	stack := []open{{out: &b.d.Statements}}
	for _, it := range items {
		top := &stack[len(stack)-1]
		switch it.kind {
		case itemLine:
			s, err := b.line(it.line)
			if err != nil {
				return err
			}
			*top.out = append(*top.out, s...)
		case itemOpen:
			blk := b.openBlock(it.head)
			*top.out = append(*top.out, blk)
			stack = append(stack, open{blk: blk, out: &blk.Branches[0].Statements})
		case itemSection:
			br, err := b.section(top.blk, it.head)
			if err != nil {
				return err
			}
			top.out = &br.Statements
		case itemEnd:
			top.blk.End = b.p.pos(it.head[0])
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

func (b *builder) line(l *gLine) ([]flow.Statement, error) {
	p := b.p
	switch {
	case l.NL:
		return nil, nil
	case l.Invalid:
		return nil, nil
	case l.Participant != nil:
		return b.participant(l.Participant, false)
	case l.Create != nil:
		return b.participant(l.Create.Participant, true)
	case l.Box != nil:
		return nil, b.box(l.Box)
	case l.Signal != nil:
		return b.signal(l.Signal)
	case l.Autonumber != nil:
		t := l.Autonumber.Tokens
		st := &flow.Autonumber{Off: t[1].Type == tOff, Pos: p.pos(t[0])}
		if t[1].Type == tNum {
			st.Start, st.Step = t[1].Value, "1"
			if t[2].Type == tNum {
				st.Step = t[2].Value
			}
		}
		return []flow.Statement{st}, nil
	case l.Activation != nil:
		kw, actor := l.Activation.Tokens[0], l.Activation.Tokens[1]
		id := jsTrim(actor.Value)
		act := kw.Type == tActivate
		if act {
			b.active[id]++
			if b.actors[id] == nil {
				p.warn(actor, fmt.Sprintf("activate %s: no participant of that name yet (Mermaid ignores it)", decode(id)))
			}
		} else {
			if b.active[id] < 1 {
				return nil, p.errTok(actor, fmt.Sprintf("deactivate %s: the participant is not active", decode(id)))
			}
			b.active[id]--
		}
		return []flow.Statement{&flow.Activation{Participant: decode(id), Active: act, Pos: p.pos(kw)}}, nil
	case l.Note != nil:
		return b.note(l.Note)
	case l.Link != nil:
		return nil, b.linkLike(l.Link)
	case l.Meta != nil:
		return nil, b.meta(l.Meta.Tokens)
	}
	return nil, nil
}

// meta sets the title, accessibility title or description.
func (b *builder) meta(t []lexer.Token) error {
	p := b.p
	switch t[0].Type {
	case tTitle, tLegacyTitle:
		v := t[0].Value
		skip := 5
		if t[0].Type == tLegacyTitle {
			skip = 6
		}
		// the keyword, then exactly one whitespace character
		rest := []byte(v[skip:])
		n := mermaid.Space(rest, 0)
		if rest[0] == '\n' {
			p.warn(t[0], "'title' alone on its line takes the next line as the title; that line's statement is lost")
		}
		b.d.Title = decode(string(rest[n:]))
	case tAccTitle:
		b.d.AccTitle = decode(jsTrim(t[1].Value))
	case tAccDescr:
		b.d.AccDescr = decode(jsTrim(t[1].Value))
	case tAccDescrMulti:
		b.d.AccDescr = decode(dropIndent(jsTrim(t[0].Value)))
	}
	return nil
}

// dropIndent is /\n\s+/g → "\n" (the accessibility description clean-up).
func dropIndent(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var sb strings.Builder
	bs := []byte(s)
	for i := 0; i < len(bs); i++ {
		sb.WriteByte(bs[i])
		if bs[i] == '\n' {
			j := mermaid.SkipSpace(bs, i+1)
			if j > i+1 {
				i = j - 1
			}
		}
	}
	return sb.String()
}

func (b *builder) participant(g *gParticipant, create bool) ([]flow.Statement, error) {
	p := b.p
	kwTok, idTok, config, aliasTok := g.parts()
	raw := jsTrim(idTok.Value)
	kw := strings.ToLower(kwTok.Value)
	if kw == "destroy" {
		if config != nil {
			return nil, p.errTok(*config, "found metadata, expected the end of the line after 'destroy "+decode(raw)+"'")
		}
		if aliasTok != nil {
			return nil, p.errTok(*aliasTok, "found an alias, expected the end of the line after 'destroy "+decode(raw)+"'")
		}
		if !create {
			b.lastDestroy = raw
			if a := b.actors[raw]; a != nil {
				a.p.Destroyed = true
			}
			return []flow.Statement{&flow.Destroy{Participant: decode(raw), Pos: p.pos(kwTok)}}, nil
		}
		kw = "" // create destroy X: Mermaid creates a plain participant
	}
	if strings.ContainsAny(raw, " \t") && aliasTok == nil && config == nil {
		p.warn(idTok, fmt.Sprintf("the participant id is %q: a declared id runs to the end of the line, spaces included (use 'as' for a label)", decode(raw)))
	}
	draw := kw
	if draw == "actor" {
		draw = flow.KindActor
	}
	var desc *string
	if aliasTok != nil {
		s := parseMessage(aliasTok.Value)
		desc = &s
	}
	var meta *string
	if config != nil {
		s := jsTrim(config.Value)
		meta = &s
	}
	if create {
		if b.actors[raw] != nil {
			return nil, p.errTok(idTok, fmt.Sprintf("create %s: a participant of that name already exists (Mermaid cannot create an existing participant; use an alias)", decode(raw)))
		}
		b.lastCreated = raw
	}
	if err := b.addActor(raw, desc, draw, meta, idTok, true); err != nil {
		return nil, err
	}
	if create {
		b.actors[raw].p.Created = true
		return []flow.Statement{&flow.Create{Participant: decode(raw), Pos: p.pos(kwTok)}}, nil
	}
	return nil, nil
}

// addActor is SequenceDB.addActor. desc and meta are nil when absent;
// draw is "" when the statement gives no kind.
func (b *builder) addActor(raw string, desc *string, draw string, meta *string, at lexer.Token, declared bool) error {
	p := b.p
	typ := draw
	var doc map[string]any
	if meta != nil {
		y := *meta
		if !strings.Contains(y, "\n") {
			y = "{\n" + y + "\n}"
		} else {
			y += "\n"
		}
		var v any
		if err := yaml.Unmarshal([]byte(decode(y)), &v); err != nil {
			return p.errTok(at, "participant metadata: "+strings.TrimPrefix(err.Error(), "yaml: "))
		}
		doc, _ = v.(map[string]any)
		if t, ok := doc["type"]; ok && t != nil {
			typ = fmt.Sprint(t)
			switch typ {
			case flow.KindParticipant, flow.KindActor, flow.KindBoundary, flow.KindControl,
				flow.KindEntity, flow.KindDatabase, flow.KindCollections, flow.KindQueue:
			default:
				p.warn(at, fmt.Sprintf("participant type %q is not one Mermaid draws; it is kept as written", typ))
			}
		}
	}
	if al := doc["alias"]; truthy(al) && (desc == nil || *desc == raw) {
		s := fmt.Sprint(al)
		desc = &s
	}
	old := b.actors[raw]
	assigned := b.currentBox
	if old != nil {
		if b.currentBox != nil && old.box != nil && b.currentBox != old.box {
			return p.errTok(at, fmt.Sprintf("%s is already in box %q: a participant belongs to one box only", decode(raw), old.box.b.Title))
		}
		if old.box != nil {
			assigned = old.box
		}
		old.box = assigned
		if declared {
			old.p.Declared = true
		}
		if desc == nil {
			if declared && (meta != nil || draw != "" && draw != old.p.Kind) {
				p.warn(at, fmt.Sprintf("%s is already declared; Mermaid ignores a redeclaration without an alias", decode(raw)))
			}
			if b.currentBox != nil {
				b.currentBox.b.Participants = append(b.currentBox.b.Participants, decode(raw))
			}
			return nil
		}
	}
	label := raw
	alias := false
	if desc != nil {
		label = *desc
		alias = true
	}
	if typ == "" {
		typ = flow.KindParticipant
	}
	rec := old
	if rec == nil {
		rec = &actorRec{raw: raw, p: &flow.Participant{ID: decode(raw), Pos: p.pos(at)}}
		b.actors[raw] = rec
		b.order = append(b.order, rec)
	}
	rec.box = assigned
	rec.p.Label = decode(label)
	rec.p.Alias = alias
	rec.p.Kind = typ
	rec.p.Links = nil
	rec.p.Properties = nil
	if meta != nil {
		rec.p.Metadata = decode(*meta)
	}
	if declared {
		rec.p.Declared = true
	}
	if b.currentBox != nil {
		b.currentBox.b.Participants = append(b.currentBox.b.Participants, decode(raw))
	}
	return nil
}

// touch declares a participant implicitly (a message, note or link).
func (b *builder) touch(t lexer.Token) (string, error) {
	raw := jsTrim(t.Value)
	return raw, b.addActor(raw, nil, "", nil, t, false)
}

func (b *builder) box(g *gBox) error {
	color, title := boxData(g.Tokens[1].Value)
	bx := &boxRec{b: &flow.Box{Title: decode(title), Fill: color, Pos: b.p.pos(g.Tokens[0])}}
	b.boxes = append(b.boxes, bx)
	b.currentBox = bx
	for _, l := range g.Lines {
		if l.Participant == nil {
			continue
		}
		if _, err := b.participant(l.Participant, false); err != nil {
			return err
		}
	}
	b.currentBox = nil
	return nil
}

func (b *builder) signal(g *gSignal) ([]flow.Statement, error) {
	p := b.p
	fromTok, fromCentral, arrow, mod, toTok, text := g.parts()
	if fromCentral && mod != nil && mod.Type != tCentral {
		return nil, p.errTok(*mod, fmt.Sprintf("found '%s', expected '()' or a participant name after '%s' (A()->>B takes no +/-)", mod.Value, arrow.Value))
	}
	from, err := b.touch(fromTok)
	if err != nil {
		return nil, err
	}
	to, err := b.touch(toTok)
	if err != nil {
		return nil, err
	}
	if b.lastCreated != "" {
		if to != b.lastCreated {
			return nil, p.errTok(fromTok, fmt.Sprintf("participant %s is created but the next message is not sent to it (Mermaid needs the message that creates it right after 'create')", decode(b.lastCreated)))
		}
		b.lastCreated = ""
	} else if b.lastDestroy != "" {
		if to != b.lastDestroy && from != b.lastDestroy {
			return nil, p.errTok(fromTok, fmt.Sprintf("participant %s is destroyed but the next message neither comes from it nor goes to it", decode(b.lastDestroy)))
		}
		b.lastDestroy = ""
	}
	b.n++
	m := &flow.Message{
		N: b.n, From: decode(from), To: decode(to), Text: decode(text2(text.Value)),
		Arrow: flow.Arrow(strings.ToLower(arrow.Value)), Pos: p.pos(fromTok),
	}
	if fromCentral {
		m.Central = flow.CentralFrom
	}
	if mod != nil {
		switch mod.Type {
		case tPlus:
			m.Activate = true
			b.active[to]++
		case tMinus:
			m.Deactivate = true
			if b.active[from] < 1 {
				return nil, p.errTok(*mod, fmt.Sprintf("'-' deactivates %s, which is not active", decode(from)))
			}
			b.active[from]--
		case tCentral:
			if m.Central == flow.CentralFrom {
				m.Central = flow.CentralBoth
			} else {
				m.Central = flow.CentralTo
			}
		}
	}
	b.textWarnings(text)
	return []flow.Statement{m}, nil
}

// textWarnings flags text cut short by '#' or ';'.
func (b *builder) textWarnings(t lexer.Token) {
	src := b.p.pre.t.b
	end := t.Pos.Offset + len(t.Value)
	if end < len(src) {
		at := lexer.Token{Pos: b.p.lexPos(end)}
		switch src[end] {
		case '#':
			b.p.warn(at, "'#' starts a comment: the rest of the line is not part of the text (write #35; for a literal #)")
		case ';':
			// something other than spaces follows on the line (looking no
			// further than that: a line may hold thousands of statements)
			k := end + 1
			for k < len(src) && src[k] != '\n' {
				n := mermaid.Space(src, k)
				if n == 0 {
					break
				}
				k += n
			}
			if k < len(src) && src[k] != '\n' {
				b.p.warn(at, "';' ends the statement: the rest of the line is read as another statement (write #59; for a literal ;)")
			}
		}
	}
}

func (b *builder) note(g *gNote) ([]flow.Statement, error) {
	p := b.p
	t := g.Tokens
	text := t[len(t)-2]
	n := &flow.Note{Text: decode(text2(text.Value)), Pos: p.pos(t[0])}
	switch t[1].Type {
	case tLeftOf:
		n.Placement = flow.LeftOf
	case tRightOf:
		n.Placement = flow.RightOf
	default:
		n.Placement = flow.Over
	}
	for _, a := range t[2 : len(t)-2] {
		if a.Type != tActor {
			continue
		}
		id, err := b.touch(a)
		if err != nil {
			return nil, err
		}
		n.Participants = append(n.Participants, decode(id))
	}
	b.textWarnings(text)
	return []flow.Statement{n}, nil
}

func (b *builder) linkLike(g *gLinkLike) error {
	p := b.p
	kw, actor, text := g.Tokens[0], g.Tokens[1], g.Tokens[2]
	raw, err := b.touch(actor)
	if err != nil {
		return err
	}
	a := b.actors[raw].p
	txt := decode(text2(text.Value))
	switch kw.Type {
	case tLinks:
		var links map[string]any
		if err := json.Unmarshal([]byte(txt), &links); err != nil {
			p.warn(text, "links: the value is not a JSON object; Mermaid ignores it")
			return nil
		}
		for k, v := range links {
			if a.Links == nil {
				a.Links = map[string]string{}
			}
			a.Links[k] = fmt.Sprint(v)
		}
	case tLink:
		sep := jsIndexByte(txt, '@')
		label := jsSlice(txt, 0, sep-1)
		url := jsTrim(jsSlice(txt, sep+1, len(txt)*2))
		if sep < 0 {
			p.warn(text, "link: expected 'label @ url'")
		}
		if a.Links == nil {
			a.Links = map[string]string{}
		}
		a.Links[jsTrim(label)] = url
	case tProperties:
		var props any
		if err := json.Unmarshal([]byte(txt), &props); err != nil {
			p.warn(text, "properties: the value is not JSON; Mermaid ignores it")
			return nil
		}
		if m, ok := props.(map[string]any); ok {
			for k, v := range m {
				if a.Properties == nil {
					a.Properties = map[string]any{}
				}
				a.Properties[k] = v
			}
		}
	case tDetails:
		p.warn(kw, "details reads a page element when rendered; it adds nothing here")
	}
	return nil
}

// jsSlice is String.prototype.slice: indices count UTF-16 code units, and
// a negative end counts from the end.
func jsSlice(s string, from, to int) string {
	u := utf16.Encode([]rune(s))
	if to < 0 {
		to += len(u)
	}
	if to > len(u) {
		to = len(u)
	}
	if to < from {
		return ""
	}
	return string(utf16.Decode(u[from:to]))
}

// jsIndexByte is String.prototype.indexOf for an ASCII character: the
// index in UTF-16 code units, -1 if absent.
func jsIndexByte(s string, c byte) int {
	i := strings.IndexByte(s, c)
	if i < 0 {
		return -1
	}
	return len(utf16.Encode([]rune(s[:i])))
}

// openBlock starts a block from its keyword and label; its first branch
// is empty until the lines that follow fill it.
func (b *builder) openBlock(head []lexer.Token) *flow.Block {
	p := b.p
	kwTok := head[0]
	kind := flow.BlockKind(strings.ToLower(kwTok.Value))
	blk := &flow.Block{Kind: kind, Pos: p.pos(kwTok)}
	label := parseMessage(head[1].Value)
	if looksLikeMessage(label) {
		p.warn(kwTok, fmt.Sprintf("'%s' opens a block here and %q is its label: a name that starts with a block keyword and a space is read as that keyword", kwTok.Value, decode(label)))
	}
	blk.Branches = append(blk.Branches, &flow.Branch{Keyword: string(kind), Label: decode(label), Pos: p.pos(kwTok)})
	return blk
}

// section adds the branch that else, and or option starts to blk, which
// must be of the kind that keyword divides.
func (b *builder) section(blk *flow.Block, head []lexer.Token) (*flow.Branch, error) {
	p := b.p
	kw := strings.ToLower(head[0].Value)
	if want := blk.Kind.BranchKeyword(); kw != want {
		in := "'" + string(blk.Kind) + "'"
		return nil, p.errTok(head[0], fmt.Sprintf("found '%s' inside %s (opened at line %d): '%s' belongs in %s", kw, in, blk.Pos.Line, kw,
			map[string]string{"else": "'alt'", "and": "'par' or 'par_over'", "option": "'critical'"}[kw]))
	}
	br := &flow.Branch{Keyword: kw, Label: decode(parseMessage(head[1].Value)), Pos: p.pos(head[0])}
	blk.Branches = append(blk.Branches, br)
	return br, nil
}

func looksLikeMessage(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	for _, a := range []string{"->", "--", "-)", "-x"} {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}
