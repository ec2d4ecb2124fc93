package trace_test

import (
	"os"
	"testing"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/yamlpos"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/trace"
)

// FuzzLoadMapping: no map file makes the loader panic, and every problem
// it reports is positioned inside the text and shows its line.
func FuzzLoadMapping(f *testing.F) {
	for _, s := range []string{
		"participants:\n  App: {service: [saas-app]}\n  IdP: {service: keycloak, peer: auth.example.com}\n" +
			"messages:\n  \"App->>IdP: Create tenant directory\": {rpc: Directory/Create}\n  \"#2\": [a, b]\n",
		"participants:\n  Biling: billing-svc\n  App: {servce: app}\n",
		"messages:\n  \"App->>Billing: Provision subscriptio\": {htp: POST /x}\n",
		"participants: [App]\n",
		"participants:\n  App: app\n  Billing: [billing\n",
		"a: &x {service: s}\nparticipants:\n  App: *x\n  Billing: {<<: *x}\n",
		"participants:\n  App: app\n  App: app2\n",
	} {
		f.Add(s)
	}
	diagram, err := os.ReadFile("../testdata/provisioning.mmd")
	if err != nil {
		f.Fatal(err)
	}
	d, err := parser.Parse("p.mmd", diagram)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, err := trace.LoadMapping("map.yaml", []byte(src), d)
		if err == nil {
			return
		}
		all := srcpos.All(err)
		if len(all) == 0 {
			t.Fatalf("error %T without a position: %v", err, err)
		}
		lines := yamlpos.Lines([]byte(src))
		for _, e := range all {
			if e.Pos.Line < 1 || e.Pos.Line > len(lines) || e.Pos.Col < 1 {
				t.Fatalf("position %v outside the text (%d lines): %v", e.Pos, len(lines), e)
			}
			if want := lines[e.Pos.Line-1]; e.Src != want {
				t.Fatalf("%v shows line %q, want %q", e.Pos, e.Src, want)
			}
		}
	})
}
