package trace

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// jsonOptions are lenient where real files are: duplicate names happen
// (and checking them costs time), invalid UTF-8 is mangled, not fatal.
var jsonOptions = []jsontext.Options{
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
}

// jlex reads JSON token by token for the format decoders. Syntax errors
// are fatal (returned); a value of the wrong type for its field is a span
// problem, recorded by the caller through the bad result.
//
// Object keys are normalised (lower case, '_' and '-' removed), so
// traceId, trace_id and traceID are all "traceid".
type jlex struct {
	d      *jsontext.Decoder
	f      *fastLex // in place of d, for a part in memory
	key    []byte   // normalised key, valid until the next call
	buf    []byte   // scratch for unquoting
	intern map[string]string
	vals   map[string]string // attribute values that repeat: see valueIntern
}

func newJlex(d *jsontext.Decoder) *jlex {
	return &jlex{d: d, intern: map[string]string{}, vals: map[string]string{}}
}

// The decoder's calls, to d or to f.

func (j *jlex) readValue() (jsontext.Value, error) {
	if j.f != nil {
		return j.f.readValue()
	}
	return j.d.ReadValue()
}

func (j *jlex) peekKind() jsontext.Kind {
	if j.f != nil {
		k, _ := j.f.peek()
		return k
	}
	return j.d.PeekKind()
}

func (j *jlex) readToken() error {
	if j.f != nil {
		return j.f.readToken()
	}
	_, err := j.d.ReadToken()
	return err
}

func (j *jlex) skipValue() error {
	if j.f != nil {
		return j.f.skipValue()
	}
	return j.d.SkipValue()
}

// maxIntern bounds the strings a jlex interns (attribute keys, span
// names, service names repeat from span to span).
const maxIntern = 4096

// strIntern is str for strings that repeat: short ones are allocated once.
func (j *jlex) strIntern() (string, bool, error) { return j.internIn(j.intern, false) }

// strValue is str for attribute values, textValue text for them: short
// strings that repeat from span to span (methods, routes, hosts, status
// codes, peer names) are allocated once. The table of them starts over
// when full, so values that never repeat (ids, URLs with ids) do not
// keep those that do out of it for long.
func (j *jlex) strValue() (string, bool, error) { return j.internIn(j.vals, true) }

// internIn reads a string value through table: a short one without
// escapes is allocated the first time only. A full table stops taking
// new strings, or with restart starts over.
func (j *jlex) internIn(table map[string]string, restart bool) (string, bool, error) {
	v, err := j.readValue()
	if err != nil {
		return "", false, errSyntax{err}
	}
	if v.Kind() == '0' && len(v) <= 66 {
		return internBytes(table, v, restart), true, nil // numbers as written repeat too
	}
	if v.Kind() != '"' || len(v) > 66 {
		return j.scalar(v)
	}
	raw := []byte(v[1 : len(v)-1])
	if !plainString(raw) {
		return j.scalar(v)
	}
	return internBytes(table, raw, restart), true, nil
}

// internRaw returns the string of raw (a plain string's inside) from the
// table of strIntern.
func (j *jlex) internRaw(raw []byte) string { return internBytes(j.intern, raw, false) }

// internBytes returns raw's string from table, adding it. A full table
// stops taking new strings, or with restart starts over.
func internBytes(table map[string]string, raw []byte, restart bool) string {
	if s, ok := table[string(raw)]; ok {
		return s
	}
	s := string(raw)
	switch {
	case len(table) < maxIntern:
		table[s] = s
	case restart:
		clear(table)
		table[s] = s
	}
	return s
}

func (j *jlex) textValue() (string, error) {
	if k := j.peekKind(); k == '{' || k == '[' {
		return j.text()
	}
	s, _, err := j.strValue()
	return s, err
}

// peek returns the kind of the next token, 0 at the end or on error.
func (j *jlex) peek() jsontext.Kind { return j.peekKind() }

// open reads the opening token of an object or array; ok is false (and
// the value skipped) if the next value is something else.
func (j *jlex) open(want jsontext.Kind) (ok bool, err error) {
	k := j.peekKind()
	if k != want {
		if k == 0 {
			err = j.readToken()
		} else {
			err = j.skipValue()
		}
		if err != nil {
			return false, errSyntax{err}
		}
		return false, nil
	}
	if err = j.readToken(); err != nil {
		return false, errSyntax{err}
	}
	return true, nil
}

// more reports whether the current object or array has another member.
func (j *jlex) more() bool {
	k := j.peekKind()
	return k != '}' && k != ']' && k != 0
}

// close reads the closing token of the current object or array.
func (j *jlex) close() error {
	if err := j.readToken(); err != nil {
		return errSyntax{err}
	}
	return nil
}

// members reads the members of an object already opened, calling fn
// with each normalised key (fn reads the value), and the closing '}'.
func (j *jlex) members(fn func(key []byte) error) error {
	for j.more() {
		key, err := j.nextKey()
		if err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return j.close()
}

// object reads an object as members does; ok is false (and the value
// skipped) if the next value is something else.
func (j *jlex) object(fn func(key []byte) error) (ok bool, err error) {
	if ok, err = j.open('{'); !ok || err != nil {
		return ok, err
	}
	return true, j.members(fn)
}

// array reads an array, calling fn to read each element; ok is false
// (and the value skipped) if the next value is something else.
func (j *jlex) array(fn func() error) (ok bool, err error) {
	if ok, err = j.open('['); !ok || err != nil {
		return ok, err
	}
	for j.more() {
		if err := fn(); err != nil {
			return true, err
		}
	}
	return true, j.close()
}

// nextKey reads an object member's name and returns it normalised.
func (j *jlex) nextKey() ([]byte, error) {
	if j.f != nil {
		if key, ok := j.f.readName(j.key); ok {
			j.key = key
			return key, nil
		}
	}
	v, err := j.readValue()
	if err != nil {
		return nil, errSyntax{err}
	}
	raw := []byte(v)
	if len(raw) >= 2 {
		raw = raw[1 : len(raw)-1]
	}
	for _, c := range raw {
		if c == '\\' {
			j.buf, _ = jsontext.AppendUnquote(j.buf[:0], v)
			raw = j.buf
			break
		}
	}
	if cap(j.key) < len(raw) {
		j.key = make([]byte, len(raw)+32)
	}
	key := j.key[:len(raw)]
	n := 0
	for _, c := range raw {
		key[n] = keyLower[c]
		if c != '_' && c != '-' {
			n++
		}
	}
	j.key = key[:n]
	return j.key, nil
}

// keyLower maps a byte of an object key to lower case (ASCII only).
var keyLower = func() (t [256]byte) {
	for c := range t {
		t[c] = byte(c)
		if 'A' <= c && c <= 'Z' {
			t[c] = byte(c + 'a' - 'A')
		}
	}
	return t
}()

// rawKey reads an object member's name as written (for maps whose keys
// are data: Zipkin tags, Jaeger processes).
func (j *jlex) rawKey() (string, error) {
	v, err := j.readValue()
	if err != nil {
		return "", errSyntax{err}
	}
	raw := []byte(v)
	if len(raw) >= 2 && len(raw) <= 66 {
		// interned as strIntern does: tag keys and process ids repeat
		raw = raw[1 : len(raw)-1]
		if plainString(raw) {
			return j.internRaw(raw), nil
		}
	}
	return j.unquote(v), nil
}

func (j *jlex) unquote(v jsontext.Value) string {
	raw := []byte(v)
	if len(raw) < 2 {
		return ""
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c >= 0x80 {
			var err error
			j.buf, err = jsontext.AppendUnquote(j.buf[:0], v)
			if err != nil && len(j.buf) == 0 {
				return ""
			}
			return string(j.buf)
		}
	}
	return string(raw[1 : len(raw)-1])
}

// errType says a value has the wrong JSON type for its field.
type errType struct {
	want string
	got  jsontext.Kind
}

func (e *errType) Error() string {
	return fmt.Sprintf("want %s, got %s", e.want, kindName(e.got))
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "nothing"
}

// fieldErr wraps a value error with the field it was read for.
func fieldErr(field string, err error) string { return field + ": " + err.Error() }

// errSyntax marks an error from the decoder itself (fatal), as opposed to
// a value of the wrong type (a span problem).
type errSyntax struct{ err error }

func (e errSyntax) Error() string { return e.err.Error() }
func (e errSyntax) Unwrap() error { return e.err }

// str reads a scalar as text: strings unquoted, numbers as written,
// booleans as true/false, null as "". ok is false for null.
func (j *jlex) str() (s string, ok bool, err error) {
	v, err := j.readValue()
	if err != nil {
		return "", false, errSyntax{err}
	}
	return j.scalar(v)
}

// id reads an id as str does into t, without allocating for a short
// string without escapes. On an error t is empty, as str's result is.
func (j *jlex) id(t *idText) error {
	v, err := j.readValue()
	if err != nil {
		t.setString("")
		return errSyntax{err}
	}
	if v.Kind() == '"' && len(v)-2 <= len(t.b) {
		raw := v[1 : len(v)-1]
		if plainString(raw) {
			t.setRaw([]byte(raw))
			return nil
		}
	}
	s, _, err := j.scalar(v)
	t.setString(s)
	return err
}

func (j *jlex) scalar(v jsontext.Value) (s string, ok bool, err error) {
	switch k := v.Kind(); k {
	case '"':
		return j.unquote(v), true, nil
	case '0':
		return string(v), true, nil
	case 't':
		return "true", true, nil
	case 'f':
		return "false", true, nil
	case 'n':
		return "", false, nil
	default:
		return "", false, &errType{"a string", k}
	}
}

// text reads any value as attribute text: scalars as str does, arrays
// and objects as their compact JSON.
func (j *jlex) text() (string, error) {
	switch j.peekKind() {
	case '{', '[':
		v, err := j.readValue()
		if err != nil {
			return "", errSyntax{err}
		}
		v = v.Clone()
		_ = v.Compact()
		return string(v), nil
	}
	s, _, err := j.str()
	return s, err
}

// int reads an integer written as a number or as a decimal string (OTLP's
// 64-bit integers). ok is false for null or "". A number with a fraction
// or an exponent is rounded.
func (j *jlex) int() (n int64, ok bool, err error) {
	v, err := j.readValue()
	if err != nil {
		return 0, false, errSyntax{err}
	}
	var raw []byte
	switch k := v.Kind(); k {
	case '0':
		raw = v
	case '"':
		raw = v[1 : len(v)-1]
		if len(raw) == 0 {
			return 0, false, nil
		}
	case 'n':
		return 0, false, nil
	default:
		return 0, false, &errType{"an integer", k}
	}
	n, err = parseInt(raw)
	return n, err == nil, err
}

var errNotInt = errors.New("not an integer")

// parseInt parses a decimal integer without allocating; it falls back to
// floating point for fractions and exponents.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errNotInt
	}
	neg := b[0] == '-'
	i := 0
	if neg || b[0] == '+' {
		i = 1
	}
	if i == len(b) {
		return 0, errNotInt
	}
	var u uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return parseFloatInt(b)
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, fmt.Errorf("integer %s out of range", b)
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, fmt.Errorf("integer %s out of range", b)
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("integer %s out of range", b)
	}
	return int64(u), nil
}

func parseFloatInt(b []byte) (int64, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, fmt.Errorf("%q is not an integer", b)
	}
	return int64(math.Round(f)), nil
}

// float reads a number written as a number or a string.
func (j *jlex) float() (float64, bool, error) {
	s, ok, err := j.str()
	if err != nil || !ok {
		return 0, false, err
	}
	f, perr := strconv.ParseFloat(s, 64)
	if perr != nil {
		return 0, false, fmt.Errorf("%q is not a number", s)
	}
	return f, true, nil
}

// bool reads true/false, "true"/"false", 1/0.
func (j *jlex) bool() (bool, error) {
	s, _, err := j.str()
	if err != nil {
		return false, err
	}
	return truthy(s), nil
}

func truthy(s string) bool {
	switch s {
	case "true", "True", "TRUE", "1", "t", "T", "yes":
		return true
	}
	return false
}

// skip skips the next value.
func (j *jlex) skip() error {
	if err := j.skipValue(); err != nil {
		return errSyntax{err}
	}
	return nil
}

// fatal reports whether err stops decoding (a syntax error), rather than
// making one span unusable.
func fatal(err error) bool {
	var s errSyntax
	return errors.As(err, &s)
}

// formatDouble writes a double as attribute text.
func formatDouble(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// plainString reports whether the inside of a JSON string token is its
// value as is: no escapes, ASCII only.
func plainString(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}
