package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the layout of DESIGN.md true: imports point
// down only (cmd/choreo -> sim, trace -> report -> flow; parser -> flow),
// flow uses the standard library alone, sim and trace never import each
// other, and only cmd/choreo reads flags.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/choreo-dev/choreo/"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}|{{.Standard}}|{{join .Deps " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	std := map[string]bool{}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 3)
		std[f[0]] = f[1] == "true"
		deps[f[0]] = strings.Fields(f[2])
	}
	allowed := map[string][]string{ // our packages each may import
		"flow":       {},
		"parser":     {"flow"},
		"report":     {"flow"},
		"sim":        {"report", "flow"},
		"trace":      {"report", "flow"},
		"cmd/choreo": {"flow", "parser", "report", "sim", "trace"},
	}
	for pkg, ok := range allowed {
		path := mod + pkg
		if _, found := deps[path]; !found {
			t.Errorf("package %s is missing", pkg)
			continue
		}
		for _, d := range deps[path] {
			if strings.HasPrefix(d, mod) {
				rel := strings.TrimPrefix(d, mod)
				if strings.HasPrefix(rel, "internal/") {
					continue
				}
				if !contains(ok, rel) {
					t.Errorf("%s imports %s: the layout allows only %v", pkg, rel, ok)
				}
				continue
			}
			if pkg == "flow" && !std[d] {
				t.Errorf("flow depends on %s: flow uses the standard library only", d)
			}
			if pkg != "cmd/choreo" && strings.HasPrefix(d, "github.com/spf13/pflag") {
				t.Errorf("%s depends on pflag: only cmd/choreo reads flags", pkg)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
