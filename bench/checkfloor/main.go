// Command checkfloor times whole `choreo check` processes against the
// token floor (a single-goroutine jsontext token scan of the same file,
// TestTokenFloor in the trace package's test binary), alternating them
// round by round, and prints the medians as a Markdown table: wall
// time as a multiple of the floor's, wall and CPU seconds, peak RSS.
//
//	go build -o /tmp/choreo ./cmd/choreo && go test -c -o /tmp/trace.test ./trace
//	(cd trace && CHOREO_BENCH_OUT=/tmp/b CHOREO_BENCH_MB=100 /tmp/trace.test -test.run TestWriteBenchFiles)
//	go run ./bench/checkfloor --floor /tmp/trace.test --dir /tmp/b --size 100MB --rounds 5 choreo=/tmp/choreo
//
// Each binary runs twice a round: with text output and with --format
// json (the rows "name" and "name json"). Linux only (peak RSS from
// wait4's rusage).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	flag "github.com/spf13/pflag"
)

type sample struct{ wall, cpu, rssMB float64 }

func main() {
	floor := flag.String("floor", "/tmp/trace.test", "the trace package's test binary (go test -c ./trace)")
	dir := flag.String("dir", "/tmp/b", "where TestWriteBenchFiles wrote the files")
	size := flag.String("size", "100MB", "the files' size suffix: 100MB, 1024MB")
	rounds := flag.Int("rounds", 5, "rounds of floor and checks, alternating")
	diagram := flag.String("diagram", "testdata/provisioning.mmd", "the diagram")
	extra := flag.String("args", "", "more check arguments, space-separated (e.g. --workers 1)")
	flag.Parse()
	type bin struct{ name, path string }
	var bins []bin
	for _, a := range flag.Args() {
		name, path, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintln(os.Stderr, "checkfloor: binaries are name=path")
			os.Exit(2)
		}
		bins = append(bins, bin{name, path})
	}
	diag, _ := filepath.Abs(*diagram)
	formats := []string{"OTLPJSON", "JaegerJSON", "ZipkinJSON"}
	got := map[string][]sample{}
	var rows []string
	row := func(k string) {
		if !slices.Contains(rows, k) {
			rows = append(rows, k)
		}
	}
	for r := 0; r < *rounds; r++ {
		for _, f := range formats {
			file := filepath.Join(*dir, f+"-"+*size+".json")
			k := f + "\tfloor"
			row(k)
			cmd := exec.Command(*floor, "-test.run", "TestTokenFloor")
			cmd.Env = append(os.Environ(), "CHOREO_FLOOR_FILE="+file)
			got[k] = append(got[k], run(cmd))
			for _, b := range bins {
				for _, json := range []bool{false, true} {
					args := []string{"check", diag, file, "-o", os.DevNull}
					k := f + "\t" + b.name
					if json {
						args = append(args, "--format", "json")
						k += " json"
					}
					args = append(args, strings.Fields(*extra)...)
					row(k)
					got[k] = append(got[k], run(exec.Command(b.path, args...)))
				}
			}
		}
	}
	fmt.Printf("| file | run | × floor | wall s | CPU s | peak RSS MB |\n|---|---|---|---|---|---|\n")
	for _, k := range rows {
		f, name, _ := strings.Cut(k, "\t")
		m := median(got[k])
		fl := median(got[f+"\tfloor"])
		fmt.Printf("| %s | %s | %.2f× | %.3f | %.2f | %.0f |\n", f, name, m.wall/fl.wall, m.wall, m.cpu, m.rssMB)
	}
}

// run runs cmd, failing on an error, and measures it.
func run(cmd *exec.Cmd) sample {
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "checkfloor: %s: %v\n", strings.Join(cmd.Args, " "), err)
		os.Exit(1)
	}
	wall := time.Since(start).Seconds()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	return sample{wall, cpu, float64(ru.Maxrss) / 1024}
}

// median takes each measure's median on its own.
func median(s []sample) sample {
	pick := func(f func(sample) float64) float64 {
		v := make([]float64, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		n := len(v)
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	return sample{pick(func(x sample) float64 { return x.wall }), pick(func(x sample) float64 { return x.cpu }), pick(func(x sample) float64 { return x.rssMB })}
}
