package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/protobuf/proto"

	"github.com/choreo-dev/choreo/report"
)

// startServe starts the real binary's `choreo serve` with args and
// returns it, its base URL, read from its "listening on" line, and a
// function that returns the rest of its stderr once it has exited.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string, func() string) {
	t.Helper()
	cmd := exec.Command("choreo", append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rd := bufio.NewReader(stderr)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v", err)
	}
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("stderr: %q", line)
	}
	rest := &bytes.Buffer{}
	copied := make(chan struct{})
	go func() { io.Copy(rest, rd); close(copied) }()
	return cmd, m[1], func() string { <-copied; return rest.String() }
}

// TestServeSIGTERM: traces sent to a running `choreo serve`, none of them
// complete yet (--trace-idle 1h), are checked when it gets SIGTERM, and
// the result it writes to -o is the one `choreo check` gives of the same
// traces.
func TestServeSIGTERM(t *testing.T) {
	dir := t.TempDir()
	traces := "../../trace/testdata/traces/sim-provisioning.jsonl"
	out := filepath.Join(dir, "final.json")
	cmd, url, stderr := startServe(t, "../../testdata/provisioning.mmd", "--listen", "127.0.0.1:0",
		"--trace-idle", "1h", "--profile", "../../testdata/provisioning.yaml", "-o", out)

	data, err := os.ReadFile(traces)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	for _, l := range lines { // one OTLP/JSON export request per trace
		resp, err := http.Post(url+"/v1/traces", "application/json", bytes.NewReader(l))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(metrics, []byte("choreo_serve_traces_in_flight 50\n")) {
		t.Fatalf("not 50 traces in flight:\n%s", metrics)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { stderr(); done <- cmd.Wait() }() // the pipe is read to its end before Wait
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v: %s", err, stderr())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if !strings.Contains(stderr(), "50 traces checked (50 in flight at shutdown)") {
		t.Errorf("stderr: %s", stderr())
	}
	got := readJSONResult(t, out)

	want := filepath.Join(dir, "check.json")
	c := exec.Command("choreo", "check", "../../testdata/provisioning.mmd", traces,
		"--profile", "../../testdata/provisioning.yaml", "--format", "json", "-o", want)
	if b, err := c.CombinedOutput(); err != nil && c.ProcessState.ExitCode() == 2 {
		t.Fatalf("check: %v: %s", err, b)
	}
	w := readJSONResult(t, want)
	if got.Runs != 50 || got.Runs != w.Runs || got.Outcomes != w.Outcomes || got.EndToEnd != w.EndToEnd ||
		got.Conformance.Conforming != w.Conformance.Conforming || got.Input.Spans != w.Input.Spans {
		t.Errorf("serve after SIGTERM: %d runs %+v e2e %+v; check: %d runs %+v e2e %+v",
			got.Runs, got.Outcomes, got.EndToEnd, w.Runs, w.Outcomes, w.EndToEnd)
	}
	for i := range w.Messages {
		if got.Messages[i].Latency != w.Messages[i].Latency {
			t.Errorf("message %d: serve %+v, check %+v", i+1, got.Messages[i].Latency, w.Messages[i].Latency)
		}
	}
	if len(got.SLO) == 0 || len(got.SLO) != len(w.SLO) {
		t.Errorf("SLO verdicts: serve %d, check %d", len(got.SLO), len(w.SLO))
	}
	// the final result merges and renders like any check result (exit 1:
	// the traces breach an SLO of the profile)
	mc := exec.Command("choreo", "merge", out, "-o", filepath.Join(dir, "merged.json"))
	if b, err := mc.CombinedOutput(); err != nil && mc.ProcessState.ExitCode() != 1 {
		t.Errorf("merge: %v: %s", err, b)
	}
	if b, err := exec.Command("choreo", "report", out, "--format", "text").CombinedOutput(); err != nil && !bytes.Contains(b, []byte("50 traces")) {
		t.Errorf("report: %v: %s", err, b)
	}
}

// TestServeTokenAndLoopback: with --token-file a request without the
// token gets 401; the default listens on the loopback interface.
func TestServeTokenAndLoopback(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("t0ken\n"), 0o600)
	cmd, url, _ := startServe(t, "../../testdata/provisioning.mmd", "--listen", "127.0.0.1:0", "--token-file", tok)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("listening on %s", url)
	}
	body := []byte(`{"resourceSpans": []}`)
	resp, err := http.Post(url+"/v1/traces", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", url+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t0ken")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the token: status %d", resp.StatusCode)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

func readJSONResult(t *testing.T, path string) *report.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestServeGRPCOnTheHTTPPort: an OTLP/gRPC export to --listen's port
// (unencrypted HTTP/2) is received like OTLP/HTTP, as a Collector's
// loadbalancing or otlp exporter sends it.
func TestServeGRPCOnTheHTTPPort(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "final.json")
	cmd, url, _ := startServe(t, "../../testdata/provisioning.mmd", "--listen", "127.0.0.1:0", "-o", out)
	conn, err := grpc.NewClient(strings.TrimPrefix(url, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	data, err := os.ReadFile("../../trace/testdata/traces/otlp.pb")
	if err != nil {
		t.Fatal(err)
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	if _, err := coltracepb.NewTraceServiceClient(conn).Export(context.Background(), &req, grpc.UseCompressor(gzip.Name)); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if r := readJSONResult(t, out); r.Runs == 0 || r.Input.Spans == 0 {
		t.Errorf("nothing checked: %d traces, %d spans", r.Runs, r.Input.Spans)
	}
}
