# brave-gen.py writes traces/brave-{zipkin,otlp,jaeger}.json: the same four
# traces of checkout.mmd as Zipkin Brave reports them (Zipkin v2 JSON), and
# as OTLP JSON and Jaeger JSON (see brave_test.go).
# Run it from testdata/traces, then go test ./trace -run TestBrave -update.
#
# Brave's habits, kept in the Zipkin file: 64-bit trace ids; shared RPC
# spans (the server half reuses the client's id and parent, flagged
# shared); microsecond timestamps and durations, at least 1 µs (messaging
# producer and consumer spans are 1 µs, the consumer's work a local child);
# lower-cased names; remote endpoints with an ip and port; the error tag
# holding the message. The OTLP and Jaeger files hold the same times (ns =
# µs × 1000) with the server halves under their own ids, as OTel SDKs write
# them and Jaeger's query API returns them.
import json, collections
T0 = 1772445600000000  # microseconds, 2026-03-02T10:00:00Z
TR = {1: "b4a7e00000000001", 2: "b4a7e00000000002", 3: "b4a7e00000000003", 4: "b4a7e00000000004"}
IP = {"shopper": "10.0.0.1", "shop": "10.0.0.2", "payments": "10.0.0.3", "db": "10.0.0.4", "mailer": "10.0.0.5"}
PORT = {"shop": 8080, "payments": 8081, "db": 5432}
HTTP = {"place order": ("POST", "/orders"), "charge card": ("POST", "/charges"), "save payment": ("POST", "/payments")}

# span: (trace, id, parent, service, kind, name, start µs, end µs, error, http status)
# A server's parent is its client: in Zipkin it is written as a shared
# span (the client's id), elsewhere under its own id.
def S(tr, sid, parent, svc, kind, name, s, e, err=None, status=None):
    return dict(tr=TR[tr], id=sid, parent=parent, svc=svc, kind=kind, name=name, s=s, e=e, err=err, status=status)
spans = [
  # Trace 1: the clocks agree; microsecond rounding leaves the shop's and
  # the database's server spans ending 1 µs after their clients, and
  # payments' starting 1 µs before its client: all within the timestamp
  # resolution, so no skew. The receipt's producer and consumer spans
  # are Brave's 1 µs; the mailer's work is a local child of the consumer.
  S(1, "a100000000000001", None, "shopper", "client", "place order", 0, 20000),
  S(1, "a100000000000002", "a100000000000001", "shop", "server", "place order", 150, 20001),
  S(1, "a100000000000003", "a100000000000002", "shop", "client", "charge card", 1000, 9000),
  S(1, "a100000000000004", "a100000000000003", "payments", "server", "charge card", 999, 8500),
  S(1, "a100000000000005", "a100000000000004", "payments", "client", "save payment", 2000, 6000),
  S(1, "a100000000000006", "a100000000000005", "db", "server", "save payment", 2200, 6001),
  S(1, "a100000000000007", "a100000000000002", "shop", "producer", "send receipt", 9500, 9501),
  S(1, "a100000000000008", "a100000000000007", "mailer", "consumer", "send receipt", 9800, 9801),
  S(1, "a100000000000009", "a100000000000008", "mailer", "local", "render receipt", 9801, 12000),
  # Trace 2: payments' and the database's clocks run 3 ms behind the
  # shop's: payments' server span starts 2.7 ms before its client. It
  # moves 2.7 ms later with its subtree; the database call keeps its
  # 0.5 ms request and 1 ms reply.
  S(2, "a200000000000001", None, "shopper", "client", "place order", 0, 30000),
  S(2, "a200000000000002", "a200000000000001", "shop", "server", "place order", 100, 29900),
  S(2, "a200000000000003", "a200000000000002", "shop", "client", "charge card", 1000, 21000),
  S(2, "a200000000000004", "a200000000000003", "payments", "server", "charge card", 1300 - 3000, 20500 - 3000),
  S(2, "a200000000000005", "a200000000000004", "payments", "client", "save payment", 2000 - 3000, 15000 - 3000),
  S(2, "a200000000000006", "a200000000000005", "db", "server", "save payment", 2500 - 3000, 14000 - 3000),
  S(2, "a200000000000007", "a200000000000002", "shop", "producer", "send receipt", 21500, 21501),
  S(2, "a200000000000008", "a200000000000007", "mailer", "consumer", "send receipt", 21600, 21601),
  # Trace 3: payments' clock runs 4 ms ahead (the database's agrees with
  # the shop's): payments' server span ends 3.7 ms after its client and
  # moves 3.7 ms earlier with its subtree; then the database's server
  # span starts 3.9 ms before payments' client and moves 3.9 ms later.
  S(3, "a300000000000001", None, "shopper", "client", "place order", 0, 15000),
  S(3, "a300000000000002", "a300000000000001", "shop", "server", "place order", 100, 14950),
  S(3, "a300000000000003", "a300000000000002", "shop", "client", "charge card", 1000, 11000),
  S(3, "a300000000000004", "a300000000000003", "payments", "server", "charge card", 1200 + 4000, 10700 + 4000),
  S(3, "a300000000000005", "a300000000000004", "payments", "client", "save payment", 2000 + 4000, 9000 + 4000),
  S(3, "a300000000000006", "a300000000000005", "db", "server", "save payment", 2100, 8800),
  S(3, "a300000000000007", "a300000000000002", "shop", "producer", "send receipt", 11500, 11501),
  S(3, "a300000000000008", "a300000000000007", "mailer", "consumer", "send receipt", 11700, 11701),
  # Trace 4: the shop gives up on payments after 5 ms; payments' server
  # span, 8 ms long and on a clock 0.6 ms behind, starts before the
  # shop's client span: it is moved to start with it, no further.
  S(4, "a400000000000001", None, "shopper", "client", "place order", 0, 7000, err="504", status="504"),
  S(4, "a400000000000002", "a400000000000001", "shop", "server", "place order", 100, 6900, err="504", status="504"),
  S(4, "a400000000000003", "a400000000000002", "shop", "client", "charge card", 1000, 6000, err="Read timed out"),
  S(4, "a400000000000004", "a400000000000003", "payments", "server", "charge card", 400, 8400, status="200"),
  S(4, "a400000000000005", "a400000000000004", "payments", "client", "save payment", 500, 8000, status="200"),
  S(4, "a400000000000006", "a400000000000005", "db", "server", "save payment", 600, 7900, status="200"),
]
byid = {s["id"]: s for s in spans}
def us(t): return T0 + t
def tags(s):
    t = collections.OrderedDict()
    if s["name"] in HTTP:
        t["http.method"], t["http.path"] = HTTP[s["name"]]
    if s["status"]: t["http.status_code"] = s["status"]
    if s["kind"] in ("producer", "consumer"): t["kafka.topic"] = "receipts"
    return t
def remote(s):
    # A client's callee: the service of its server span.
    for c in spans:
        if c["parent"] == s["id"] and c["kind"] == "server":
            return c["svc"]
    if s["kind"] in ("producer", "consumer"): return "kafka"
    return None

# Zipkin v2, as Brave reports: a server half reuses its client's id and
# parent and says shared; its local children name that id as parent.
def zid(i):
    s = byid.get(i)
    return s["parent"] if s and s["kind"] == "server" else i
out = []
for s in spans:
    o = {"traceId": s["tr"]}
    parent = s["parent"]
    if s["kind"] == "server": parent = byid[s["parent"]]["parent"]
    if parent: o["parentId"] = zid(parent)
    o["id"] = zid(s["id"])
    if s["kind"] != "local": o["kind"] = s["kind"].upper()
    o.update(name=s["name"], timestamp=us(s["s"]), duration=max(s["e"] - s["s"], 1),
             localEndpoint={"serviceName": s["svc"], "ipv4": IP[s["svc"]]})
    r = remote(s)
    if r: o["remoteEndpoint"] = {"serviceName": r, "ipv4": IP.get(r, "10.0.0.9"), "port": PORT.get(r, 9092)}
    elif s["kind"] == "server": o["remoteEndpoint"] = {"ipv4": IP[byid[s["parent"]]["svc"]], "port": 50000 + len(out)}
    t = tags(s)
    if s["err"]: t["error"] = s["err"]
    if t: o["tags"] = t
    if s["kind"] == "server": o["shared"] = True
    out.append(o)
with open("brave-zipkin.json", "w") as f:
    json.dump(out, f, indent=1); f.write("\n")

# OTLP JSON: one resourceSpans per service, 128-bit trace ids (the 64-bit
# ones left-padded), nanoseconds.
KIND = {"local": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
by = collections.OrderedDict()
for s in spans: by.setdefault(s["svc"], []).append(s)
rs = []
for svc, ss in by.items():
    res = []
    for s in ss:
        o = {"traceId": s["tr"].rjust(32, "0"), "spanId": s["id"]}
        if s["parent"]: o["parentSpanId"] = s["parent"]
        o.update(name=s["name"], kind=KIND[s["kind"]], startTimeUnixNano=str(us(s["s"]) * 1000), endTimeUnixNano=str(us(s["e"]) * 1000))
        a = [{"key": k, "value": {"stringValue": v}} for k, v in tags(s).items()]
        r = remote(s)
        if r and s["kind"] not in ("producer", "consumer"): a.append({"key": "peer.service", "value": {"stringValue": r}})
        if a: o["attributes"] = a
        if s["err"]: o["status"] = {"code": 2, "message": s["err"]}
        res.append(o)
    rs.append({"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}},
                                           {"key": "host.ip", "value": {"stringValue": IP[svc]}}]},
               "scopeSpans": [{"scope": {"name": "brave"}, "spans": res}]})
with open("brave-otlp.json", "w") as f:
    json.dump({"resourceSpans": rs}, f, indent=1); f.write("\n")

# Jaeger JSON (the query API's envelope), microseconds, CHILD_OF references.
data = []
for tid in TR.values():
    ss = [s for s in spans if s["tr"] == tid]
    procs = collections.OrderedDict()
    for s in ss:
        if s["svc"] not in procs: procs[s["svc"]] = "p%d" % (len(procs) + 1)
    res = []
    for s in ss:
        refs = [{"refType": "CHILD_OF", "traceID": tid, "spanID": s["parent"]}] if s["parent"] else []
        t = [{"key": k, "type": "string", "value": v} for k, v in tags(s).items()]
        r = remote(s)
        if r and s["kind"] not in ("producer", "consumer"): t.append({"key": "peer.service", "type": "string", "value": r})
        if s["kind"] != "local": t.append({"key": "span.kind", "type": "string", "value": s["kind"]})
        if s["err"]:
            t.append({"key": "error", "type": "bool", "value": True})
            t.append({"key": "otel.status_description", "type": "string", "value": s["err"]})
        res.append({"traceID": tid, "spanID": s["id"], "operationName": s["name"], "references": refs,
                    "startTime": us(s["s"]), "duration": s["e"] - s["s"], "tags": t, "logs": [],
                    "processID": procs[s["svc"]], "warnings": None})
    data.append({"traceID": tid, "spans": res, "warnings": None,
                 "processes": {p: {"serviceName": svc, "tags": [{"key": "ip", "type": "string", "value": IP[svc]}]} for svc, p in procs.items()}})
with open("brave-jaeger.json", "w") as f:
    json.dump({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None}, f, indent=1); f.write("\n")
