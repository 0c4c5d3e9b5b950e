package configtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteText writes a line per case, the failures of a failed case under
// it, and the closing count.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, res := range r.Results {
		c := res.Case
		status := "ok  "
		if !res.Passed() {
			status = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s (%s:%d) %s\n", status, c.Name, c.DeclRange.Filename, c.DeclRange.Start.Line, res.Duration.Round(100_000))
		for _, f := range res.Failures {
			fmt.Fprintf(&b, "     %s\n", f)
		}
	}
	passed, failed := r.Counts()
	fmt.Fprintf(&b, "%d passed, %d failed\n", passed, failed)
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
	seconds  float64
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, one testsuite per test file,
// for CI systems that show test results.
func WriteJUnit(w io.Writer, r *Report) error {
	passed, failed := r.Counts()
	out := junitSuites{Tests: passed + failed, Failures: failed, Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	for _, res := range r.Results {
		c := res.Case
		file := c.DeclRange.Filename
		i, ok := index[file]
		if !ok {
			i = len(out.Suites)
			index[file] = i
			out.Suites = append(out.Suites, junitSuite{Name: file})
		}
		s := &out.Suites[i]
		jc := junitCase{Name: c.Name, Classname: strings.TrimSuffix(file, ".test.hcl"), File: file,
			Line: c.DeclRange.Start.Line, Time: seconds(res.Duration.Seconds())}
		if !res.Passed() {
			jc.Failure = &junitFailure{Message: res.Failures[0], Text: strings.Join(res.Failures, "\n")}
			s.Failures++
		}
		s.Tests++
		s.seconds += res.Duration.Seconds()
		s.Time = seconds(s.seconds)
		s.Cases = append(s.Cases, jc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
