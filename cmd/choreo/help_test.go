package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var (
	builtOnce sync.Once
	builtPath string
	builtErr  error
)

// builtChoreo builds choreo once for the tests that run it as a user does,
// with the VCS stamping of a plain `go build` in a checkout (the
// environment may turn it off) when git can give it.
func builtChoreo(t *testing.T) string {
	t.Helper()
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "choreo-bin")
		if err != nil {
			builtErr = err
			return
		}
		builtPath = filepath.Join(dir, "choreo")
		out, err := exec.Command("go", "build", "-buildvcs=true", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			// no git, or no checkout: build without the stamp
			out, err = exec.Command("go", "build", "-buildvcs=false", "-o", builtPath, ".").CombinedOutput()
		}
		if err != nil {
			builtErr = errors.New(string(out))
		}
	})
	if builtErr != nil {
		t.Fatalf("go build: %v", builtErr)
	}
	return builtPath
}

// runBinary runs the built choreo and returns its stdout, stderr and
// exit status.
func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(builtChoreo(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

var flagInText = regexp.MustCompile(`(?:^|[\s\[])(--[a-z][a-z-]*|-[a-z])\b`)

// flagsOf returns the flags a text names (--x, -x), sorted, once each.
func flagsOf(text string) []string {
	var out []string
	for _, m := range flagInText.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestHelpEveryCommand: for every command, `choreo help X`, `choreo X
// --help` and `choreo X -h` print the same full usage on stdout, exit 0:
// the synopsis, what it does, every flag with its default (the flags of
// the synopsis and those of the Flags section are the same), and two or
// three examples of that command; no line is wider than 100 columns.
func TestHelpEveryCommand(t *testing.T) {
	for _, name := range commandNames() {
		t.Run(name, func(t *testing.T) {
			c := commands[name]
			out, errOut, code := runBinary(t, "help", name)
			if code != 0 || errOut != "" {
				t.Fatalf("choreo help %s: exit %d, stderr %q", name, code, errOut)
			}
			for _, args := range [][]string{{name, "--help"}, {name, "-h"}} {
				o, e, code := runBinary(t, args...)
				if code != 0 || e != "" || o != out {
					t.Errorf("choreo %s: exit %d, stderr %q, stdout differs from choreo help %s:\n%s", strings.Join(args, " "), code, e, name, o)
				}
			}
			if want := "usage: " + synopsis(c.usage) + "\n\n"; !strings.HasPrefix(out, want) {
				t.Errorf("help does not start with the synopsis %q:\n%s", want, out)
			}
			for i, line := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(line); n > 100 {
					t.Errorf("line %d is %d columns wide: %s", i+1, n, line)
				}
			}
			_, examples, ok := strings.Cut(out, "\nExamples:\n")
			lines := strings.Split(strings.TrimSpace(examples), "\n")
			if !ok || len(lines) < 2 || len(lines) > 6 {
				t.Errorf("want 2 to 6 example lines after the flags, got %q", examples)
			}
			own := 0
			for _, l := range lines {
				if strings.Contains(l, "choreo "+name) || name == "version" && strings.Contains(l, "choreo --version") {
					own++
				} else if !strings.Contains(l, "choreo ") {
					t.Errorf("example %q is not a choreo command", l)
				}
			}
			if own < 2 {
				t.Errorf("%d examples of choreo %s, want at least 2:\n%s", own, name, examples)
			}
			body, _, _ := strings.Cut(out, "\nExamples:\n")
			_, flagSection, hasFlags := strings.Cut(body, "\nFlags:\n")
			var listed []string
			for _, l := range strings.Split(flagSection, "\n") {
				// "  -o, --output FILE   …" or "      --format string   …"
				if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "-") {
					listed = append(listed, flagsOf(strings.Join(f[:min(2, len(f))], " "))...)
				}
			}
			slices.Sort(listed)
			inSynopsis := flagsOf(c.usage)
			for _, f := range inSynopsis {
				if !slices.Contains(listed, f) {
					t.Errorf("the synopsis names %s, the Flags section does not list it", f)
				}
			}
			for i := 0; i < len(listed); i++ {
				f := listed[i]
				// a flag with a shorthand is in the synopsis by either name
				if !slices.Contains(inSynopsis, f) && !shorthandInSynopsis(flagSection, f, inSynopsis) {
					t.Errorf("the Flags section lists %s, the synopsis does not name it", f)
				}
			}
			if len(inSynopsis) > 0 && !hasFlags {
				t.Errorf("no Flags section")
			}
			if strings.Contains(flagSection, "(default") {
				for _, l := range strings.Split(flagSection, "\n") {
					if strings.Count(l, "(default") > 1 {
						t.Errorf("a flag's default said twice: %s", l)
					}
				}
			}
		})
	}
}

// shorthandInSynopsis reports whether the flag f of the Flags section
// has its other name (-o for --output) in the synopsis.
func shorthandInSynopsis(section, f string, inSynopsis []string) bool {
	for _, l := range strings.Split(section, "\n") {
		names := flagsOf(strings.Join(strings.Fields(l)[:min(2, len(strings.Fields(l)))], " "))
		if slices.Contains(names, f) {
			for _, n := range names {
				if slices.Contains(inSynopsis, n) {
					return true
				}
			}
		}
	}
	return false
}

// TestCommandList: `choreo help` lists every command with its one-line
// description within 100 columns on stdout, exit 0; `choreo` alone is a
// usage error with the list on stderr, exit 2; an unknown help topic is
// named on stderr, exit 2.
func TestCommandList(t *testing.T) {
	out, errOut, code := runBinary(t, "help")
	if code != 0 || errOut != "" {
		t.Fatalf("choreo help: exit %d, stderr %q", code, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("line is %d columns wide: %s", n, line)
		}
	}
	for _, name := range commandNames() {
		if !regexp.MustCompile(`(?m)^  ` + name + ` +` + regexp.QuoteMeta(commands[name].short) + `$`).MatchString(out) {
			t.Errorf("the list has no line for %s with %q:\n%s", name, commands[name].short, out)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}} {
		if o, _, code := runBinary(t, args...); o != out || code != 0 {
			t.Errorf("choreo %s: exit %d, output differs from choreo help", args[0], code)
		}
	}
	o, e, code := runBinary(t)
	if code != 2 || o != "" || e != out {
		t.Errorf("choreo alone: exit %d, stdout %q, stderr differs from the list:\n%s", code, o, e)
	}
	o, e, code = runBinary(t, "help", "nosuch")
	if code != 2 || o != "" || !strings.Contains(e, `unknown command "nosuch"`) {
		t.Errorf("choreo help nosuch: exit %d, stdout %q, stderr %q", code, o, e)
	}
}

// TestVersion: `choreo version` and `choreo --version` print one line
// with the module version and, from a git checkout, the revision built.
func TestVersion(t *testing.T) {
	out, errOut, code := runBinary(t, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("choreo version: exit %d, stderr %q", code, errOut)
	}
	if o, _, code := runBinary(t, "--version"); o != out || code != 0 {
		t.Errorf("choreo --version: exit %d, %q; choreo version said %q", code, o, out)
	}
	if !regexp.MustCompile(`^choreo (devel|v\d\S*)( \(rev [0-9a-f]{12}(, [0-9TZ:-]+)?(, modified)?\)| \(no VCS revision recorded\))? go1\.\S+ \S+/\S+\n$`).MatchString(out) {
		t.Errorf("version line %q", out)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Logf("no git: the revision is not checked (%v)", err)
		return
	}
	bi, err := exec.Command("go", "version", "-m", builtChoreo(t)).Output()
	if err != nil || !strings.Contains(string(bi), "vcs.revision=") {
		t.Logf("the build has no VCS stamp: the revision is not checked")
		return
	}
	if rev := strings.TrimSpace(string(head))[:12]; !strings.Contains(out, "(rev "+rev) {
		t.Errorf("version line %q does not name the revision %s", out, rev)
	}
	if modified := strings.Contains(string(bi), "vcs.modified=true"); modified != strings.Contains(out, ", modified)") {
		t.Errorf("version line %q; the build info says vcs.modified=%v", out, modified)
	}
}

func TestVersionLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "choreo devel (no VCS revision recorded) "},
		{"go run", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "choreo devel (no VCS revision recorded) "},
		{"release", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1"}}, "choreo v0.4.1 "},
		{"checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T01:40:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "choreo devel (rev 0123456789ab, 2026-12-04T01:40:00Z, modified) "},
		{"clean checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.0.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"},
		}}, "choreo v1.0.0 (rev abc) "},
	} {
		if got := versionLine(tc.bi); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want it to start with %q", tc.name, got, tc.want)
		}
	}
}
