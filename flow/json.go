package flow

// DiagramJSON is the stable JSON form of a diagram that `choreo parse
// --format json` prints (version 1). Lists are in document order.
type DiagramJSON struct {
	// Title is the diagram title ("" when none).
	Title        string            `json:"title"`
	Participants []ParticipantJSON `json:"participants"`
	Messages     []MessageJSON     `json:"messages"`
	Notes        []NoteJSON        `json:"notes"`
	// Blocks lists every block, nested ones included, in the order of
	// their opening lines.
	Blocks []BlockJSON `json:"blocks"`
}

// ParticipantJSON is a participant: id as messages name it, label as the
// diagram shows it, Mermaid's kind, and the title of its box ("" if none).
type ParticipantJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
	Box   string `json:"box"`
}

// MessageJSON is a message. N is its 1-based index in document order (the
// "#N" selector), Arrow the canonical arrow token, Line its source line,
// ReplyTo the N of the request it answers (0: none), Async true for -) and
// --).
type MessageJSON struct {
	N       int    `json:"n"`
	From    string `json:"from"`
	To      string `json:"to"`
	Text    string `json:"text"`
	Arrow   string `json:"arrow"`
	Line    int    `json:"line"`
	ReplyTo int    `json:"reply_to"`
	Async   bool   `json:"async"`
}

// NoteJSON is a note: placement "left of", "right of" or "over", and the
// one or two participants it stands by.
type NoteJSON struct {
	Placement    string   `json:"placement"`
	Participants []string `json:"participants"`
	Text         string   `json:"text"`
	Line         int      `json:"line"`
}

// BlockJSON is a block: its kind (loop, alt, opt, par, par_over, critical,
// break, rect), its opening line, and its branches.
type BlockJSON struct {
	Kind     string       `json:"kind"`
	Line     int          `json:"line"`
	Branches []BranchJSON `json:"branches"`
}

// BranchJSON is a branch of a block: its label and the N of every message
// it holds, those of nested blocks included.
type BranchJSON struct {
	Label    string `json:"label"`
	Messages []int  `json:"messages"`
}

// JSON returns the diagram's stable JSON form.
func (d *Diagram) JSON() *DiagramJSON {
	out := &DiagramJSON{
		Title:        d.Title,
		Participants: []ParticipantJSON{},
		Messages:     []MessageJSON{},
		Notes:        []NoteJSON{},
		Blocks:       []BlockJSON{},
	}
	for _, p := range d.Participants {
		out.Participants = append(out.Participants, ParticipantJSON{ID: p.ID, Label: p.Label, Kind: p.Kind, Box: p.Box})
	}
	d.Walk(func(s Statement) {
		switch x := s.(type) {
		case *Message:
			out.Messages = append(out.Messages, MessageJSON{
				N: x.N, From: x.From, To: x.To, Text: x.Text, Arrow: string(x.Arrow),
				Line: x.Pos.Line, ReplyTo: x.ReplyTo, Async: x.Arrow.Async(),
			})
		case *Note:
			out.Notes = append(out.Notes, NoteJSON{Placement: x.Placement, Participants: append([]string{}, x.Participants...), Text: x.Text, Line: x.Pos.Line})
		case *Block:
			bj := BlockJSON{Kind: string(x.Kind), Line: x.Pos.Line, Branches: []BranchJSON{}}
			for _, br := range x.Branches {
				ns := []int{}
				walk(br.Statements, func(s Statement) {
					if m, ok := s.(*Message); ok {
						ns = append(ns, m.N)
					}
				})
				bj.Branches = append(bj.Branches, BranchJSON{Label: br.Label, Messages: ns})
			}
			out.Blocks = append(out.Blocks, bj)
		}
	})
	return out
}
