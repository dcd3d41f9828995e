package pattern

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSame(t *testing.T) {
	const deployed = `{"source":[{"prefix":"aws."}],"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]},"eventName":["ConsoleLogin"]}}`
	cases := []struct {
		name string
		a, b string
		same bool
		// differ is an event that a and b answer differently, proving a
		// "not the same" is a real difference in meaning ("" when they are
		// the same, or one is invalid).
		differ string
	}{
		{"identical", deployed, deployed, true, ""},
		{"re-spaced", deployed, `{ "source" : [ { "prefix" : "aws." } ],
			"detail-type": ["AWS Console Sign In via CloudTrail"],
			"detail": {"userIdentity": {"type": ["Root"]}, "eventName": ["ConsoleLogin"]} }`, true, ""},
		{"keys re-ordered", deployed, `{"detail":{"eventName":["ConsoleLogin"],"userIdentity":{"type":["Root"]}},"detail-type":["AWS Console Sign In via CloudTrail"],"source":[{"prefix":"aws."}]}`, true, ""},
		{"escaped", `{"a":["Root"]}`, `{"\u0061":["R\u006fot"]}`, true, ""},
		{"duplicate key resolved alike", `{"a":["x"],"a":["y"]}`, `{"a":["y"]}`, true, ""},
		{"$or branches re-ordered", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"$or":[{"b":["2"]},{"a":["1"]}]}`, true, ""},
		{"$or unchanged, field moved before another", `{"c":["3"],"$or":[{"a":["1"]},{"b":["2"]}],"d":["4"]}`, `{"d":["4"],"c":["3"],"$or":[{"b":["2"]},{"a":["1"]}]}`, true, ""},

		{"value changed", deployed, `{"source":[{"prefix":"aws."}],"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["IAMUser"]},"eventName":["ConsoleLogin"]}}`, false,
			`{"source":"aws.signin","detail-type":"AWS Console Sign In via CloudTrail","detail":{"userIdentity":{"type":"Root"},"eventName":"ConsoleLogin"}}`},
		{"field dropped", deployed, `{"source":[{"prefix":"aws."}],"detail":{"userIdentity":{"type":["Root"]},"eventName":["ConsoleLogin"]}}`, false,
			`{"source":"aws.signin","detail-type":"forged","detail":{"userIdentity":{"type":"Root"},"eventName":"ConsoleLogin"}}`},
		{"prefix made exact", `{"source":[{"prefix":"aws."}]}`, `{"source":["aws."]}`, false, `{"source":"aws.iam"}`},
		{"number kept as text", `{"n":[1]}`, `{"n":[2]}`, false, `{"n":1}`},
		{"field after $or replaces the branch's", `{"name":["a"],"$or":[{"name":["c"]},{"k":["x"]}]}`, `{"$or":[{"name":["c"]},{"k":["x"]}],"name":["a"]}`, false, `{"name":"c"}`},
		{"duplicate key resolved otherwise", `{"a":["x"],"a":["y"]}`, `{"a":["y"],"a":["x"]}`, false, `{"a":"x"}`},
		{"invalid, same bytes", `{"a":`, `{"a":`, true, ""},
		{"invalid, re-spaced", `{"a": 1}`, `{"a":1}`, false, ""},
		{"invalid and valid", `{"a":"x"}`, `{"a":["x"]}`, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Same(c.a, c.b); got != c.same {
				t.Errorf("Same(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
			}
			if got := Same(c.b, c.a); got != c.same {
				t.Errorf("Same(%s, %s) = %v, want %v (not symmetric)", c.b, c.a, got, c.same)
			}
			if c.differ == "" {
				return
			}
			ma, erra := MustCompile(c.a).Match([]byte(c.differ))
			mb, errb := MustCompile(c.b).Match([]byte(c.differ))
			if erra != nil || errb != nil || ma == mb {
				t.Errorf("event %s: %v (%v) and %v (%v): not a difference in meaning", c.differ, ma, erra, mb, errb)
			}
		})
	}
}

// FuzzSame checks Same against matching: a pattern rewritten with other
// spacing and its object members shuffled (by the fuzzed seed) is, when Same
// says so, answered alike on every event; and one only re-spaced is always
// Same.
func FuzzSame(f *testing.F) {
	cases, _ := seedCases(f)
	for i, c := range cases {
		f.Add(c.pattern(), c.event(), uint64(i))
	}
	f.Fuzz(func(t *testing.T, src, event []byte, seed uint64) {
		p, err := Compile(src)
		if err != nil {
			return
		}
		tree, err := parseTree(src)
		if err != nil {
			t.Fatalf("Compile accepted what parseTree refuses: %v", err)
		}
		var spaced, shuffled strings.Builder
		plain := rewrite(&spaced, tree, nil)
		rewrite(&shuffled, tree, &seed)
		if plain && !Same(string(src), spaced.String()) {
			t.Fatalf("%s re-spaced as %s: not Same", src, spaced.String())
		}
		if !Same(string(src), shuffled.String()) {
			return
		}
		q := MustCompile(shuffled.String())
		for _, ev := range append(fuzzEvents, string(event)) {
			a, erra := p.Match([]byte(ev))
			b, errb := q.Match([]byte(ev))
			if erra != nil || errb != nil {
				continue
			}
			if a != b {
				t.Fatalf("Same(%s, %s), yet on %s they answer %v and %v", src, shuffled.String(), ev, a, b)
			}
		}
	})
}

// rewrite writes v as JSON with spaces, its object members in a shuffled
// order when seed is not nil. It reports whether the text is v exactly (its
// strings are valid UTF-8, which encoding/json writes back unchanged).
func rewrite(w *strings.Builder, v *jvalue, seed *uint64) bool {
	exact := true
	str := func(s string) {
		b, _ := json.Marshal(s)
		w.Write(b)
		exact = exact && utf8.ValidString(s)
	}
	switch v.kind {
	case jObject:
		members := slices.Clone(v.obj)
		if seed != nil {
			for i := len(members) - 1; i > 0; i-- {
				*seed = *seed*6364136223846793005 + 1442695040888963407
				j := int(*seed>>33) % (i + 1)
				members[i], members[j] = members[j], members[i]
			}
		}
		w.WriteString("{ ")
		for i, m := range members {
			if i > 0 {
				w.WriteString(" ,\n ")
			}
			str(m.key)
			w.WriteString(" : ")
			exact = rewrite(w, m.val, seed) && exact
		}
		w.WriteString(" }")
	case jArray:
		w.WriteString("[ ")
		for i, e := range v.arr {
			if i > 0 {
				w.WriteString(", ")
			}
			exact = rewrite(w, e, seed) && exact
		}
		w.WriteString(" ]")
	case jString:
		str(v.str)
	default:
		var b bytes.Buffer
		writeCanonical(&b, v)
		w.Write(b.Bytes())
	}
	return exact
}
