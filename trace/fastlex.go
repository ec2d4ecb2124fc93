package trace

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// fastLex reads JSON that is wholly in memory (a part of the input: see
// CheckInput) in place, for the decoders, where jsontext.Decoder would
// copy it through a buffer and keep a state machine general enough for
// any use. It gives each call the bytes jsontext gives for valid JSON
// (a value as written, quotes and escapes included; the offset after
// the last token or value read), with jsonOptions' leniency (invalid
// UTF-8, duplicate names); and it gives up at the first byte that is
// not valid JSON, or that jsontext and the Reader would read otherwise
// (in line mode: a value that goes on past its line end; two top-level
// values with nothing between them), with errBail. The part is then
// read again by a Reader on jsontext, whose account of the damage is
// the one a Reader of the whole input gives.
type fastLex struct {
	b     []byte
	pos   int    // the next byte to look at
	last  int    // the offset after the last token or value read
	stack []byte // open containers, innermost last: '{' or '['
	st    lexState
	lines bool // line mode

	kind  jsontext.Kind // the next token's kind, once peeked (ready)
	ready bool

	nlOff, nlN int // newlines before offset nlOff
}

type lexState uint8

const (
	lxTop      lexState = iota // a top-level value or the end
	lxTopAfter                 // after a top-level value: blanks, then as lxTop
	lxValue                    // a value (after ':' or an array's ',')
	lxFirst                    // just opened: a member or element, or the close
	lxNext                     // after a member or element: ',' or the close
	lxName                     // an object's name (after ',')
	lxColon                    // after a name: ':' and its value
)

// errBail: what fastLex reads is not JSON it can read like jsontext.
var errBail = errors.New("not read in place")

// maxFastDepth is jsontext's limit on nesting; deeper JSON is left to it.
const maxFastDepth = 10000

func newFastLex(b []byte, lines bool) *fastLex {
	return &fastLex{b: b, lines: lines}
}

// blankByte: JSON's whitespace.
var blankByte = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// skipWS skips whitespace from pos; in line mode inside a value a line
// end is a bail.
func (f *fastLex) skipWS() bool {
	b, i := f.b, f.pos
	for i < len(b) && blankByte[b[i]] {
		if b[i] == '\n' && f.lines && len(f.stack) > 0 {
			return false
		}
		i++
	}
	f.pos = i
	return true
}

// peek moves to the next token, past its delimiters, and returns its
// kind: 0 at the end of the input. ok is false for JSON that bails.
func (f *fastLex) peek() (jsontext.Kind, bool) {
	if f.ready {
		return f.kind, true
	}
	start := f.pos
	if !f.skipWS() {
		return 0, false
	}
	b := f.b
	switch f.st {
	case lxTopAfter:
		if f.pos < len(b) && f.pos == start {
			return 0, false // two top-level values with nothing between
		}
		f.st = lxTop
	case lxNext:
		if f.pos < len(b) && b[f.pos] == ',' {
			f.pos++
			if !f.skipWS() {
				return 0, false
			}
			if f.stack[len(f.stack)-1] == '{' {
				f.st = lxName
			} else {
				f.st = lxValue
			}
		}
	case lxColon:
		if f.pos >= len(b) || b[f.pos] != ':' {
			return 0, false
		}
		f.pos++
		if !f.skipWS() {
			return 0, false
		}
		f.st = lxValue
	}
	if f.pos >= len(b) {
		if f.st == lxTop {
			f.kind, f.ready = 0, true
			return 0, true
		}
		return 0, false
	}
	c := b[f.pos]
	var k jsontext.Kind
	switch c {
	case '{', '[', '"', 'n', 't', 'f':
		k = jsontext.Kind(c)
	case '}', ']':
		k = jsontext.Kind(c)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		k = '0'
	default:
		return 0, false
	}
	// Is it allowed here?
	closer := k == '}' || k == ']'
	switch f.st {
	case lxTop, lxValue:
		if closer {
			return 0, false
		}
	case lxName:
		if k != '"' {
			return 0, false
		}
	case lxFirst:
		if f.stack[len(f.stack)-1] == '{' {
			if k != '"' && k != '}' {
				return 0, false
			}
		} else if k == '}' {
			return 0, false
		}
	case lxNext:
		if !closer {
			return 0, false
		}
	}
	if closer && (len(f.stack) == 0 || (k == '}') != (f.stack[len(f.stack)-1] == '{')) {
		return 0, false
	}
	f.kind, f.ready = k, true
	return k, true
}

// afterValue sets the state after a value or a name.
func (f *fastLex) afterValue(name bool) {
	switch {
	case name:
		f.st = lxColon
	case len(f.stack) == 0:
		f.st = lxTopAfter
	default:
		f.st = lxNext
	}
}

// isName reports whether the next token, a string, is an object's name.
func (f *fastLex) isName() bool {
	return f.st == lxName || f.st == lxFirst && f.stack[len(f.stack)-1] == '{'
}

// readToken reads a bracket, or the end (io.EOF).
func (f *fastLex) readToken() error {
	k, ok := f.peek()
	if !ok {
		return errBail
	}
	switch k {
	case 0:
		return io.EOF
	case '{', '[':
		if len(f.stack) >= maxFastDepth {
			return errBail
		}
		f.stack = append(f.stack, byte(k))
		f.pos++
		f.st = lxFirst
	case '}', ']':
		f.stack = f.stack[:len(f.stack)-1]
		f.pos++
		f.afterValue(false)
	default:
		_, err := f.readValue()
		return err
	}
	f.ready = false
	f.last = f.pos
	return nil
}

// readValue reads the next value whole (a name too) and returns it as
// written.
func (f *fastLex) readValue() (jsontext.Value, error) {
	k, ok := f.peek()
	if !ok {
		return nil, errBail
	}
	start := f.pos
	switch k {
	case 0:
		return nil, io.EOF
	case '"':
		name := f.isName()
		end, ok := scanString(f.b, start)
		if !ok {
			return nil, errBail
		}
		f.pos = end
		f.afterValue(name)
	case '0':
		end, ok := scanNumber(f.b, start)
		if !ok {
			return nil, errBail
		}
		f.pos = end
		f.afterValue(false)
	case 't', 'f', 'n':
		lit := "null"
		if k == 't' {
			lit = "true"
		} else if k == 'f' {
			lit = "false"
		}
		if len(f.b)-start < len(lit) || string(f.b[start:start+len(lit)]) != lit {
			return nil, errBail
		}
		f.pos = start + len(lit)
		f.afterValue(false)
	case '{', '[':
		depth := len(f.stack)
		if err := f.readToken(); err != nil {
			return nil, err
		}
		for len(f.stack) > depth {
			k, ok := f.peek()
			if !ok {
				return nil, errBail
			}
			var err error
			if k == '{' || k == '[' || k == '}' || k == ']' {
				err = f.readToken()
			} else {
				_, err = f.readValue()
			}
			if err != nil {
				return nil, errBail
			}
		}
	default:
		return nil, errBail
	}
	f.ready = false
	f.last = f.pos
	return jsontext.Value(f.b[start:f.pos]), nil
}

// strPlain: bytes a string holds as they are (not '"', '\\' nor a
// control character).
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString returns the end of the string starting at b[i] ('"'), past
// its closing quote; ok is false if it is not a valid JSON string.
func scanString(b []byte, i int) (end int, ok bool) {
	i++
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case '"':
			return i + 1, true
		case '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return 0, false
				}
				for _, c := range b[i+2 : i+6] {
					if !isHex(c) {
						return 0, false
					}
				}
				i += 6
			default:
				return 0, false
			}
		default:
			return 0, false // a control character
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber returns the end of the JSON number starting at b[i].
func scanNumber(b []byte, i int) (end int, ok bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		if d := digits(b, i+1); d > i+1 {
			i = d
		} else {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if d := digits(b, i); d > i {
			i = d
		} else {
			return 0, false
		}
	}
	return i, true
}

// digits returns the end of the run of digits at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// skipValue skips the next value.
func (f *fastLex) skipValue() error {
	_, err := f.readValue()
	return err
}

// line returns the 1-based line of offset off (in the part).
func (f *fastLex) line(off int) int {
	if off < f.nlOff {
		f.nlOff, f.nlN = 0, 0
	}
	f.nlN += bytes.Count(f.b[f.nlOff:off], nlByte)
	f.nlOff = off
	return f.nlN + 1
}

// An attribute the check does not want is skipped whole where it is
// written the usual way, compact: OTLP's {"key":"K","value":V} and
// Jaeger's {"key":"K","type":"T","value":V}. kvAt matches one at the
// next token and returns its key and where it ends; nothing is read
// until skipTo(end). Anything else (blanks, members in another order,
// a key with escapes or longer than 64 bytes, a value that is not
// valid JSON) is not matched, and the attribute is read token by token.

// kvAt matches an attribute at the next token; typed: Jaeger's.
func (f *fastLex) kvAt(typed bool) (key []byte, end int, ok bool) {
	if k, ok := f.peek(); !ok || k != '{' {
		return nil, 0, false
	}
	return f.kvAtIndex(f.pos, typed)
}

// kvAtIndex matches an attribute at b[i] as kvAt does.
func (f *fastLex) kvAtIndex(i int, typed bool) (key []byte, end int, ok bool) {
	b := f.b
	const open, typ, value = `{"key":"`, `,"type":"`, `,"value":`
	if !hasAt(b, i, open) {
		return nil, 0, false
	}
	i += len(open)
	ks := i
	for i < len(b) && plainASCII[b[i]] {
		i++
	}
	if i >= len(b) || b[i] != '"' || i-ks > 64 {
		return nil, 0, false
	}
	key = b[ks:i]
	i++
	if typed {
		if !hasAt(b, i, typ) {
			return nil, 0, false
		}
		if i, ok = scanString(b, i+len(typ)-1); !ok {
			return nil, 0, false
		}
	}
	if !hasAt(b, i, value) {
		return nil, 0, false
	}
	if i, ok = f.skipAny(i + len(value)); !ok || i >= len(b) || b[i] != '}' {
		return nil, 0, false
	}
	return key, i + 1, true
}

// readName reads an object member's name, at the next token, normalised
// as jlex.nextKey normalises it (lower case, '_' and '-' left out) into
// dst, in one pass; ok is false, and nothing read, for a name with
// escapes or bytes past ASCII (nextKey reads those).
func (f *fastLex) readName(dst []byte) (key []byte, ok bool) {
	if k, ok := f.peek(); !ok || k != '"' || !f.isName() {
		return nil, false
	}
	b, i := f.b, f.pos+1
	dst = dst[:0]
	for i < len(b) && plainASCII[b[i]] {
		if c := b[i]; c != '_' && c != '-' {
			dst = append(dst, keyLower[c])
		}
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	f.pos = i + 1
	f.last, f.ready, f.st = f.pos, false, lxColon
	return dst, true
}

// memberAt matches, at the next token, an object member "K":V written
// compact, K a plain key of at most 64 bytes, and returns K and where
// the member ends.
func (f *fastLex) memberAt() (key []byte, end int, ok bool) {
	if k, ok := f.peek(); !ok || k != '"' || !f.isName() {
		return nil, 0, false
	}
	return f.memberAtIndex(f.pos)
}

// memberAtIndex matches a member at b[i] (its name's quote) as
// memberAt does.
func (f *fastLex) memberAtIndex(i int) (key []byte, end int, ok bool) {
	b := f.b
	i++
	ks := i
	for i < len(b) && plainASCII[b[i]] {
		i++
	}
	if i+1 >= len(b) || b[i] != '"' || b[i+1] != ':' || i-ks > 64 {
		return nil, 0, false
	}
	key = b[ks:i]
	if end, ok = f.skipAny(i + 2); !ok {
		return nil, 0, false
	}
	return key, end, true
}

func hasAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// skipTo moves past what kvAt matched, a value of the array being read.
func (f *fastLex) skipTo(end int) {
	f.pos, f.last, f.ready = end, end, false
	f.afterValue(false)
}

// skipAny returns the end of the JSON value at b[i], validated as peek
// and readValue validate it; ok is false for anything they would not
// read, and for nesting deeper than 16.
func (f *fastLex) skipAny(i int) (int, bool) {
	b := f.b
	var stack [16]byte
	n := 0
	const (
		value = iota // a value
		after        // after a value: ',' or the close, or the end at depth 0
		name         // an object member's name and ':'
	)
	st := value
	for {
		if st == after && n == 0 {
			return i, true // the end of the value, before any blanks
		}
		if st != value || n > 0 {
			// blanks, but no line end inside a value in line mode
			for i < len(b) && blankByte[b[i]] {
				if b[i] == '\n' && f.lines {
					return 0, false
				}
				i++
			}
		}
		if i >= len(b) {
			return 0, false
		}
		c := b[i]
		switch st {
		case value:
			var ok bool
			switch {
			case c == '"':
				i, ok = scanString(b, i)
			case c == '-' || '0' <= c && c <= '9':
				i, ok = scanNumber(b, i)
			case c == 't' && hasAt(b, i, "true"):
				i, ok = i+4, true
			case c == 'f' && hasAt(b, i, "false"):
				i, ok = i+5, true
			case c == 'n' && hasAt(b, i, "null"):
				i, ok = i+4, true
			case c == '{' || c == '[':
				if n == len(stack) {
					return 0, false
				}
				stack[n] = c
				n++
				i++
				for i < len(b) && blankByte[b[i]] {
					if b[i] == '\n' && f.lines {
						return 0, false
					}
					i++
				}
				switch {
				case i >= len(b):
					return 0, false
				case c == '{' && b[i] == '}', c == '[' && b[i] == ']':
					n--
					i++
					st = after
				case c == '{':
					st = name
				}
				continue
			}
			if !ok {
				return 0, false
			}
			st = after
		case after:
			switch {
			case c == ',' && stack[n-1] == '{':
				i++
				st = name
			case c == ',':
				i++
				st = value
			case c == '}' && stack[n-1] == '{', c == ']' && stack[n-1] == '[':
				n--
				i++
			default:
				return 0, false
			}
		case name:
			var ok bool
			if c != '"' {
				return 0, false
			}
			if i, ok = scanString(b, i); !ok {
				return 0, false
			}
			for i < len(b) && blankByte[b[i]] {
				if b[i] == '\n' && f.lines {
					return 0, false
				}
				i++
			}
			if i >= len(b) || b[i] != ':' {
				return 0, false
			}
			i++
			st = value
		}
	}
}
