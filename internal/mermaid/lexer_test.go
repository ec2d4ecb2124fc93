package mermaid

import (
	"testing"
	"unicode/utf8"
)

// TestSpaceAgrees keeps the byte and rune forms of \s the same set.
func TestSpaceAgrees(t *testing.T) {
	for r := rune(0); r <= 0x10ffff; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		b := utf8.AppendRune(nil, r)
		want := 0
		if IsSpace(r) {
			want = len(b)
		}
		if got := Space(b, 0); got != want {
			t.Errorf("Space(%U) = %d, IsSpace says %d", r, got, want)
		}
		if r < 0x80 && IsASCIISpace(byte(r)) != IsSpace(r) {
			t.Errorf("IsASCIISpace(%U) != IsSpace", r)
		}
	}
}

func TestRules(t *testing.T) {
	for _, c := range []struct {
		name string
		got  any
		want any
	}{
		{"MatchActor arrow", MatchActor([]byte("Alice->>Bob: hi"), 0), 5},
		{"MatchActor dashes", MatchActor([]byte("a-b-c->>x"), 0), 5},
		{"MatchActor blocked", MatchActor([]byte("a--x"), 0), 1},
		{"MatchActor none", MatchActor([]byte("->>x"), 0), 0},
		{"MatchNumber int", MatchNumber([]byte("10 "), 0), 2},
		{"MatchNumber frac", MatchNumber([]byte("1.25\n"), 0), 4},
		{"MatchNumber dot", MatchNumber([]byte(".5 "), 0), 2},
		{"MatchNumber long frac", MatchNumber([]byte("1.234 "), 0), 0},
		{"MatchNumber no lookahead", MatchNumber([]byte("12x"), 0), 0},
		{"TextEnd", TextEnd([]byte("ab#c"), 0), 2},
		{"SkipSpace", SkipSpace([]byte(" \t\u00a0x"), 0), 4},
		{"SameLineSpace", SameLineSpace([]byte(" \n "), 0), 1},
		{"LineTerminator", LineTerminator([]byte("\u2028"), 0), 3},
		{"RunOf meta", RunOf([]byte("a-b"), 0, MetaIDByte), 1},
		{"RunOf alias nbsp", RunOf([]byte("a\u00a0b"), 0, AliasIDByte), 1},
		{"RunOf plain nbsp", RunOf([]byte("a\u00a0b"), 0, PlainIDByte), 4},
		{"StyleSemicolon", StyleSemicolon([]byte("style x:#f00;"), "style"), 12},
		{"StyleSemicolon space", StyleSemicolon([]byte("style x: #f00;"), "style"), -1},
		{"Keyword", Keyword([]byte("END x"), 0, "end"), true},
		{"Keyword boundary", Keyword([]byte("ending"), 0, "end"), false},
		{"Keyword at end", Keyword([]byte("end"), 0, "end"), true},
		{"FollowedByAs", FollowedByAs([]byte("a as b"), 1), true},
		{"FollowedByAs no space before", FollowedByAs([]byte("aas b"), 1), false},
		{"FollowedByAs at end", FollowedByAs([]byte("a as"), 1), false},
		{"HasPrefixFold case", HasPrefixFold([]byte("-X"), 0, "-x"), true},
		{"HasPrefixFold punctuation", HasPrefixFold([]byte("["), 0, "{"), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
