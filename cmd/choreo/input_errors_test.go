package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An error in a 5 MB line prints a window of the line, not the line: a
// few hundred bytes on stderr, for a diagram and for a profile.
func TestHugeLineError(t *testing.T) {
	dir := t.TempDir()
	huge := strings.Repeat("x", 5<<20)
	diagram := filepath.Join(dir, "d.mmd")
	os.WriteFile(diagram, []byte("sequenceDiagram\n  A->>B: ok\n  A "+huge+" B: no arrow\n"), 0o644)
	good := filepath.Join(dir, "good.mmd")
	os.WriteFile(good, []byte("sequenceDiagram\n  A->>B: ok\n"), 0o644)
	profile := filepath.Join(dir, "p.yaml")
	os.WriteFile(profile, []byte("messages:\n  \"#1\": {latency: 20ms, "+huge+": 1}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"diagram", []string{"parse", diagram}, diagram + ":3:"},
		{"profile", []string{"sim", good, "--profile", profile, "-n", "1"}, profile + ":2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stderr.Len() > 2000 {
				t.Errorf("stderr has %d bytes, want at most 2000:\n%.500s", stderr.Len(), stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if !strings.HasPrefix(lines[0], tc.want) || len(lines) != 3 || !strings.Contains(lines[1], "…") || !strings.HasSuffix(lines[2], "^") {
				t.Errorf("stderr:\n%s\nwant %s…, a windowed line and a caret", stderr.String(), tc.want)
			}
		})
	}
}

// A binary file given as a diagram (an image, a gzipped diagram) gets a
// positioned error whose snippet shows its bytes escaped: stderr is
// printable UTF-8, whatever the file holds.
func TestBinaryDiagram(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"image.png": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
		"flow.gz":   "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03+N-,M\xcdKNu\xc9LL/J\xcc\xe5R",
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(data), 0o644)
		stdout, stderr, code := runBinary(t, "parse", path)
		if code != 2 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q", name, code, stdout)
		}
		if !strings.HasPrefix(stderr, path+":1:1: ") {
			t.Errorf("%s: stderr %q, want it to start with %s:1:1:", name, stderr, path)
		}
		for _, r := range stderr {
			if r != '\n' && (r < ' ' || r == 0x7f || r == 0xfffd) {
				t.Errorf("%s: stderr has %U:\n%q", name, r, stderr)
				break
			}
		}
		if want := `\x` + fmt.Sprintf("%02x", data[0]); !strings.Contains(stderr, want) {
			t.Errorf("%s: stderr %q does not show the first byte as %s", name, stderr, want)
		}
	}
}
