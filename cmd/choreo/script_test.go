package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/choreo-dev/choreo/internal/seedsystems"
)

var update = flag.Bool("update", false, "rewrite golden files and scripts")

func TestMain(m *testing.M) {
	testscript.Main(removeBuilt{m}, map[string]func(){"choreo": main})
}

// removeBuilt runs the tests, then removes the binary that builtChoreo
// built for them.
type removeBuilt struct{ m *testing.M }

func (r removeBuilt) Run() int {
	code := r.m.Run()
	if builtPath != "" {
		os.RemoveAll(filepath.Dir(builtPath))
	}
	return code
}

// TestScripts runs the CLI scripts of testdata/script: the real binary's
// stdin, stdout, stderr and exit status.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sleep DURATION: for scripts that interrupt a running command
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: sleep DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
			"systems":  cmdSystems,
			"requests": cmdRequests,
		},
		Setup: func(env *testscript.Env) error {
			// the shared example diagrams, for scripts that use them
			src, err := os.ReadFile("../../testdata/provisioning.mmd")
			if err != nil {
				return err
			}
			if err := os.WriteFile(env.WorkDir+"/provisioning.mmd", src, 0o644); err != nil {
				return err
			}
			env.Values["systems"] = &systemsHolder{}
			ex, err := os.ReadFile("../../examples/seedsystems/profile.yaml")
			if err != nil {
				return err
			}
			return os.WriteFile(env.WorkDir+"/example-profile.yaml", ex, 0o644)
		},
	})
}

// systemsHolder keeps a script's systems for the requests command.
type systemsHolder struct{ s *seedsystems.Server }

// systems [--hang S] [--reset S] [--fail S=RATE] [--slow S=DUR] FILE...
// starts the seed's systems (examples/seedsystems) on free local ports for
// the rest of the script, and writes their URLs into each FILE in place
// of {{Billing}}, {{IdP}} and {{Email}}.
func cmdSystems(ts *testscript.TestScript, neg bool, args []string) {
	be := map[string]seedsystems.Behaviour{}
	var files []string
	for i := 0; i < len(args); i++ {
		if kind, ok := strings.CutPrefix(args[i], "--"); ok && i+1 < len(args) {
			ts.Check(seedsystems.ParseBehaviours(be, kind, []string{args[i+1]}))
			i++
			continue
		}
		files = append(files, args[i])
	}
	s, err := seedsystems.Start("127.0.0.1", nil, be, 1, nil)
	ts.Check(err)
	ts.Defer(s.Close)
	ts.Value("systems").(*systemsHolder).s = s
	for _, f := range files {
		src := ts.ReadFile(f)
		for n, u := range s.URLs {
			src = strings.ReplaceAll(src, "{{"+n+"}}", u)
		}
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(src), 0o644))
	}
}

// requests prints the requests the systems received, one per line:
// system, path, status, run and message number.
func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	s := ts.Value("systems").(*systemsHolder).s
	if s == nil {
		ts.Fatalf("requests: no systems started")
	}
	var b strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintf(&b, "%s %s %d run=%d n=%d\n", r.System, r.Path, r.Status, r.Run, r.N)
	}
	ts.Stdout().Write([]byte(b.String()))
}
