package serve

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // gzip-compressed requests, as the Collector's otlp exporter sends them
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// GRPC returns a gRPC server of OTLP's TraceService (Export), the
// protocol of the Collector's otlp exporter and of its loadbalancing
// exporter: the same receiver as /v1/traces, answered with gRPC codes
// (InvalidArgument for a malformed request, ResourceExhausted over
// MaxSpans, Unavailable while stopping, Unauthenticated without the
// token), a partial success for spans that could not be read, and
// MaxBody as the largest message accepted. It is one server: the
// handler of [Server.Handler] serves it too, over HTTP/2.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

func (s *Server) newGRPC() *grpc.Server {
	g := grpc.NewServer(grpc.MaxRecvMsgSize(int(min(s.cfg.MaxBody, 1<<31-1))))
	coltracepb.RegisterTraceServiceServer(g, &traceService{s: s})
	return g
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	s *Server
}

func (t *traceService) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	s := t.s
	if s.cfg.Token != "" && !grpcAuthorized(ctx, s.cfg.Token) {
		s.countFailed(http.StatusUnauthorized, reasonUnauthorized)
		return nil, status.Error(codes.Unauthenticated, "a bearer token is required (authorization: Bearer TOKEN)")
	}
	// the request's bytes go the way of an OTLP/HTTP protobuf body
	body, err := proto.Marshal(req)
	if err != nil {
		s.countFailed(http.StatusBadRequest, reasonMalformed)
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	a := s.ingest(body, false)
	if a.status != http.StatusOK {
		s.countFailed(a.status, a.reason)
		if a.retryAfter > 0 {
			grpc.SetHeader(ctx, metadata.Pairs("retry-after", strconv.Itoa(a.retryAfter)))
		}
		return nil, status.Error(grpcCodeOf(a.status), a.msg)
	}
	s.m.requests.WithLabelValues("200").Inc()
	resp := &coltracepb.ExportTraceServiceResponse{}
	if a.rejected > 0 || a.msg != "" {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: a.rejected, ErrorMessage: a.msg}
	}
	return resp, nil
}

// countFailed counts a gRPC request that was not accepted, under the
// HTTP status that OTLP/HTTP would have answered.
func (s *Server) countFailed(status int, reason string) {
	s.m.requests.WithLabelValues(strconv.Itoa(status)).Inc()
	if reason != "" && status != http.StatusTooManyRequests {
		s.m.rejected.WithLabelValues(reason).Inc()
	}
}

func grpcCodeOf(status int) codes.Code { return codes.Code(grpcCode(status)) }

// grpcAuthorized reports whether the call's metadata carries the bearer
// token.
func grpcAuthorized(ctx context.Context, token string) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, h := range md.Get("authorization") {
		const prefix = "bearer "
		if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) &&
			subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(token)) == 1 {
			return true
		}
	}
	return false
}
