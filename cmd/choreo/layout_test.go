package main

import (
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// layout lists every package of the module and the packages of ours it
// may import directly, so that imports point down only (the package docs
// say where each one sits): cmd/choreo -> sim, trace -> report
// -> flow; parser -> flow; sim and trace never import each other. lint
// sits above sim (cmd/choreo -> lint -> sim): it reads sim's resolved
// profiles and runs nothing.
//
// The internal packages sit beside that order, each with its own
// arrows:
//
//   - internal/mermaid (lexer tables, CSS colours, the Mermaid printer)
//     imports flow only; parser lexes with it, report prints annotated
//     diagrams with it, cmd/choreo prints `parse --format mermaid` with it.
//   - internal/srcpos (positioned input errors) imports flow only;
//     report places --fail-on gates' errors with it (and lookup and
//     suggest name their steps).
//   - internal/suggest (the one "did you mean") imports nothing of ours.
//   - internal/lookup (flow's lookup errors phrased with that one
//     did-you-mean) imports flow and internal/suggest.
//   - internal/yamlpos (YAML with positions, under the profile and map
//     loaders) imports flow, internal/srcpos and internal/suggest.
//   - internal/runid (the ids and clock of simulated runs) imports
//     nothing of ours; sim sends its ids to real systems, otelexport
//     writes them.
//   - internal/otelexport (simulated runs as OTLP: the --traces file
//     writer and the --otlp-endpoint exporter) imports sim, report, flow
//     and internal/runid, and only cmd/choreo imports it.
//   - internal/seedsystems (the seed's stub systems) imports nothing of
//     ours; the examples and cmd/choreo's tests run it.
//   - internal/golden and internal/testdiagram are test helpers: only
//     tests import them (go list -deps below does not see test imports,
//     so a non-test import of them would show as a missing arrow).
//
// A package that is not in the table fails the test: a new package
// states its arrows here.
var layout = map[string][]string{
	"flow":                 {},
	"parser":               {"flow", "internal/mermaid", "internal/srcpos"},
	"report":               {"flow", "internal/lookup", "internal/mermaid", "internal/srcpos", "internal/suggest"},
	"sim":                  {"report", "flow", "internal/lookup", "internal/runid", "internal/srcpos", "internal/suggest", "internal/yamlpos"},
	"trace":                {"report", "flow", "internal/lookup", "internal/srcpos", "internal/suggest", "internal/yamlpos"},
	"lint":                 {"sim", "report", "flow"},
	"cmd/choreo":           {"flow", "lint", "parser", "report", "sim", "trace", "serve", "internal/lookup", "internal/mermaid", "internal/srcpos", "internal/suggest", "internal/otelexport"},
	"serve":                {"trace", "report", "flow"},
	"examples/seedsystems": {"internal/seedsystems"},
	"bench/checkfloor":     {},

	"internal/mermaid":     {"flow"},
	"internal/srcpos":      {"flow"},
	"internal/suggest":     {},
	"internal/lookup":      {"flow", "internal/suggest"},
	"internal/yamlpos":     {"flow", "internal/srcpos", "internal/suggest"},
	"internal/otelexport":  {"sim", "report", "flow", "internal/runid"},
	"internal/runid":       {},
	"internal/seedsystems": {},
	"internal/golden":      {},
	"internal/testdiagram": {"flow", "parser"},
}

// stdlibOnly lists the packages that may use the standard library and
// the packages of ours in their layout entry, and no third-party module.
var stdlibOnly = []string{"flow", "internal/lookup", "internal/mermaid", "internal/runid", "internal/srcpos", "internal/suggest"}

// mainPackages are the main packages: only they read flags.
var mainPackages = []string{"cmd/choreo", "examples/seedsystems", "bench/checkfloor"}

// TestImportDirection keeps the layout above true: each package of ours
// imports only what its entry allows, the stdlibOnly packages use no
// third-party module, and only the main packages read flags.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/choreo-dev/choreo/"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}|{{.Standard}}|{{join .Imports " "}}|{{join .Deps " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	std := map[string]bool{}
	imports := map[string][]string{}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 4)
		std[f[0]] = f[1] == "true"
		imports[f[0]] = strings.Fields(f[2])
		deps[f[0]] = strings.Fields(f[3])
	}
	var ours []string
	for path := range imports {
		if rel, ok := strings.CutPrefix(path, mod); ok {
			ours = append(ours, rel)
		}
	}
	sort.Strings(ours)
	for _, pkg := range ours {
		if _, ok := layout[pkg]; !ok {
			t.Errorf("package %s is not in the layout: add its allowed imports to layout in %s", pkg, "cmd/choreo/layout_test.go")
		}
	}
	for pkg, ok := range layout {
		path := mod + pkg
		if _, found := imports[path]; !found {
			if !strings.HasPrefix(pkg, "internal/") {
				t.Errorf("package %s is missing", pkg)
			}
			continue
		}
		for _, d := range imports[path] {
			if rel, isOurs := strings.CutPrefix(d, mod); isOurs && !slices.Contains(ok, rel) {
				t.Errorf("%s imports %s: the layout allows only %v", pkg, rel, ok)
			}
		}
		for _, d := range deps[path] {
			if strings.HasPrefix(d, mod) {
				continue
			}
			if slices.Contains(stdlibOnly, pkg) && !std[d] {
				t.Errorf("%s depends on %s: it uses the standard library only", pkg, d)
			}
			if !slices.Contains(mainPackages, pkg) && strings.HasPrefix(d, "github.com/spf13/pflag") {
				t.Errorf("%s depends on pflag: only the main packages %v read flags", pkg, mainPackages)
			}
		}
	}
}
