// Command seedsystems serves the seed flow's systems (Billing, IdP and
// Email of testdata/provisioning.mmd) on local ports, so that choreo can
// drill them for real:
//
//	go run ./examples/seedsystems &
//	go run ./cmd/choreo drill testdata/provisioning.mmd --profile examples/seedsystems/profile.yaml --time-scale 0.001 --concurrency 8 -k 5
//
// Every request is logged with its traceparent. Flags make a system slow
// (--slow Email=2s), fail (--fail Billing=0.2, a share answered 500),
// hang (--hang IdP) or reset its connections (--reset Email). Ctrl-C
// prints a count of the requests by system, path and status.
package main

import (
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/pflag"

	"github.com/choreo-dev/choreo/internal/seedsystems"
)

func main() {
	host := pflag.String("listen", "127.0.0.1", "address to listen on")
	billing := pflag.Int("billing", 8081, "Billing's port")
	idp := pflag.Int("idp", 8082, "IdP's port")
	email := pflag.Int("email", 8083, "Email's port")
	slow := pflag.StringSlice("slow", nil, "make `SYSTEM=DURATION` slow")
	fail := pflag.StringSlice("fail", nil, "answer a share of requests 500: `SYSTEM=RATE`")
	hang := pflag.StringSlice("hang", nil, "never answer `SYSTEM`")
	reset := pflag.StringSlice("reset", nil, "reset the connections of `SYSTEM`")
	seed := pflag.Uint64("seed", 1, "seed of the --fail draws")
	pflag.Parse()
	be := map[string]seedsystems.Behaviour{}
	for kind, specs := range map[string][]string{"slow": *slow, "fail": *fail, "hang": *hang, "reset": *reset} {
		if err := seedsystems.ParseBehaviours(be, kind, specs); err != nil {
			fmt.Fprintln(os.Stderr, "seedsystems:", err)
			os.Exit(2)
		}
	}
	ports := map[string]int{"Billing": *billing, "IdP": *idp, "Email": *email}
	s, err := seedsystems.Start(*host, ports, be, *seed, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seedsystems:", err)
		os.Exit(1)
	}
	for _, n := range seedsystems.Names {
		fmt.Printf("%-7s %s\n", n, s.URLs[n])
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	s.Close()
	fmt.Print("\nrequests by system, path and status:\n", seedsystems.Summary(s.Requests()))
}
