package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// An output is written through a temporary file in its folder: until
// Commit the target is untouched, Commit replaces it whole (keeping its
// mode), Abort leaves the folder as it was.
func TestOutFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "r.json")
	os.WriteFile(target, []byte("old"), 0o600)
	sio := stdio{out: &bytes.Buffer{}}

	f, err := createOutput(sio, target)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("before Commit the target holds %q", got)
	}
	if n := dirNames(t, dir); len(n) != 2 || !strings.HasPrefix(n[0], ".r.json.") {
		t.Errorf("while writing the folder holds %v, want the target and a hidden temporary file", n)
	}
	f.Abort()
	if n := dirNames(t, dir); !slices.Equal(n, []string{"r.json"}) {
		t.Errorf("after Abort the folder holds %v", n)
	}
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("after Abort the target holds %q", got)
	}

	if err := writeOutput(sio, target, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("after writeOutput the target holds %q", got)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old file's 0600", fi.Mode().Perm())
	}
	if n := dirNames(t, dir); !slices.Equal(n, []string{"r.json"}) {
		t.Errorf("after writeOutput the folder holds %v", n)
	}

	// a link is written through: the link stays, its file changes
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("r.json", link); err != nil {
		t.Skip(err)
	}
	if err := writeOutput(sio, link, []byte("via link")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file")
	}
	if got, _ := os.ReadFile(target); string(got) != "via link" {
		t.Errorf("the link's file holds %q", got)
	}

	// "-" and "" are standard output
	var out bytes.Buffer
	if err := writeOutput(stdio{out: &out}, "-", []byte("to stdout")); err != nil || out.String() != "to stdout" {
		t.Errorf("writeOutput -: %v, %q", err, out.String())
	}
}

// A command whose output cannot be written stops before it reads its
// input, and leaves nothing behind (`-o /tmp` once left /tmp.tmp).
func TestOutputCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	for _, args := range [][]string{
		{"sim", "missing.mmd", "-o", sub},
		{"parse", "missing.mmd", "-o", sub},
		{"report", "missing.json", "-o", sub},
		{"check", "missing.mmd", "t.json", "-o", sub},
		{"drill", "missing.mmd", "--profile", "p.yaml", "-o", sub},
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
		if want := "choreo " + args[0] + ": -o " + sub + ": is a directory, not a file\n"; code != 2 || stderr.String() != want {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, code, stderr.String(), want)
		}
	}
	if n := dirNames(t, dir); !slices.Equal(n, []string{"sub"}) {
		t.Errorf("the folder holds %v", n)
	}
}

// A real-time drill that stops before it runs (a --case it does not have)
// leaves neither its trace file nor its fault log, nor their temporary
// files.
func TestRealSessionAbort(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.mmd"), []byte("sequenceDiagram\n  A->>B: hi\n  B-->>A: ok\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "p.yaml"), []byte("participants:\n  B: {adapter: http, url: \"http://127.0.0.1:1\"}\n"), 0o644)
	var stdout, stderr bytes.Buffer
	args := []string{"drill", filepath.Join(dir, "d.mmd"), "--profile", filepath.Join(dir, "p.yaml"), "--case", "#1 drop",
		"--traces", filepath.Join(dir, "t.jsonl"), "--fault-log", filepath.Join(dir, "f.jsonl")}
	if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no such case") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if n := dirNames(t, dir); !slices.Equal(n, []string{"d.mmd", "p.yaml"}) {
		t.Errorf("the folder holds %v", n)
	}
}
