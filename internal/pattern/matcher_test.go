package pattern

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allCases returns every match case of the AWS and own files.
func allCases(t testing.TB) []matchCase {
	cases := readJSONL[matchCase](t, "testdata/aws-match.jsonl")
	return append(cases, readJSONL[matchCase](t, "testdata/cases.jsonl")...)
}

// TestMatcherNoInterference loads every pattern of the conformance files
// into one Matcher and checks, for every event, that the set of matching ids
// is exactly the set of patterns that match the event on their own (and that
// the reference evaluator agrees).
func TestMatcherNoInterference(t *testing.T) {
	cases := allCases(t)
	m := NewMatcher()
	var ids []string
	var pats []*Pattern
	for _, c := range cases {
		p, err := Compile(c.pattern())
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		m.Add(c.ID, p)
		ids = append(ids, c.ID)
		pats = append(pats, p)
	}
	if m.Len() != len(cases) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(cases))
	}
	total := 0
	for _, c := range cases {
		ev := c.event()
		got, err := m.Match(ev)
		if err != nil {
			t.Fatalf("%s: Match: %v", c.ID, err)
		}
		fe, err := flattenEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, p := range pats {
			ok, err := p.Match(ev)
			if err != nil {
				t.Fatal(err)
			}
			ref := p.refMatch(fe)
			if ok != ref {
				t.Errorf("event of %s, pattern %s: Pattern.Match=%v reference=%v", c.ID, ids[i], ok, ref)
			}
			if ok {
				want = append(want, ids[i])
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event of %s: Matcher ids differ from single-pattern answers (-want +got):\n%s", c.ID, diff)
		}
		if slices.Contains(got, c.ID) != c.Match {
			t.Errorf("event of %s: own pattern match=%v, want %v", c.ID, !c.Match, c.Match)
		}
		total += len(got)
	}
	// Sanity: the events must match many patterns besides their own, or the
	// test would not exercise interference.
	if total < 2*len(cases) {
		t.Errorf("only %d matches over %d events", total, len(cases))
	}
}

func TestMatcherDuplicateIDAndOrder(t *testing.T) {
	m := NewMatcher()
	m.Add("b", MustCompile(`{"a":["1"]}`))
	m.Add("a", MustCompile(`{"a":[{"prefix":"1"}]}`))
	m.Add("b", MustCompile(`{"a":["2"]}`)) // second pattern under "b"
	m.Add("c", MustCompile(`{"$or":[{"a":["1"]},{"a":[{"exists":true}]}]}`))
	for _, tc := range []struct {
		event string
		want  []string
	}{
		{`{"a":"1"}`, []string{"b", "a", "c"}},
		{`{"a":"2"}`, []string{"b", "c"}},
		{`{"a":"3"}`, []string{"c"}},
		{`{"x":"3"}`, nil},
	} {
		got, err := m.Match([]byte(tc.event))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.event, diff)
		}
	}
}

func TestMatchErrors(t *testing.T) {
	m := NewMatcher()
	m.Add("p", MustCompile(`{"a":["1"]}`))
	p := MustCompile(`{"a":["1"]}`)
	// Errors everyone reports: broken structure, and anything wrong on the
	// path the pattern reads.
	for _, ev := range []string{
		``, `[]`, `"a"`, `1`, `null`, `{`, `{"a":}`, `{"a":"1",}`, `{"a":"1"} {}`,
		`{"a":"1\x01"}`, `{"a":"\x"}`, `{"a":"1"`, `{"a":01}`, `{"a":tru}`,
		`{"b":"x,"a":"1"}`, `{"b":[1,2},"a":"1"}`, `{"b":{"c":[1}]},"a":"1"}`, `{"b":,"a":"1"}`,
		`{"a":"1","b":"unterminated}`, `{"b":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`,
	} {
		if _, err := m.Match([]byte(ev)); err == nil {
			t.Errorf("Matcher.Match(%q): no error", ev)
		}
		if _, err := p.Match([]byte(ev)); err == nil {
			t.Errorf("Pattern.Match(%q): no error", ev)
		}
	}
	// Errors inside values no pattern reads: Pattern.Match validates the
	// whole event; the Matcher checks only their structure (documented).
	for _, ev := range []string{
		`{"b":[1,,2],"a":"1"}`, `{"b":{"c":tru},"a":"1"}`, `{"b":01}`, `{"b":1.}`, `{"b":-}`, `{"b":"\x01"}`,
	} {
		if _, err := p.Match([]byte(ev)); err == nil {
			t.Errorf("Pattern.Match(%q): no error", ev)
		}
		if _, err := m.Match([]byte(ev)); err != nil {
			t.Errorf("Matcher.Match(%q): %v, want the documented leniency", ev, err)
		}
	}
}

func TestMatcherEmpty(t *testing.T) {
	got, err := NewMatcher().Match([]byte(`{"a":1}`))
	if err != nil || got != nil {
		t.Fatalf("empty matcher: %v, %v", got, err)
	}
}

// TestMatcherConcurrent runs matches from several goroutines while patterns
// are being added (run with -race).
func TestMatcherConcurrent(t *testing.T) {
	m := NewMatcher()
	m.Add("root", MustCompile(`{"detail":{"userIdentity":{"type":["Root"]}}}`))
	ev := []byte(`{"detail":{"userIdentity":{"type":"Root"}}}`)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []string
			for i := 0; i < 200; i++ {
				var err error
				dst, err = m.AppendMatches(dst[:0], ev)
				if err != nil || len(dst) == 0 || dst[0] != "root" {
					t.Errorf("got %v, %v", dst, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		m.Add(fmt.Sprint("p", i), MustCompile(fmt.Sprintf(`{"detail":{"eventName":["E%d"]}}`, i)))
	}
	wg.Wait()
}

func TestAppendMatchesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	m := NewMatcher()
	m.Add("root", MustCompile(`{"detail":{"userIdentity":{"type":["Root"]},"eventType":[{"anything-but":"AwsServiceEvent"}]}}`))
	m.Add("num", MustCompile(`{"detail":{"n":[{"numeric":[">",5]}]}}`))
	ev := []byte(`{"detail":{"userIdentity":{"type":"Root","arn":"x"},"eventType":"AwsApiCall","n":7,"other":{"deep":[1,2,{"x":"y"}]}}}`)
	dst := make([]string, 0, 4)
	if _, err := m.AppendMatches(dst, ev); err != nil { // warm up the pool
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = m.AppendMatches(dst[:0], ev)
	})
	if len(dst) != 2 {
		t.Fatalf("matches = %v", dst)
	}
	if allocs > 0 {
		t.Errorf("AppendMatches allocates %.1f times per event", allocs)
	}
}

// The array-consistency search (fields of one array element, exists:false
// per element) reuses the state's buffers too.
func TestAppendMatchesAllocsArrays(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	m := NewMatcher()
	m.Add("per-element", MustCompile(`{"e":{"a":["1"],"b":[{"exists":false}],"c":[{"prefix":"x"}]}}`))
	ev := []byte(`{"e":[{"a":"1","b":2,"c":"xy"},{"a":"1","c":["x1","z"]},{"a":"2"}]}`)
	dst := make([]string, 0, 4)
	if _, err := m.AppendMatches(dst, ev); err != nil { // warm up the pool
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = m.AppendMatches(dst[:0], ev)
	})
	if len(dst) != 1 {
		t.Fatalf("matches = %v", dst)
	}
	if allocs > 0 {
		t.Errorf("AppendMatches allocates %.1f times per event", allocs)
	}
}
