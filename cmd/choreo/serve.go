package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/serve"
)

const serveUsage = `choreo serve DIAGRAM [--map M] [--profile P] [--listen ADDR] [--grpc-listen ADDR]
                     [--trace-idle D] [--max-traces N] [--max-spans N] [--max-body BYTES]
                     [--token-file FILE] [-o FILE]`

const serveHelp = `Serve receives traces over OTLP/HTTP and checks them against the diagram
as they arrive, as check does with files. Any OpenTelemetry SDK or the
Collector's otlphttp exporter can send to it: POST /v1/traces, protobuf
(application/x-protobuf) or JSON (application/json), gzip or not; the
answer is an OTLP ExportTraceServiceResponse, with a partial success
naming the spans that could not be read. A trace is complete, and
checked, when no span of it has come for --trace-idle. The same port
answers OTLP/gRPC (TraceService/Export over unencrypted HTTP/2, gzip or
not), the protocol of the Collector's otlp and loadbalancing exporters;
--grpc-listen serves it on a port of its own as well (4317 by custom).

It exposes:
  /metrics  Prometheus metrics: spans received, accepted, dropped and
            refused (by reason), traces by outcome and by deviation,
            latency per message and exchange and end to end (histograms,
            native when scraped in protobuf), SLO verdicts and burn ratios
  /result   the current result as JSON: render it with choreo report,
            merge the results of several instances with choreo merge
  /healthz  200 "ok" while serving

Limits: at most --max-traces traces in flight (beyond, the least recently
updated is checked at once, counted as evicted); at most --max-spans spans
in flight (beyond, requests are refused with 429 and Retry-After, which
exporters retry); bodies over --max-body bytes (sent or decompressed) get
413; a malformed payload gets 400 with the reason. Every span received is
accepted, dropped or refused, and counted. It listens on the loopback
interface unless --listen says otherwise; --token-file makes every
request to /v1/traces carry "Authorization: Bearer TOKEN".

On SIGTERM or interrupt it stops accepting, finishes the requests under
way, checks the traces in flight (counted as completed at shutdown: they
may be incomplete), writes the final result to -o (JSON) and exits 0.

At fleet scale, the Collector's loadbalancing exporter (routing_key:
traceID) sends whole traces to several instances over OTLP/gRPC;
choreo merge of their results equals one check of all
the traces (examples/collector).

Examples:
  choreo serve flow.mmd
  choreo serve flow.mmd --map map.yaml --profile p.yaml -o final.json
  choreo serve flow.mmd --listen 0.0.0.0:4318 --token-file token.txt
  choreo serve flow.mmd --listen 127.0.0.1:14318 --grpc-listen 127.0.0.1:14317
  curl -s localhost:4318/result | choreo report -`

func runServe(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("serve", serveUsage, serveHelp, io)
	mapFile := fs.String("map", "", "mapping `FILE` (YAML) from services and spans to participants and messages")
	profile := fs.String("profile", "", "profile `FILE` whose slo targets to judge")
	listen := fs.String("listen", "127.0.0.1:4318", "`ADDR` to listen on (host:port; port 0 picks a free one)")
	grpcListen := fs.String("grpc-listen", "", "`ADDR` to serve OTLP/gRPC on as well (host:port; empty: no gRPC)")
	idle := fs.Duration("trace-idle", serve.DefaultTraceIdle, "a trace is complete after `D` without a span")
	maxTraces := fs.Int("max-traces", serve.DefaultMaxTraces, "`N` traces in flight at most (beyond, the oldest is checked at once)")
	maxSpans := fs.Int("max-spans", serve.DefaultMaxSpans, "`N` spans in flight at most (beyond, requests get 429)")
	maxBody := fs.Int64("max-body", serve.DefaultMaxBody, "`BYTES` of one request at most, sent or decompressed (beyond: 413)")
	tokenFile := fs.String("token-file", "", "`FILE` holding the bearer token that requests to /v1/traces must carry")
	out := fs.StringP("output", "o", "", "write the final result (JSON) to `FILE` on shutdown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one DIAGRAM"}
	}
	switch {
	case *idle <= 0:
		return &usageError{msg: "--trace-idle must be positive"}
	case *maxTraces < 1 || *maxSpans < 1 || *maxBody < 1:
		return &usageError{msg: "--max-traces, --max-spans and --max-body must be at least 1"}
	}
	f, err := openDiagram(io, []input{{"DIAGRAM", fs.Arg(0)}, {"--map", *mapFile}, {"--profile", *profile}}, output{"-o", *out})
	if err != nil {
		return err
	}
	d := f.Diagram
	cfg := serve.Config{Diagram: d, TraceIdle: *idle, MaxTraces: *maxTraces, MaxSpans: *maxSpans, MaxBody: *maxBody}
	if cfg.Mapping, _, err = loadMapping(io, *mapFile, d); err != nil {
		return err
	}
	if *profile != "" {
		p, err := loadProfile(io, *profile, d, "")
		if err != nil {
			return err
		}
		cfg.SLO = p.SLO
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return err
		}
		if cfg.Token = strings.TrimSpace(string(b)); cfg.Token == "" {
			return fmt.Errorf("%s: empty token", *tokenFile)
		}
	}
	cfg.Describe = func(res *report.Result) {
		f.describe(res)
		if *profile != "" {
			res.Profile = filepath.Base(*profile)
		}
	}
	s, err := serve.New(cfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() && cfg.Token == "" {
		fmt.Fprintf(io.err, "choreo serve: warning: listening on %s without --token-file: anyone who reaches it can send traces\n", host)
	}
	var gln net.Listener
	if *grpcListen != "" {
		if gln, err = net.Listen("tcp", *grpcListen); err != nil {
			ln.Close()
			return err
		}
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, Protocols: new(http.Protocols)}
	// HTTP/1.1 and unencrypted HTTP/2: OTLP/gRPC reaches --listen too
	hs.Protocols.SetHTTP1(true)
	hs.Protocols.SetUnencryptedHTTP2(true)
	fmt.Fprintf(io.err, "choreo serve: listening on http://%s (OTLP/HTTP /v1/traces, /metrics, /result, /healthz)\n", ln.Addr())
	if gln != nil {
		fmt.Fprintf(io.err, "choreo serve: OTLP/gRPC on %s\n", gln.Addr())
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()
	go s.Run(runCtx)
	served := make(chan error, 2)
	go func() { served <- hs.Serve(ln) }()
	gs := s.GRPC()
	if gln != nil {
		go func() { served <- gs.Serve(gln) }()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// stop accepting, finish the requests under way, then check what is
	// in flight
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if gln != nil {
		stopped := make(chan struct{})
		go func() { gs.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-sctx.Done():
			gs.Stop()
		}
	}
	cancelRun()
	inFlight, _ := s.InFlight()
	s.Stop()
	res, err := s.Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(io.err, "choreo serve: stopped: %d traces checked (%d in flight at shutdown)\n", res.Runs, inFlight)
	if *out == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := report.Renderers["json"](&buf, res); err != nil {
		return err
	}
	return writeOutput(io, *out, buf.Bytes())
}
