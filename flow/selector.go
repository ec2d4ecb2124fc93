package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LookupError reports a selector, block key or when string that names
// nothing, or more than one thing, in a diagram. Its message says which.
// What the user may have meant is for the caller to phrase: flow gives
// the candidates ([LookupError.Near]), the caller's did-you-mean ranks
// them (choreo's is internal/suggest).
type LookupError struct {
	// Query is the string looked up, as given.
	Query string
	// Ambiguous reports that Query names several messages or branches.
	Ambiguous bool
	// Suggestions are, when Query is ambiguous, the "#N" forms of the
	// candidates. (For a near miss see Near.)
	Suggestions []string
	// Want is Query in the form compared with the candidates' keys, and
	// Candidates what a near miss may have meant, in document order: the
	// name to offer and the key compared with Want.
	Want       string
	Candidates []Candidate
	// Fallback is what to offer when no candidate is near: for a
	// selector, the messages between the same participants.
	Fallback []string

	msg string
}

// Candidate is a name a near miss may have meant (a selector, "#N", a
// block key, a when string) and the form compared with the query.
type Candidate struct{ Name, Key string }

// Error returns the message, without suggestions.
func (e *LookupError) Error() string { return e.msg }

// Near returns what the user may have meant: the candidates that rank
// picks (rank returns the indexes of the keys close to Want, nearest
// first), without repeats, else the fallback.
func (e *LookupError) Near(rank func(want string, keys []string) []int) []string {
	if e.Ambiguous {
		return e.Suggestions
	}
	keys := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		keys[i] = c.Key
	}
	var out []string
	for _, i := range rank(e.Want, keys) {
		if !slices.Contains(out, e.Candidates[i].Name) {
			out = append(out, e.Candidates[i].Name)
		}
	}
	if len(out) == 0 {
		return e.Fallback
	}
	return out
}

// maxFallback bounds the fallback list.
const maxFallback = 3

// Lookup returns the message named by sel: either "#N", its 1-based index
// in document order, or a selector "From->>To: text" as
// [Message.Selector] writes it. Whitespace around the arrow and in the
// text does not matter, nor do activation marks (+, -) and central
// connections (()), and any arrow token may be written: the selector
// matches on From, To and text, and the arrow only decides between
// messages that differ by their arrow alone. A failed lookup returns a
// *[LookupError] that suggests the nearest selectors, or the "#N" forms of
// the candidates when sel is ambiguous.
func (d *Diagram) Lookup(sel string) (*Message, error) {
	ms := d.Messages()
	q := strings.TrimSpace(sel)
	if rest, ok := strings.CutPrefix(q, "#"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil {
			return nil, &LookupError{Query: sel, msg: fmt.Sprintf("message %q: after # want a message number", sel)}
		}
		if n < 1 || n > len(ms) {
			return nil, &LookupError{Query: sel, msg: fmt.Sprintf("message %q: the diagram has %s", sel, plural(len(ms), "message"))}
		}
		return ms[n-1], nil
	}

	head, text, hasText := strings.Cut(q, ":")
	text = collapseSpace(text)
	var found []*Message
	if hasText {
		for _, sp := range splits(head) {
			for _, m := range ms {
				if m.From == sp.from && m.To == sp.to && collapseSpace(m.Text) == text && !slices.Contains(found, m) {
					found = append(found, m)
				}
			}
		}
	}
	if len(found) > 1 {
		// Prefer the messages drawn with the arrow written.
		exact := slices.DeleteFunc(slices.Clone(found), func(m *Message) bool {
			return !slices.ContainsFunc(splits(head), func(sp split) bool {
				return sp.from == m.From && sp.to == m.To && strings.EqualFold(sp.arrow, string(m.Arrow))
			})
		})
		if len(exact) > 0 {
			found = exact
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, d.noMessage(sel, q, ms)
	}
	var ns []string
	for _, m := range found {
		ns = append(ns, "#"+strconv.Itoa(index(ms, m)))
	}
	return nil, &LookupError{Query: sel, Ambiguous: true, Suggestions: ns,
		msg: fmt.Sprintf("message %q is ambiguous: %d messages have that selector; name one by number: %s",
			sel, len(found), orList(quoteAll(ns)))}
}

// noMessage builds the error for a selector that matches no message.
func (d *Diagram) noMessage(sel, q string, ms []*Message) error {
	msg := fmt.Sprintf("message %q is not in the diagram", sel)
	if !strings.Contains(q, ":") {
		msg = fmt.Sprintf("message %q: want \"From->>To: text\" or \"#N\"", sel)
	}
	e := &LookupError{Query: sel, Want: normalSelector(q), msg: msg}
	for _, m := range ms {
		e.Candidates = append(e.Candidates, Candidate{
			Name: messageName(m, ms),
			Key:  m.From + "->>" + m.To + ": " + collapseSpace(m.Text),
		})
	}
	// When nothing is near: the messages between the same participants,
	// if the selector names a pair the diagram has.
	if sp, ok := firstSplit(strings.SplitN(q, ":", 2)[0]); ok {
		for _, m := range ms {
			if strings.EqualFold(m.From, sp.from) && strings.EqualFold(m.To, sp.to) && len(e.Fallback) < maxFallback {
				e.Fallback = append(e.Fallback, messageName(m, ms))
			}
		}
	}
	return e
}

// messageName is how a suggestion names m: its selector, or "#N" when
// another message has the same selector.
func messageName(m *Message, ms []*Message) string {
	sel := m.Selector()
	for _, o := range ms {
		if o != m && o.Selector() == sel {
			return "#" + strconv.Itoa(index(ms, m))
		}
	}
	return sel
}

func index(ms []*Message, m *Message) int { return slices.Index(ms, m) + 1 }

// split is one way to read the head of a selector, "From ARROW To".
type split struct{ from, arrow, to string }

// splits returns every reading of head as From, an arrow token and To.
// Participant names may contain single dashes and other arrow characters,
// so each position where an arrow token starts is a candidate.
func splits(head string) []split {
	var out []split
	for i := range head {
		for _, a := range Arrows {
			if len(head)-i < len(a) || !strings.EqualFold(head[i:i+len(a)], string(a)) {
				continue
			}
			from, to := cleanName(head[:i], false), cleanName(head[i+len(a):], true)
			if from != "" && to != "" {
				out = append(out, split{from: from, arrow: string(a), to: to})
			}
		}
	}
	return out
}

// firstSplit reads head at its leftmost arrow, taking the longest token
// there: how Mermaid reads it in most cases.
func firstSplit(head string) (split, bool) {
	for i := range head {
		best := ""
		for _, a := range Arrows {
			if len(a) > len(best) && len(head)-i >= len(a) && strings.EqualFold(head[i:i+len(a)], string(a)) {
				best = string(a)
			}
		}
		if best != "" {
			return split{from: cleanName(head[:i], false), arrow: best, to: cleanName(head[i+len(best):], true)}, true
		}
	}
	return split{}, false
}

// cleanName trims a participant name of a selector head and drops the
// central-connection marks "()" and, for the receiver, the activation
// marks + and -.
func cleanName(s string, receiver bool) string {
	s = strings.TrimSpace(s)
	if receiver {
		s = strings.TrimSpace(strings.TrimLeft(s, "+-"))
		s = strings.TrimSpace(strings.TrimPrefix(s, "()"))
	} else {
		s = strings.TrimSpace(strings.TrimSuffix(s, "()"))
	}
	return s
}

// normalSelector writes a selector with the arrow "->>" and whitespace
// collapsed, the form suggestions are measured in.
func normalSelector(q string) string {
	head, text, ok := strings.Cut(q, ":")
	sp, found := firstSplit(head)
	if !found {
		return collapseSpace(q)
	}
	s := sp.from + "->>" + sp.to
	if ok {
		s += ": " + collapseSpace(text)
	}
	return s
}

// Key is the profile key of branch i of b: the keyword that opens the
// branch and its label, whitespace collapsed ("alt subscription ok",
// "else card declined", "loop poll status", "and to US", "option lock
// busy"). Branch 0 is the block's opening line, and its key names the
// block too.
func (b *Block) Key(i int) string {
	kw := string(b.Kind)
	if i > 0 {
		kw = strings.ToLower(b.Branches[i].Keyword)
		if kw == "" {
			kw = b.Kind.BranchKeyword()
		}
	}
	if l := collapseSpace(b.Branches[i].Label); l != "" {
		return kw + " " + l
	}
	return kw
}

// Blocks returns every block of d, rect included, in document order of
// their opening lines.
func (d *Diagram) Blocks() []*Block {
	var bs []*Block
	d.Walk(func(s Statement) {
		if b, ok := s.(*Block); ok {
			bs = append(bs, b)
		}
	})
	return bs
}

// LookupBlock returns the block and the index of the branch that key
// names, as profiles write it: the keyword of the line and its label
// ("alt subscription ok", "else card declined", "loop poll status", "and
// to US", "option lock busy"; see [Block.Key]). The keyword is matched
// without regard to case, and whitespace in the label is collapsed. The
// key of a block's opening line returns branch 0. A failed lookup returns
// a *[LookupError] that suggests the nearest keys, or lists the lines of
// the candidates when key is ambiguous.
func (d *Diagram) LookupBlock(key string) (*Block, int, error) {
	kw, label, _ := strings.Cut(collapseSpace(key), " ")
	type hit struct {
		b *Block
		i int
	}
	var hits []hit
	var cands []Candidate
	for _, b := range d.Blocks() {
		for i := range b.Branches {
			k := b.Key(i)
			cands = append(cands, Candidate{Name: k, Key: k})
			bkw, blabel, _ := strings.Cut(k, " ")
			if strings.EqualFold(bkw, kw) && blabel == label {
				hits = append(hits, hit{b, i})
			}
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].b, hits[0].i, nil
	case 0:
		if collapseSpace(key) == "" {
			return nil, 0, &LookupError{Query: key, msg: "empty block key: want the keyword and label of a block or branch line, such as \"alt subscription ok\""}
		}
		return nil, 0, &LookupError{Query: key, Want: collapseSpace(key), Candidates: cands,
			msg: fmt.Sprintf("block %q is not in the diagram", key)}
	}
	var lines []string
	for _, h := range hits {
		lines = append(lines, strconv.Itoa(h.b.Branches[h.i].Pos.Line))
	}
	return nil, 0, &LookupError{Query: key, Ambiguous: true,
		msg: fmt.Sprintf("block %q is ambiguous: %d branches have that key (lines %s); give them distinct labels",
			key, len(hits), andList(lines))}
}

// faultWords are the faults a when string may name; "fails" is any fault.
var faultWords = []string{"error", "timeout", "drop", "delay", "fails"}

// LookupWhen reads a profile's when string, a message and a fault:
// "#3 error", "App->>Billing: Provision subscription fails". The fault is
// the last word, one of error, timeout, drop, delay or fails (any fault),
// returned in lower case; the rest is looked up as by [Diagram.Lookup].
func (d *Diagram) LookupWhen(s string) (*Message, string, error) {
	q := strings.TrimSpace(s)
	i := strings.LastIndexAny(q, " \t")
	if i < 0 {
		return nil, "", &LookupError{Query: s, msg: fmt.Sprintf("when %q: want a message and a fault, such as \"#3 error\"", s)}
	}
	sel, word := strings.TrimSpace(q[:i]), strings.ToLower(q[i+1:])
	if !slices.Contains(faultWords, word) {
		e := &LookupError{Query: s, Want: word,
			msg: fmt.Sprintf("when %q: the last word must be a fault: %s", s, orList(faultWords))}
		for _, f := range faultWords {
			e.Candidates = append(e.Candidates, Candidate{Name: sel + " " + f, Key: f})
		}
		return nil, "", e
	}
	m, err := d.Lookup(sel)
	if err != nil {
		return nil, "", fmt.Errorf("when %q: %w", s, err)
	}
	return m, word, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func orList(ss []string) string  { return joinList(ss, "or") }
func andList(ss []string) string { return joinList(ss, "and") }

func joinList(ss []string, conj string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " " + conj + " " + ss[len(ss)-1]
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
