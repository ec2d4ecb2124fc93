package report

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit XML (`choreo report --format junit`), the test-report format CI
// systems read: one testsuite of SLO verdicts and one of gates, a
// testcase per verdict, a failure element for each one breached or
// tripped, and skipped for one without data.

// JUnitSuites is the document's root element.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one kind of verdict: "slo" or "gates".
type JUnitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []JUnitCase `xml:"testcase"`
}

// JUnitCase is one verdict: its target or gate as the name, what was
// measured as system-out.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *JUnitMessage `xml:"failure"`
	Skipped   *JUnitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure or a skip: a one-line message and its type.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

// JUnit builds the JUnit document of r's SLO verdicts and of gate
// verdicts (none without gates).
func JUnit(r *Result, gates []GateVerdict) *JUnitSuites {
	doc := &JUnitSuites{Name: "choreo " + describe(r)}
	slo := JUnitSuite{Name: "slo"}
	for _, v := range r.SLO {
		c := JUnitCase{Name: v.Target, ClassName: "choreo.slo"}
		observed := humanMS(v.ObservedMS)
		if v.Metric == SLOFailed {
			observed = percent(v.Observed)
		}
		switch {
		case v.NoData:
			c.Skipped = &JUnitMessage{Message: "no data"}
		case !v.OK:
			c.Failure = &JUnitMessage{Message: "breached: observed " + observed, Type: "slo"}
		}
		c.SystemOut = "observed " + observed
		slo.add(c)
	}
	doc.add(slo)
	if len(gates) > 0 {
		gs := JUnitSuite{Name: "gates"}
		for _, v := range gates {
			c := JUnitCase{Name: v.Gate, ClassName: "choreo.gate", SystemOut: v.Detail}
			switch {
			case v.NoData:
				c.Skipped = &JUnitMessage{Message: v.Detail}
			case v.Tripped:
				c.Failure = &JUnitMessage{Message: "tripped: " + v.Detail, Type: "gate"}
			}
			gs.add(c)
		}
		doc.add(gs)
	}
	return doc
}

func (s *JUnitSuite) add(c JUnitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	if c.Failure != nil {
		s.Failures++
	}
	if c.Skipped != nil {
		s.Skipped++
	}
}

func (d *JUnitSuites) add(s JUnitSuite) {
	d.Suites = append(d.Suites, s)
	d.Tests += s.Tests
	d.Failures += s.Failures
	d.Skipped += s.Skipped
}

// WriteJUnit writes the JUnit XML of r's SLO verdicts and the gates.
func WriteJUnit(w io.Writer, r *Result, gates []GateVerdict) error {
	b, err := xml.MarshalIndent(JUnit(r, gates), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, b)
	return err
}
