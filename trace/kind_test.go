package trace

import (
	"fmt"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
)

// ks is a span for kind tests: id, parent id (0 for none), service,
// kind.
type ks struct {
	id, parent byte
	svc        string
	kind       Kind
	follows    bool
	flags      uint32
}

func kindSpans(in []ks) ([]Span, func(int) int) {
	spans := make([]Span, len(in))
	byID := map[SpanID]int{}
	for i, k := range in {
		spans[i] = Span{SpanID: SpanID{7: k.id}, Service: k.svc, Kind: k.kind, FollowsFrom: k.follows, Flags: k.flags}
		if k.parent != 0 {
			spans[i].ParentID = SpanID{7: k.parent}
		}
		byID[spans[i].SpanID] = i
	}
	parentOf := func(i int) int {
		if j, ok := byID[spans[i].ParentID]; ok && j != i && !spans[i].ParentID.IsZero() {
			return j
		}
		return -1
	}
	return spans, parentOf
}

func TestInferKinds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spans  []ks
		want   []Kind
		reason string
	}{
		{"server under a client", []ks{{1, 0, "a", Client, false, 0}, {2, 1, "b", Unspecified, false, 0}},
			[]Kind{Client, Server}, "parent in another service"},
		{"client over a server", []ks{{1, 0, "a", Unspecified, false, 0}, {2, 1, "b", Server, false, 0}},
			[]Kind{Client, Server}, "child in another service"},
		{"no kinds at all", []ks{{1, 0, "a", Unspecified, false, 0}, {2, 1, "b", Unspecified, false, 0}, {3, 2, "c", Unspecified, false, 0}, {4, 3, "c", Unspecified, false, 0}},
			[]Kind{Client, Server, Server, Unspecified}, "a span between two services is the server of its parent's call; a local child stays"},
		{"opentracing wrapper", []ks{{1, 0, "front", Server, false, 0}, {2, 1, "front", Unspecified, false, 0}, {3, 2, "route", Server, false, 0}},
			[]Kind{Server, Client, Server}, "HotROD's HTTP GET wrapper has no kind"},
		{"internal at a boundary", []ks{{1, 0, "a", Internal, false, 0}, {2, 1, "b", Server, false, 0}, {3, 2, "b", Internal, false, 0}},
			[]Kind{Client, Server, Internal}, "Zipkin cannot say internal: judged like an unspecified span"},
		{"consumer under a producer", []ks{{1, 0, "a", Producer, false, 0}, {2, 1, "b", Unspecified, false, 0}},
			[]Kind{Producer, Consumer}, ""},
		{"producer over a consumer", []ks{{1, 0, "a", Unspecified, false, 0}, {2, 1, "b", Consumer, false, 0}},
			[]Kind{Producer, Consumer}, ""},
		{"follows from", []ks{{1, 0, "a", Unspecified, false, 0}, {2, 1, "b", Unspecified, true, 0}},
			[]Kind{Producer, Consumer}, "a FOLLOWS_FROM child does not make its parent wait"},
		{"remote parent flag", []ks{{1, 9, "a", Unspecified, false, 0x300}, {2, 0, "a", Unspecified, false, 0x100}},
			[]Kind{Server, Unspecified}, "0x300: the parent is known to be remote; 0x100 alone: known local"},
		{"same service", []ks{{1, 0, "cart", Unspecified, false, 0}, {2, 1, "Cart", Unspecified, false, 0}},
			[]Kind{Unspecified, Unspecified}, "services compare ignoring case"},
		{"no service", []ks{{1, 0, "", Unspecified, false, 0}, {2, 1, "b", Unspecified, false, 0}},
			[]Kind{Unspecified, Unspecified}, "a span without a service tells nothing"},
		{"missing parent", []ks{{2, 1, "b", Unspecified, false, 0}},
			[]Kind{Unspecified}, ""},
		{"kinds kept", []ks{{1, 0, "a", Server, false, 0}, {2, 1, "b", Client, false, 0}, {3, 2, "c", Producer, false, 0}},
			[]Kind{Server, Client, Producer}, "only spans without a remote kind get one"},
		{"self parent", []ks{{1, 1, "a", Unspecified, false, 0}},
			[]Kind{Unspecified}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans, parentOf := kindSpans(tc.spans)
			inferKinds(spans, parentOf)
			got := make([]Kind, len(spans))
			for i := range spans {
				got[i] = spans[i].Kind
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("kinds %v, want %v (%s)", got, tc.want, tc.reason)
			}
			inferKinds(spans, parentOf)
			for i := range spans {
				if spans[i].Kind != got[i] {
					t.Errorf("a second pass changed span %d to %v", i, spans[i].Kind)
				}
			}
		})
	}
}

// TestObserveInfersKinds: the gRPC fixture with no kinds (but its root's,
// whose caller is not traced) and no flags gives the same exchanges as
// with them.
func TestObserveInfersKinds(t *testing.T) {
	d, _ := testdiagram.Read(t, "testdata/grpc-checkout.mmd")
	flow.Build(d)
	m := DefaultMapping(d)
	for _, tr := range readTraces(t, "otlp-grpc.json") {
		want := Observe(tr, m)
		bare := &Trace{ID: tr.ID, Spans: append([]Span(nil), tr.Spans...)}
		for i := range bare.Spans {
			if !bare.Spans[i].ParentID.IsZero() {
				bare.Spans[i].Kind = Unspecified
			}
			bare.Spans[i].Flags = 0
		}
		got := Observe(bare, m)
		if len(got.Exchanges) != len(want.Exchanges) {
			t.Fatalf("%s: %d exchanges without kinds, %d with", tr.ID, len(got.Exchanges), len(want.Exchanges))
		}
		for i, e := range got.Exchanges {
			w := want.Exchanges[i]
			if e.Message != w.Message || e.From != w.From || e.To != w.To || spanID(e.Client) != spanID(w.Client) || spanID(e.Server) != spanID(w.Server) {
				t.Errorf("%s: exchange %d: %s->>%s %v, want %s->>%s %v", tr.ID, i, e.From, e.To, e.Message, w.From, w.To, w.Message)
			}
		}
	}
}

func spanID(s *Span) SpanID {
	if s == nil {
		return SpanID{}
	}
	return s.SpanID
}
