package trace

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
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
func parseID(dst []byte, s string) error {
	n := len(dst)
	clear(dst)
	if s == "" {
		return errIDEmpty
	}
	if len(s) <= 2*n && isHex(s) {
		// Right-align the digits: dst[n-1] gets the last two.
		j := len(s)
		for i := n - 1; i >= 0 && j > 0; i-- {
			lo := unhex(s[j-1])
			j--
			var hi byte
			if j > 0 {
				hi = unhex(s[j-1])
				j--
			}
			dst[i] = hi<<4 | lo
		}
		return checkZero(dst)
	}
	var buf [24]byte // base64 of up to 16 bytes decodes into 18 at most
	if len(s) > 24 {
		return errIDForm(n)
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
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

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// parseParentID reads a parent span id: empty or all zeros means no
// parent.
func parseParentID(dst *SpanID, s string) error {
	err := parseID(dst[:], s)
	if err == errIDEmpty || err == errIDZero {
		return nil
	}
	return err
}

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
