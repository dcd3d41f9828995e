package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// genPolicy generates a random pre-existing policy: foreign statements with and
// without Sids (duplicates included), string-or-array fields, conditions, and a
// Statement that is sometimes a single object; formatted compactly or indented.
func genPolicy(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	strOrArr := func(gen func() string) any {
		if r.IntN(2) == 0 {
			return gen()
		}
		n := 1 + r.IntN(3)
		out := make([]any, n)
		for i := range out {
			out[i] = gen()
		}
		return out
	}
	account := func() string { return pick("123456789012", "210987654321", "*") }
	statement := func() map[string]any {
		st := map[string]any{"Effect": pick("Allow", "Deny")}
		if r.IntN(4) != 0 {
			st["Sid"] = pick("__default_statement_ID", "AllowPublishFromS3", "CrossAccount", "", "Sid1", "Dup", "Dup", "RootwatchEventBridgePublishNot")
		}
		switch r.IntN(4) {
		case 0:
			st["Principal"] = "*"
		case 1:
			st["Principal"] = map[string]any{"AWS": strOrArr(func() string { return "arn:aws:iam::" + account() + ":root" })}
		case 2:
			st["Principal"] = map[string]any{"Service": strOrArr(func() string { return pick("s3.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com") })}
		default:
			st["NotPrincipal"] = map[string]any{"AWS": "arn:aws:iam::" + account() + ":user/x"}
		}
		action := func() string {
			return pick("SNS:Publish", "sns:Subscribe", "SNS:GetTopicAttributes", "sns:*", "SNS:SetTopicAttributes")
		}
		if r.IntN(5) == 0 {
			st["NotAction"] = strOrArr(action)
		} else {
			st["Action"] = strOrArr(action)
		}
		st["Resource"] = strOrArr(func() string {
			return pick("arn:aws:sns:us-east-1:123456789012:t", "*", "arn:aws:sns:*:123456789012:*")
		})
		if r.IntN(2) == 0 {
			cond := map[string]any{}
			for range 1 + r.IntN(3) {
				op := pick("StringEquals", "ArnLike", "ArnEquals", "StringLike", "Bool", "IpAddress", "ForAnyValue:StringEquals")
				key := pick("AWS:SourceOwner", "aws:SourceArn", "aws:SecureTransport", "aws:SourceIp", "aws:PrincipalOrgID")
				m, _ := cond[op].(map[string]any)
				if m == nil {
					m = map[string]any{}
					cond[op] = m
				}
				m[key] = strOrArr(func() string { return pick("123456789012", "true", "arn:aws:s3:::b", "10.0.0.0/8", "o-abc") })
			}
			st["Condition"] = cond
		}
		return st
	}
	doc := map[string]any{"Version": pick("2012-10-17", "2008-10-17")}
	if r.IntN(2) == 0 {
		doc["Id"] = pick("__default_policy_ID", "custom")
	}
	if r.IntN(5) == 0 {
		doc["Statement"] = statement()
	} else {
		n := r.IntN(5)
		sts := make([]any, n)
		for i := range sts {
			sts[i] = statement()
		}
		doc["Statement"] = sts
	}
	var b []byte
	if r.IntN(2) == 0 {
		b, _ = json.MarshalIndent(doc, "", "    ")
	} else {
		b, _ = json.Marshal(doc)
	}
	return string(b)
}

// rawStatements returns each statement of a policy compacted, in order.
// rawStatements returns each statement of a policy compacted, in order.
func rawStatements(t *testing.T, policy string) []string {
	t.Helper()
	sts, err := RawStatements(policy)
	if err != nil {
		t.Fatalf("parse %s: %v", policy, err)
	}
	var out []string
	for _, st := range sts {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(st)); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.String())
	}
	return out
}

const testSid = "RootwatchEventBridgePublish"

func testStatement() Statement {
	return Statement{
		Sid: testSid, Effect: "Allow",
		Principal: Service("events.amazonaws.com"),
		Action:    Values{"sns:Publish"},
		Resource:  Values{"arn:aws:sns:us-east-1:123456789012:t"},
		Condition: Conditions{"ArnEquals": {"aws:SourceArn": {"arn:aws:events:us-east-1:123456789012:rule/rootwatch/a", "arn:aws:events:us-east-1:123456789012:rule/rootwatch/b"}}},
	}
}

// TestPolicyMergeProperty: over random pre-existing policies, deploy's merge
// keeps every foreign statement byte for byte (compacted) and in order, adds
// exactly one rootwatch statement; destroy's removal then restores the original
// semantically, again keeping every foreign statement.
func TestPolicyMergeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 10))
	want := testStatement()
	for i := range 1000 {
		orig := genPolicy(r)
		foreign := rawStatements(t, orig)

		merged, err := WithStatement(orig, want)
		if err != nil {
			t.Fatalf("case %d: merge %s: %v", i, orig, err)
		}
		got := rawStatements(t, merged)
		if len(got) != len(foreign)+1 {
			t.Fatalf("case %d: merged has %d statements, want %d\norig:   %s\nmerged: %s", i, len(got), len(foreign)+1, orig, merged)
		}
		for j, f := range foreign {
			if got[j] != f {
				t.Fatalf("case %d: foreign statement %d changed by merge\nbefore: %s\nafter:  %s", i, j, f, got[j])
			}
		}
		if ok, err := HasStatement(merged, want); !ok || err != nil {
			t.Fatalf("case %d: merged policy lacks the rootwatch statement (%v): %s", i, err, merged)
		}
		// A second merge is a no-op (deploy twice).
		again, err := WithStatement(merged, want)
		if err != nil || !Same(again, merged) {
			t.Fatalf("case %d: second merge changed the policy (%v)\n%s\n%s", i, err, merged, again)
		}

		restored, found, err := WithoutStatement(merged, testSid)
		if err != nil || !found {
			t.Fatalf("case %d: remove: found=%v err=%v", i, found, err)
		}
		if !Same(restored, orig) {
			t.Fatalf("case %d: destroy did not restore the policy\norig:     %s\nrestored: %s", i, orig, restored)
		}
		if ko, kr := TopLevelKeys(orig), TopLevelKeys(restored); fmt.Sprint(ko) != fmt.Sprint(kr) {
			t.Fatalf("case %d: top-level fields reordered: %v -> %v", i, ko, kr)
		}
		back := rawStatements(t, restored)
		if fmt.Sprint(back) != fmt.Sprint(foreign) {
			t.Fatalf("case %d: foreign statements changed after destroy\nbefore: %v\nafter:  %v", i, foreign, back)
		}
	}
}

// TestPolicyMergeReplacesStale: a rootwatch statement from an older deploy is
// replaced in place, not duplicated.
func TestPolicyMergeReplacesStale(t *testing.T) {
	orig := `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"},` +
		`{"Sid":"RootwatchEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"old"},` +
		`{"Sid":"B","Effect":"Deny","Principal":"*","Action":"sns:Subscribe","Resource":"*"}]}`
	merged, err := WithStatement(orig, testStatement())
	if err != nil {
		t.Fatal(err)
	}
	sts := rawStatements(t, merged)
	if len(sts) != 3 || !strings.Contains(sts[0], `"Sid":"A"`) || !strings.Contains(sts[1], testSid) || !strings.Contains(sts[2], `"Sid":"B"`) {
		t.Fatalf("merged = %s", merged)
	}
	if strings.Contains(merged, `"old"`) {
		t.Fatalf("stale statement kept: %s", merged)
	}
}

func TestMalformedPolicy(t *testing.T) {
	for _, p := range []string{
		`not json`,
		`[]`,
		`{"Statement":"x"}`,
		`{"Statement":[1]}`,
		`{"Statement":[{"Sid":3}]}`,
		`{"Statement":{"Sid":["a"]}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"a"}`,
	} {
		if _, err := WithStatement(p, testStatement()); !errors.Is(err, ErrMalformed) {
			t.Errorf("withStatement(%s) err = %v, want ErrMalformed", p, err)
		}
		if _, _, err := WithoutStatement(p, testSid); !errors.Is(err, ErrMalformed) {
			t.Errorf("WithoutStatement(%s) err = %v, want ErrMalformed", p, err)
		}
	}
}

func TestSame(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{`{"Version":"2012-10-17","Statement":{"Sid":"a","Action":"x"}}`, `{"Statement":[{"Action":["x"],"Sid":"a"}],"Version":"2012-10-17"}`, true},
		{`{"Statement":[{"Action":["b","a"]}]}`, `{"Statement":[{"Action":["a","b"]}]}`, true},
		{`{"Statement":[{"Sid":"1"},{"Sid":"2"}]}`, `{"Statement":[{"Sid":"2"},{"Sid":"1"}]}`, true},
		{`{"Statement":[{"Action":"a"}]}`, `{"Statement":[{"Action":"b"}]}`, false},
		{`{"Statement":[{"Condition":{"StringEquals":{"k":"1"}}}]}`, `{"Statement":[{"Condition":{"StringEquals":{"k":"2"}}}]}`, false},
		{`{"Version":"2012-10-17"}`, `{"Version":"2008-10-17"}`, false},
	} {
		if got := Same(tc.a, tc.b); got != tc.same {
			t.Errorf("Same(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestPolicyDiff(t *testing.T) {
	before := `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow"}]}`
	after, err := WithStatement(before, Statement{Sid: "B", Effect: "Deny"})
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(before, after)
	if !strings.Contains(d, `+       "Sid": "B"`) || strings.Contains(d, `-`) && !strings.Contains(d, "- ") {
		t.Fatalf("diff:\n%s", d)
	}
	if Diff(before, before) != "" {
		t.Fatal("diff of equal policies is not empty")
	}
}

// FuzzPolicyRoundTrip: any policy rootwatch accepts survives merge and removal
// with its meaning intact; anything else is rejected, never rewritten.
func FuzzPolicyRoundTrip(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		f.Add(genPolicy(r))
	}
	f.Add(`{"Statement":{"Sid":"x"}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, policy string) {
		merged, err := WithStatement(policy, testStatement())
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if d, _ := parse(policy); d != nil && d.find(testSid) != nil {
			return // a rootwatch statement was there before: removal cannot restore it
		}
		restored, found, err := WithoutStatement(merged, testSid)
		if err != nil || !found {
			t.Fatalf("remove after merge: found=%v err=%v", found, err)
		}
		orig, _ := RawStatements(policy)
		back, _ := RawStatements(restored)
		if len(orig) != len(back) {
			t.Fatalf("statement count %d -> %d", len(orig), len(back))
		}
		for i := range orig {
			if !SameJSON(orig[i], back[i]) {
				t.Fatalf("statement %d changed: %s -> %s", i, orig[i], back[i])
			}
		}
	})
}

// BenchmarkWithStatement measures merging rootwatch's statement into a policy
// with a few foreign statements.
func BenchmarkWithStatement(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	doc := genPolicy(r)
	st := testStatement()
	for b.Loop() {
		if _, err := WithStatement(doc, st); err != nil {
			b.Fatal(err)
		}
	}
}
