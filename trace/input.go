package trace

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// input feeds the JSON decoder from the buffered input and counts lines,
// so that a problem can name its line.
//
// In line mode (NDJSON, or one document on one line) it stops at the end
// of each line: the decoder reads one line, is reset, and reads the next,
// so a line that does not parse is skipped and reading goes on at the
// next one. Otherwise (a document written over several lines) it passes
// the input on whole, keeping the last bytes passed on in a ring where
// lineAt counts newlines when asked.
type input struct {
	br       *bufio.Reader
	lineMode bool
	err      error // a read error other than io.EOF
	base     int   // lines of the whole input before this one's first (CheckInput's parts)

	// line mode
	line  int   // the line being read, 1-based
	lead  int64 // blank bytes skipped at the start of the line
	sent  int64 // bytes of the line passed on
	atEOL bool  // the line has been passed on up to its '\n'

	// document mode
	ring      []byte  // the last len(ring) bytes passed on, at offset % len(ring)
	off       int64   // bytes passed on
	counted   int64   // the newlines before this offset are counted
	lines     int     // newlines counted
	lineStart int64   // offset where the last counted line starts
	gone      []int64 // newlines at or after counted that left the ring
}

// ringSize is how far back lineAt looks in document mode without help:
// well past what the decoder holds unread.
const ringSize = 1 << 16

func newInput(br *bufio.Reader, lineMode bool) *input {
	in := &input{br: br, lineMode: lineMode, line: 1}
	if !lineMode {
		in.ring = make([]byte, ringSize)
	}
	return in
}

func (in *input) Read(p []byte) (int, error) {
	if in.lineMode {
		return in.readLine(p)
	}
	n, err := in.br.Read(p)
	if err != nil && err != io.EOF {
		in.err = err
	}
	b := p[:n]
	whole := len(b) >= ringSize
	if whole {
		// The ring is replaced whole: what it holds and what it will not
		// hold are noted now.
		for from := max(0, in.off-ringSize); from < in.off; {
			at := int(from % ringSize)
			seg := in.ring[at:min(ringSize, at+int(in.off-from))]
			in.note(seg, from)
			from += int64(len(seg))
		}
		extra := len(b) - ringSize
		in.note(b[:extra], in.off)
		in.off += int64(extra)
		b = b[extra:]
	}
	for len(b) > 0 {
		at := int(in.off % ringSize)
		k := min(len(b), ringSize-at)
		if in.off >= ringSize && !whole {
			in.note(in.ring[at:at+k], in.off-ringSize) // about to be overwritten
		}
		copy(in.ring[at:], b[:k])
		in.off += int64(k)
		b = b[k:]
	}
	return n, err
}

// note keeps the newlines of b, which starts at offset from and is
// leaving the ring, that lineAt has not counted yet. (When the decoder
// keeps up, as it does, there are none.)
func (in *input) note(b []byte, from int64) {
	if skip := in.counted - from; skip > 0 {
		if skip >= int64(len(b)) {
			return
		}
		b, from = b[skip:], in.counted
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return
		}
		in.gone = append(in.gone, from+int64(i))
		from += int64(i) + 1
		b = b[i+1:]
	}
}

// countTo counts the newlines before offset to.
func (in *input) countTo(to int64) {
	if to <= in.counted {
		return
	}
	k := 0
	for k < len(in.gone) && in.gone[k] < to {
		in.lineStart = in.gone[k] + 1
		k++
	}
	in.lines += k
	in.gone = in.gone[:copy(in.gone, in.gone[k:])]
	from := max(in.counted, in.off-ringSize)
	to = min(to, in.off)
	for from < to {
		at := int(from % ringSize)
		seg := in.ring[at:min(ringSize, at+int(to-from))]
		if c := bytes.Count(seg, nlByte); c > 0 {
			in.lines += c
			in.lineStart = from + int64(bytes.LastIndexByte(seg, '\n')) + 1
		}
		from += int64(len(seg))
	}
	in.counted = max(in.counted, to)
}

var nlByte = []byte{'\n'}

// readLine passes on the current line up to and including its '\n',
// then io.EOF until nextLine.
func (in *input) readLine(p []byte) (int, error) {
	if in.atEOL {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if in.br.Buffered() == 0 {
		if _, err := in.br.Peek(1); err != nil {
			if err != io.EOF {
				in.err = err
			}
			return 0, err
		}
	}
	b, _ := in.br.Peek(min(len(p), in.br.Buffered()))
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
		in.atEOL = true
	}
	n := copy(p, b)
	in.br.Discard(n)
	in.sent += int64(n)
	return n, nil
}

// endsAt reports whether the decoder's offset off is the '\n' that ends
// the line (line mode): a line that ends inside a string is cut short.
func (in *input) endsAt(off int64) bool {
	return in.lineMode && in.atEOL && off == in.sent-1
}

// nextLine moves to the next line that is not blank, skipping what is
// left of the current one, and reports whether there is one.
func (in *input) nextLine() bool {
	if !in.atEOL {
		for {
			_, err := in.br.ReadSlice('\n')
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				if err != io.EOF {
					in.err = err
				}
				return false
			}
		}
	}
	in.line++
	in.lead, in.sent, in.atEOL = 0, 0, false
	for {
		b, err := in.br.Peek(1)
		if err != nil {
			if err != io.EOF {
				in.err = err
			}
			return false
		}
		switch b[0] {
		case '\n':
			in.line++
			in.lead = 0
		case ' ', '\t', '\r':
			in.lead++
		default:
			return true
		}
		in.br.Discard(1)
	}
}

// lineAt returns the line and column (1-based) of the decoder's offset
// off. In document mode, offsets must not go backwards from one call to
// the next, nor lag more than the ring behind the input passed on.
func (in *input) lineAt(off int64) (line int, col int64) {
	if in.lineMode {
		return in.base + in.line, in.lead + off + 1
	}
	in.countTo(off)
	return in.base + in.lines + 1, off - in.lineStart + 1
}

// lineMode tells from the start of the input whether it is read a line
// at a time (see input), peeking no further than it needs and at most
// sniffSize bytes.
func lineMode(br *bufio.Reader, d *jsontext.Decoder) bool {
	n := max(br.Buffered(), 1)
	for {
		b, err := br.Peek(n)
		full := len(b) >= sniffSize
		if mode, ok := lineModeFor(d, b, err != nil && !full, full); ok || err != nil || full {
			return mode
		}
		n = min(sniffSize, len(b)+1)
	}
}

// lineModeFor decides from b, the start of the input (all of it when
// complete; full when it is as much as sniffing looks at), whether the
// input is read a line at a time: when its first line holds whole JSON
// values, or is not JSON at all (a damaged first record), or when it is
// an unfinished value but the second line holds a whole one (a cut first
// record). A first line longer than sniffSize is one line too. What is
// left, a value that goes on over the next lines, is a document written
// over several lines. ok is false when b is too short to tell.
func lineModeFor(d *jsontext.Decoder, b []byte, complete, full bool) (mode, ok bool) {
	first, rest, ended := nextBlankFree(b)
	if !ended {
		return true, complete || full // one line, or no line end in sight
	}
	if wholeValue(d, first) != valueUnfinished {
		return true, true
	}
	second, _, ended := nextBlankFree(rest)
	switch {
	case len(second) == 0:
		return false, complete || full
	case second[0] != '{' && second[0] != '[':
		return false, true
	}
	if !ended && !complete {
		// The second line does not end in b: a long line that starts
		// like a record, or more to read.
		return true, full
	}
	return wholeValue(d, second) == valueWhole, true
}

// nextBlankFree returns the first line of b that is not blank, and what
// follows it; ok is false when that line has no end in b (it is then
// returned whole, and rest is empty).
func nextBlankFree(b []byte) (line, rest []byte, ok bool) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(bytes.TrimSpace(b)) == 0 {
				return nil, nil, false
			}
			return b, nil, false
		}
		line, b = b[:i+1], b[i+1:]
		if len(bytes.TrimSpace(line)) > 0 {
			return line, b, true
		}
	}
	return nil, nil, false
}

type valueShape uint8

const (
	valueWhole      valueShape = iota // one or more whole values
	valueUnfinished                   // a value that does not end on the line
	valueBad                          // not JSON
)

// wholeValue tells whether a line holds whole JSON values, using d (the
// decoder the input will be read with, whose stacks are kept).
func wholeValue(d *jsontext.Decoder, line []byte) valueShape {
	// A bytes.Buffer is parsed in place, without a copy.
	d.Reset(bytes.NewBuffer(line), jsonOptions...)
	for {
		err := d.SkipValue()
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.ErrUnexpectedEOF) && d.StackDepth() > 0:
			return valueUnfinished
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return valueWhole
		}
		return valueBad
	}
}
