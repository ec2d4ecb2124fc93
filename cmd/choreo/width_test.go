package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/report"
)

// longDiagram has message texts far wider than a terminal, an alt with an
// error reply, an async fork, and faults of every kind.
const longDiagram = `sequenceDiagram
  participant Customer
  participant StorefrontGateway
  participant InventoryReservationService
  participant NotificationFanout
  Customer->>StorefrontGateway: POST /api/v2/storefront/checkout/sessions/{sessionId}/confirm-and-reserve-all-line-items-with-idempotency-key-and-audit-trail
  StorefrontGateway->>InventoryReservationService: reserve every line item of the basket across all regional warehouses, honouring backorder and substitution preferences
  alt the inventory is available in at least one warehouse that can ship within the promised delivery window for every item
    InventoryReservationService-->>StorefrontGateway: reservation confirmed with per-warehouse allocation details and expiry timestamps for the hold
  else nothing in stock anywhere, or the delivery window cannot be met
    InventoryReservationService--xStorefrontGateway: 409 Conflict: insufficient stock in every warehouse for at least one of the requested line items
  end
  StorefrontGateway-)NotificationFanout: publish checkout-confirmed event to every subscribed downstream channel including email, sms and the partner webhooks
  StorefrontGateway-->>Customer: 200 OK with the confirmation document, the reservation identifiers and the estimated delivery dates per shipment
`

const longProfile = `defaults: {latency: exponential(mean=20ms)}
messages:
  "#2": {fault: {rate: 0.05, kind: error}, timeout: 200ms}
  "#5": {fault: {rate: 0.02, kind: drop}}
  "#6": {fault: {rate: 0.05, kind: delay, delay: 300ms}}
slo:
  end_to_end: {p95: 1s}
  "StorefrontGateway->>InventoryReservationService: reserve every line item of the basket across all regional warehouses, honouring backorder and substitution preferences": {p99: 500ms}
`

// The default text report fits report.TextWidth columns: simulations and
// trace checks of the bundled example and of a diagram with very long
// message texts, a drill, and a partial merge.
func TestTextFitsWidth(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	long, longP := write("long.mmd", longDiagram), write("long.yaml", longProfile)
	prov, provP := "../../testdata/provisioning.mmd", "../../testdata/provisioning.yaml"
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, args := range [][]string{
		{"sim", prov, "--profile", provP, "-n", "20000"},
		{"sim", prov, "--profile", provP, "-n", "300", "--traces", at("prov.jsonl")},
		{"check", prov, at("prov.jsonl"), "--profile", provP},
		{"sim", long, "--profile", longP, "-n", "3000", "--traces", at("long.jsonl")},
		{"check", long, at("long.jsonl"), "--profile", longP},
		{"drill", long, "--profile", longP, "-k", "50"},
		{"sim", long, "--profile", longP, "-n", "3000", "--shard", "1/3", "--format", "json", "-o", at("shard.json")},
		{"merge", at("shard.json"), "--format", "text"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code == 2 {
			t.Fatalf("%v: exit 2: %s", args, stderr.String())
		}
		if args[len(args)-2] != "-o" && stdout.Len() == 0 {
			t.Errorf("%v wrote nothing", args)
		}
		for i, line := range strings.Split(stdout.String(), "\n") {
			if n := utf8.RuneCountInString(line); n > report.TextWidth {
				t.Errorf("%v: line %d is %d columns wide:\n%s", args[:2], i+1, n, line)
			}
		}
	}
}
