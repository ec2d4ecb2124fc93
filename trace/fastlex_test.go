package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readPart reads every trace of a part reader and writes down what it
// gives: the traces, problems and warnings; bail tells whether it gave
// up reading in place.
func readPart(rd *Reader) (out string, bail bool) {
	var b strings.Builder
	for {
		t, err := rd.Next()
		if err != nil {
			if err.Error() != "EOF" {
				return "", true
			}
			break
		}
		fmt.Fprintf(&b, "trace %s malformed %d\n", t.ID, t.Malformed)
		for _, s := range t.Spans {
			fmt.Fprintf(&b, "  %+v\n", s)
		}
	}
	fmt.Fprintf(&b, "problems %+v\nwarnings %q\nspans %d malformed %d\n", rd.Problems(), rd.Warnings(), rd.spans, rd.malformed)
	return b.String(), false
}

// fastAgrees checks that a part read in place gives what jsontext gives,
// unless reading in place gives up; it returns whether it did.
func fastAgrees(t *testing.T, data []byte, f Format) (bailed bool) {
	t.Helper()
	fast, bail := readPart(newPartReaderIn(data, "x", f, 3))
	if bail {
		return true
	}
	want, _ := readPart(newPartReader(bytes.NewReader(data), "x", f, 3))
	if fast != want {
		t.Errorf("%v, read in place:\n%s\nwant (jsontext):\n%s", f, fast, want)
	}
	return false
}

// TestFastLexFixtures: every fixture's lines are read in place, and give
// what jsontext gives.
func TestFastLexFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/traces/*")
	for _, name := range files {
		if strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".pb") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := sniff(data)
		t.Run(filepath.Base(name), func(t *testing.T) {
			bailed := fastAgrees(t, data, f)
			valid := true
			for _, l := range bytes.Split(data, nlByte) {
				valid = valid && (len(bytes.TrimSpace(l)) == 0 || jsonValid(l))
			}
			if bailed && valid && !strings.Contains(name, "malformed") {
				t.Errorf("valid NDJSON not read in place")
			}
		})
	}
}

// TestFastLexEdges: JSON at the edges of the grammar, and what is not
// JSON, read in place or left to jsontext, the same either way.
func TestFastLexEdges(t *testing.T) {
	span := `{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"a1a1a1a1a1a1a1a1","name":%s,"startTimeUnixNano":"1772445600000000000","endTimeUnixNano":"1772445601000000000","attributes":[{"key":"http.route","value":%[2]s},{"key":"x.unkept","value":%[2]s},{"key":"x.unkept","type":"string","value":%[2]s}]}`
	line := func(name, value string) string {
		return `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"app"}}]},"scopeSpans":[{"spans":[` + fmt.Sprintf(span, name, value) + `]}]}]}`
	}
	for _, tc := range []struct {
		name, value string
		bail        bool
	}{
		{`"a"`, `{"stringValue":"/x"}`, false},
		{`"a\"b\\c\/d\u00e9\ud83d\ude00\n"`, `{"stringValue":"/x"}`, false},
		{`"é ☃ \u0000"`, `{"intValue":"-12"}`, false},
		{`"a"`, `{"doubleValue":-0.5e-3}`, false},
		{`"a"`, `{"doubleValue":1E+2}`, false},
		{`"a"`, `{"arrayValue":{"values":[{"intValue":0},{"boolValue":true},{"x":null},[],{}]}}`, false},
		{`"a"`, ` { "stringValue" : "/x" } `, false},
		{`"a"`, `{"doubleValue":01}`, true},
		{`"a"`, `{"doubleValue":1.}`, true},
		{`"a"`, `{"doubleValue":.5}`, true},
		{`"a"`, `{"doubleValue":-}`, true},
		{`"a"`, `{"doubleValue":1e}`, true},
		{`"a"`, `{"boolValue":tru}`, true},
		{`"a"`, `{"boolValue":truex}`, true},
		{`"a\x"`, `{"stringValue":"/x"}`, true},
		{`"a\u12"`, `{"stringValue":"/x"}`, true},
		{"\"a\tb\"", `{"stringValue":"/x"}`, true},
		{`"a"`, `{"stringValue":"/x",}`, true},
		{`"a"`, `{"stringValue" "/x"}`, true},
		{`"a"`, `{"stringValue":"/x"]`, true},
		{`"a"`, `{,"stringValue":"/x"}`, true},
		{`"a"`, `{"stringValue":"/x"}}`, true},
		{`"a"`, `[1,]`, true},
		{`"a"`, `[1 2]`, true},
		{`"a"`, `{"stringValue":"/x"} x`, true},
	} {
		data := line(tc.name, tc.value)
		for _, in := range []string{data, data + "\n" + data + "\n", data + data, "\n  " + data + "\r\n\n"} {
			bailed := fastAgrees(t, []byte(in), OTLPJSON)
			if bailed != tc.bail && in != data+data {
				t.Errorf("%s %s: gave up %v, want %v", tc.name, tc.value, bailed, tc.bail)
			}
		}
	}
	// a value that goes on past its line: jsontext's line mode
	if !fastAgrees(t, []byte("{\"resourceSpans\":\n[]}\n"), OTLPJSON) {
		t.Errorf("a value over two lines read in place")
	}
}

// FuzzFastLex: whatever the bytes, a part read in place gives what
// jsontext gives, or gives up.
func FuzzFastLex(f *testing.F) {
	files, _ := filepath.Glob("testdata/traces/*.json*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && !strings.HasSuffix(name, ".gz") {
			f.Add(b[:min(len(b), 4096)], uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		fastAgrees(t, data, [...]Format{OTLPJSON, JaegerJSON, ZipkinJSON}[k%3])
	})
}

func jsonValid(b []byte) bool { return json.Valid(b) }

// TestKVAt: an attribute kvAt matches is valid JSON, and ends where it
// says; mutations of valid ones are matched only while still valid.
func TestKVAt(t *testing.T) {
	values := []string{`{"stringValue":"GET"}`, `{"intValue":"12"}`, `{"doubleValue":-1.5e3}`, `"x"`, `7`, `true`, `null`,
		`{"arrayValue":{"values":[{"intValue":1},{"kvlistValue":{"values":[{"key":"a","value":{"boolValue":false}}]}}]}}`,
		`[ 1 , [ ] , { } , {"a" : "b\"\\\u00e9"} ]`}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, v := range values {
		for _, typed := range []bool{false, true} {
			mid := ""
			if typed {
				mid = `"type":"string",`
			}
			attr := `{"key":"x.k",` + mid + `"value":` + v + `}`
			for n := range 3000 {
				b := []byte(attr)
				if n > 0 { // mutate a byte, or cut
					switch rng.IntN(3) {
					case 0:
						const set = "{}[],:\"\\ \n0-.eEtfnulx"
						b[rng.IntN(len(b))] = set[rng.IntN(len(set))]
					case 1:
						b = b[:rng.IntN(len(b))]
					case 2:
						k := rng.IntN(len(b))
						b = append(b[:k:k], b[k+1:]...)
					}
				}
				for _, lines := range []bool{false, true} {
					f := newFastLex(append(bytes.Clone(b), " ]"...), lines)
					f.stack, f.st = []byte{'['}, lxFirst // inside an array
					key, end, ok := f.kvAt(typed)
					if !ok {
						if n == 0 && !lines {
							t.Errorf("%s: not matched", b)
						}
						continue
					}
					if !json.Valid(b[:end]) || end != len(b) || n == 0 && string(key) != "x.k" {
						t.Errorf("%s: matched %q up to %d, key %q", b, b[:min(end, len(b))], end, key)
					}
					if lines && bytes.IndexByte(b, '\n') >= 0 {
						t.Errorf("%s: matched over a line end in line mode", b)
					}
				}
			}
		}
	}
}

// TestMemberAt: a tag memberAt matches is valid JSON and ends where the
// value does.
func TestMemberAt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		end  int // 0: not matched
		lmod bool
	}{
		{`{"a.b":"c","d":1}`, 10, false},
		{`{"a.b":{"x":[1,2,{}]} ,"d":1}`, 21, false},
		{`{"a.b" :"c"}`, 0, false},
		{`{"a\"b":"c"}`, 0, false},
		{`{"a.b":"c`, 0, false},
		{`{"a.b":[1,` + "\n" + `2]}`, 0, true},
		{`{"a.b":[1,` + "\n" + `2]}`, 13, false},
		{`{"a.b":tru}`, 0, false},
		{`{"a.b":01}`, 8, false}, // the "1" after is the next peek's bail
	} {
		f := newFastLex([]byte(tc.in), tc.lmod)
		if err := f.readToken(); err != nil {
			t.Fatal(err)
		}
		_, end, ok := f.memberAt()
		if !ok {
			end = 0
		}
		if end != tc.end {
			t.Errorf("%s: end %d, want %d", tc.in, end, tc.end)
		}
	}
}

// Zipkin tags read in place, runs of unwanted ones skipped at once
// (skipUnwanted), give what jsontext gives: wanted tags among them,
// first or last, names with escapes, values that are not strings,
// blanks, broken values.
func TestZipkinTagsInPlace(t *testing.T) {
	span := `{"traceId":"5b8efff798038103d269b633813fc60c","id":"a1a1a1a1a1a1a1a1","kind":"CLIENT","name":"get","timestamp":1772445600000000,"duration":1000,"localEndpoint":{"serviceName":"app"},"tags":%s}`
	for _, tc := range []struct {
		tags string
		bail bool
	}{
		{`{}`, false},
		{`{"a":"1"}`, false},
		{`{"a":"1","b":"2","c":"3"}`, false},
		{`{"a":"1","peer.service":"db","b":"2"}`, false},
		{`{"peer.service":"db","a":"1","b":"2"}`, false},
		{`{"a":"1","b":"2","peer.service":"db"}`, false},
		{`{"a":"1","error":"boom","http.response.status_code":"503","b":"2"}`, false},
		{`{"a":"1","b\u0041":"2","c":"3"}`, false},
		{`{"a":"1","b":2,"c":"3","d":true,"e":null}`, false},
		{`{"a":"1", "b":"2" ,"c" : "3"}`, false},
		{`{"a":"1","b":"x\"y\\z\u00e9","c":"3"}`, false},
		{`{"a":"1","b":{"x":"y"},"c":["3"]}`, false},
		{`{"a":"1","a":"2","peer.service":"x","peer.service":"y"}`, false},
		{`{"a":"1","b":"2",}`, true},
		{`{"a":"1","b":"2"`, true},
		{`{"a":"1","b":"2\x"}`, true},
		{`{"a":"1","b":"2""c":"3"}`, true},
		{`{"a":"1",,"c":"3"}`, true},
	} {
		data := []byte(fmt.Sprintf(span, tc.tags) + "\n")
		if bailed := fastAgrees(t, data, ZipkinJSON); bailed != tc.bail {
			t.Errorf("tags %s: read in place %v, want %v", tc.tags, !bailed, !tc.bail)
		}
	}
}

// OTLP attributes and Jaeger tags read in place, runs of unwanted ones
// skipped at once, give what jsontext gives.
func TestAttributeRunsInPlace(t *testing.T) {
	otlp := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"app"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"a1a1a1a1a1a1a1a1","name":"get","kind":3,"startTimeUnixNano":"1772445600000000000","endTimeUnixNano":"1772445601000000000","attributes":[%s]}]}]}]}`
	jaeger := `{"traceID":"5b8efff798038103d269b633813fc60c","spans":[{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"a1a1a1a1a1a1a1a1","operationName":"get","references":[],"startTime":1772445600000000,"duration":900000,"tags":[%s],"logs":[],"processID":"p1","warnings":null}],"processes":{"p1":{"serviceName":"app","tags":[%[1]s]}}}`
	kv := func(typed bool, k, v string) string {
		if typed {
			return `{"key":"` + k + `","type":"string","value":` + v + `}`
		}
		return `{"key":"` + k + `","value":{"stringValue":` + v + `}}`
	}
	for _, typed := range []bool{false, true} {
		a, b, c := kv(typed, "a", `"1"`), kv(typed, "b", `"2"`), kv(typed, "c", `"3"`)
		peer, status := kv(typed, "peer.service", `"db"`), kv(typed, "http.response.status_code", `"503"`)
		for _, tc := range []struct {
			attrs string
			bail  bool
		}{
			{``, false},
			{a, false},
			{a + "," + b + "," + c, false},
			{a + "," + peer + "," + b, false},
			{peer + "," + a + "," + b + "," + status, false},
			{a + "," + b + "," + peer + "," + c + "," + status, false},
			{a + ", " + b + " ," + c, false},
			{a + "," + `{"value":{"stringValue":"x"},"key":"d"}` + "," + b, false},
			{a + "," + kv(typed, `b\u0041`, `"2"`) + "," + c, false},
			{a + "," + b + ",", true},
			{a + ",," + b, true},
			{a + "," + kv(typed, "b", `"2\x"`) + "," + c, true},
		} {
			format, line := OTLPJSON, fmt.Sprintf(otlp, tc.attrs)
			if typed {
				format, line = JaegerJSON, fmt.Sprintf(jaeger, tc.attrs)
			}
			if bailed := fastAgrees(t, []byte(line+"\n"), format); bailed != tc.bail {
				t.Errorf("%v attributes %s: read in place %v, want %v", format, tc.attrs, !bailed, !tc.bail)
			}
		}
	}
}

// inPlaceAgrees checks that data reads as jsontext reads it, and that
// the one-pass span reader read a span of it (or none, as inPlace says).
func inPlaceAgrees(t *testing.T, name string, data []byte, f Format, inPlace bool) {
	t.Helper()
	fastAgrees(t, data, f)
	rd := newPartReaderIn(data, "x", f, 0)
	readPart(rd)
	if got := rd.dec.(*jsonDecoder).inPlace > 0; got != inPlace {
		t.Errorf("%s: read in one pass %v, want %v", name, got, inPlace)
	}
}

// A Zipkin span written as Zipkin writes it is read in one pass
// (zipkinSpanInPlace); any other is read token by token; both give
// what jsontext gives.
func TestZipkinSpanInPlace(t *testing.T) {
	const canonical = `{"traceId":"5b8efff798038103d269b633813fc60c","parentId":"b1b1b1b1b1b1b1b1","id":"a1a1a1a1a1a1a1a1","kind":"CLIENT","name":"get cart","timestamp":1772445600000000,"duration":1000,"localEndpoint":{"serviceName":"app","ipv4":"10.0.0.1","port":8080},"remoteEndpoint":{"serviceName":"db"},"tags":{"a":"1","peer.service":"db","http.response.status_code":"503","error":"boom","b":"x\"y\u00e9"},"shared":false,"debug":true}`
	for _, tc := range []struct {
		name    string
		span    string
		inPlace bool
	}{
		{"canonical", canonical, true},
		{"few members", `{"traceId":"5b8efff798038103d269b633813fc60c","id":"a1","timestamp":1,"duration":0}`, true},
		{"empty", `{}`, true},
		{"no duration", `{"traceId":"5b","id":"a1","timestamp":12}`, true},
		{"empty endpoint and tags", `{"traceId":"5b","id":"a1","timestamp":12,"duration":3,"localEndpoint":{},"tags":{}}`, true},
		{"shared server", `{"traceId":"5b","id":"a1","kind":"SERVER","shared":true,"timestamp":12,"duration":3}`, true},
		{"id too long", `{"traceId":"5b8efff798038103d269b633813fc60c00","id":"a1","timestamp":1,"duration":1}`, false},
		{"blank", `{"traceId":"5b", "id":"a1","timestamp":1,"duration":1}`, false},
		{"snake case", `{"trace_id":"5b","id":"a1","timestamp":1,"duration":1}`, false},
		{"twice", `{"traceId":"5b","id":"a1","id":"a2","timestamp":1,"duration":1}`, false},
		{"escaped name", `{"traceId":"5b","id":"a1","name":"a\"b","timestamp":1,"duration":1}`, false},
		{"non-ASCII name", `{"traceId":"5b","id":"a1","name":"café","timestamp":1,"duration":1}`, false},
		{"string timestamp", `{"traceId":"5b","id":"a1","timestamp":"1","duration":1}`, false},
		{"float duration", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1.5}`, false},
		{"negative duration", `{"traceId":"5b","id":"a1","timestamp":1,"duration":-1}`, false},
		{"timestamp out of range", `{"traceId":"5b","id":"a1","timestamp":999999999999999999,"duration":1}`, false},
		{"leading zero", `{"traceId":"5b","id":"a1","timestamp":01,"duration":1}`, false},
		{"unknown kind", `{"traceId":"5b","id":"a1","kind":"LOCAL","timestamp":1,"duration":1}`, false},
		{"annotations", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1,"annotations":[{"timestamp":1,"value":"x"}]}`, false},
		{"tag number", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1,"tags":{"a":1}}`, false},
		{"other member", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1,"x":1}`, false},
		{"endpoint member", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1,"localEndpoint":{"serviceName":"a","x":1}}`, false},
		{"broken", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1,}`, false},
		{"cut", `{"traceId":"5b","id":"a1","timestamp":1,"duration":1`, false},
	} {
		for _, wrap := range []string{"[%s]\n", "[%[1]s,%[1]s]\n"} {
			data := []byte(fmt.Sprintf(wrap, tc.span))
			inPlaceAgrees(t, tc.name, data, ZipkinJSON, tc.inPlace)
		}
	}
}

// An OTLP span written as the SDKs write it is read in one pass
// (otlpSpanInPlace); any other token by token; both give what jsontext
// gives.
func TestOTLPSpanInPlace(t *testing.T) {
	const canonical = `{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"a1a1a1a1a1a1a1a1","parentSpanId":"b1b1b1b1b1b1b1b1","traceState":"x=1","name":"GET /cart","kind":3,"startTimeUnixNano":"1772445600000000000","endTimeUnixNano":"1772445601000000000","flags":256,"attributes":[{"key":"a","value":{"stringValue":"1"}},{"key":"peer.service","value":{"stringValue":"db"}},{"key":"b","value":{"doubleValue":1.5}},{"key":"http.response.status_code","value":{"intValue":"503"}},{"key":"c","value":{"arrayValue":{"values":[]}}}],"droppedAttributesCount":0,"events":[],"links":[],"status":{"code":2,"message":"boom"}}`
	line := func(span string) []byte {
		return []byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"app"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[` + span + `]}]}]}` + "\n")
	}
	for _, tc := range []struct {
		name    string
		span    string
		inPlace bool
	}{
		{"canonical", canonical, true},
		{"two", canonical + "," + canonical, true},
		{"few members", `{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2"}`, true},
		{"empty", `{}`, true},
		{"kind by name, status by name", `{"traceId":"5b","spanId":"a1","kind":"SPAN_KIND_SERVER","startTimeUnixNano":1,"endTimeUnixNano":2,"status":{"code":"STATUS_CODE_ERROR"}}`, true},
		{"empty status and attributes", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[],"status":{}}`, true},
		{"unknown kind", `{"traceId":"5b","spanId":"a1","kind":9,"startTimeUnixNano":"1","endTimeUnixNano":"2"}`, false},
		{"negative kind", `{"traceId":"5b","spanId":"a1","kind":-1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}`, false},
		{"time too large", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"99999999999999999999","endTimeUnixNano":"2"}`, false},
		{"empty time", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"","endTimeUnixNano":"2"}`, false},
		{"events", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","events":[{"name":"e","timeUnixNano":"1"}]}`, false},
		{"wanted double", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"http.response.status_code","value":{"doubleValue":503}}]}`, false},
		{"wanted bare", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"peer.service","value":"db"}]}`, false},
		{"wanted twice", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"peer.service","value":{"stringValue":"db"}},{"key":"peer.service","value":{"stringValue":"x"}}]}`, true},
		{"attribute other order", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"value":{"stringValue":"db"},"key":"peer.service"}]}`, false},
		{"status other member", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2","status":{"code":1,"x":1}}`, false},
		{"snake case", `{"trace_id":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2"}`, false},
		{"blank", `{"traceId":"5b", "spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2"}`, false},
		{"broken", `{"traceId":"5b","spanId":"a1","startTimeUnixNano":"1","endTimeUnixNano":"2",}`, false},
	} {
		data := line(tc.span)
		inPlaceAgrees(t, tc.name, data, OTLPJSON, tc.inPlace)
	}
}

// A Jaeger span written as Jaeger writes it is read in one pass
// (jaegerSpanInPlace); any other token by token; both give what
// jsontext gives.
func TestJaegerSpanInPlace(t *testing.T) {
	const canonical = `{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"a1a1a1a1a1a1a1a1","flags":1,"operationName":"GET /cart","references":[{"refType":"CHILD_OF","traceID":"5b8efff798038103d269b633813fc60c","spanID":"b1b1b1b1b1b1b1b1"},{"refType":"FOLLOWS_FROM","traceID":"6b8efff798038103d269b633813fc60c","spanID":"c1c1c1c1c1c1c1c1"}],"startTime":1772445600000000,"duration":1000,"tags":[{"key":"a","type":"string","value":"1"},{"key":"span.kind","type":"string","value":"client"},{"key":"peer.service","type":"string","value":"db"},{"key":"http.response.status_code","type":"int64","value":503},{"key":"error","type":"bool","value":"true"},{"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"otel.status_description","type":"string","value":"boom"},{"key":"b","type":"float64","value":1.5}],"logs":[],"processID":"p1","warnings":null}`
	line := func(spans string) []byte {
		return []byte(`{"traceID":"5b8efff798038103d269b633813fc60c","spans":[` + spans + `],"processes":{"p1":{"serviceName":"app","tags":[]}}}` + "\n")
	}
	for _, tc := range []struct {
		name    string
		span    string
		inPlace bool
	}{
		{"canonical", canonical, true},
		{"two", canonical + "," + strings.Replace(canonical, "a1a1a1a1a1a1a1a1", "d1d1d1d1d1d1d1d1", 1), true},
		{"few members", `{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"a1","startTime":1,"duration":2,"processID":"p1"}`, true},
		{"empty", `{}`, true},
		{"error tag", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","tags":[{"key":"error","type":"bool","value":"true"}]}`, true},
		{"otel status", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","tags":[{"key":"otel.status_code","type":"string","value":"OK"},{"key":"otel.status_description","type":"string","value":"fine"}]}`, true},
		{"follows from", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","references":[{"refType":"FOLLOWS_FROM","traceID":"5b","spanID":"b1"}]}`, true},
		{"empty lists", `{"traceID":"5b","spanID":"a1","references":[],"tags":[],"logs":[],"startTime":1,"duration":2,"processID":"p1","warnings":[]}`, true},
		{"logs", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","logs":[{"timestamp":1,"fields":[]}]}`, false},
		{"embedded process", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"process":{"serviceName":"app"}}`, false},
		{"reference other order", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","references":[{"traceID":"5b","spanID":"b1","refType":"CHILD_OF"}]}`, false},
		{"wanted bool", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","tags":[{"key":"error","type":"bool","value":true}]}`, false},
		{"tag without type", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1","tags":[{"key":"peer.service","value":"db"}]}`, false},
		{"duration too large", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":99999999999999999,"processID":"p1"}`, false},
		{"camel spanId", `{"traceID":"5b","spanId":"a1","startTime":1,"duration":2,"processID":"p1"}`, false},
		{"blank", `{"traceID":"5b", "spanID":"a1","startTime":1,"duration":2,"processID":"p1"}`, false},
		{"broken", `{"traceID":"5b","spanID":"a1","startTime":1,"duration":2,"processID":"p1",}`, false},
	} {
		data := line(tc.span)
		inPlaceAgrees(t, tc.name, data, JaegerJSON, tc.inPlace)
	}
}

// The one-pass span readers against jsontext on thousands of mutations
// of spans they read (a byte changed, or the span cut): whatever they
// read or leave, the result is jsontext's.
func TestSpanInPlaceMutations(t *testing.T) {
	lines := map[Format]string{
		ZipkinJSON: `[{"traceId":"5b8efff798038103d269b633813fc60c","parentId":"b1b1b1b1b1b1b1b1","id":"a1a1a1a1a1a1a1a1","kind":"CLIENT","name":"get","timestamp":1772445600000000,"duration":1000,"localEndpoint":{"serviceName":"app","port":80},"tags":{"a":"1","peer.service":"db","error":"x"},"shared":true}]`,
		OTLPJSON: `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"app"}}]},"scopeSpans":[{"spans":[` +
			`{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"a1a1a1a1a1a1a1a1","name":"get","kind":3,"startTimeUnixNano":"1772445600000000000","endTimeUnixNano":"1772445601000000000","attributes":[{"key":"a","value":{"intValue":"1"}},{"key":"peer.service","value":{"stringValue":"db"}}],"status":{"code":2}}]}]}]}`,
		JaegerJSON: `{"traceID":"5b8efff798038103d269b633813fc60c","spans":[` +
			`{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"a1a1a1a1a1a1a1a1","operationName":"get","references":[{"refType":"CHILD_OF","traceID":"5b8efff798038103d269b633813fc60c","spanID":"b1b1b1b1b1b1b1b1"}],"startTime":1772445600000000,"duration":1000,"tags":[{"key":"a","type":"string","value":"1"},{"key":"span.kind","type":"string","value":"client"},{"key":"peer.service","type":"string","value":"db"}],"logs":[],"processID":"p1","warnings":null}` +
			`],"processes":{"p1":{"serviceName":"app","tags":[]}}}`,
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte(`{}[]",:0123456789abc -\`)
	for f, line := range lines {
		for n := range 3000 {
			b := []byte(line)
			if n > 0 {
				i := rng.IntN(len(b))
				if n%10 == 0 {
					b = b[:i]
				} else {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
			fastAgrees(t, append(b, '\n'), f)
			if t.Failed() {
				t.Fatalf("%v: mutation %d: %s", f, n, b)
			}
		}
	}
}
