package yamlpos

import (
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
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

// Nodes built for an appended input are placed and shown in it; the
// file's own lines stay its own.
func TestAppend(t *testing.T) {
	f, _ := Parse("p.yaml", []byte("a: 1\nb: 2\n"))
	first := f.Append("--set[1]", "#4.fault.rate=2")
	if first != 4 {
		t.Fatalf("Append: first line %d, want 4 (after the file's 3 lines)", first)
	}
	f.Errorf(&yaml.Node{Line: first, Column: 15}, "rate 2 is outside [0, 1]")
	f.Errorf(&yaml.Node{Line: 2, Column: 4}, "bad")
	errs := f.Errors()
	if got := errs[0].Error(); got != "--set[1]:1:15: rate 2 is outside [0, 1]" {
		t.Errorf("appended: %q", got)
	}
	if errs[0].Src != "#4.fault.rate=2" || errs[1].Src != "b: 2" {
		t.Errorf("sources %q, %q", errs[0].Src, errs[1].Src)
	}
	if got := f.Line(first); got != "" {
		t.Errorf("Line(%d) = %q: Line reads the file's own lines only", first, got)
	}
}
