package yamlpos

import (
	"slices"
	"testing"
)

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"a\nb\n", []string{"a", "b", ""}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\rb", []string{"a", "b"}},
		{"a\u2028b\u0085c", []string{"a", "b", "c"}},
	} {
		if got := Lines([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string
		reason    string
	}{
		{name: "syntax error at its line", src: "a: 1\nb: [x\nc: 2\n",
			want:   "f.yaml:2:1: YAML: did not find expected ',' or ']'",
			reason: "yaml.v3 reports a parser problem at the 0-based line of the construct"},
		{name: "scanner error", src: "a: 1\nb: \"x\n", want: "f.yaml:2:1: YAML: found unexpected end of stream"},
		{name: "at the end of the input", src: "[", want: "f.yaml:1:1: YAML: did not find expected node content",
			reason: "a line past the end is the last line"},
		{name: "given twice", src: "a: 1\nlatency: 2\na: 3\n", want: `f.yaml:3:1: "a" is given twice (first at line 1)`},
		{name: "not a mapping", src: "- a\n", want: "f.yaml:1:1: a file must be a mapping, not a list"},
		{name: "unknown key", src: "a: 1\nlatncy: 2\n", want: `f.yaml:2:1: unknown top key "latncy"; did you mean "latency"?; want a, latency`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, doc := Parse("f.yaml", []byte(tc.src))
			f.CheckKeys(f.Mapping(doc, "a file"), []string{"a", "latency"}, "top")
			err := f.Err()
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s (%s)", err, tc.want, tc.reason)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	f, doc := Parse("f.yaml", []byte("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n"))
	m := f.Mapping(Get(f.Mapping(doc, "a file"), "m").Val, "m")
	var got []string
	for _, e := range m {
		got = append(got, e.Key.Value+"="+e.Val.Value)
	}
	if want := []string{"y=3", "x=1"}; !slices.Equal(got, want) || f.Failed() {
		t.Errorf("merged %q, want %q (keys written win), errors %v", got, want, f.Err())
	}
}
