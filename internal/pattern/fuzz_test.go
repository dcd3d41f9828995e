package pattern

import (
	"fmt"
	"testing"
)

// fuzzEvents are matched against every pattern FuzzCompile accepts.
var fuzzEvents = []string{
	`{}`,
	`{"a":"1","b":2,"c":null,"d":true,"e":[1,"x",{"f":"g"}],"detail":{"state":"running","n":5.5,"ip":"10.0.0.1"}}`,
	`{"source":"aws.ec2","detail":{"userIdentity":{"type":"Root"},"items":[{"a":"x","b":"y"},{"a":"y","b":"x"}]}}`,
	`{"a":["", "2001:db8::1", -0, 1e400, 12345678901234567890],"a.b":{"c":"é"}}`,
}

func seedCases(f *testing.F) ([]matchCase, []invalidCase) {
	cases := allCases(f)
	inv := readJSONL[invalidCase](f, "testdata/aws-invalid.jsonl")
	inv = append(inv, readJSONL[invalidCase](f, "testdata/invalid.jsonl")...)
	return cases, inv
}

// FuzzCompile checks that Compile never panics and that a compiled pattern
// can be matched against any event without panicking, with the same answer
// as the reference evaluator.
func FuzzCompile(f *testing.F) {
	cases, inv := seedCases(f)
	for _, c := range cases {
		f.Add(c.pattern())
	}
	for _, c := range inv {
		f.Add(c.pattern())
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Compile(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		for _, ev := range append(fuzzEvents, string(src)) {
			got, err := p.Match([]byte(ev))
			want, werr := referenceMatch(p, []byte(ev))
			if (err != nil) != (werr != nil) {
				t.Fatalf("event %s: error %v, reference error %v", ev, err, werr)
			}
			if got != want {
				t.Fatalf("pattern %s, event %s: Match=%v, reference=%v", src, ev, got, want)
			}
		}
	})
}

// FuzzMatch checks that a Matcher holding the fuzzed pattern among others
// gives, for the fuzzed event, exactly the answers of each pattern on its
// own, and that these agree with the reference evaluator. Nothing may panic.
func FuzzMatch(f *testing.F) {
	cases, _ := seedCases(f)
	for _, c := range cases {
		f.Add(c.pattern(), c.event())
	}
	// Fixed neighbours, to catch patterns interfering with each other.
	var others []*Pattern
	for i, c := range cases {
		if i%7 == 0 {
			others = append(others, MustCompile(string(c.pattern())))
		}
	}
	f.Fuzz(func(t *testing.T, pat, event []byte) {
		p, err := Compile(pat)
		if err != nil {
			return
		}
		m := NewMatcher()
		all := append([]*Pattern{p}, others...)
		for i, q := range all {
			m.Add(fmt.Sprint(i), q)
		}
		ids, err := m.Match(event)
		fe, ferr := flattenEvent(event)
		_, perr := p.Match(event)
		if (perr != nil) != (ferr != nil) {
			t.Fatalf("event %q: Pattern.Match error %v, reference error %v", event, perr, ferr)
		}
		if err != nil && ferr == nil {
			t.Fatalf("event %q: Matcher rejects a valid event: %v", event, err)
		}
		if ferr != nil {
			// Malformed: the Matcher may accept it if the damage is in a
			// part no pattern reads (documented); nothing to compare.
			return
		}
		got := map[string]bool{}
		for _, id := range ids {
			if got[id] {
				t.Fatalf("duplicate id %s", id)
			}
			got[id] = true
		}
		for i, q := range all {
			one, err := q.Match(event)
			if err != nil {
				t.Fatal(err)
			}
			ref := q.refMatch(fe)
			id := fmt.Sprint(i)
			if one != ref || got[id] != one {
				t.Fatalf("pattern %s on %q: Matcher=%v Pattern.Match=%v reference=%v", q, event, got[id], one, ref)
			}
		}
	})
}

// FuzzSkipLoose checks that the Matcher's structural skipper accepts every
// valid JSON value and ends exactly where the strict validator ends.
func FuzzSkipLoose(f *testing.F) {
	for _, c := range allCases(f) {
		f.Add(c.event())
	}
	f.Add([]byte(`{"a":"\\\"","b":[[[{}]]],"c":-1.5e3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if validate(b) != nil {
			return
		}
		sc := scanner{b: b}
		i := skipWS(b, 0)
		strict, _ := sc.skip(i)
		loose, err := sc.skipLoose(i)
		if err != nil || loose != strict {
			t.Fatalf("%q: strict end %d, loose end %d (%v)", b, strict, loose, err)
		}
	})
}
