package lint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/choreo-dev/choreo/lint"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/sim"
)

// FuzzLint lints every diagram the parser accepts, with and without a
// profile: no panic, and every finding has a rule, a severity, a line and
// a fix.
func FuzzLint(f *testing.F) {
	for _, glob := range []string{"../testdata/*.mmd", "../testdata/mermaid/*.mmd"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte(payChain))
	f.Add([]byte(branches))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := parser.Parse("f.mmd", src)
		if err != nil {
			return
		}
		for _, p := range []*sim.Profile{nil, sim.DefaultProfile(d)} {
			for _, fd := range lint.Lint(d, p) {
				if fd.Rule == "" || lint.Rank(fd.Severity) == 0 || fd.Pos.Line < 1 || fd.Fix == "" {
					t.Errorf("incomplete finding %+v", fd)
				}
			}
		}
	})
}
