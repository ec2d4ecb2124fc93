// Package lookup phrases the errors of package flow's lookups (selectors,
// block keys, when strings) with choreo's one did-you-mean
// (internal/suggest): flow, which imports nothing of ours, gives the
// candidates; this package ranks them.
package lookup

import (
	"errors"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/suggest"
)

// Explain returns err with "; did you mean …?" added when it is (or
// wraps) a *flow.LookupError with something near to offer; any other
// error is returned as it is. errors.As still finds the LookupError.
func Explain(err error) error {
	var le *flow.LookupError
	if err == nil || !errors.As(err, &le) {
		return err
	}
	sugg := Suggestions(le)
	if len(sugg) == 0 {
		return err
	}
	return &explained{err: err, msg: err.Error() + suggest.Phrase(sugg)}
}

// Suggestions is what le's query may have meant: the "#N" forms of an
// ambiguous selector's messages, else the candidates suggest ranks near
// it (at most suggest.Max), else flow's fallback.
func Suggestions(le *flow.LookupError) []string {
	if le.Ambiguous {
		return nil // the message already names them
	}
	return le.Near(suggest.Rank)
}

type explained struct {
	err error
	msg string
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }
