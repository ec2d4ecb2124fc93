package main

import (
	"bytes"
	"context"
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
