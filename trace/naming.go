package trace

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// How a span's names are read (its name, its HTTP method with route or
// path, its RPC service and method) and how a message text, compiled
// once per mapping, is matched against them without building strings.
// The rules are stated in the package documentation ("Matching spans to
// messages").

// Sources of a span's names that a pattern is matched against.
const (
	srcName     = 1 << iota // the span name as text
	srcNameHTTP             // the span name read as "[METHOD] /path"
	srcNameRPC              // the span name read as an RPC name
	srcHTTP                 // HTTP method with http.route, url.path, http.target, url.full or http.url
	srcRPC                  // rpc.service and rpc.method; the URL path read as an RPC name
	srcAll      = srcName | srcNameHTTP | srcNameRPC | srcHTTP | srcRPC
)

// pattern is a message text (or a mapping file's value) compiled for
// matching.
type pattern struct {
	norm string // normName of the text; "" never matches
	rpc  string // normName of the text without a leading "/" or "grpc."
	// http is set when the text reads as "[METHOD] /path".
	http *httpPattern
}

// httpPattern is "[METHOD] /path": a method ("" for any) and the path's
// segments, each a literal (normalised) or a parameter.
type httpPattern struct {
	method string
	segs   []segment
}

type segment struct {
	lit   string // normName of the segment
	param bool
}

// compilePattern compiles a message text.
func compilePattern(text string) pattern {
	p := pattern{norm: normName(text), rpc: normName(trimRPC(strings.TrimSpace(text)))}
	if method, path, ok := splitHTTP(text); ok {
		h := &httpPattern{method: method}
		for seg := range strings.SplitSeq(path, "/") {
			if seg == "" {
				continue
			}
			if isParam(seg) {
				h.segs = append(h.segs, segment{param: true})
			} else {
				h.segs = append(h.segs, segment{lit: normName(seg)})
			}
		}
		p.http = h
	}
	return p
}

// spanView is what a span is called, read once per lookup. All strings
// are substrings of the span's name and attributes.
type spanView struct {
	name string
	// nameMethod and namePath: the name read as "[METHOD] /path" (the
	// method from the attributes when the name has none).
	nameMethod, namePath string
	nameHTTP             bool
	// method: http.request.method, else http.method. route: http.route.
	// path: url.path, else http.target, else the path of url.full or
	// http.url; query and fragment cut.
	method, route, path string
	// rpcSvc and rpcMeth: rpc.service and rpc.method. nameSvc and
	// nameMeth: the name read as an RPC name; pathSvc and pathMeth: the
	// path read as one (gRPC over HTTP/2, as proxies report it).
	rpcSvc, rpcMeth   string
	nameSvc, nameMeth string
	pathSvc, pathMeth string
}

func (v *spanView) read(s *Span) {
	*v = spanView{name: s.Name}
	var newMethod, oldMethod, urlPathAttr, target, full, oldURL string
	rpcSystem := false
	for i := range s.Attrs {
		a := &s.Attrs[i]
		switch a.Key {
		case "http.request.method":
			newMethod = a.Value
		case "http.method":
			oldMethod = a.Value
		case "http.route":
			v.route = urlPath(a.Value)
		case "url.path":
			urlPathAttr = a.Value
		case "http.target":
			target = a.Value
		case "url.full":
			full = a.Value
		case "http.url":
			oldURL = a.Value
		case "rpc.service":
			v.rpcSvc = a.Value
		case "rpc.method":
			v.rpcMeth = a.Value
		case "rpc.system":
			rpcSystem = true
		}
	}
	v.method = newMethod
	if v.method == "" {
		v.method = oldMethod
	}
	for _, u := range [...]string{urlPathAttr, target, full, oldURL} {
		if p := urlPath(u); p != "" {
			v.path = p
			break
		}
	}
	if m, p, ok := splitHTTP(s.Name); ok {
		if m == "" {
			m = v.method
		}
		v.nameMethod, v.namePath, v.nameHTTP = m, p, true
	}
	v.nameSvc, v.nameMeth, _ = splitRPC(s.Name, rpcSystem)
	if v.path != "" {
		v.pathSvc, v.pathMeth, _ = splitRPC(v.path, rpcSystem)
	}
}

// match reports whether the span seen as v, through the sources src,
// is what p names.
func (p *pattern) match(v *spanView, src int) bool {
	if p.norm == "" {
		return false
	}
	if src&srcName != 0 && normEq(p.norm, v.name) {
		return true
	}
	if src&srcNameHTTP != 0 && p.http != nil && v.nameHTTP && p.http.match(v.nameMethod, v.namePath) {
		return true
	}
	if src&srcNameRPC != 0 && v.nameMeth != "" && rpcMatch(p.rpc, v.nameSvc, v.nameMeth) {
		return true
	}
	if src&srcHTTP != 0 {
		for _, path := range [...]string{v.route, v.path} {
			if path == "" {
				continue
			}
			if p.http != nil {
				if p.http.match(v.method, path) {
					return true
				}
			} else if v.method != "" && normEq(p.norm, v.method, path) {
				// A text that is no path may still spell the method and
				// path ("Accept invite" for method accept, path invite).
				return true
			}
		}
	}
	if src&srcRPC != 0 {
		if v.rpcMeth != "" && rpcMatch(p.rpc, v.rpcSvc, v.rpcMeth) {
			return true
		}
		if v.pathMeth != "" && rpcMatch(p.rpc, v.pathSvc, v.pathMeth) {
			return true
		}
	}
	return false
}

// match reports whether a request with method (possibly "") and path
// fits h: the methods equal ignoring case (either missing matches any),
// as many non-empty segments, each pair equal as names or one of them a
// parameter.
func (h *httpPattern) match(method, path string) bool {
	if h.method != "" && method != "" && !strings.EqualFold(h.method, method) {
		return false
	}
	i := 0
	for rest := path; ; {
		for len(rest) > 0 && rest[0] == '/' {
			rest = rest[1:]
		}
		if rest == "" {
			break
		}
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			j = len(rest)
		}
		seg := rest[:j]
		rest = rest[j:]
		if i == len(h.segs) {
			return false
		}
		ps := h.segs[i]
		i++
		if !ps.param && !isParam(seg) && !normEq(ps.lit, seg) {
			return false
		}
	}
	return i == len(h.segs)
}

// isParam reports whether a path segment stands for any one segment: a
// template parameter ({id}, {id:int}, :id, <id>, <int:id>) or an
// anonymized value (_uuid_, _id_).
func isParam(seg string) bool {
	n := len(seg)
	switch {
	case n >= 2 && seg[0] == '{' && seg[n-1] == '}':
	case n >= 2 && seg[0] == ':':
	case n >= 3 && seg[0] == '<' && seg[n-1] == '>':
	case n >= 3 && seg[0] == '_' && seg[n-1] == '_':
	default:
		return false
	}
	return true
}

// httpMethods are the request methods a text or span name may start
// with, compared ignoring case.
var httpMethods = [...]string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT"}

// splitHTTP reads s as "[METHOD] /path" (the path may be a whole URL;
// OpenTracing-era names "HTTP GET /path" and "HTTP GET: /path" too): the
// method ("" when there is none) and the path without query and
// fragment.
func splitHTTP(s string) (method, path string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) > 5 && strings.EqualFold(s[:5], "HTTP ") {
		s = strings.TrimLeft(s[5:], " \t")
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		method, s = strings.TrimSuffix(s[:i], ":"), strings.TrimLeft(s[i+1:], " \t")
		known := false
		for _, m := range httpMethods {
			if strings.EqualFold(method, m) {
				known = true
				break
			}
		}
		if !known {
			return "", "", false
		}
	}
	path = urlPath(s)
	if path == "" || path[0] != '/' || strings.ContainsAny(path, " \t") {
		return "", "", false
	}
	return method, path, true
}

// urlPath returns the path of u, a path or a whole URL
// (scheme://host/path), without query and fragment: "/" for a URL with
// no path, "" for "".
func urlPath(u string) string {
	if i := strings.Index(u, "://"); i > 0 && !strings.ContainsAny(u[:i], "/?#") {
		u = u[i+3:]
		j := strings.IndexAny(u, "/?#")
		if j < 0 || u[j] != '/' {
			return "/"
		}
		u = u[j:]
	}
	if j := strings.IndexAny(u, "?#"); j >= 0 {
		u = u[:j]
	}
	return u
}

// trimRPC removes what some instrumentations put before an RPC name: a
// leading "/" (gRPC's full method, as Python names its spans) and
// "grpc." (grpc.pkg.Service/Method).
func trimRPC(s string) string {
	s = strings.TrimPrefix(s, "/")
	if len(s) > 5 && strings.EqualFold(s[:5], "grpc.") {
		s = s[5:]
	}
	return s
}

// splitRPC reads s as an RPC name: "pkg.Service/Method",
// "/pkg.Service/Method" or "grpc.pkg.Service/Method", the service a
// dotted identifier and the method an identifier. Unless sure (the span
// has rpc.system) or s has the "grpc." prefix, the service must have a
// package (a dot), so that a path such as /clients/abc is not read as
// one.
func splitRPC(s string, sure bool) (svc, meth string, ok bool) {
	t := strings.TrimPrefix(s, "/")
	prefixed := len(t) > 5 && strings.EqualFold(t[:5], "grpc.")
	if prefixed {
		t = t[5:]
	}
	svc, meth, found := strings.Cut(t, "/")
	if !found || !isIdent(meth) {
		return "", "", false
	}
	for rest := svc; ; {
		part, tail, more := strings.Cut(rest, ".")
		if !isIdent(part) {
			return "", "", false
		}
		if !more {
			break
		}
		rest = tail
	}
	if !sure && !prefixed && strings.IndexByte(svc, '.') < 0 {
		return "", "", false
	}
	return svc, meth, true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// rpcMatch reports whether want (a normalised text without a leading "/"
// or "grpc.") names the method meth of service svc ("pkg.Service",
// possibly ""): it equals the method, Service/Method or
// pkg.Service/Method; or, naming any method of the service, Service or
// Service without a final "Service" (Checkout for CheckoutService).
func rpcMatch(want, svc, meth string) bool {
	if normEq(want, meth) {
		return true
	}
	svc = trimRPC(svc)
	if svc == "" {
		return false
	}
	short := svc[strings.LastIndexByte(svc, '.')+1:]
	if normEq(want, svc, "/", meth) || normEq(want, short, "/", meth) || normEq(want, short) {
		return true
	}
	const suffix = "service"
	n := len(short) - len(suffix)
	return n > 0 && strings.EqualFold(short[n:], suffix) && normEq(want, short[:n])
}

// normName normalises a name for matching: lower case, without spaces,
// dashes, dots and underscores.
func normName(s string) string {
	return string(appendNorm(nil, s))
}

// appendNorm appends normName(s) to b.
func appendNorm(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if ignored(c) {
				continue
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return b
}

func ignored(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '.' || c == '_'
}

// normEq reports whether normName of the parts joined equals want (a
// normName result), without building the string.
func normEq(want string, parts ...string) bool {
	i := 0
	for _, s := range parts {
		for j := 0; j < len(s); {
			c := s[j]
			if c < utf8.RuneSelf {
				j++
				if ignored(c) {
					continue
				}
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				if i >= len(want) || want[i] != c {
					return false
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[j:])
			j += n
			var buf [utf8.UTFMax]byte
			enc := utf8.AppendRune(buf[:0], unicode.ToLower(r))
			if len(want)-i < len(enc) || want[i:i+len(enc)] != string(enc) {
				return false
			}
			i += len(enc)
		}
	}
	return i == len(want)
}
