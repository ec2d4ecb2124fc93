package trace

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// A single JSON document whose traces are the elements of one array (a
// Jaeger query envelope {"data": [trace, …]}, a Zipkin array of traces
// [[span, …], …]) is cut into parts at the commas between those
// elements, as NDJSON is cut at line ends, and the parts are decoded,
// observed and aligned on workers and counted in input order.
//
// Each part is read by a Reader of its own whose decoder is put where
// the elements are (docShape.prefix, read before the part's bytes) and
// closes the array after them (docShape.suffix), so it reads each
// element exactly as a Reader of the whole document would, in the same
// state. The last part goes on with the rest of the input, read as it
// comes. The cutting itself only follows strings and brackets; whether
// the document is valid JSON is left to the parts' decoders. If one of
// them meets damage (JSON that does not parse, input cut short, a read
// error), whose account depends on what came before it, the input is
// read again from its start by one Reader, the traces already counted
// skipped: the result is then the Reader's, problems and all. That
// needs an input that can seek back (a file); other input is not cut.

// docShape is how a single document is cut.
type docShape struct {
	prefix, suffix string    // what puts a decoder at the elements and ends them
	tokens         int       // the prefix's tokens
	st             jsonState // the decoder's state after the prefix
	lineMode       bool      // the input is read a line at a time (see input)
	boundary       string    // how an element's end and the next's start look, as written compact (see guess)
}

// maxDocPrefix bounds how far a document's start is looked at for the
// array of its traces.
const maxDocPrefix = 4 << 10

// docCut reports whether the document br starts can be cut at its
// elements, and how far its start goes (up to its array's '[').
func docCut(br *bufio.Reader, f Format) (shape docShape, skip int, ok bool) {
	b, _ := br.Peek(maxDocPrefix)
	i := skipBlank(b, 0)
	switch f {
	case JaegerJSON:
		// {"data":[ with blanks between
		if i >= len(b) || b[i] != '{' {
			return shape, 0, false
		}
		i = skipBlank(b, i+1)
		if !bytes.HasPrefix(b[i:], []byte(`"data"`)) {
			return shape, 0, false
		}
		i = skipBlank(b, i+len(`"data"`))
		if i >= len(b) || b[i] != ':' {
			return shape, 0, false
		}
		i = skipBlank(b, i+1)
		if i >= len(b) || b[i] != '[' {
			return shape, 0, false
		}
		shape = docShape{prefix: `{"data":[`, suffix: `]}`, tokens: 3, st: stJaegerData, boundary: jaegerBoundary}
	case ZipkinJSON:
		// [[ with blanks between: the first element is an array of spans
		if i >= len(b) || b[i] != '[' {
			return shape, 0, false
		}
		if k := skipBlank(b, i+1); k >= len(b) || b[k] != '[' {
			return shape, 0, false
		}
		shape = docShape{prefix: `[`, suffix: `]`, tokens: 1, st: stZipkinOuter, boundary: "],["}
	default:
		return shape, 0, false
	}
	return shape, i + 1, true
}

func skipBlank(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// rereads counts the documents read again (tests: a guess that holds
// costs no second reading).
var rereads atomic.Int64

// jaegerBoundary starts the boundary between two traces of a Jaeger
// envelope as Jaeger writes them: the trace's id, then its spans (a
// span, also an object after a comma, has its spanID there).
const jaegerBoundary = `},{"traceID":"`

// guessParts is how many times partBytes guess looks for a boundary
// before the cutting follows the text instead.
const guessParts = 4

// guess finds, in data from i on, the comma between two elements as the
// shape's boundary looks when written compact (Zipkin's "],[", Jaeger's
// `},{"traceID":"…","spans":[`), without following the text from its
// start: it returns the comma's index, or -1 and where to look again
// when more data has come. A guess can be wrong (the boundary's bytes
// inside a string, or an odd document): then the part before it ends
// within an element, which its Reader finds cut short (the suffix
// closes the array, not the element), and the input is read again as
// for damage. A part's Reader that reads its part whole read elements
// from the part's start to the guessed comma, so the guess was right
// and the next part starts at an element too.
func (shape docShape) guess(data []byte, i int) (comma, resume int) {
	pat := shape.boundary
	for {
		m := bytes.Index(data[i:], []byte(pat))
		if m < 0 {
			return -1, max(i, len(data)-len(pat)+1)
		}
		m += i
		if pat != jaegerBoundary {
			return m + 1, m
		}
		// the trace's id, then its spans
		j := m + len(pat)
		q := bytes.IndexByte(data[j:min(len(data), j+65)], '"')
		if q < 0 {
			if len(data) < j+65 {
				return -1, m // the id goes on in what comes next
			}
			i = m + 1
			continue
		}
		rest := data[j+q:]
		const spans = `","spans":[`
		if len(rest) < len(spans) {
			return -1, m
		}
		if bytes.HasPrefix(rest, []byte(spans)) {
			return m + 1, m
		}
		i = m + 1
	}
}

// elemScan follows a JSON text far enough to find the commas between
// the elements of an array, and its end: strings (with their escapes)
// and the nesting of brackets.
type elemScan struct {
	depth int
	inStr bool
	bs    int // backslashes ending what was scanned, inside a string
}

// next scans b from i and returns the index of the next comma (when
// commas is true) or closing bracket at the array's own level, and
// that byte; -1 when b ends first.
func (s *elemScan) next(b []byte, i int, commas bool) (int, byte) {
	for i < len(b) {
		if s.inStr {
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				// a run of backslashes may go on in what comes next
				k := len(b)
				for k > i && b[k-1] == '\\' {
					k--
				}
				if k == i {
					s.bs += len(b) - i
				} else {
					s.bs = len(b) - k
				}
				return -1, 0
			}
			q := i + j
			k := q
			for k > i && b[k-1] == '\\' {
				k--
			}
			run := q - k
			if k == i {
				run += s.bs
			}
			s.bs = 0
			i = q + 1
			if run%2 == 0 {
				s.inStr = false
			}
			continue
		}
		switch c := b[i]; c {
		case '"':
			s.inStr = true
		case '[', '{':
			s.depth++
		case ']', '}':
			if s.depth == 0 {
				return i, c
			}
			s.depth--
		case ',':
			if commas && s.depth == 0 {
				return i, c
			}
		}
		i++
	}
	return -1, 0
}

// docPart is a run of whole elements of a document (data), read by a
// Reader of its own on a worker; last: the part goes on with the rest
// of the input (rest), and is read on the counting goroutine.
type docPart struct {
	part
	bad  bool // no element where the cutting found one: damage
	last bool
	rest io.Reader
}

// newDocPartReader returns a reader of the elements in r, whose first
// byte is on the input's line lines+1.
func newDocPartReader(r io.Reader, name string, f Format, shape docShape, lines int, last bool) *Reader {
	rd := newCheckReader(name, f)
	parts := []io.Reader{strings.NewReader(shape.prefix), r}
	if !last {
		parts = append(parts, strings.NewReader(shape.suffix))
	}
	br := bufio.NewReaderSize(io.MultiReader(parts...), 64<<10)
	d := newJSONDecoderIn(rd, newInput(br, shape.lineMode), f)
	d.in.base = lines
	rd.dec = d
	shape.prime(d)
	return rd
}

// prime reads the prefix that d's input starts with: well-formed, its
// tokens put d where the document's elements are.
func (shape docShape) prime(d *jsonDecoder) {
	for range shape.tokens {
		d.j.readToken()
	}
	d.st = shape.st
}

// newDocPartReaderIn is newDocPartReader for a part in memory, with
// the prefix and suffix, read in place (see fastLex).
func newDocPartReaderIn(b []byte, name string, f Format, shape docShape, lines int) *Reader {
	rd := newCheckReader(name, f)
	d := newFastDecoder(rd, b, f, shape.lineMode, lines)
	rd.dec = d
	shape.prime(d)
	return rd
}

// blank reports whether b holds JSON whitespace only.
func blank(b []byte) bool { return skipBlank(b, 0) == len(b) }

// checkDoc cuts the rest of the document in br (whose start, up to its
// array's '[', is read) into parts and checks them as the package doc
// above says; again reads the input again from its start, for damage.
func (c *Checker) checkDoc(sum *Reader, br *bufio.Reader, shape docShape, lines, workers int, again func() (*Reader, error)) (*Reader, int, error) {
	workers = max(workers, 1)
	work := make(chan *docPart, workers)
	ordered := make(chan *docPart, workers)
	var stop atomic.Bool // damage met: what is left is read again
	go func() {
		defer close(work)
		defer close(ordered)
		var s elemScan
		// Each part's buffer starts with the prefix, and the suffix is
		// written after its last element, over the bytes copied to the
		// next part: its Reader reads it in place.
		pre := len(shape.prefix)
		data := append(takePartBuf()[:0], shape.prefix...)
		scanned, cut := pre, false
		guessing := shape.boundary != ""
		for !stop.Load() {
			// Read until the part is big enough and a comma ends an
			// element, or the array ends, or the input does.
			var i int
			c := byte(',')
			if guessing {
				i = -1
				if len(data)-pre >= partBytes {
					i, scanned = shape.guess(data, max(scanned, pre+partBytes-len(jaegerBoundary)))
				}
				if i < 0 && len(data)-pre >= guessParts*partBytes {
					// no element ends as the usual ones do: follow the
					// text from the part's start
					guessing, s, scanned = false, elemScan{}, pre
				}
			}
			if !guessing {
				i, c = s.next(data, scanned, len(data)-pre >= partBytes)
			}
			if i < 0 {
				if !guessing {
					scanned = len(data)
				}
				if len(data)-pre > maxPartBytes {
					break // an element too long to hold: the rest is read as it comes
				}
				if len(data) == cap(data) {
					data = append(data, 0)[:len(data)]
				}
				n, err := br.Read(data[len(data):cap(data)])
				data = data[:len(data)+n]
				if err != nil && n == 0 {
					break // the end, or a read error: the last part's Reader meets it
				}
				continue
			}
			if c != ',' {
				break // the array's end: the last part
			}
			p := &docPart{part: part{data: data[:i], lines: lines, done: make(chan struct{})}, bad: blank(data[pre:i])}
			lines += bytes.Count(data[pre:i+1], nlByte)
			next := append(takePartBuf()[:0], shape.prefix...)
			next = append(next, data[i+1:]...)
			data, scanned, cut = next, pre, true
			work <- p
			ordered <- p
		}
		if stop.Load() {
			putPartBuf(data)
			return
		}
		// After a comma, an element must come before the array ends.
		k := skipBlank(data, pre)
		p := &docPart{part: part{data: data, lines: lines, done: make(chan struct{})}, bad: cut && k < len(data) && data[k] == ']', last: true, rest: br}
		close(p.done)
		ordered <- p
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range work {
				if !p.bad && !stop.Load() {
					doc := append(p.data, shape.suffix...) // the prefix, the elements, the suffix
					p.rd = newDocPartReaderIn(doc, sum.name, sum.format, shape, p.lines)
					if !c.readAll(p.rd, &p.traces, &p.preps) {
						elems := p.data[len(shape.prefix):]
						p.rd = newDocPartReader(bytes.NewReader(elems), sum.name, sum.format, shape, p.lines, false)
						c.readAll(p.rd, &p.traces, &p.preps) // a part's Reader meets no error but io.EOF
					}
				}
				putPartBuf(p.data)
				p.data = nil
				close(p.done)
			}
		})
	}
	// Counting, in input order. A trace that comes back (already counted)
	// is damage too: a Reader names its spans' lines, which the parts do
	// not keep.
	n := 0
	var last *docPart
	for p := range ordered {
		<-p.done
		switch {
		case p.last:
			last = p
			continue
		case stop.Load():
		case p.bad || p.rd.broken:
			stop.Store(true)
		default:
			for i, t := range p.traces {
				if stop.Load() || sum.cameBack(t) {
					stop.Store(true)
					continue
				}
				c.add(t, p.preps[i])
				p.preps[i].release()
				n++
			}
			sum.absorb(p.rd)
		}
		for i, t := range p.traces {
			Recycle(t)
			p.traces[i], p.preps[i] = nil, prepared{}
		}
	}
	wg.Wait()
	if last != nil && !stop.Load() && last.bad {
		stop.Store(true)
	}
	if last != nil && !stop.Load() {
		rd := newDocPartReader(io.MultiReader(bytes.NewReader(last.data[len(shape.prefix):]), last.rest), sum.name, sum.format, shape, last.lines, true)
		m, err := c.AddAll(func() (*Trace, error) {
			t, err := rd.Next()
			if rd.broken || err == nil && sum.cameBack(t) {
				if t != nil {
					Recycle(t)
				}
				stop.Store(true)
				return nil, io.EOF
			}
			return t, err
		}, workers)
		n += m
		if err == nil && !stop.Load() {
			sum.absorb(rd)
		}
		if err != nil {
			sum.absorb(rd)
			sum.traces = int64(n)
			putPartBuf(last.data)
			return sum, n, err
		}
	}
	if last != nil {
		putPartBuf(last.data)
	}
	if !stop.Load() {
		sum.traces = int64(n)
		return sum, n, nil
	}
	// Damage: one Reader reads the input again; the traces counted
	// already are the first it returns.
	rereads.Add(1)
	seq, err := again()
	if err != nil {
		sum.traces = int64(n)
		return sum, n, err
	}
	skip := n
	m, err := c.AddAll(func() (*Trace, error) {
		for {
			t, err := seq.Next()
			if err != nil || skip == 0 {
				return t, err
			}
			skip--
			Recycle(t)
		}
	}, workers)
	return seq, n + m, err
}
