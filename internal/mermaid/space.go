package mermaid

import "unicode/utf8"

// IsSpace reports whether r is a JavaScript \s character: the ASCII
// spaces, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000 and U+FEFF.
func IsSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// IsASCIISpace reports whether c is one of the ASCII \s characters
// (space, \t, \n, \v, \f, \r).
func IsASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Space returns the length in bytes of the JavaScript \s character at
// b[i], or 0 if there is none. i must be an index of b.
func Space(b []byte, i int) int {
	c := b[i]
	if c < 0x80 {
		switch c {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRune(b[i:])
	switch {
	case r == 0xa0, r == 0x1680, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000, r == 0xfeff:
		return n
	case r >= 0x2000 && r <= 0x200a:
		return n
	}
	return 0
}

// SkipSpace returns the end of the \s* run at i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		n := Space(b, i)
		if n == 0 {
			break
		}
		i += n
	}
	return i
}

// SameLineSpace returns the length of the ((?!\n)\s)+ run at p, 0 if
// there is none.
func SameLineSpace(b []byte, p int) int {
	e := p
	for e < len(b) && b[e] != '\n' {
		n := Space(b, e)
		if n == 0 {
			break
		}
		e += n
	}
	return e - p
}

// LineTerminator returns the length of the JavaScript line terminator at
// b[i] (\n, \r, U+2028 or U+2029: what '.' does not match), or 0.
func LineTerminator(b []byte, i int) int {
	c := b[i]
	if c == '\n' || c == '\r' {
		return 1
	}
	if c == 0xe2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9) {
		return 3
	}
	return 0
}

// IsWordByte reports whether c is a \w character: [A-Za-z0-9_].
func IsWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
