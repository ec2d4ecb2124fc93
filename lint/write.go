package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/choreo-dev/choreo/flow"
)

// Formats Write accepts.
var Formats = []string{"text", "json", "sarif"}

// Write renders findings as text (one "file:line:col: severity: message
// [rule]" line and a fix line each, then a count), json (the stable
// object documented in docs/lint.md) or sarif (SARIF 2.1.0, for GitHub
// code scanning). version is choreo's version, for SARIF's tool.driver.
func Write(w io.Writer, fs []Finding, format, version string) error {
	switch format {
	case "text":
		return writeText(w, fs)
	case "json":
		return writeJSON(w, fs)
	case "sarif":
		return writeSARIF(w, fs, version)
	}
	return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}

func writeText(w io.Writer, fs []Finding) error {
	var b strings.Builder
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Severity]++
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", f.Pos, f.Severity, f.Message, f.Rule)
		if f.Profile.Line > 0 && f.Profile != f.Pos {
			fmt.Fprintf(&b, "  profile: %s\n", f.Profile)
		}
		fmt.Fprintf(&b, "  fix: %s\n", f.Fix)
	}
	if len(fs) == 0 {
		b.WriteString("no findings\n")
	} else {
		var parts []string
		for _, s := range []string{Error, Warning, Note} {
			if n := counts[s]; n > 0 {
				parts = append(parts, plural(n, s))
			}
		}
		fmt.Fprintf(&b, "%s: %s\n", plural(len(fs), "finding"), strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// jsonFinding is a finding in --format json.
type jsonFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
	// Profile is "file:line:col" of the profile's entry for the message
	// (where the fix goes), when it has one.
	Profile string `json:"profile,omitempty"`
}

func writeJSON(w io.Writer, fs []Finding) error {
	out := struct {
		Version  int           `json:"version"`
		Findings []jsonFinding `json:"findings"`
	}{Version: 1, Findings: []jsonFinding{}}
	for _, f := range fs {
		jf := jsonFinding{Rule: f.Rule, Severity: f.Severity, File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Message: f.Message, Fix: f.Fix}
		if f.Profile.Line > 0 {
			jf.Profile = f.Profile.String()
		}
		out.Findings = append(out.Findings, jf)
	}
	return encode(w, out)
}

func encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SARIF 2.1.0: the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifText    `json:"shortDescription"`
	FullDescription      sarifText    `json:"fullDescription"`
	Help                 sarifText    `json:"help"`
	DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifText       `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
}

type sarifLocation struct {
	ID               int           `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

func location(p flow.Pos) sarifLocation {
	return sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(p.File)},
		Region:           sarifRegion{StartLine: max(p.Line, 1), StartColumn: p.Col},
	}}
}

func writeSARIF(w io.Writer, fs []Finding, version string) error {
	d := sarifDriver{Name: "choreo lint", Version: version, InformationURI: "https://github.com/choreo-dev/choreo/blob/main/docs/lint.md"}
	index := map[string]int{}
	for i, r := range Rules {
		index[r.ID] = i
		d.Rules = append(d.Rules, sarifRule{ID: r.ID, Name: r.ID, ShortDescription: sarifText{r.Summary},
			FullDescription: sarifText{r.Summary + ". " + r.Help}, Help: sarifText{r.Help},
			DefaultConfiguration: sarifDefault{Level: r.Severity}})
	}
	run := sarifRun{Tool: sarifTool{Driver: d}, Results: []sarifResult{}}
	for _, f := range fs {
		res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: f.Severity,
			Message:   sarifText{f.Message + "\nFix: " + f.Fix},
			Locations: []sarifLocation{location(f.Pos)}}
		if f.Profile.Line > 0 && f.Profile != f.Pos {
			rl := location(f.Profile)
			rl.ID = 1
			rl.Message = &sarifText{"the profile's entry for the message"}
			res.RelatedLocations = []sarifLocation{rl}
		}
		run.Results = append(run.Results, res)
	}
	return encode(w, sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}
