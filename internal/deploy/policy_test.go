package deploy

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
func rawStatements(t *testing.T, policy string) []string {
	t.Helper()
	d, err := parsePolicy(policy)
	if err != nil {
		t.Fatalf("parse %s: %v", policy, err)
	}
	var out []string
	for _, st := range d.statements {
		var buf bytes.Buffer
		if err := json.Compact(&buf, st); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.String())
	}
	return out
}

func testStatement() Statement {
	return Statement{
		Sid: TopicStatementSid, Effect: "Allow",
		Principal: map[string]any{"Service": "events.amazonaws.com"},
		Action:    "sns:Publish",
		Resource:  "arn:aws:sns:us-east-1:123456789012:t",
		Condition: map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": []string{"arn:aws:events:us-east-1:123456789012:rule/rootwatch/a", "arn:aws:events:us-east-1:123456789012:rule/rootwatch/b"}}},
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

		merged, err := withStatement(orig, TopicStatementSid, want)
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
		again, err := withStatement(merged, TopicStatementSid, want)
		if err != nil || !SamePolicy(again, merged) {
			t.Fatalf("case %d: second merge changed the policy (%v)\n%s\n%s", i, err, merged, again)
		}

		restored, found, err := withoutStatement(merged, TopicStatementSid)
		if err != nil || !found {
			t.Fatalf("case %d: remove: found=%v err=%v", i, found, err)
		}
		if !SamePolicy(restored, orig) {
			t.Fatalf("case %d: destroy did not restore the policy\norig:     %s\nrestored: %s", i, orig, restored)
		}
		if ko, kr := objectKeys(orig), objectKeys(restored); fmt.Sprint(ko) != fmt.Sprint(kr) {
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
	merged, err := withStatement(orig, TopicStatementSid, testStatement())
	if err != nil {
		t.Fatal(err)
	}
	sts := rawStatements(t, merged)
	if len(sts) != 3 || !strings.Contains(sts[0], `"Sid":"A"`) || !strings.Contains(sts[1], TopicStatementSid) || !strings.Contains(sts[2], `"Sid":"B"`) {
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
		if _, err := withStatement(p, TopicStatementSid, testStatement()); !errors.Is(err, ErrMalformedPolicy) {
			t.Errorf("withStatement(%s) err = %v, want ErrMalformedPolicy", p, err)
		}
		if _, _, err := withoutStatement(p, TopicStatementSid); !errors.Is(err, ErrMalformedPolicy) {
			t.Errorf("withoutStatement(%s) err = %v, want ErrMalformedPolicy", p, err)
		}
	}
}

func TestSamePolicy(t *testing.T) {
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
		if got := SamePolicy(tc.a, tc.b); got != tc.same {
			t.Errorf("SamePolicy(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestKeyGrantsEventBridge(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   bool
	}{
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*","Resource":"*"}]}`, false},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":["sns.amazonaws.com","events.amazonaws.com"]},"Action":"kms:*","Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`, false},
		{`{"Statement":[{"Effect":"Deny","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:*","Resource":"*"}]}`, false},
	} {
		got, err := KeyGrantsEventBridge(tc.policy)
		if err != nil || got != tc.want {
			t.Errorf("KeyGrantsEventBridge(%s) = %v, %v; want %v", tc.policy, got, err, tc.want)
		}
	}
}

func TestPolicyDiff(t *testing.T) {
	before := `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow"}]}`
	after, err := withStatement(before, "B", map[string]string{"Sid": "B", "Effect": "Deny"})
	if err != nil {
		t.Fatal(err)
	}
	d := policyDiff(before, after)
	if !strings.Contains(d, `+       "Sid": "B"`) || strings.Contains(d, `-`) && !strings.Contains(d, "- ") {
		t.Fatalf("diff:\n%s", d)
	}
	if policyDiff(before, before) != "" {
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
		merged, err := withStatement(policy, TopicStatementSid, testStatement())
		if err != nil {
			if !errors.Is(err, ErrMalformedPolicy) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if d, _ := parsePolicy(policy); d != nil && d.find(TopicStatementSid) != nil {
			return // a rootwatch statement was there before: removal cannot restore it
		}
		restored, found, err := withoutStatement(merged, TopicStatementSid)
		if err != nil || !found {
			t.Fatalf("remove after merge: found=%v err=%v", found, err)
		}
		orig, _ := parsePolicy(policy)
		back, _ := parsePolicy(restored)
		if len(orig.statements) != len(back.statements) {
			t.Fatalf("statement count %d -> %d", len(orig.statements), len(back.statements))
		}
		for i := range orig.statements {
			if !SameJSON(string(orig.statements[i]), string(back.statements[i])) {
				t.Fatalf("statement %d changed: %s -> %s", i, orig.statements[i], back.statements[i])
			}
		}
	})
}
