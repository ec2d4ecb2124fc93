package suggest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"kitten", "sitting", 3}, {"abc", "", 3}, {"żółw", "zolw", 3}, {"kind", "kidn", 1}, {"ca", "abc", 3}, {"mean", "min", 2},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	tests := []struct {
		name, q string
		names   []string
		want    []string
		reason  string
	}{
		{name: "one slip", q: "latncy", names: []string{"latency", "fault"}, want: []string{"latency"}},
		{name: "case ignored", q: "Retry", names: []string{"retry"}, want: []string{"retry"}},
		{name: "transposed in a short word", q: "kidn", names: []string{"kind", "rate"}, want: []string{"kind"},
			reason: "a swap of neighbours is one slip"},
		{name: "two slips in a short word", q: "mean", names: []string{"min", "max"}, want: nil},
		{name: "too far", q: "colour", names: []string{"latency", "timeout"}, want: nil},
		{name: "not a name typed anew", q: "ab", names: []string{"cd", "x"}, want: nil,
			reason: "a distance equal to the name's length is no typo"},
		{name: "nearest first, ties in order", q: "alt subscription okk",
			names: []string{"alt subscription ko", "alt subscription ok", "else subscription ok"},
			want:  []string{"alt subscription ok", "alt subscription ko", "else subscription ok"}},
		{name: "at most Max", q: "aaaa", names: []string{"aaab", "aaac", "aaad", "aaae"}, want: []string{"aaab", "aaac", "aaad"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Nearest(tc.q, tc.names); !slices.Equal(got, tc.want) {
				t.Errorf("Nearest(%q) = %q, want %q (%s)", tc.q, got, tc.want, tc.reason)
			}
		})
	}
}

func TestPhrase(t *testing.T) {
	if got, want := DidYouMean("latncy", []string{"fault", "latency"}), `; did you mean "latency"?`; got != want {
		t.Errorf("DidYouMean = %q, want %q", got, want)
	}
	if got, want := Phrase([]string{"a", "b", "c"}), `; did you mean "a", "b" or "c"?`; got != want {
		t.Errorf("Phrase = %q, want %q", got, want)
	}
	if got := DidYouMean("zzz", []string{"fault"}); got != "" {
		t.Errorf("DidYouMean far = %q, want \"\"", got)
	}
}
