package main

import (
	"flag"
	"os"
	"testing"

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
