package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/choreo-dev/choreo/internal/seedsystems"
)

// --otlp-endpoint: the runs' spans reach an OTLP/HTTP receiver through the
// SDK, with the trace ids the systems received in traceparent.
func TestSimOTLPEndpoint(t *testing.T) {
	var mu sync.Mutex
	traces := map[string]int{} // trace id → spans
	services := map[string]bool{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var td tracev1.TracesData
		if err := proto.Unmarshal(b, &td); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range td.ResourceSpans {
			services[rs.Resource.Attributes[0].Value.GetStringValue()] = true
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					traces[string(sp.TraceId)]++
				}
			}
		}
	}))
	defer recv.Close()
	sys, err := seedsystems.Start("127.0.0.1", nil, nil, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	dir := t.TempDir()
	prof := "defaults: {latency: 1ms, actor: {latency: 1ms}}\nparticipants:\n"
	for _, n := range seedsystems.Names {
		prof += "  " + n + ": {adapter: http, url: \"" + sys.URLs[n] + "\"}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"sim", "../../testdata/provisioning.mmd", "--profile", filepath.Join(dir, "p.yaml"),
		"-n", "3", "--otlp-endpoint", recv.URL, "--format", "json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sent := map[string]bool{}
	for _, r := range sys.Requests() {
		id := strings.Split(r.TraceParent, "-")[1]
		sent[id] = true
	}
	mu.Lock()
	defer mu.Unlock()
	if len(traces) != 3 || len(sent) != 3 {
		t.Fatalf("%d traces exported, %d sent to the systems; want 3 and 3", len(traces), len(sent))
	}
	for id, n := range traces {
		if !sent[hex.EncodeToString([]byte(id))] {
			t.Errorf("exported trace %x was never sent to a system", id)
		}
		if n < 8 {
			t.Errorf("trace %x: %d spans", id, n)
		}
	}
	for _, s := range []string{"Admin", "App", "IdP"} {
		if !services[s] {
			t.Errorf("no spans of service %s (have %v)", s, services)
		}
	}
}
