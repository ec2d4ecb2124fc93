package trace_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	resourcev1 "go.opentelemetry.io/proto/otlp/resource/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// traceInput is a trace file the tests have, by name.
type traceInput struct {
	name string
	data []byte
}

// allTraceInputs returns every trace input the repository's tests use:
// the files of testdata/traces, the damaged simulator NDJSON, and the
// trace files of the command's scripts (testdata/script/*.txtar) that
// read as traces.
func allTraceInputs(t *testing.T) []traceInput {
	t.Helper()
	ins := []traceInput{{"damaged.jsonl", damagedProvisioning(t, 3)}}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, traceInput{filepath.Base(f), data})
	}
	scripts, err := filepath.Glob("../testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts in ../testdata/script")
	}
	for _, s := range scripts {
		src, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range txtarFiles(src) {
			if _, err := trace.NewReader(bytes.NewReader(data), name); err != nil {
				continue // not traces
			}
			ins = append(ins, traceInput{filepath.Base(s) + ":" + name, data})
		}
	}
	return ins
}

// txtarFiles returns the files of a txtar archive, in order.
func txtarFiles(src []byte) func(yield func(string, []byte) bool) {
	return func(yield func(string, []byte) bool) {
		var name string
		var data []byte
		in := false
		for _, line := range strings.SplitAfter(string(src), "\n") {
			l := strings.TrimRight(line, "\r\n")
			if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
				if in && !yield(name, data) {
					return
				}
				name, data, in = strings.TrimSpace(l[3:len(l)-3]), nil, true
				continue
			}
			if in {
				data = append(data, line...)
			}
		}
		if in {
			yield(name, data)
		}
	}
}

// resultJSON checks data with next's traces as `choreo check` does and
// returns the result's JSON, the reader's warnings and what was returned.
func resultJSON(t *testing.T, c *trace.Checker, rd *trace.Reader, n int, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	res := c.Result()
	in := &report.Input{Problems: []report.Problem{}}
	rd.AddTo(in)
	res.Input = in
	var b bytes.Buffer
	if err := report.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "\ntraces returned: %d\nwarnings: %q\n", n, rd.Warnings())
	return b.Bytes()
}

// TestCheckAttrsResults: the check gives the same result, byte for byte,
// reading every attribute or only those CheckAttrs keeps, for every
// trace input the tests have (damaged ones included), checked against
// every test diagram, with the default mapping and with the mapping
// SuggestMap writes from the check (rules by span name, HTTP route, RPC
// and destination, peers); and CheckInput, which reads with
// KeepAttrs(CheckAttrs), gives it too. (No input can differ for a damaged
// value: see TestKeepAttrsDamagedValues.) CheckInput runs at its default
// part size (TestAddAllWorkers cuts parts of a line).
func TestCheckAttrsResults(t *testing.T) {
	var diagrams []*flow.Diagram
	for _, p := range []string{"testdata/checkout.mmd", "testdata/clients.mmd", "testdata/grpc-checkout.mmd", "../testdata/provisioning.mmd"} {
		d, _ := testdiagram.Read(t, p)
		flow.Build(d)
		diagrams = append(diagrams, d)
	}
	for _, in := range allTraceInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			for di, d := range diagrams {
				check := func(m *trace.Mapping, opts ...trace.Option) ([]byte, *report.Result) {
					rd, err := trace.NewReader(bytes.NewReader(in.data), in.name, opts...)
					if err != nil {
						t.Fatal(err)
					}
					c := trace.NewChecker(d, m, trace.NewAligner(d))
					n, err := c.AddAll(rd.Next, 1)
					out := resultJSON(t, c, rd, n, err)
					return out, c.Result()
				}
				all, res := check(nil)
				var sugg bytes.Buffer
				if err := trace.SuggestMap(&sugg, d, nil, res); err != nil {
					t.Fatal(err)
				}
				rules, err := trace.LoadMapping("suggested.yaml", sugg.Bytes(), d)
				if err != nil {
					t.Fatalf("the suggested mapping does not load: %v\n%s", err, sugg.Bytes())
				}
				for _, m := range []*trace.Mapping{nil, rules} {
					want, _ := check(m)
					if m == nil {
						want = all
					}
					got, _ := check(m, trace.KeepAttrs(trace.CheckAttrs))
					if !bytes.Equal(got, want) {
						t.Errorf("diagram %d, mapping %v: KeepAttrs(CheckAttrs) changes the result:\n%s", di, m != nil, cmp.Diff(string(want), string(got)))
					}
					c := trace.NewChecker(d, m, trace.NewAligner(d))
					rd, n, err := c.CheckInput(bytes.NewReader(in.data), in.name, 2)
					if got := resultJSON(t, c, rd, n, err); !bytes.Equal(got, want) {
						t.Errorf("diagram %d, mapping %v: CheckInput's result differs from reading every attribute:\n%s", di, m != nil, cmp.Diff(string(want), string(got)))
					}
				}
			}
		})
	}
}

// keepTest is the keep function of the format tests: two keys the check
// reads.
func keepTest(k string) bool { return k == "http.route" || k == "error.type" }

// filterAttrs returns the attributes of list that keep keeps, nil if
// none.
func filterAttrs(list []trace.Attr, keep func(string) bool) []trace.Attr {
	var out []trace.Attr
	for _, a := range list {
		if keep(a.Key) {
			out = append(out, a)
		}
	}
	return out
}

// TestKeepAttrsFixtures: reading every trace input with KeepAttrs gives
// the spans read without it, each attribute list holding only the kept
// keys, with their values, and the keys the reader interprets where they
// were (service.name in an OTLP resource, opentracing.ref_type in a
// link); every other field of the span is the same (kind, status,
// service, event names from Jaeger's event field, links' FollowsFrom).
func TestKeepAttrsFixtures(t *testing.T) {
	for _, keep := range []struct {
		name string
		f    func(string) bool
	}{{"CheckAttrs", trace.CheckAttrs}, {"two keys", keepTest}, {"none", func(string) bool { return false }}} {
		for _, in := range allTraceInputs(t) {
			t.Run(keep.name+"/"+in.name, func(t *testing.T) {
				all := readAll(t, bytes.NewReader(in.data), in.name)
				got := readAll(t, bytes.NewReader(in.data), in.name, trace.KeepAttrs(keep.f))
				resKeep, linkKeep := keep.f, keep.f
				if all.format == trace.OTLPJSON || all.format == trace.OTLPProto {
					resKeep = func(k string) bool { return k == "service.name" || keep.f(k) }
					linkKeep = func(k string) bool { return k == "opentracing.ref_type" || keep.f(k) }
				}
				kept, dropped := 0, 0
				for _, tr := range all.traces {
					for i := range tr.Spans {
						s := &tr.Spans[i]
						n := len(s.Attrs)
						s.Attrs = filterAttrs(s.Attrs, keep.f)
						kept += len(s.Attrs)
						dropped += n - len(s.Attrs)
						s.Resource = filterAttrs(s.Resource, resKeep)
						for j := range s.Events {
							s.Events[j].Attrs = filterAttrs(s.Events[j].Attrs, keep.f)
						}
						for j := range s.Links {
							s.Links[j].Attrs = filterAttrs(s.Links[j].Attrs, linkKeep)
						}
					}
				}
				if diff := cmp.Diff(all.traces, got.traces, cmp.Transformer("attrs", func(l []trace.Attr) []trace.Attr {
					if len(l) == 0 {
						return nil
					}
					return l
				})); diff != "" {
					t.Errorf("the traces read with KeepAttrs are not those read without it, attributes filtered (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(all.problems, got.problems); diff != "" {
					t.Errorf("problems differ (-without +with):\n%s", diff)
				}
				if diff := cmp.Diff(all.reader.Warnings(), got.reader.Warnings()); diff != "" {
					t.Errorf("warnings differ (-without +with):\n%s", diff)
				}
				t.Logf("%d attributes kept, %d dropped", kept, dropped)
			})
		}
	}
}

// spanAttrs writes what a span's attribute lists hold, and the fields
// the readers take from attributes.
func spanAttrs(s *trace.Span) string {
	kv := func(l []trace.Attr) string {
		var b []string
		for _, a := range l {
			b = append(b, a.Key+"="+a.Value)
		}
		return "[" + strings.Join(b, " ") + "]"
	}
	out := fmt.Sprintf("service=%s kind=%s status=%s msg=%q attrs=%s resource=%s", s.Service, s.Kind, s.Status, s.StatusMessage, kv(s.Attrs), kv(s.Resource))
	for _, e := range s.Events {
		out += fmt.Sprintf(" event %s%s", e.Name, kv(e.Attrs))
	}
	for _, l := range s.Links {
		out += fmt.Sprintf(" link follows=%v%s", l.FollowsFrom, kv(l.Attrs))
	}
	return out
}

const (
	kaTrace = "0102030405060708090a0b0c0d0e0f10"
	kaSpan  = "a1a2a3a4a5a6a7a8"
	kaOther = "b1b2b3b4b5b6b7b8"
)

// otlpKeepInput is one OTLP/JSON span with attributes in every list:
// kept and not, a value before its key, a duplicate, values of every
// type.
var otlpKeepInput = `{"resourceSpans":[{"resource":{"attributes":[
 {"key":"host.name","value":{"stringValue":"h1"}},
 {"key":"service.name","value":{"stringValue":"svc"}},
 {"key":"http.route","value":{"stringValue":"/res"}}]},
 "scopeSpans":[{"scope":{"name":"sc"},"spans":[{"traceId":"` + kaTrace + `","spanId":"` + kaSpan + `","name":"op","kind":3,
  "startTimeUnixNano":"1000","endTimeUnixNano":"2000","status":{"code":2,"message":"failed"},
  "attributes":[
   {"key":"http.route","value":{"stringValue":"/a/{id}"}},
   {"key":"other","value":{"arrayValue":{"values":[{"intValue":"1"},{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}]}}},
   {"value":{"doubleValue":1.5},"key":"late.other"},
   {"value":{"intValue":"42"},"key":"error.type"},
   {"key":"http.route","value":{"stringValue":"/dup"}},
   {"key":"big","value":{"kvlistValue":{"values":[{"key":"http.route","value":{"stringValue":"/nested"}}]}}}],
  "events":[{"name":"exception","timeUnixNano":"1500","attributes":[
   {"key":"exception.message","value":{"stringValue":"boom"}},
   {"key":"error.type","value":{"stringValue":"Timeout"}}]}],
  "links":[{"traceId":"` + kaTrace + `","spanId":"` + kaOther + `","attributes":[
   {"key":"opentracing.ref_type","value":{"stringValue":"follows_from"}},
   {"key":"link.other","value":{"stringValue":"v"}},
   {"key":"http.route","value":{"stringValue":"/link"}}]}]}]}]}]}`

// otlpKeepProto is otlpKeepInput as protobuf.
func otlpKeepProto(t *testing.T) []byte {
	str := func(s string) *commonv1.AnyValue {
		return &commonv1.AnyValue{Value: &commonv1.AnyValue_StringValue{StringValue: s}}
	}
	kv := func(k string, v *commonv1.AnyValue) *commonv1.KeyValue { return &commonv1.KeyValue{Key: k, Value: v} }
	id := func(h string) []byte {
		b := make([]byte, len(h)/2)
		for i := range b {
			n, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			b[i] = byte(n)
		}
		return b
	}
	td := &tracev1.TracesData{ResourceSpans: []*tracev1.ResourceSpans{{
		Resource: &resourcev1.Resource{Attributes: []*commonv1.KeyValue{
			kv("host.name", str("h1")), kv("service.name", str("svc")), kv("http.route", str("/res"))}},
		ScopeSpans: []*tracev1.ScopeSpans{{
			Scope: &commonv1.InstrumentationScope{Name: "sc"},
			Spans: []*tracev1.Span{{
				TraceId: id(kaTrace), SpanId: id(kaSpan), Name: "op", Kind: tracev1.Span_SPAN_KIND_CLIENT,
				StartTimeUnixNano: 1000, EndTimeUnixNano: 2000,
				Status: &tracev1.Status{Code: tracev1.Status_STATUS_CODE_ERROR, Message: "failed"},
				Attributes: []*commonv1.KeyValue{
					kv("http.route", str("/a/{id}")),
					kv("other", &commonv1.AnyValue{Value: &commonv1.AnyValue_ArrayValue{ArrayValue: &commonv1.ArrayValue{Values: []*commonv1.AnyValue{
						{Value: &commonv1.AnyValue_IntValue{IntValue: 1}}}}}}),
					kv("late.other", &commonv1.AnyValue{Value: &commonv1.AnyValue_DoubleValue{DoubleValue: 1.5}}),
					kv("error.type", &commonv1.AnyValue{Value: &commonv1.AnyValue_IntValue{IntValue: 42}}),
					kv("http.route", str("/dup")),
				},
				Events: []*tracev1.Span_Event{{Name: "exception", TimeUnixNano: 1500, Attributes: []*commonv1.KeyValue{
					kv("exception.message", str("boom")), kv("error.type", str("Timeout"))}}},
				Links: []*tracev1.Span_Link{{TraceId: id(kaTrace), SpanId: id(kaOther), Attributes: []*commonv1.KeyValue{
					kv("opentracing.ref_type", str("follows_from")), kv("link.other", str("v")), kv("http.route", str("/link"))}}},
			}},
		}},
	}}}
	b, err := proto.Marshal(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var jaegerKeepInput = `{"data":[{"traceID":"` + kaTrace + `","spans":[{"traceID":"` + kaTrace + `","spanID":"` + kaSpan + `",
 "operationName":"op","startTime":1,"duration":1,"processID":"p1",
 "references":[{"refType":"FOLLOWS_FROM","traceID":"` + kaTrace + `","spanID":"` + kaOther + `"},
  {"refType":"CHILD_OF","traceID":"ffffffffffffffffffffffffffffffff","spanID":"` + kaOther + `"}],
 "tags":[{"key":"span.kind","type":"string","value":"client"},
  {"key":"error","type":"bool","value":true},
  {"key":"otel.status_description","type":"string","value":"failed"},
  {"key":"http.route","type":"string","value":"/a/{id}"},
  {"key":"other","type":"string","value":{"nested":[1,2]}},
  {"type":"float64","value":1.5,"key":"late.other"},
  {"key":"error.type","type":"int64","value":42},
  {"key":"http.route","type":"string","value":"/dup"}],
 "logs":[{"timestamp":1,"fields":[{"key":"event","type":"string","value":"exception"},
  {"key":"exception.message","type":"string","value":"boom"},
  {"key":"error.type","type":"string","value":"Timeout"}]}]}],
 "processes":{"p1":{"serviceName":"svc","tags":[{"key":"hostname","type":"string","value":"h1"},
  {"key":"service.name","type":"string","value":"tag"},
  {"key":"http.route","type":"string","value":"/res"}]}}}]}`

var zipkinKeepInput = `[{"traceId":"` + kaTrace + `","id":"` + kaSpan + `","name":"op","kind":"CLIENT",
 "timestamp":1,"duration":1,"localEndpoint":{"serviceName":"svc"},
 "annotations":[{"timestamp":1,"value":"ws"}],
 "tags":{"http.route":"/a/{id}","other":"o","error":"failed","error.type":"42","late.other":"1.5"}}]`

// TestKeepAttrsFormats: in each format, KeepAttrs keeps the kept keys
// with their values (the first of a duplicate), drops the others from
// every list, and the keys the reader interprets work as without it.
func TestKeepAttrsFormats(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		all      string // without KeepAttrs
		filtered string // KeepAttrs(keepTest)
	}{
		{"otlp-json", []byte(otlpKeepInput),
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} other=[1,{"x":"true"}] late.other=1.5 error.type=42 big={"http.route":"/nested"}] resource=[host.name=h1 service.name=svc http.route=/res] event exception[exception.message=boom error.type=Timeout] link follows=true[opentracing.ref_type=follows_from link.other=v http.route=/link]`,
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} error.type=42] resource=[service.name=svc http.route=/res] event exception[error.type=Timeout] link follows=true[opentracing.ref_type=follows_from http.route=/link]`},
		{"otlp-proto", otlpKeepProto(t),
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} other=[1] late.other=1.5 error.type=42] resource=[host.name=h1 service.name=svc http.route=/res] event exception[exception.message=boom error.type=Timeout] link follows=true[opentracing.ref_type=follows_from link.other=v http.route=/link]`,
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} error.type=42] resource=[service.name=svc http.route=/res] event exception[error.type=Timeout] link follows=true[opentracing.ref_type=follows_from http.route=/link]`},
		{"jaeger", []byte(jaegerKeepInput),
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} other={"nested":[1,2]} late.other=1.5 error.type=42] resource=[hostname=h1 service.name=tag http.route=/res] event exception[exception.message=boom error.type=Timeout] link follows=false[]`,
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} error.type=42] resource=[http.route=/res] event exception[error.type=Timeout] link follows=false[]`},
		{"zipkin", []byte(zipkinKeepInput),
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} other=o error.type=42 late.other=1.5] resource=[] event ws[]`,
			`service=svc kind=client status=error msg="failed" attrs=[http.route=/a/{id} error.type=42] resource=[] event ws[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				opts []trace.Option
				want string
			}{
				{nil, tt.all},
				{[]trace.Option{trace.KeepAttrs(func(string) bool { return true })}, tt.all},
				{[]trace.Option{trace.KeepAttrs(keepTest)}, tt.filtered},
			} {
				rr := readAll(t, bytes.NewReader(tt.data), tt.name, c.opts...)
				if len(rr.problems) != 0 || len(rr.traces) != 1 || len(rr.traces[0].Spans) != 1 {
					t.Fatalf("want one span, no problems: %d traces, problems %v", len(rr.traces), rr.problems)
				}
				if got := spanAttrs(&rr.traces[0].Spans[0]); got != c.want {
					t.Errorf("%d options:\n got %s\nwant %s", len(c.opts), got, c.want)
				}
			}
		})
	}
}

// TestKeepAttrsDamagedValues: what a span with a damaged OTLP attribute
// becomes, without KeepAttrs and with KeepAttrs(CheckAttrs). A value of
// the wrong type never made a span unusable (the attribute reads as "",
// as it did before KeepAttrs), so skipping it changes only whether the
// attribute is there; a bad key (read, kept or not) still makes the span
// malformed, and a value that is not JSON is damage either way (skipping
// checks the syntax).
func TestKeepAttrsDamagedValues(t *testing.T) {
	span := func(attr string) string {
		return `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[` +
			`{"traceId":"` + kaTrace + `","spanId":"` + kaSpan + `","name":"op","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[` + attr + `]}]}]}]}` + "\n"
	}
	tests := []struct {
		name, attr    string
		without, with string // the span's attributes, or "malformed", or "damaged"
	}{
		{"kept, bad int", `{"key":"http.status_code","value":{"intValue":"abc"}}`, "[http.status_code=]", "[http.status_code=]"},
		{"kept, bad bool", `{"key":"error.type","value":{"boolValue":{}}}`, "[error.type=]", "[error.type=]"},
		{"not kept, bad int", `{"key":"other","value":{"intValue":"abc"}}`, "[other=]", "[]"},
		{"not kept, value first", `{"value":{"doubleValue":[1]},"key":"other"}`, "[other=]", "[]"},
		{"no key", `{"value":{"intValue":"7"}}`, "[=7]", "[]"},
		{"bad key", `{"key":{},"value":{"stringValue":"v"}}`, "malformed", "malformed"},
		{"not an object", `"other"`, "malformed", "malformed"},
		{"not kept, not JSON", `{"key":"other","value":{"intValue":1,}}`, "damaged", "damaged"},
		{"not kept, bad escape", `{"key":"other","value":{"stringValue":"\x"}}`, "damaged", "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := span(tt.attr)
			for _, c := range []struct {
				opts []trace.Option
				want string
			}{{nil, tt.without}, {[]trace.Option{trace.KeepAttrs(trace.CheckAttrs)}, tt.with}} {
				rr := readAll(t, strings.NewReader(in), "in.json", c.opts...)
				var got string
				switch {
				case len(rr.reader.Warnings()) > 0:
					got = "damaged"
				case rr.reader.Malformed() > 0:
					got = "malformed"
				case len(rr.traces) == 1 && len(rr.traces[0].Spans) == 1:
					var b []string
					for _, a := range rr.traces[0].Spans[0].Attrs {
						b = append(b, a.Key+"="+a.Value)
					}
					got = "[" + strings.Join(b, " ") + "]"
				default:
					got = fmt.Sprintf("%d traces", len(rr.traces))
				}
				if got != c.want {
					t.Errorf("%d options: %s, want %s (problems %v)", len(c.opts), got, c.want, rr.problems)
				}
			}
		})
	}
}

// attrKeyLit is a string literal that looks like an attribute key:
// dotted lower-case words.
var attrKeyLit = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// TestCheckAttrsCoversKeys: every attribute key the package's code
// names outside the readers (the keys the check reads: naming, mapping,
// observing) is one CheckAttrs keeps, and so is every PeerKeys key. The
// readers' own keys (service.name, span.kind…) are read whatever
// KeepAttrs says.
func TestCheckAttrsCoversKeys(t *testing.T) {
	for _, k := range trace.PeerKeys {
		if !trace.CheckAttrs(k) {
			t.Errorf("CheckAttrs(%q) is false: the key is in PeerKeys", k)
		}
	}
	readers := []string{"reader.go", "otlp_json.go", "otlpfast.go", "otlp_proto.go", "jaeger.go", "jaegerfast.go", "zipkin.go", "zipkinfast.go", "jsondec.go", "jsonlex.go", "sniff.go", "doc.go"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var seen []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || slices.Contains(readers, f) {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !attrKeyLit.MatchString(s) {
				return true
			}
			seen = append(seen, s)
			if !trace.CheckAttrs(s) {
				t.Errorf("%s: %q looks like an attribute key the check reads, and CheckAttrs does not keep it", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if len(seen) < 20 {
		t.Errorf("found %d attribute keys in the code, want the 20 or so the check reads: %q", len(seen), seen)
	}
}
