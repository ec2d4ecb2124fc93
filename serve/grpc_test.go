package serve

import (
	"context"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// TestGRPCGivesCheck: the traces exported over OTLP/gRPC (gzip), as the
// Collector's otlp and loadbalancing exporters send them, give check's
// result; without the token the call is Unauthenticated, and a span with
// a bad id comes back in the partial success.
func TestGRPCGivesCheck(t *testing.T) {
	f := provisioning(t)
	want := comparable(t, f.check(t))
	cfg := f.config()
	cfg.Token = "tok"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := s.GRPC()
	go g.Serve(ln)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := coltracepb.NewTraceServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer tok")

	bs := batches(f.traces(t), 6)
	req := func(i int) *coltracepb.ExportTraceServiceRequest {
		var r coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(protoBody(t, bs[i]), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	if _, err := client.Export(context.Background(), req(0)); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("without the token: %v", err)
	}
	for i := range bs {
		resp, err := client.Export(ctx, req(i), grpc.UseCompressor(gzip.Name))
		if err != nil {
			t.Fatal(err)
		}
		if resp.PartialSuccess != nil {
			t.Fatalf("partial success %v", resp.PartialSuccess)
		}
	}
	s.Stop()
	got, err := s.Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, comparable(t, got)); d != "" {
		t.Errorf("serve over gRPC differs from check (-check +serve):\n%s", d)
	}
	if _, err := client.Export(ctx, req(0)); status.Code(err) != codes.Unavailable {
		t.Errorf("stopping: %v", err)
	}
}
