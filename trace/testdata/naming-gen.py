# naming-gen.py writes the naming fixtures (see naming_test.go):
#
#   traces/otlp-grpc.json      the OpenTelemetry demo's checkout as its
#                              services' SDKs export it (grpc-checkout.mmd):
#                              OTLP/JSON NDJSON as the collector's file
#                              exporter writes it, one export batch (all
#                              services' resources) per trace.
#   traces/jaeger-kindless.json an OpenTracing-era portal (clients.mmd) from
#                              Jaeger's query API: no span.kind tags at all,
#                              old HTTP tags, URLs whose ids were anonymized
#                              to _uuid_.
#
# Run it from testdata/traces, then
# go test ./trace -run TestNamingFixtures -update.
import json

T0 = 1772445600000000  # microseconds, 2026-03-02T10:00:00Z
MS = 1000

# ---- OTLP: the OpenTelemetry demo's checkout, one SDK per service ----

RES = {
    # service: (sdk language, sdk version, scope)
    "frontend": ("java", "1.40.0"),
    "checkout": ("go", "1.28.0"),
    "cart": ("python", "1.25.0"),
    "currency": ("cpp", "1.16.1"),
    "payment": ("nodejs", "1.25.1"),
    "email": ("ruby", "1.4.0"),
}

def av(v):
    if isinstance(v, bool): return {"boolValue": v}
    if isinstance(v, int): return {"intValue": str(v)}
    return {"stringValue": v}

def attrs(d): return [{"key": k, "value": av(v)} for k, v in d.items()]

# Attribute sets as each instrumentation writes them.
def java_grpc_client(svc, meth, host, port, code=0):
    return "%s/%s" % (svc, meth), {"rpc.system": "grpc", "rpc.service": svc, "rpc.method": meth,
        "network.type": "ipv4", "server.address": host, "server.port": port, "rpc.grpc.status_code": code}
def java_http_server(method, route, path, code):
    return "%s %s" % (method, route), {"http.request.method": method, "http.route": route, "url.path": path,
        "url.scheme": "http", "server.address": "frontend", "server.port": 8080, "network.protocol.version": "1.1",
        "client.address": "10.0.0.7", "user_agent.original": "Mozilla/5.0", "http.response.status_code": code}
def go_grpc_server(svc, meth, code=0):
    return "%s/%s" % (svc, meth), {"rpc.system": "grpc", "rpc.service": svc, "rpc.method": meth,
        "net.sock.peer.addr": "10.0.0.5", "net.sock.peer.port": 41234, "rpc.grpc.status_code": code}
def go_grpc_client(svc, meth, host, port, code=0):
    return "%s/%s" % (svc, meth), {"rpc.system": "grpc", "rpc.service": svc, "rpc.method": meth,
        "net.peer.name": host, "net.peer.port": port, "rpc.grpc.status_code": code}
def go_http_client(method, url, code):
    return "HTTP %s" % method, {"http.method": method, "http.flavor": "1.1", "http.url": url,
        "net.peer.name": url.split("/")[2].split(":")[0], "http.status_code": code}
def py_grpc_server(svc, meth, code=0):
    return "/%s/%s" % (svc, meth), {"rpc.system": "grpc", "rpc.grpc.status_code": code, "rpc.method": meth,
        "rpc.service": svc, "net.peer.ip": "10.0.0.6", "net.peer.port": "53412", "rpc.user_agent": "grpc-go/1.64.0"}
def cpp_grpc_server(svc, meth):
    # The demo's currency service names its span after the method and sets
    # the RPC attributes itself.
    return meth, {"rpc.system": "grpc", "rpc.service": svc, "rpc.method": meth, "rpc.grpc.status_code": 0,
        "app.currency.conversion.from": "USD", "app.currency.conversion.to": "EUR"}
def js_grpc_server(svc, meth, code=0):
    return "grpc.%s/%s" % (svc, meth), {"rpc.system": "grpc", "rpc.method": meth, "rpc.service": svc,
        "rpc.grpc.status_code": code}
def ruby_http_server(method, route, code):
    return "%s %s" % (method, route), {"http.method": method, "http.scheme": "http", "http.host": "email:6060",
        "http.target": route, "http.route": route, "http.user_agent": "Go-http-client/1.1", "http.status_code": code}

SCOPE = {
    "frontend": "io.opentelemetry.grpc-1.6", "checkout": "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc",
    "cart": "opentelemetry.instrumentation.grpc", "currency": "currency", "payment": "@opentelemetry/instrumentation-grpc",
    "email": "OpenTelemetry::Instrumentation::Sinatra",
}
KIND = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5, None: 0}

CO = "oteldemo.CheckoutService"
CA = "oteldemo.CartService"
CU = "oteldemo.CurrencyService"
PA = "oteldemo.PaymentService"
HE = "grpc.health.v1.Health"

def otlp_trace(tid, fail):
    spans = []
    def S(sid, parent, svc, kind, named, s, e, err=None):
        name, a = named
        spans.append(dict(tr=tid, id=sid, parent=parent, svc=svc, kind=kind, name=name, attrs=a, s=s, e=e, err=err))
    p = tid[:2]
    code = 13 if fail else 0
    S(p + "00000000000001", None, "frontend", "server", java_http_server("POST", "/api/checkout", "/api/checkout", 500 if fail else 200), 0, 420, "checkout failed" if fail else None)
    S(p + "00000000000002", p + "00000000000001", "frontend", "client", java_grpc_client(CO, "PlaceOrder", "checkout", 5050, code), 5, 415, "INTERNAL" if fail else None)
    S(p + "00000000000003", p + "00000000000002", "checkout", "server", go_grpc_server(CO, "PlaceOrder", code), 8, 410, "payment failed" if fail else None)
    S(p + "00000000000004", p + "00000000000003", "checkout", "client", go_grpc_client(CA, "GetCart", "cart", 7070), 10, 40)
    S(p + "00000000000005", p + "00000000000004", "cart", "server", py_grpc_server(CA, "GetCart"), 12, 38)
    # A loop: one conversion per item in the cart.
    S(p + "00000000000006", p + "00000000000003", "checkout", "client", go_grpc_client(CU, "Convert", "currency", 7001), 45, 60)
    S(p + "00000000000007", p + "00000000000006", "currency", "server", cpp_grpc_server(CU, "Convert"), 47, 58)
    S(p + "00000000000008", p + "00000000000003", "checkout", "client", go_grpc_client(CU, "Convert", "currency", 7001), 62, 75)
    S(p + "00000000000009", p + "00000000000008", "currency", "server", cpp_grpc_server(CU, "Convert"), 64, 73)
    S(p + "0000000000000a", p + "00000000000003", "checkout", "client", go_grpc_client(PA, "Charge", "payment", 50051, code), 80, 200, "INTERNAL" if fail else None)
    S(p + "0000000000000b", p + "0000000000000a", "payment", "server", js_grpc_server(PA, "Charge", code), 85, 195, "card declined" if fail else None)
    if not fail:
        S(p + "0000000000000c", p + "00000000000003", "checkout", "client", go_http_client("POST", "http://email:6060/send_order_confirmation?lang=en", 200), 210, 300)
        S(p + "0000000000000d", p + "0000000000000c", "email", "server", ruby_http_server("POST", "/send_order_confirmation", 200), 215, 295)
        S(p + "0000000000000e", p + "00000000000003", "checkout", "client", go_grpc_client(CA, "EmptyCart", "cart", 7070), 305, 330)
        S(p + "0000000000000f", p + "0000000000000e", "cart", "server", py_grpc_server(CA, "EmptyCart"), 307, 328)
    else:
        # A health check the diagram does not draw.
        S(p + "0000000000000c", p + "00000000000003", "checkout", "client", go_grpc_client(HE, "Check", "cart", 7070), 205, 210)
        S(p + "0000000000000d", p + "0000000000000c", "cart", "server", py_grpc_server(HE, "Check"), 206, 209)
    return spans

lines = []
for tid, fail in (("a1000000000000000000000000000001", False), ("b2000000000000000000000000000002", True)):
    spans = otlp_trace(tid, fail)
    batch = []
    for svc in RES:
        ss = [s for s in spans if s["svc"] == svc]
        if not ss: continue
        lang, ver = RES[svc]
        out = []
        for s in ss:
            o = {"traceId": s["tr"], "spanId": s["id"], "parentSpanId": s["parent"] or "", "flags": 257,
                 "name": s["name"], "kind": KIND[s["kind"]],
                 "startTimeUnixNano": str((T0 + s["s"] * MS) * 1000), "endTimeUnixNano": str((T0 + s["e"] * MS) * 1000),
                 "attributes": attrs(s["attrs"]), "status": {}}
            if s["parent"] and s["kind"] == "server": o["flags"] = 769  # parent is remote
            if s["err"]: o["status"] = {"message": s["err"], "code": 2}
            out.append(o)
        batch.append({"resource": {"attributes": attrs({"service.name": svc, "service.namespace": "opentelemetry-demo",
            "telemetry.sdk.language": lang, "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.version": ver})},
            "scopeSpans": [{"scope": {"name": SCOPE[svc]}, "spans": out}],
            "schemaUrl": "https://opentelemetry.io/schemas/1.24.0"})
    lines.append({"resourceSpans": batch})
with open("otlp-grpc.json", "w") as f:
    for l in lines: f.write(json.dumps(l, separators=(",", ":")) + "\n")

# ---- Jaeger: an OpenTracing-era portal, no span.kind tags ----

PROC = {"portal": "p1", "auth": "p2", "clients-api": "p3"}
def tag(k, v):
    if isinstance(v, bool): return {"key": k, "type": "bool", "value": v}
    if isinstance(v, int): return {"key": k, "type": "int64", "value": v}
    return {"key": k, "type": "string", "value": v}

def jaeger_trace(tid):
    spans = []
    def S(sid, parent, svc, name, s, e, tags):
        spans.append({"traceID": tid, "spanID": sid, "flags": 1, "operationName": name,
            "references": [{"refType": "CHILD_OF", "traceID": tid, "spanID": parent}] if parent else [],
            "startTime": T0 + s * MS, "duration": (e - s) * MS,
            "tags": [tag(k, v) for k, v in tags.items()], "logs": [], "processID": PROC[svc], "warnings": None})
    def client(method, url, code):
        return {"component": "net/http", "http.method": method, "http.url": url, "http.status_code": code}
    def server(method, url, code):
        return {"component": "net/http", "http.method": method, "http.url": url, "http.status_code": code}
    p = tid[-4:]
    S(p + "000000000001", None, "portal", "load screen", 0, 300, {"sampler.type": "const", "sampler.param": True})
    # Two token checks (the diagram's loop).
    S(p + "000000000002", p + "000000000001", "portal", "HTTP POST", 5, 30, client("POST", "http://auth:9000/oauth/check_token?token=_hash_", 200))
    S(p + "000000000003", p + "000000000002", "auth", "HTTP POST /oauth/check_token", 7, 28, server("POST", "/oauth/check_token?token=_hash_", 200))
    S(p + "000000000004", p + "000000000001", "portal", "HTTP POST", 32, 55, client("POST", "http://auth:9000/oauth/check_token?token=_hash_", 200))
    S(p + "000000000005", p + "000000000004", "auth", "HTTP POST /oauth/check_token", 34, 53, server("POST", "/oauth/check_token?token=_hash_", 200))
    # The client, which the API authorises with the same endpoint.
    S(p + "000000000006", p + "000000000001", "portal", "HTTP GET", 60, 140, client("GET", "http://clients-api:8080/clients/_uuid_?fields=all", 200))
    S(p + "000000000007", p + "000000000006", "clients-api", "HTTP GET /clients/_uuid_", 62, 138, server("GET", "/clients/_uuid_?fields=all", 200))
    S(p + "000000000008", p + "000000000007", "clients-api", "HTTP POST", 65, 90, client("POST", "http://auth:9000/oauth/check_token", 200))
    S(p + "000000000009", p + "000000000008", "auth", "HTTP POST /oauth/check_token", 67, 88, server("POST", "/oauth/check_token", 200))
    S(p + "00000000000a", p + "000000000007", "clients-api", "SELECT clients", 95, 130, {"db.type": "sql", "db.statement": "SELECT * FROM clients WHERE id = ?"})
    # An update, then the client read again.
    S(p + "00000000000b", p + "000000000001", "portal", "HTTP PUT", 150, 210, client("PUT", "http://clients-api:8080/clients/_uuid_", 204))
    S(p + "00000000000c", p + "00000000000b", "clients-api", "HTTP PUT /clients/_uuid_", 152, 208, server("PUT", "/clients/_uuid_", 204))
    S(p + "00000000000d", p + "000000000001", "portal", "HTTP GET", 220, 290, client("GET", "http://clients-api:8080/clients/_uuid_?fields=all", 200))
    S(p + "00000000000e", p + "00000000000d", "clients-api", "HTTP GET /clients/_uuid_", 222, 288, server("GET", "/clients/_uuid_?fields=all", 200))
    return {"traceID": tid, "spans": spans, "processes": {
        PROC[svc]: {"serviceName": svc, "tags": [tag("jaeger.version", "Go-2.30.0"), tag("hostname", svc + "-7d9f"), tag("ip", ip)]}
        for svc, ip in (("portal", "10.1.0.2"), ("auth", "10.1.0.3"), ("clients-api", "10.1.0.4"))}, "warnings": None}

with open("jaeger-kindless.json", "w") as f:
    json.dump({"data": [jaeger_trace("5e1f00000000c001")], "total": 0, "limit": 0, "offset": 0, "errors": None}, f, indent=1)
    f.write("\n")
