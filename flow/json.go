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
	// One pass in document order with the open branches on a stack: a
	// message goes to the list of every branch it is nested in, so the
	// work is the size of the output, not depth × statements.
	type frame struct {
		stmts []Statement
		i     int
		blk   *Block
		br    int
		msgs  *[]int // the messages of branch br of the block's JSON; nil at the top
		bj    []BranchJSON
	}
	stack := []frame{{stmts: d.Statements}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i == len(f.stmts) {
			if f.blk != nil && f.br+1 < len(f.blk.Branches) {
				f.br++
				f.stmts, f.i, f.msgs = f.blk.Branches[f.br].Statements, 0, &f.bj[f.br].Messages
				continue
			}
			stack = stack[:len(stack)-1]
			continue
		}
		s := f.stmts[f.i]
		f.i++
		switch x := s.(type) {
		case *Message:
			out.Messages = append(out.Messages, MessageJSON{
				N: x.N, From: x.From, To: x.To, Text: x.Text, Arrow: string(x.Arrow),
				Line: x.Pos.Line, ReplyTo: x.ReplyTo, Async: x.Arrow.Async(),
			})
			for _, g := range stack {
				if g.msgs != nil {
					*g.msgs = append(*g.msgs, x.N)
				}
			}
		case *Note:
			out.Notes = append(out.Notes, NoteJSON{Placement: x.Placement, Participants: append([]string{}, x.Participants...), Text: x.Text, Line: x.Pos.Line})
		case *Block:
			bj := BlockJSON{Kind: string(x.Kind), Line: x.Pos.Line, Branches: make([]BranchJSON, len(x.Branches))}
			for k, br := range x.Branches {
				bj.Branches[k] = BranchJSON{Label: br.Label, Messages: []int{}}
			}
			out.Blocks = append(out.Blocks, bj)
			if len(x.Branches) > 0 {
				stack = append(stack, frame{stmts: x.Branches[0].Statements, blk: x, msgs: &bj.Branches[0].Messages, bj: bj.Branches})
			}
		}
	}
	return out
}
