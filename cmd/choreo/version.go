package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionUsage = "choreo version"

const versionHelp = `Version prints choreo's module version and the VCS revision it was built
from, as the Go toolchain recorded them in the binary: "devel" for a build
from a checkout (with the revision, its time, and "modified" when the
checkout had uncommitted changes; "no VCS revision recorded" for go run or
a build with -buildvcs=false), the release for go install ...@vX.Y.Z.
choreo --version prints the same.

Examples:
  choreo version
  choreo --version`

func runVersion(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("version", versionUsage, versionHelp, io)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return &usageError{msg: fmt.Sprintf("expected no arguments, not %q", fs.Arg(0))}
	}
	bi, _ := debug.ReadBuildInfo()
	_, err := fmt.Fprintln(io.out, versionLine(bi))
	return err
}

// versionLine is "choreo VERSION (rev REV, TIME, modified) GO OS/ARCH"
// from the build info: the module version ("devel" when the toolchain
// had none) and the vcs.* settings `go build` records in a checkout.
func versionLine(bi *debug.BuildInfo) string {
	version := moduleVersion(bi)
	var rev, when string
	modified := false
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var vcs []string
	if rev != "" {
		vcs = append(vcs, "rev "+rev[:min(len(rev), 12)])
		if when != "" {
			vcs = append(vcs, when)
		}
		if modified {
			vcs = append(vcs, "modified")
		}
	} else if version == "devel" {
		// go run, a build with -buildvcs=false, or outside a checkout
		vcs = append(vcs, "no VCS revision recorded")
	}
	line := "choreo " + version
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	goVersion := runtime.Version()
	if bi != nil && bi.GoVersion != "" {
		goVersion = bi.GoVersion
	}
	return line + " " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// moduleVersion is the module version the build recorded, "devel" when
// the toolchain had none.
func moduleVersion(bi *debug.BuildInfo) string {
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
