# checkout-gen.py writes traces/checkout-{otlp,jaeger,zipkin}.json: the same
# three traces of checkout.mmd in three formats (see golden_test.go).
# Run it from testdata/traces, then go test ./trace -run TestCheckGolden -update.
import json, collections
T0 = 1772445600000000  # microseconds, 2026-03-02T10:00:00Z
MS = 1000
# span: (trace, id, parent, service, kind, name, start_ms, end_ms, attrs, error, link, shared_with)
# kind: server/client/producer/consumer
TR = {1: "c0ffee00000000000000000000000001", 2: "c0ffee00000000000000000000000002", 3: "c0ffee00000000000000000000000003"}
def S(tr, sid, parent, svc, kind, name, s, e, attrs=None, err=None, link=None):
    return dict(tr=TR[tr], id=sid, parent=parent, svc=svc, kind=kind, name=name, s=s, e=e, attrs=attrs or {}, err=err, link=link)
spans = [
  # Trace 1: happy path. Clock skew: payments' clock runs 15ms behind, so
  # its server span starts before the shop's client span. The callee of
  # "Save payment" (the database) is uninstrumented: only the client span
  # with peer.service and server.address. The receipt is async: the
  # mailer's consumer span has no parent and links to the shop's producer.
  S(1, "1000000000000001", None, "shopper", "client", "Place order", 0, 500, {"peer.service": "shop"}),
  S(1, "1000000000000002", "1000000000000001", "shop", "server", "Place order", 10, 490),
  S(1, "1000000000000003", "1000000000000002", "shop", "client", "Charge card", 100, 300, {"peer.service": "payments"}),
  S(1, "1000000000000004", "1000000000000003", "payments", "server", "Charge card", 90, 270),
  S(1, "1000000000000005", "1000000000000004", "payments", "client", "Save payment", 120, 200, {"peer.service": "db", "server.address": "db", "db.system": "postgresql"}),
  S(1, "1000000000000006", "1000000000000002", "shop", "producer", "Send receipt", 310, 320, {"messaging.destination.name": "receipts"}),
  S(1, "1000000000000007", None, "mailer", "consumer", "Send receipt", 330, 420, {"messaging.destination.name": "receipts"}, link="1000000000000006"),
  # Trace 2: error cascade: the database call fails, then payments, then
  # the shop's reply to the shopper.
  S(2, "2000000000000001", None, "shopper", "client", "Place order", 0, 260, {"peer.service": "shop"}, err="HTTP 500"),
  S(2, "2000000000000002", "2000000000000001", "shop", "server", "Place order", 5, 255, err="payment failed"),
  S(2, "2000000000000003", "2000000000000002", "shop", "client", "Charge card", 20, 240, {"peer.service": "payments"}, err="HTTP 502"),
  S(2, "2000000000000004", "2000000000000003", "payments", "server", "Charge card", 30, 230, err="database unavailable"),
  S(2, "2000000000000005", "2000000000000004", "payments", "client", "Save payment", 40, 220, {"peer.service": "db", "server.address": "db", "db.system": "postgresql", "error.type": "ConnectionRefused"}, err="connection refused"),
  # Trace 3: an orphan: the shop's "Charge card" client span was lost, so
  # payments' server span names a parent the trace does not hold.
  S(3, "3000000000000001", None, "shopper", "client", "Place order", 0, 400, {"peer.service": "shop"}),
  S(3, "3000000000000002", "3000000000000001", "shop", "server", "Place order", 10, 390),
  S(3, "3000000000000004", "30000000000000ff", "payments", "server", "Charge card", 110, 250),
  S(3, "3000000000000005", "3000000000000004", "payments", "client", "Save payment", 130, 220, {"peer.service": "db", "server.address": "db", "db.system": "postgresql"}),
  S(3, "3000000000000006", "3000000000000002", "shop", "producer", "Send receipt", 300, 310, {"messaging.destination.name": "receipts"}),
  S(3, "3000000000000007", None, "mailer", "consumer", "Send receipt", 320, 380, {"messaging.destination.name": "receipts"}, link="3000000000000006"),
]
KIND = {"server": 2, "client": 3, "producer": 4, "consumer": 5}
def us(ms): return T0 + ms * MS

# OTLP JSON: one resourceSpans per service, spans in order.
by = collections.OrderedDict()
for s in spans: by.setdefault(s["svc"], []).append(s)
rs = []
for svc, ss in by.items():
    out = []
    for s in ss:
        o = {"traceId": s["tr"], "spanId": s["id"]}
        if s["parent"]: o["parentSpanId"] = s["parent"]
        o.update(name=s["name"], kind=KIND[s["kind"]], startTimeUnixNano=str(us(s["s"]) * 1000), endTimeUnixNano=str(us(s["e"]) * 1000))
        if s["attrs"]: o["attributes"] = [{"key": k, "value": {"stringValue": v}} for k, v in s["attrs"].items()]
        if s["link"]: o["links"] = [{"traceId": s["tr"], "spanId": s["link"]}]
        if s["err"]: o["status"] = {"code": 2, "message": s["err"]}
        out.append(o)
    rs.append({"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
               "scopeSpans": [{"scope": {"name": "checkout"}, "spans": out}]})
json.dump({"resourceSpans": rs}, open("checkout-otlp.json", "w"), indent=1); open("checkout-otlp.json", "a").write("\n")

# Jaeger JSON (the query API's envelope): the link is a FOLLOWS_FROM reference.
data = []
for tid in TR.values():
    ss = [s for s in spans if s["tr"] == tid]
    procs = collections.OrderedDict()
    for s in ss:
        if s["svc"] not in procs: procs[s["svc"]] = "p%d" % (len(procs) + 1)
    out = []
    for s in ss:
        refs = []
        if s["parent"]: refs.append({"refType": "CHILD_OF", "traceID": tid, "spanID": s["parent"]})
        if s["link"]: refs.append({"refType": "FOLLOWS_FROM", "traceID": tid, "spanID": s["link"]})
        tags = [{"key": k, "type": "string", "value": v} for k, v in s["attrs"].items()]
        tags.append({"key": "span.kind", "type": "string", "value": s["kind"]})
        if s["err"]:
            tags.append({"key": "error", "type": "bool", "value": True})
            tags.append({"key": "otel.status_description", "type": "string", "value": s["err"]})
        out.append({"traceID": tid, "spanID": s["id"], "operationName": s["name"], "references": refs,
                    "startTime": us(s["s"]), "duration": (s["e"] - s["s"]) * MS, "tags": tags, "logs": [],
                    "processID": procs[s["svc"]], "warnings": None})
    data.append({"traceID": tid, "spans": out, "processes": {p: {"serviceName": svc, "tags": []} for svc, p in procs.items()}, "warnings": None})
json.dump({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None}, open("checkout-jaeger.json", "w"), indent=1); open("checkout-jaeger.json", "a").write("\n")

# Zipkin v2 JSON: no links, so the consumer is the producer's child; the
# shop's "Charge card" in trace 1 is a shared span (B3 single id): the
# payments server half reuses the client's id, flagged shared.
out = []
ids = {s["id"]: s for s in spans}
shared = {"1000000000000004": "1000000000000003"}
def zid(i): return shared.get(i, i)
for s in spans:
    o = {"traceId": s["tr"]}
    parent = s["parent"] or s["link"]
    if s["id"] in shared: parent = ids[shared[s["id"]]]["parent"]
    if parent: o["parentId"] = zid(parent)
    o.update(id=zid(s["id"]), kind=s["kind"].upper(), name=s["name"].lower(), timestamp=us(s["s"]), duration=(s["e"] - s["s"]) * MS,
             localEndpoint={"serviceName": s["svc"]})
    if "peer.service" in s["attrs"]: o["remoteEndpoint"] = {"serviceName": s["attrs"]["peer.service"]}
    tags = {k: v for k, v in s["attrs"].items() if k != "peer.service"}
    if s["err"]: tags["error"] = s["err"]
    if tags: o["tags"] = tags
    if s["id"] in shared: o["shared"] = True
    out.append(o)
json.dump(out, open("checkout-zipkin.json", "w"), indent=1); open("checkout-zipkin.json", "a").write("\n")
