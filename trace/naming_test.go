package trace

import (
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
)

func attrs(kv ...string) []Attr {
	var as []Attr
	for i := 0; i+1 < len(kv); i += 2 {
		as = append(as, Attr{Key: kv[i], Value: kv[i+1]})
	}
	return as
}

// TestTextMatchesSpan is the table of naming forms: a message text
// against a span, through every source (what the default mapping does).
func TestTextMatchesSpan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		text   string
		span   Span
		want   bool
		reason string
	}{
		// The span name as text, normalised.
		{"name", "Provision subscription", Span{Name: "provision_subscription"}, true, ""},
		{"name case and dots", "Send invite link", Span{Name: "SEND.INVITE-LINK"}, true, ""},
		{"name differs", "Provision subscription", Span{Name: "provision"}, false, ""},
		{"empty text", "", Span{Name: ""}, false, "an empty text matches nothing"},

		// HTTP, new semantic conventions.
		{"new semconv route", "GET /clients/{clientId}", Span{Name: "GET /clients/{id}", Attrs: attrs("http.request.method", "GET", "http.route", "/clients/{id}")}, true, ""},
		{"new semconv url.path", "GET /clients/{clientId}", Span{Name: "GET", Attrs: attrs("http.request.method", "GET", "url.path", "/clients/abc")}, true, ""},
		{"new semconv url.full", "GET /clients/{clientId}", Span{Name: "GET", Attrs: attrs("http.request.method", "GET", "url.full", "https://h/clients/abc?x=1#top")}, true, "host, query and fragment are not the path"},
		{"url.full with port", "GET /clients/{clientId}", Span{Name: "GET", Attrs: attrs("http.request.method", "GET", "url.full", "http://clients-api:8080/clients/7")}, true, ""},
		{"url.full without path", "GET /", Span{Attrs: attrs("http.request.method", "GET", "url.full", "https://h?x=1")}, true, "a URL without a path asks for /"},
		{"new method wins", "POST /clients", Span{Attrs: attrs("http.request.method", "POST", "http.method", "GET", "url.path", "/clients")}, true, "http.request.method before http.method"},
		// HTTP, old semantic conventions.
		{"old semconv http.target", "GET /clients/{clientId}", Span{Name: "HTTP GET", Attrs: attrs("http.method", "GET", "http.target", "/clients/42?verbose=1")}, true, ""},
		{"old semconv http.url", "GET /clients/{clientId}/orders", Span{Name: "HTTP GET", Attrs: attrs("http.method", "GET", "http.url", "http://api:8080/clients/42/orders")}, true, ""},
		{"old semconv route", "POST /send_order_confirmation", Span{Attrs: attrs("http.method", "POST", "http.route", "/send_order_confirmation")}, true, ""},
		// Templates on either side.
		{"colon template in text", "PUT /clients/:clientId", Span{Name: "PUT /clients/42"}, true, ""},
		{"colon template in route", "GET /clients/{clientId}", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/:id")}, true, "Express"},
		{"flask template in route", "GET /clients/{clientId}/orders", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/<int:client_id>/orders")}, true, "Flask"},
		{"typed brace template", "GET /clients/{clientId}", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/{id:int}")}, true, "ASP.NET"},
		{"literal text, template route", "GET /clients/42", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/{id}")}, true, "a parameter on either side matches any one segment"},
		{"literal text, other literal", "GET /clients/42", Span{Name: "GET /clients/43"}, false, ""},
		{"anonymized segment", "GET /clients/{clientId}", Span{Name: "GET /clients/_uuid_"}, true, "Jaeger's anonymized ids"},
		{"anonymized in url", "GET /clients/{clientId}/orders", Span{Attrs: attrs("http.method", "GET", "http.url", "http://api/clients/_uuid_/orders?token=_hash_")}, true, ""},
		{"route or path", "GET /clients/me", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/{id}/x", "url.path", "/clients/me")}, true, "the path is tried when the route does not fit"},
		// Segments.
		{"one segment only", "GET /clients/{clientId}", Span{Name: "GET /clients/42/orders"}, false, "a parameter matches one segment, not several"},
		{"missing segment", "GET /clients/{clientId}", Span{Name: "GET /clients"}, false, ""},
		{"empty segment", "GET /clients/{clientId}", Span{Name: "GET /clients//"}, false, "an empty segment is no segment"},
		{"trailing slash", "POST /clients", Span{Name: "POST /clients/"}, true, ""},
		{"segment normalised", "POST /oauth/check_token", Span{Name: "post /OAuth/check-token"}, true, "names compare as everywhere: case, dashes, dots, underscores"},
		// Methods.
		{"method differs", "GET /clients/{clientId}", Span{Name: "DELETE /clients/42"}, false, ""},
		{"method attribute differs", "GET /clients/{clientId}", Span{Attrs: attrs("http.request.method", "DELETE", "url.path", "/clients/42")}, false, ""},
		{"zipkin lower case", "GET /clients/{clientId}", Span{Name: "get /clients/42"}, true, "Zipkin lower-cases names"},
		{"text without method", "/oauth/check_token", Span{Name: "HTTP POST", Attrs: attrs("http.method", "POST", "http.url", "http://auth:9000/oauth/check_token?token=x")}, true, "a text without a method matches any method"},
		{"span without method", "GET /clients/{clientId}", Span{Name: "/clients/42"}, true, "a span that does not say its method matches on its path"},
		{"name method from attribute", "GET /clients/{clientId}", Span{Name: "/clients/42", Attrs: attrs("http.method", "POST")}, false, "the name's path takes the method of the attributes"},
		{"opentracing name", "GET /clients/{clientId}", Span{Name: "HTTP GET /clients/_uuid_"}, true, "HotROD-style server span names"},
		{"opentracing wrapper name", "GET /route", Span{Name: "HTTP GET: /route"}, true, ""},
		{"text with url", "GET https://api.example.com/clients/{id}?x=1", Span{Name: "GET /clients/9"}, true, ""},
		{"not a method", "Fetch /clients", Span{Name: "GET /clients"}, false, ""},
		{"text with more words", "GET /clients/{clientId} twice", Span{Name: "GET /clients/1"}, false, "only METHOD and a path make a template"},
		// The old concatenation: a text that is no path may spell method and path.
		{"method and path as words", "Accept invite", Span{Name: "HTTP POST", Attrs: attrs("http.request.method", "accept", "url.path", "invite")}, true, ""},
		{"path text vs method and path", "Provision subscription", Span{Attrs: attrs("http.method", "POST", "http.target", "/provision-subscription?x=1")}, false, ""},

		// gRPC: span names of each SDK.
		{"go/java name", "PlaceOrder", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, "otelgrpc and the Java agent name spans pkg.Service/Method"},
		{"python name", "PlaceOrder", Span{Name: "/oteldemo.CheckoutService/PlaceOrder"}, true, "Python's instrumentation names spans after the full method"},
		{"js name", "PlaceOrder", Span{Name: "grpc.oteldemo.CheckoutService/PlaceOrder"}, true, "JavaScript's instrumentation prefixes grpc."},
		{"attributes", "PlaceOrder", Span{Name: "anything", Attrs: attrs("rpc.system", "grpc", "rpc.service", "oteldemo.CheckoutService", "rpc.method", "PlaceOrder")}, true, ""},
		{"method as words", "Place order", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, ""},
		{"service/method", "CheckoutService/PlaceOrder", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, ""},
		{"full name", "oteldemo.CheckoutService/PlaceOrder", Span{Name: "/oteldemo.CheckoutService/PlaceOrder"}, true, ""},
		{"full name with slash", "/oteldemo.CheckoutService/PlaceOrder", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, ""},
		{"full name with grpc.", "grpc.oteldemo.CheckoutService/PlaceOrder", Span{Attrs: attrs("rpc.service", "oteldemo.CheckoutService", "rpc.method", "PlaceOrder")}, true, ""},
		{"service", "CheckoutService", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, "a text naming the service matches its every method"},
		{"service without Service", "Checkout", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, true, ""},
		{"service from attributes", "Currency", Span{Name: "Convert", Attrs: attrs("rpc.service", "oteldemo.CurrencyService", "rpc.method", "Convert")}, true, ""},
		{"package is no service", "oteldemo", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, false, ""},
		{"other method", "GetCart", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, false, ""},
		{"other service", "CartService/PlaceOrder", Span{Name: "oteldemo.CheckoutService/PlaceOrder"}, false, ""},
		{"service without package, no rpc.system", "abc", Span{Name: "/clients/abc"}, false, "a path is not read as Service/Method"},
		{"service without package, rpc.system", "SayHello", Span{Name: "Greeter/SayHello", Attrs: attrs("rpc.system", "grpc")}, true, ""},
		{"numeric method", "42", Span{Name: "/clients.v1/42"}, false, "a method is an identifier"},
		{"grpc over http path", "GetCart", Span{Name: "cart:7070/*", Attrs: attrs("http.method", "POST", "http.url", "http://cart:7070/oteldemo.CartService/GetCart")}, true, "Envoy reports gRPC as HTTP"},
		{"grpc. is part of the health service", "grpc.health.v1.Health/Check", Span{Attrs: attrs("rpc.service", "grpc.health.v1.Health", "rpc.method", "Check")}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := compilePattern(tc.text)
			var v spanView
			v.read(&tc.span)
			if got := p.match(&v, srcAll); got != tc.want {
				t.Errorf("%q vs span %q %v: got %v, want %v (%s)", tc.text, tc.span.Name, tc.span.Attrs, got, tc.want, tc.reason)
			}
		})
	}
}

// TestRulesMatchTheirSource: a mapping file's rule values match like
// texts, through their own source only.
func TestRulesMatchTheirSource(t *testing.T) {
	for _, tc := range []struct {
		kind, value string
		span        Span
		want        bool
	}{
		{"span", "GET /clients/{id}", Span{Name: "GET /clients/42"}, true},
		{"span", "GET /clients/{id}", Span{Name: "GET", Attrs: attrs("http.method", "GET", "url.path", "/clients/42")}, false},
		{"span", "PlaceOrder", Span{Name: "/oteldemo.CheckoutService/PlaceOrder"}, true},
		{"span", "PlaceOrder", Span{Attrs: attrs("rpc.method", "PlaceOrder")}, false},
		{"http", "GET /clients/:id", Span{Attrs: attrs("http.request.method", "GET", "url.full", "https://h/clients/1")}, true},
		{"http", "GET /clients/:id", Span{Name: "get /clients/1"}, true},
		{"http", "GET /clients/:id", Span{Attrs: attrs("http.method", "PUT", "http.route", "/clients/:id")}, false},
		{"http", "create client", Span{Name: "Create client"}, false},
		{"http", "accept invite", Span{Attrs: attrs("http.request.method", "accept", "url.path", "invite")}, true},
		{"rpc", "Directory/Create", Span{Attrs: attrs("rpc.service", "Directory", "rpc.method", "Create")}, true},
		{"rpc", "Create", Span{Name: "acme.Directory/Create"}, true},
		{"rpc", "Create", Span{Name: "Create"}, false},
		{"destination", "invites", Span{Attrs: attrs("messaging.destination", "INVITES")}, true},
		{"destination", "invites", Span{Name: "invites"}, false},
	} {
		r := msgRule{kind: tc.kind, want: compilePattern(tc.value)}
		var v spanView
		v.read(&tc.span)
		if got := ruleMatches(&r, &v, &tc.span); got != tc.want {
			t.Errorf("%s: %q vs span %q %v: got %v, want %v", tc.kind, tc.value, tc.span.Name, tc.span.Attrs, got, tc.want)
		}
	}
}

func parseDiagram(t *testing.T, src string) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse("test.mmd", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	flow.Build(d)
	return d
}

const repeatedDiagram = `sequenceDiagram
participant Portal
participant API
loop each screen
  Portal->>API: /oauth/check_token
end
Portal->>API: GET /clients/{clientId}
API-->>Portal: GET /clients/{clientId}
Portal->>API: PUT /clients/:clientId
Portal->>API: GET /clients/{clientId}
Portal->>API: GET /clients/me
`

// TestMessagesAllCandidates: a span may stand for several messages with
// the same text; Messages returns them all in document order, Message
// the first, replies never.
func TestMessagesAllCandidates(t *testing.T) {
	d := parseDiagram(t, repeatedDiagram)
	m := DefaultMapping(d)
	nums := func(ms []*flow.Message) []int {
		var ns []int
		for _, msg := range ms {
			ns = append(ns, msg.N)
		}
		return ns
	}
	for _, tc := range []struct {
		name string
		span Span
		want []int
	}{
		{"loop", Span{Name: "POST /oauth/check_token"}, []int{1}},
		{"twice drawn", Span{Name: "GET /clients/42"}, []int{2, 5}},
		{"literal and template", Span{Name: "GET /clients/me"}, []int{2, 5, 6}},
		{"template route", Span{Attrs: attrs("http.method", "GET", "http.route", "/clients/{id}")}, []int{2, 5, 6}},
		{"none", Span{Name: "DELETE /clients/42"}, nil},
	} {
		got := nums(m.Messages("Portal", "API", &tc.span))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Messages = %v, want %v", tc.name, got, tc.want)
		}
		first, ok := m.Message("Portal", "API", &tc.span)
		if ok != (len(tc.want) > 0) || ok && first.N != tc.want[0] {
			t.Errorf("%s: Message = %v %v, want the first of %v", tc.name, first, ok, tc.want)
		}
	}
	if got := m.Messages("API", "Portal", &Span{Name: "GET /clients/42"}); got != nil {
		t.Errorf("a reply matched: %v", nums(got))
	}
	if got := m.Messages("", "API", &Span{Name: "GET /clients/42"}); got != nil {
		t.Errorf("no sender matched: %v", nums(got))
	}

	// Rules come first: when one matches, its messages are the
	// candidates; otherwise the texts decide.
	m, err := LoadMapping("map.yaml", []byte(`messages:
  "#6": {http: "GET /clients/:id"}
  "#4": {span: update client}
`), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		span Span
		want []int
	}{
		{"rule", Span{Name: "GET /clients/42"}, []int{6}},
		{"rule by name", Span{Name: "update_client"}, []int{4}},
		{"text when no rule matches", Span{Name: "PUT /clients/42"}, []int{4}},
		{"text still", Span{Name: "POST /oauth/check_token"}, []int{1}},
	} {
		if got := nums(m.Messages("Portal", "API", &tc.span)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Messages = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMappingAllocatesNothing: matching is on the hot path of every
// check.
func TestMappingAllocatesNothing(t *testing.T) {
	d := parseDiagram(t, repeatedDiagram+"Portal->>API: oteldemo.CartService/GetCart\n")
	m := DefaultMapping(d)
	spans := []Span{
		{Service: "portal", Name: "GET", Attrs: attrs("http.request.method", "GET", "url.full", "https://api/clients/42?x=1", "server.address", "api")},
		{Service: "api", Name: "GET /clients/{id}", Attrs: attrs("http.request.method", "GET", "http.route", "/clients/{id}", "url.path", "/clients/42")},
		{Service: "api", Name: "/oteldemo.CartService/GetCart", Attrs: attrs("rpc.system", "grpc", "rpc.service", "oteldemo.CartService", "rpc.method", "GetCart")},
		{Service: "Clients-API", Name: "no such message"},
	}
	for i := range spans {
		s := &spans[i]
		if n := testing.AllocsPerRun(100, func() {
			m.Participant(s)
			m.Message("Portal", "API", s)
		}); n != 0 {
			t.Errorf("span %q: %v allocations per Participant and Message", s.Name, n)
		}
	}
}

// oldNormName is normName as it was written first: the reference
// normEq and appendNorm must agree with.
func oldNormName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '\n', '\r', '-', '.', '_':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func FuzzNormEq(f *testing.F) {
	for _, s := range []string{"SaaS App", "saas-app", "İstanbul", "K\u212aelvin", "a\xffb", "GET /clients/{id}", ""} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		na := normName(a)
		if old := oldNormName(a); na != old {
			t.Fatalf("normName(%q) = %q, was %q", a, na, old)
		}
		if got, want := normEq(na, b), na == normName(b); got != want {
			t.Fatalf("normEq(%q, %q) = %v, want %v", na, b, got, want)
		}
		if i := len(b) / 2; !normEq(normName(b), b[:i], b[i:]) && utf8Split(b, i) {
			t.Fatalf("normEq of %q in two parts", b)
		}
	})
}

// utf8Split reports whether cutting s at i leaves whole runes.
func utf8Split(s string, i int) bool {
	return strings.ToValidUTF8(s[:i], "") == s[:i] && strings.ToValidUTF8(s[i:], "") == s[i:]
}

// FuzzTextMatch: a text always matches a span with that name, and
// matching never panics, whatever the text and the attributes.
func FuzzTextMatch(f *testing.F) {
	f.Add("GET /clients/{id}", "GET /clients/42", "https://h/clients/1?x", "oteldemo.Cart/Get")
	f.Add("/a.b/C", "grpc.a.b/C", "/", "grpc.")
	f.Add(":x", "{", "://", "/_/")
	f.Fuzz(func(t *testing.T, text, name, url, rpc string) {
		p := compilePattern(text)
		s := Span{Name: text}
		var v spanView
		v.read(&s)
		if p.norm != "" && !p.match(&v, srcName) {
			t.Fatalf("%q does not match a span named so", text)
		}
		s = Span{Name: name, Attrs: attrs("http.method", "GET", "url.full", url, "http.route", url, "rpc.service", rpc, "rpc.method", name)}
		v.read(&s)
		p.match(&v, srcAll)
	})
}
