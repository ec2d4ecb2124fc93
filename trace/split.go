package trace

import (
	"bufio"
	"bytes"
	"io"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// partBytes is about how many bytes of NDJSON CheckInput gives each
// part: a part ends at the first line end past it.
var partBytes = 256 << 10

// maxPartBytes bounds a part: when a line would take a part past it,
// the input from that line on is read as one stream instead (the last
// part), as a Reader reads it.
const maxPartBytes = 4 << 20

// part is a run of whole lines of the input, read by a Reader of its own
// on a worker goroutine: its traces, observed and aligned, wait there to
// be counted in order.
type part struct {
	data   []byte
	lines  int // newlines of the input before data
	rd     *Reader
	traces []*Trace
	preps  []prepared
	done   chan struct{}
}

// CheckInput reads the traces of one input, as NewReader reads them with
// KeepAttrs(CheckAttrs), and adds them to c as Add would, on workers
// goroutines (≤ 1: one).
// It returns the account of what was read (Format, Problems, Warnings,
// Malformed, AddTo; not Next) and how many traces were added.
//
// NDJSON (OTLP, Jaeger or Zipkin, one value a line) longer than about
// 256 KiB is cut at line ends into parts of about 256 KiB, each decoded,
// observed and aligned by a worker; the parts are counted in input
// order, so the result does not depend on the number of workers nor on
// scheduling, and it is the one a Reader gives, with one exception: a
// span of a trace whose earlier spans came in an earlier part is left
// out as a Reader leaves it out (the trace was complete), but its
// problem names the file without a line, after the problems of its
// part. A single Jaeger envelope or Zipkin array of traces read from a
// file is cut at the commas between its traces the same way (see
// checkDoc); if it turns out damaged, or a trace comes back, the file is
// read again by one Reader, so the result is exactly the Reader's.
// Other input (OTLP documents, OTLP protobuf, a document from a pipe) is
// read by one Reader, and its traces are observed and aligned on workers
// as AddAll does.
//
// Memory: at most workers+2 parts (about 256 KiB each, at most 4 MiB)
// with their traces, and the last 65,536 trace ids (to tell a trace that
// comes back), as a Reader keeps them.
func (c *Checker) CheckInput(r io.Reader, name string, workers int) (*Reader, int, error) {
	// A file can be read again from here, when a document cut into
	// parts turns out damaged (see checkDoc).
	var again func() (*Reader, error)
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			again = func() (*Reader, error) {
				if _, err := rs.Seek(at, io.SeekStart); err != nil {
					return nil, err
				}
				return NewReader(rs, name, KeepAttrs(CheckAttrs))
			}
		}
	}
	br, f, err := openInput(r, name)
	if err != nil {
		return nil, 0, err
	}
	sum := newCheckReader(name, f)
	if f == OTLPProto || !lineMode(br, new(jsontext.Decoder)) || longFirstLine(br) {
		if again != nil && f != OTLPProto {
			if shape, skip, ok := docCut(br, f); ok {
				shape.lineMode = lineMode(br, new(jsontext.Decoder))
				start, _ := br.Peek(skip)
				lines := bytes.Count(start, nlByte)
				br.Discard(skip)
				return c.checkDoc(sum, br, shape, lines, workers, again)
			}
		}
		sum.dec = newDecoder(sum, br, f)
		n, err := c.AddAll(sum.Next, workers)
		return sum, n, err
	}
	data, end, long := nextPart(br)
	if end || long {
		// small, or a line too long to cut: one Reader reads it all
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(data), br), 64<<10)
		sum.dec = newDecoder(sum, br, f)
		n, err := c.AddAll(sum.Next, workers)
		return sum, n, err
	}
	return c.checkParts(sum, br, data, workers)
}

// longFirstLine reports whether the input's first line goes on past
// what sniffing looks at: one document on one line (a Jaeger envelope,
// a Zipkin array of traces), which is not cut.
func longFirstLine(br *bufio.Reader) bool {
	b, _ := br.Peek(sniffSize)
	return len(b) == sniffSize && bytes.IndexByte(b, '\n') < 0
}

func newDecoder(r *Reader, br *bufio.Reader, f Format) decoder {
	if f == OTLPProto {
		return newProtoDecoder(r, br)
	}
	return newJSONDecoder(r, br, f)
}

// nextPart reads the next part of NDJSON from br: about partBytes, up
// to a line end. end: the input ends with it; long: a line goes past
// maxPartBytes, and data ends inside it. A read error ends the part
// (end) as the end of the input would, the part's Reader reporting it
// as a cut line.
func nextPart(br *bufio.Reader) (data []byte, end, long bool) {
	data = takePartBuf()
	n, err := io.ReadFull(br, data)
	data = data[:n]
	if err != nil {
		return data, true, false
	}
	if data[n-1] == '\n' {
		_, err := br.Peek(1)
		return data, err != nil, false
	}
	for {
		b, err := br.ReadSlice('\n')
		data = append(data, b...)
		switch {
		case err == nil:
			_, err := br.Peek(1)
			return data, err != nil, false
		case err != bufio.ErrBufferFull:
			return data, true, false
		case len(data) > maxPartBytes:
			return data, false, true
		}
	}
}

// checkParts cuts the rest of the NDJSON input into parts, first being
// its first, and checks them as CheckInput says.
func (c *Checker) checkParts(sum *Reader, br *bufio.Reader, first []byte, workers int) (*Reader, int, error) {
	workers = max(workers, 1)
	work := make(chan *part, workers)
	ordered := make(chan *part, workers)
	var tail []byte // where the cutting stopped at a long line: data read of it
	tailLines := 0
	go func() {
		defer close(work)
		defer close(ordered) // first: tail is set before the counter sees the end
		data, lines := first, 0
		for {
			p := &part{data: data, lines: lines, done: make(chan struct{})}
			lines += bytes.Count(data, nlByte) // before a worker returns data to partBufs
			work <- p
			ordered <- p
			var end, long bool
			data, end, long = nextPart(br)
			switch {
			case long:
				tail, tailLines = data, lines
				return
			case len(data) == 0:
				return
			case end:
				p := &part{data: data, lines: lines, done: make(chan struct{})}
				work <- p
				ordered <- p
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range work {
				// in place, else (JSON that is not valid) as a Reader reads it
				p.rd = newPartReaderIn(p.data, sum.name, sum.format, p.lines)
				if !c.readAll(p.rd, &p.traces, &p.preps) {
					p.rd = newPartReader(bytes.NewReader(p.data), sum.name, sum.format, p.lines)
					c.readAll(p.rd, &p.traces, &p.preps) // a part's Reader meets no error but io.EOF
				}
				putPartBuf(p.data) // read: the traces hold copies of what they need
				p.data = nil
				close(p.done)
			}
		})
	}
	n := 0
	for p := range ordered {
		<-p.done
		sum.absorb(p.rd)
		for i, t := range p.traces {
			if sum.cameBack(t) {
				continue
			}
			c.add(t, p.preps[i])
			p.preps[i].release()
			Recycle(t)
			p.traces[i], p.preps[i] = nil, prepared{}
			n++
		}
	}
	wg.Wait()
	if tail != nil {
		rd := newPartReader(io.MultiReader(bytes.NewReader(tail), br), sum.name, sum.format, tailLines)
		m, err := c.AddAll(func() (*Trace, error) {
			for {
				t, err := rd.Next()
				if err != nil || !sum.cameBack(t) {
					return t, err
				}
			}
		}, workers)
		n += m
		sum.absorb(rd)
		if err != nil {
			return sum, n, err
		}
	}
	sum.traces = int64(n)
	return sum, n, nil
}

// readAll reads the traces of rd into traces, each prepared into preps.
// It reports false, with no traces, if rd gives up reading in place.
func (c *Checker) readAll(rd *Reader, traces *[]*Trace, preps *[]prepared) bool {
	for {
		t, err := rd.Next()
		if err == io.EOF {
			return true
		}
		if err != nil {
			for i, t := range *traces {
				Recycle(t)
				(*traces)[i] = nil
			}
			clear(*preps)
			*traces, *preps = (*traces)[:0], (*preps)[:0]
			return false
		}
		*traces = append(*traces, t)
		*preps = append(*preps, c.prepare(t))
	}
}

// newCheckReader returns a Reader of CheckInput's, for a decoder to be
// set: it keeps the attributes CheckAttrs keeps.
func newCheckReader(name string, f Format) *Reader {
	return &Reader{name: name, format: f, open: map[TraceID]*pending{}, done: map[TraceID]struct{}{}, keep: CheckAttrs, check: true}
}

// newPartReaderIn returns a reader of one part of an NDJSON input, read
// in place (see fastLex).
func newPartReaderIn(data []byte, name string, f Format, lines int) *Reader {
	rd := newCheckReader(name, f)
	rd.part, rd.lineBase = true, lines
	rd.dec = newFastDecoder(rd, data, f, true, lines)
	return rd
}

// newPartReader returns a reader of one part of an NDJSON input, whose
// first line is the input's line lines+1.
func newPartReader(r io.Reader, name string, f Format, lines int) *Reader {
	rd := newCheckReader(name, f)
	rd.part, rd.lineBase = true, lines
	rd.dec = newJSONDecoder(rd, bufio.NewReaderSize(r, 64<<10), f)
	return rd
}

// partBufs holds the buffers of parts already read, for the next parts.
var partBufs sync.Pool

func takePartBuf() []byte {
	if b, ok := partBufs.Get().(*[]byte); ok {
		return (*b)[:partBytes]
	}
	return make([]byte, partBytes, partBytes+4<<10)
}

func putPartBuf(b []byte) {
	if cap(b) < partBytes || cap(b) > 2*partBytes {
		return // a long line's, or partBytes changed
	}
	b = b[:0]
	partBufs.Put(&b)
}

// absorb adds the account of a part's reader to the input's.
func (r *Reader) absorb(p *Reader) {
	r.spans += p.spans
	r.malformed += p.malformed
	for _, pr := range p.problems {
		if len(r.problems) >= MaxProblems {
			break
		}
		r.problems = append(r.problems, pr)
	}
	for _, w := range p.warnings {
		if w.text == "" {
			if i := r.warningOf(w.noun, w.what); i >= 0 {
				r.warnings[i].n += w.n
				continue
			}
		}
		r.warnings = append(r.warnings, w)
	}
}

func (r *Reader) warningOf(noun, what string) int {
	for i, w := range r.warnings {
		if w.text == "" && w.noun == noun && w.what == what {
			return i
		}
	}
	return -1
}

// cameBack reports whether a part's trace t was already complete in an
// earlier part (its spans are then left out, as a Reader leaves them
// out), and remembers it when not.
func (r *Reader) cameBack(t *Trace) bool {
	if _, ok := r.done[t.ID]; !ok {
		r.remember(t.ID)
		return false
	}
	for i := range t.Spans {
		s := &t.Spans[i]
		r.spans--
		r.problem(0, s.TraceID.String(), s.SpanID.String(), "trace already complete: its spans came in units more than the window apart (read with a larger trace.Window)")
	}
	Recycle(t)
	return true
}
