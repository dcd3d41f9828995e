package pattern

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// TestRealEvents matches real CloudTrail events (testdata/invictus-ir-sample.jsonl)
// against patterns derived from those events, of every kind, all loaded in
// one Matcher, and checks each answer against the reference evaluator.
func TestRealEvents(t *testing.T) {
	f, err := os.Open("testdata/invictus-ir-sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		events = append(events, append([]byte(nil), sc.Bytes()...))
	}
	if len(events) < 150 {
		t.Fatalf("%d events", len(events))
	}
	m := NewMatcher()
	var pats []*Pattern
	var ids []string
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		id := fmt.Sprint(len(pats))
		m.Add(id, p)
		pats = append(pats, p)
		ids = append(ids, id)
	}
	type obj = map[string]any
	for _, ev := range events {
		var e struct {
			Source string `json:"source"`
			Detail struct {
				EventName       string `json:"eventName"`
				EventSource     string `json:"eventSource"`
				SourceIPAddress string `json:"sourceIPAddress"`
				UserAgent       string `json:"userAgent"`
				UserIdentity    struct {
					Type string `json:"type"`
					ARN  string `json:"arn"`
				} `json:"userIdentity"`
				Resources []struct {
					ARN  string `json:"ARN"`
					Type string `json:"type"`
				} `json:"resources"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatal(err)
		}
		d := e.Detail
		add(obj{"source": []string{e.Source}, "detail": obj{"eventName": []string{d.EventName}}})
		if len(d.EventName) > 4 {
			add(obj{"detail": obj{"userIdentity": obj{"type": []string{d.UserIdentity.Type}}, "eventName": []any{obj{"prefix": d.EventName[:4]}}}})
		}
		add(obj{"detail": obj{"eventName": []any{obj{"anything-but": d.EventName}}, "readOnly": []any{true}}})
		add(obj{"detail": obj{"errorCode": []any{obj{"exists": true}}, "eventSource": []any{obj{"suffix": d.EventSource[len(d.EventSource)/2:]}}}})
		add(obj{"detail": obj{"errorCode": []any{obj{"exists": false}}, "userIdentity": obj{"arn": []any{obj{"equals-ignore-case": strings.ToUpper(d.UserIdentity.ARN)}}}}})
		if a, err := netip.ParseAddr(d.SourceIPAddress); err == nil && a.Is4() {
			add(obj{"detail": obj{"sourceIPAddress": []any{obj{"cidr": netip.PrefixFrom(a, 16).Masked().String()}}}})
		}
		if ua := d.UserAgent; len(ua) > 12 && !strings.ContainsAny(ua, `*\`) {
			add(obj{"detail": obj{"userAgent": []any{obj{"wildcard": ua[:3] + "*" + ua[6:10] + "*"}}}})
		}
		if r := d.Resources; len(r) >= 2 {
			// Array consistency: the ARN of one element with the type of another.
			add(obj{"detail": obj{"resources": obj{"ARN": []string{r[0].ARN}, "type": []string{r[1].Type}}}})
			add(obj{"detail": obj{"resources": obj{"ARN": []string{r[1].ARN}, "type": []string{r[1].Type}}}})
		}
	}
	total := 0
	for k, ev := range events {
		got, err := m.Match(ev)
		if err != nil {
			t.Fatalf("event %d: %v", k, err)
		}
		fe, err := flattenEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, p := range pats {
			if p.refMatch(fe) {
				want = append(want, ids[i])
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("event %d: Matcher %v, reference %v", k, got, want)
		}
		total += len(got)
	}
	if total < len(events)*3 {
		t.Errorf("only %d matches for %d events and %d patterns", total, len(events), len(pats))
	}
	t.Logf("%d real events, %d patterns, %d matches", len(events), len(pats), total)
}
