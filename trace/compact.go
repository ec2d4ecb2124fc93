package trace

import "math"

// The one-pass span readers (zipkinSpanInPlace, otlpSpanInPlace,
// jaegerSpanInPlace) read JSON written compact, as the tracers write
// it: no blanks, strings without escapes. These walk its objects and
// arrays and read its scalars; each reports ok false at anything else,
// and the reader then leaves the span to the token-by-token decoder.

// compactList walks the members of an object, or the elements of an
// array, written compact:
//
//	l := openCompact(b, i, '{')
//	for l.next() {
//		name := l.name() // members only; l.i is then where the value starts
//		l.i, ok = … read the value at l.i, return where it ends …
//		if !ok { l.fail(); break }
//	}
//	end, ok := l.end()
type compactList struct {
	b      []byte
	i      int // where the next member or element starts, at last the close
	open   int
	close  byte
	failed bool
}

// openCompact starts a list at b[i], which must be open ('{' or '[').
func openCompact(b []byte, i int, open byte) compactList {
	return compactList{b: b, i: i + 1, open: i, close: open + 2, failed: i >= len(b) || b[i] != open}
}

// next reports whether another member or element starts at l.i (past
// its comma).
func (l *compactList) next() bool {
	switch {
	case l.failed:
		return false
	case l.i >= len(l.b):
		l.failed = true
		return false
	case l.b[l.i] == l.close:
		return false
	case l.i == l.open+1:
		return true
	case l.b[l.i] != ',':
		l.failed = true
		return false
	}
	l.i++
	return true
}

// name reads a member's plain name (ASCII, no escapes) and its colon;
// l.i is then where the value starts.
func (l *compactList) name() []byte {
	b, i := l.b, l.i+1
	for i < len(b) && plainASCII[b[i]] {
		i++
	}
	if i+1 >= len(b) || b[l.i] != '"' || b[i] != '"' || b[i+1] != ':' {
		l.failed = true
		return nil
	}
	name := b[l.i+1 : i]
	l.i = i + 2
	return name
}

func (l *compactList) fail() { l.failed = true }

// end returns where the list ends, past its close, and whether it was
// read whole.
func (l *compactList) end() (int, bool) {
	if l.failed || l.i >= len(l.b) {
		return 0, false
	}
	return l.i + 1, true
}

// plainASCII: the bytes a plain string may hold, ASCII without '"',
// '\\' or control characters.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainAt returns the inside of the string at b[i] and where it ends,
// for a string of at most max ASCII bytes without escapes; ok is false
// for any other value.
func plainAt(b []byte, i, max int) (raw []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	k := i + 1
	for k < len(b) && plainASCII[b[k]] {
		k++
	}
	if k >= len(b) || b[k] != '"' || k-i-1 > max {
		return nil, 0, false
	}
	return b[i+1 : k], k + 1, true
}

// intAt returns the plain integer at b[i] (digits, no sign, fraction
// or exponent, no leading zero, at most math.MaxInt64) and where it
// ends.
func intAt(b []byte, i int) (n int64, end int, ok bool) {
	k := i
	for k < len(b) && '0' <= b[k] && b[k] <= '9' {
		d := int64(b[k] - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, 0, false
		}
		n = n*10 + d
		k++
	}
	if k == i || k-i > 1 && b[i] == '0' {
		return 0, 0, false
	}
	if k < len(b) && (b[k] == '.' || b[k] == 'e' || b[k] == 'E') {
		return 0, 0, false
	}
	return n, k, true
}

// intOrStringAt returns the plain integer at b[i], bare or in a string
// (OTLP/JSON's int64), its digits, and where it ends.
func intOrStringAt(b []byte, i int) (n int64, digits []byte, end int, ok bool) {
	q := i < len(b) && b[i] == '"'
	if q {
		i++
	}
	if n, end, ok = intAt(b, i); !ok {
		return 0, nil, 0, false
	}
	digits = b[i:end]
	if q {
		if end >= len(b) || b[end] != '"' {
			return 0, nil, 0, false
		}
		end++
	}
	return n, digits, end, true
}

// numberOrString returns the plain integer's digits at b[i], bare or in
// a string, else the plain string's inside (an enum by name), and where
// it ends.
func numberOrString(b []byte, i int) (raw []byte, end int, ok bool) {
	if _, digits, e, ok := intOrStringAt(b, i); ok {
		return digits, e, true
	}
	return plainAt(b, i, 64)
}

// idAt reads the id at b[i], a plain string of at most 32 bytes, into t.
func idAt(t *idText, b []byte, i int) (int, bool) {
	raw, end, ok := plainAt(b, i, 32)
	if ok {
		t.setRaw(raw)
	}
	return end, ok
}

// spanAt is where a one-pass reader starts: the part in memory and the
// next token, a span object's '{', at open; ok is false for a part not
// read in place or another token.
func (d *jsonDecoder) spanAt() (f *fastLex, b []byte, open int, ok bool) {
	f = d.j.f
	if f == nil {
		return nil, nil, 0, false
	}
	if k, ok := f.peek(); !ok || k != '{' {
		return nil, nil, 0, false
	}
	return f, f.b, f.pos, true
}
