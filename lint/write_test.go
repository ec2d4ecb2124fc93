package lint_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/lint"
)

func TestSARIF(t *testing.T) {
	fs := run(t, lintCase{diagram: payChain,
		profile: "messages:\n  \"#1\": {timeout: 2s}\n  \"#2\": {timeout: 1s, retry: {attempts: 3}}\n"})
	if len(fs) != 2 {
		t.Fatalf("want 2 findings, got %+v", fs)
	}
	var buf bytes.Buffer
	if err := lint.Write(&buf, fs, "sarif", "test"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string `json:"id"`
						ShortDescription     struct{ Text string }
						DefaultConfiguration struct{ Level string }
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				} `json:"locations"`
				RelatedLocations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				} `json:"relatedLocations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("not a SARIF 2.1.0 log: version %q, $schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	r := log.Runs[0]
	if len(r.Tool.Driver.Rules) != len(lint.Rules) {
		t.Errorf("driver lists %d rules, want %d", len(r.Tool.Driver.Rules), len(lint.Rules))
	}
	for i, ru := range r.Tool.Driver.Rules {
		if ru.ID == "" || ru.ShortDescription.Text == "" || lint.Rank(ru.DefaultConfiguration.Level) == 0 {
			t.Errorf("rule %d incomplete: %+v", i, ru)
		}
	}
	want := []struct {
		rule, level string
		line        int
	}{{"retry-not-idempotent", "warning", 6}, {"timeout-exceeds-caller", "error", 6}}
	if len(r.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(r.Results), len(want))
	}
	for i, w := range want {
		res := r.Results[i]
		if res.RuleID != w.rule || res.Level != w.level || r.Tool.Driver.Rules[res.RuleIndex].ID != w.rule {
			t.Errorf("result %d: rule %q (index %d) level %q, want %q %q", i, res.RuleID, res.RuleIndex, res.Level, w.rule, w.level)
		}
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "d.mmd" ||
			res.Locations[0].PhysicalLocation.Region.StartLine != w.line || res.Locations[0].PhysicalLocation.Region.StartColumn != 1 {
			t.Errorf("result %d: locations %+v, want d.mmd line %d", i, res.Locations, w.line)
		}
		if !strings.Contains(res.Message.Text, "Fix: ") {
			t.Errorf("result %d: message without its fix: %q", i, res.Message.Text)
		}
		if len(res.RelatedLocations) != 1 || res.RelatedLocations[0].PhysicalLocation.ArtifactLocation.URI != "p.yaml" ||
			res.RelatedLocations[0].PhysicalLocation.Region.StartLine != 3 {
			t.Errorf("result %d: related locations %+v, want the profile's line 3", i, res.RelatedLocations)
		}
	}
}

func TestJSONAndText(t *testing.T) {
	fs := run(t, lintCase{diagram: "sequenceDiagram\nparticipant A\nparticipant Idle\nA->>B: Call\nB-->>A: Done\n"})
	var buf bytes.Buffer
	if err := lint.Write(&buf, fs, "json", ""); err != nil {
		t.Fatal(err)
	}
	want := `{
  "version": 1,
  "findings": [
    {
      "rule": "unused-participant",
      "severity": "warning",
      "file": "d.mmd",
      "line": 3,
      "col": 13,
      "message": "participant Idle is declared but no message uses it",
      "fix": "remove its line, or draw its messages (… ->> Idle: …)"
    }
  ]
}
`
	if buf.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := lint.Write(&buf, nil, "json", ""); err != nil || !strings.Contains(buf.String(), `"findings": []`) {
		t.Errorf("no findings: %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := lint.Write(&buf, fs, "text", ""); err != nil {
		t.Fatal(err)
	}
	wantText := "d.mmd:3:13: warning: participant Idle is declared but no message uses it [unused-participant]\n  fix: remove its line, or draw its messages (… ->> Idle: …)\n1 finding: 1 warning\n"
	if buf.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", buf.String(), wantText)
	}
}
