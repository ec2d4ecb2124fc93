package main

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite golden files and scripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"choreo": main})
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
		},
		Setup: func(env *testscript.Env) error {
			// the shared example diagrams, for scripts that use them
			src, err := os.ReadFile("../../testdata/provisioning.mmd")
			if err != nil {
				return err
			}
			return os.WriteFile(env.WorkDir+"/provisioning.mmd", src, 0o644)
		},
	})
}
