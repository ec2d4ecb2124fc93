package main

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/otelexport"
	"github.com/choreo-dev/choreo/sim"
)

// realFlags are the flags of a real-time run (sim and drill).
type realFlags struct {
	concurrency *int
	rate        *float64
	scale       *float64
	faultLog    *string
	otlp        *string
	fromRun     *int64
	fs          *pflag.FlagSet
}

// addRealFlags adds the real-time flags of sim, or of drill, whose
// --concurrency defaults to a case's runs and which has no --from-run.
func addRealFlags(fs *pflag.FlagSet, drill bool) *realFlags {
	r := &realFlags{
		concurrency: new(int),
		rate:        fs.Float64("rate", 0, "real time: start runs open-loop at `R` per second (0: closed loop)"),
		scale:       fs.Float64("time-scale", 1, "real time: multiply the sleeps of stub participants by `F`"),
		faultLog:    fs.String("fault-log", "", "real time: write every injected fault as a JSON line to `FILE`"),
		otlp:        fs.String("otlp-endpoint", "", "real time: send the runs' spans with the OpenTelemetry SDK to this OTLP/HTTP `URL`"),
		fromRun:     new(int64),
		fs:          fs,
	}
	if drill {
		fs.IntVar(r.concurrency, "concurrency", 0, fmt.Sprintf("real time: `N` runs of a case in flight at most (default: -k, at most %d)", maxDrillConcurrency))
	} else {
		fs.IntVar(r.concurrency, "concurrency", 1, fmt.Sprintf("real time: `N` runs in flight at most (with --rate: %d unless given)", sim.DefaultOpenConcurrency))
		fs.Int64Var(r.fromRun, "from-run", 0, "real time: number the runs from `I` (with -n 1 and the same --seed, replays run I of a fault log)")
	}
	return r
}

// effectiveConcurrency is the runs in flight a real-time session of runs
// will have.
func (r *realFlags) effectiveConcurrency(runs int64) int64 {
	c := int64(*r.concurrency)
	if *r.rate > 0 && !r.fs.Changed("concurrency") {
		c = sim.DefaultOpenConcurrency
	}
	return min(c, runs)
}

// virtualOnly refuses real-time flags when every participant is a stub.
func (r *realFlags) virtualOnly() error {
	for _, name := range []string{"concurrency", "rate", "time-scale", "fault-log", "otlp-endpoint", "from-run"} {
		if r.fs.Lookup(name) != nil && r.fs.Changed(name) {
			msg := "--" + name + " is for real time: give a participant an http or exec adapter in the profile"
			if name == "from-run" {
				msg += " (in virtual time every run replays from --seed alone; --shard runs a slice)"
			}
			return &usageError{msg: msg}
		}
	}
	return nil
}

func (r *realFlags) check() error {
	switch {
	case *r.concurrency < 1 && r.fs.Changed("concurrency"):
		return &usageError{msg: fmt.Sprintf("--concurrency must be at least 1, not %d", *r.concurrency)}
	case *r.rate < 0:
		return &usageError{msg: fmt.Sprintf("--rate must not be negative, not %g", *r.rate)}
	case *r.scale <= 0:
		return &usageError{msg: fmt.Sprintf("--time-scale must be positive, not %g", *r.scale)}
	case *r.fromRun < 0:
		return &usageError{msg: fmt.Sprintf("--from-run must not be negative, not %d", *r.fromRun)}
	}
	return nil
}

// realSession is what a real-time command opens: the options, and the
// files and exporters to close when it ends.
type realSession struct {
	opts    sim.RealOptions
	closers []func() error // flush and put the files in place, shut the exporter down
	files   []*outFile
	ended   bool
}

// close ends the session, its files written; after close or abort it
// does nothing.
func (s *realSession) close() error {
	if s.ended {
		return nil
	}
	s.ended = true
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// abort ends a session that produced nothing: its files are not
// written. After close or abort it does nothing.
func (s *realSession) abort() {
	if s.ended {
		return
	}
	for _, f := range s.files {
		f.Abort()
	}
	s.close()
}

// addFile opens the output of flag at path and arranges for close to
// flush it and put it in place.
func (s *realSession) addFile(sio stdio, flag, path string) (*bufio.Writer, error) {
	f, err := createOutput(sio, path)
	if err != nil {
		return nil, fmt.Errorf("%s %w", flag, err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	s.files = append(s.files, f)
	s.closers = append(s.closers, func() error {
		if err := bw.Flush(); err != nil {
			f.Abort()
			return fmt.Errorf("%s %s: %w", flag, path, err)
		}
		if err := f.Commit(); err != nil {
			return fmt.Errorf("%s %w", flag, err)
		}
		return nil
	})
	return bw, nil
}

// open prepares the options of a real-time run: a random id seed (so that
// sessions never share trace ids), the fault log, the trace file and the
// OTLP exporter.
func (r *realFlags) open(sio stdio, d *flow.Diagram, p *sim.Profile, traces string) (*realSession, error) {
	var b [8]byte
	rand.Read(b[:])
	s := &realSession{opts: sim.RealOptions{Concurrency: *r.concurrency, Rate: *r.rate, TimeScale: *r.scale,
		IDSeed: binary.LittleEndian.Uint64(b[:]) | 1, First: *r.fromRun}}
	if *r.rate > 0 && !r.fs.Changed("concurrency") {
		s.opts.Concurrency = 0 // open loop: sim.DefaultOpenConcurrency
	}
	if *r.faultLog != "" {
		bw, err := s.addFile(sio, "--fault-log", *r.faultLog)
		if err != nil {
			return nil, err
		}
		enc := json.NewEncoder(bw)
		s.opts.Faults = func(ev sim.FaultEvent) { enc.Encode(ev) }
	}
	var sinks []func(*sim.RunTrace) error
	if traces != "" {
		bw, err := s.addFile(sio, "--traces", traces)
		if err != nil {
			s.abort()
			return nil, err
		}
		w := otelexport.NewFile(bw, d, s.opts.IDSeed)
		w.AddCompensations(p.Extra)
		sinks = append(sinks, w.Write)
	}
	if *r.otlp != "" {
		exp, err := otelexport.New(*r.otlp, d, p.Extra, s.opts.IDSeed)
		if err != nil {
			s.abort()
			return nil, &usageError{msg: "--otlp-endpoint: " + err.Error()}
		}
		sinks = append(sinks, exp.Export)
		s.closers = append(s.closers, exp.Shutdown)
	}
	if len(sinks) > 0 {
		var mu sync.Mutex
		s.opts.Trace = func(rt *sim.RunTrace) error {
			mu.Lock()
			defer mu.Unlock()
			for _, sink := range sinks {
				if err := sink(rt); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return s, nil
}

// dryRequests prints the requests a real-time run would send, secrets
// redacted.
func dryRequests(b *strings.Builder, d *flow.Diagram, p *sim.Profile) error {
	reqs, err := sim.PlanRequests(d, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "requests of run 0 (real adapters; nothing is sent):\n")
	for _, r := range reqs {
		fmt.Fprintf(b, "  #%d %s  [%s %s]\n    %s\n", r.N, r.Selector, r.Adapter, r.To, r.Text)
	}
	return nil
}
