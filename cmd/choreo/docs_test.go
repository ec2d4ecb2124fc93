package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docFiles are the documents a user reads: the README and docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"../../README.md", "../../BENCHMARKS.md"}, files...)
}

// docCode returns the code of a Markdown file: each line of its fenced
// blocks, and each `span` of the rest (a span may wrap onto the next
// line), with its line number.
func docCode(t *testing.T, path string) (lines []string, at []int) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fenced := false
	text := strings.Split(string(src), "\n")
	for i := 0; i < len(text); i++ {
		l := text[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			lines, at = append(lines, l), append(at, i+1)
			continue
		}
		// a span left open at the end of a line goes on on the next
		if strings.Count(l, "`")%2 == 1 && i+1 < len(text) {
			l += " " + text[i+1]
			i++
		}
		parts := strings.Split(l, "`")
		for k := 1; k < len(parts); k += 2 {
			lines, at = append(lines, parts[k]), append(at, i+1)
		}
	}
	return lines, at
}

var invocation = regexp.MustCompile(`^(?:\$ )?(?:go run \./cmd/choreo|choreo) (\S+)(.*)$`)

// helpFlags returns the flags that `choreo NAME --help` lists.
func helpFlags(t *testing.T, name string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{name, "--help"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("choreo %s --help: exit %d: %s", name, code, errOut.String())
	}
	body, _, _ := strings.Cut(out.String(), "\nExamples:\n")
	_, section, _ := strings.Cut(body, "\nFlags:\n")
	flags := []string{"-h", "--help"}
	for _, l := range strings.Split(section, "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "-") {
			flags = append(flags, flagsOf(strings.Join(f[:min(2, len(f))], " "))...)
		}
	}
	return flags
}

// TestDocsNameWhatExists: every choreo command line in the README and
// docs/ (in code blocks and `spans`) and in the examples of every
// command's help names a command that exists, and every flag it gives is
// one `choreo COMMAND --help` lists.
func TestDocsNameWhatExists(t *testing.T) {
	flags := map[string][]string{}
	checked := 0
	check := func(where, code string) {
		// each command of a pipeline or a list of commands
		for _, part := range regexp.MustCompile(`\s*(?:\||&&|;)\s*`).Split(strings.TrimSpace(code), -1) {
			m := invocation.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			name, rest := m[1], m[2]
			if name == "--version" || name == "--help" || name == "-h" || name == strings.ToUpper(name) {
				// the top-level flags, a placeholder such as COMMAND
				continue
			}
			if _, ok := commands[name]; !ok {
				if name != "help" {
					t.Errorf("%s: `%s` names no command (choreo has %s)", where, part, strings.Join(commandNames(), ", "))
				}
				continue
			}
			if flags[name] == nil {
				flags[name] = helpFlags(t, name)
			}
			rest, _, _ = strings.Cut(rest, "#") // a shell comment
			for _, f := range flagsOf(rest) {
				if !slices.Contains(flags[name], f) {
					t.Errorf("%s: `%s`: choreo %s has no flag %s", where, strings.TrimSpace(part), name, f)
				}
			}
			checked++
		}
	}
	for _, path := range docFiles(t) {
		lines, at := docCode(t, path)
		for i, code := range lines {
			check(filepath.Base(path)+":"+strconv.Itoa(at[i]), code)
		}
	}
	if checked < 20 {
		t.Errorf("only %d command lines found in the docs: is the extraction broken?", checked)
	}
	for _, name := range commandNames() {
		_, examples, _ := strings.Cut(commands[name].help, "\nExamples:\n")
		for _, l := range strings.Split(examples, "\n") {
			check("choreo help "+name, l)
		}
	}
}

// TestREADMESynopses: each synopsis in the README (a code block line
// "choreo COMMAND …[…]" and its indented continuation lines) is the
// synopsis `choreo COMMAND --help` prints, up to spacing; every command
// but version has one.
func TestREADMESynopses(t *testing.T) {
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	seen := map[string]bool{}
	fenced := false
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "```") {
			fenced = !fenced
			continue
		}
		m := invocation.FindStringSubmatch(lines[i])
		if !fenced || m == nil || !strings.Contains(lines[i], " [") || strings.HasPrefix(lines[i], "$") {
			continue
		}
		name := m[1]
		syn := lines[i]
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
			i++
			syn += "\n" + lines[i]
		}
		c, ok := commands[name]
		if !ok {
			t.Errorf("README.md:%d: a synopsis of choreo %s, which is not a command", i+1, name)
			continue
		}
		seen[name] = true
		if strings.Join(strings.Fields(syn), " ") != strings.Join(strings.Fields(c.usage), " ") {
			t.Errorf("README.md:%d: the synopsis of choreo %s differs from --help:\nREADME:\n%s\n--help:\n%s", i+1, name, syn, c.usage)
		}
	}
	for _, name := range commandNames() {
		if !seen[name] && name != "version" {
			t.Errorf("README.md has no synopsis of choreo %s", name)
		}
	}
}
