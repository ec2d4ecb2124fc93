package trace

import (
	"encoding/base64"
	"errors"
	"fmt"
)

var (
	errIDEmpty = errors.New("empty")
	errIDZero  = errors.New("all zeros")
)

// errIDForm says what an id of n bytes may look like.
func errIDForm(n int) error {
	return fmt.Errorf("want up to %d hex digits or the base64 of %d bytes", 2*n, n)
}

// parseID decodes an id of len(dst) bytes written as hex or base64 into
// dst, left-padding shorter ids with zeros.
//
// Hex or base64 is decided by alphabet and length (trace-formats.md §1.5):
// a string of hex digits no longer than 2·len(dst) is hex (upper or lower
// case; a 16-hex trace id is left-padded to 32, an odd length gets a
// leading zero); anything else is base64, standard or URL alphabet,
// padded or not (Tempo writes a 16-byte id as 24 characters ending in
// "=="). The id must not be all zeros.
func parseID[T string | []byte](dst []byte, s T) error {
	n := len(dst)
	clear(dst)
	if len(s) == 0 {
		return errIDEmpty
	}
	if len(s) <= 2*n {
		// Right-align the digits: dst[n-1] gets the last two. A byte
		// that is no hex digit makes the id base64.
		bad := byte(0)
		j := len(s)
		for i := n - 1; j > 0; i-- {
			lo := hexVal[s[j-1]]
			j--
			var hi byte
			if j > 0 {
				hi = hexVal[s[j-1]]
				j--
			}
			bad |= lo | hi
			dst[i] = hi<<4 | lo
		}
		if bad < 16 {
			return checkZero(dst)
		}
		clear(dst)
	}
	var buf [24]byte // base64 of up to 16 bytes decodes into 18 at most
	if len(s) > 24 {
		return errIDForm(n)
	}
	enc := base64.StdEncoding
	if containsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if s[len(s)-1] != '=' {
		enc = enc.WithPadding(base64.NoPadding)
	}
	m, err := enc.Decode(buf[:], []byte(s))
	if err != nil || m == 0 || m > n {
		return errIDForm(n)
	}
	copy(dst[n-m:], buf[:m])
	return checkZero(dst)
}

func checkZero(b []byte) error {
	for _, c := range b {
		if c != 0 {
			return nil
		}
	}
	return errIDZero
}

func containsAny[T string | []byte](s T, chars string) bool {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return true
			}
		}
	}
	return false
}

// hexVal is the value of a hex digit, 0xff for other bytes.
var hexVal = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

// idProblem is the reason given for an unusable id.
func idProblem(what, s string, err error) string {
	if err == errIDEmpty {
		return "missing " + what
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "bad " + what + " " + quote(s) + ": " + err.Error()
}

// idText is an id as written, before parsing: kept in place when it is
// a short string without escapes (almost every id), so that reading a
// span copies no id into a string of its own; as a string otherwise.
type idText struct {
	b   [32]byte
	n   uint8 // len of the id in b, when s is not used
	str bool  // the id is s
	s   string
}

func (t *idText) setString(s string) { *t = idText{str: true, s: s} }

// setRaw sets the id to raw, at most 32 bytes (a plain string's inside).
func (t *idText) setRaw(raw []byte) {
	t.str, t.s = false, ""
	t.n = uint8(copy(t.b[:], raw))
}

func (t *idText) empty() bool {
	if t.str {
		return t.s == ""
	}
	return t.n == 0
}

// String returns the id as written (unquoted).
func (t *idText) String() string {
	if t.str {
		return t.s
	}
	return string(t.b[:t.n])
}

// parse parses the id into dst as parseID does.
func (t *idText) parse(dst []byte) error {
	if t.str {
		return parseID(dst, t.s)
	}
	return parseID(dst, t.b[:t.n])
}
