package chain

import (
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// Judgements of issue 9's cases 6-8: what an actor changes to blind the alert
// quietly.

// addStatement is doc with st appended.
func addStatement(t *testing.T, doc string, st policy.Statement) string {
	t.Helper()
	p, err := policy.Read(doc)
	if err != nil {
		t.Fatal(err)
	}
	p.Statement = append(p.Statement, st)
	return p.String()
}

func TestJudgeDLQDenied(t *testing.T) {
	s := testSpec(t)
	f, _ := s.Forwarder("eu-west-1")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	deny := func(sid string, cond policy.Conditions) cloud.Queue {
		st := policy.Statement{Sid: sid, Effect: "Deny", Principal: &policy.Principal{Any: true}, Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{"*"}, Condition: cond}
		return cloud.Queue{Name: DLQName, ARN: "arn:aws:sqs:eu-west-1:123456789012:" + DLQName, Policy: addStatement(t, f.DLQ.Policy, st)}
	}
	other := deny("Elsewhere", nil)
	other.Policy = strings.Replace(other.Policy, `"Resource":"*"`, `"Resource":"arn:aws:sqs:eu-west-1:123456789012:other"`, 1)
	checkVerdicts(t, []verdictCase{
		{"deny", JudgeDLQ(f, deny("NoDeadLetters", nil), nil, nil, now), Fail, "statement NoDeadLetters denies sqs:SendMessage"},
		{"conditional deny", JudgeDLQ(f, deny("Maybe", policy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}}), nil, nil, now), Warn, "statement Maybe denies sqs:SendMessage under conditions"},
		{"deny on another queue", JudgeDLQ(f, other, nil, nil, now), OK, "is empty"},
	})
	if v := JudgeDLQ(f, deny("NoDeadLetters", nil), nil, nil, now); !strings.Contains(v.Fix, "rootwatch deploy") {
		t.Errorf("fix %q does not say deploy replaces the policy", v.Fix)
	}
}

func TestJudgeKeyTampered(t *testing.T) {
	enc := cloud.Topic{ARN: "arn:aws:sns:us-east-1:1:t", KMSKeyID: "k"}
	good := cloud.Key{ARN: "arn:aws:kms:us-east-1:1:key/k", Policy: KeyStatementDocument(), State: cloud.KeyEnabled}
	with := func(edit func(*cloud.Key)) cloud.Key {
		k := good
		edit(&k)
		return k
	}
	denyAll := policy.Statement{Sid: "NoEventBridge", Effect: "Deny", Principal: policy.Service(EventsService), Action: policy.Values{"kms:*"}, Resource: policy.Values{"*"}}
	denyDecrypt := policy.Statement{Sid: "NoDecrypt", Effect: "Deny", Principal: &policy.Principal{Any: true}, Action: policy.Values{"kms:Decrypt"}, Resource: policy.Values{"*"},
		Condition: policy.Conditions{"StringNotEquals": {"aws:PrincipalAccount": {"1"}}}}
	denyDelete := policy.Statement{Sid: "NoDelete", Effect: "Deny", Principal: &policy.Principal{Any: true}, Action: policy.Values{"kms:ScheduleKeyDeletion"}, Resource: policy.Values{"*"}}
	checkVerdicts(t, []verdictCase{
		{"enabled", JudgeKey(enc, good, true), OK, "lets EventBridge encrypt"},
		{"state not read", JudgeKey(enc, with(func(k *cloud.Key) { k.State = "" }), true), OK, "lets EventBridge encrypt"},
		{"disabled", JudgeKey(enc, with(func(k *cloud.Key) { k.State = cloud.KeyDisabled }), true), Fail, "key arn:aws:kms:us-east-1:1:key/k that encrypts the topic is disabled"},
		{"pending deletion", JudgeKey(enc, with(func(k *cloud.Key) { k.State = cloud.KeyPendingDeletion }), true), Fail, "is scheduled for deletion"},
		{"pending import", JudgeKey(enc, with(func(k *cloud.Key) { k.State = "PendingImport" }), true), Fail, "is in state PendingImport"},
		{"deny", JudgeKey(enc, with(func(k *cloud.Key) { k.Policy = addStatement(t, k.Policy, denyAll) }), true), Fail, "statement NoEventBridge denies kms:GenerateDataKey"},
		{"conditional deny", JudgeKey(enc, with(func(k *cloud.Key) { k.Policy = addStatement(t, k.Policy, denyDecrypt) }), true), Warn, "statement NoDecrypt denies kms:Decrypt under conditions"},
		{"deny of another action", JudgeKey(enc, with(func(k *cloud.Key) { k.Policy = addStatement(t, k.Policy, denyDelete) }), true), OK, "lets EventBridge encrypt"},
	})
	fixes := map[string]Verdict{
		"aws kms enable-key --key-id arn:aws:kms:us-east-1:1:key/k":          JudgeKey(enc, with(func(k *cloud.Key) { k.State = cloud.KeyDisabled }), true),
		"aws kms cancel-key-deletion --key-id arn:aws:kms:us-east-1:1:key/k": JudgeKey(enc, with(func(k *cloud.Key) { k.State = cloud.KeyPendingDeletion }), true),
		"never removes another's": JudgeKey(enc, with(func(k *cloud.Key) { k.Policy = addStatement(t, k.Policy, denyAll) }), true),
	}
	for want, v := range fixes {
		if !strings.Contains(v.Fix, want) {
			t.Errorf("fix %q lacks %q", v.Fix, want)
		}
	}
}

func TestJudgeTargetInputOverride(t *testing.T) {
	s := testSpec(t)
	fwd, _ := s.Forwarder("eu-west-1")
	constant := fwd.Rule.Target
	constant.ConstantInput = `{"all":"quiet"}`
	path := fwd.Rule.Target
	path.InputPath = "$.account"
	checkVerdicts(t, []verdictCase{
		{"constant input", JudgeTarget(fwd.Rule, []cloud.Target{constant}, "lost"), Fail, "sends a constant input (15 bytes) instead of the event: lost"},
		{"input path", JudgeTarget(fwd.Rule, []cloud.Target{path}, "lost"), Fail, "sends only part of it (an input path) instead of the event: lost"},
	})
	if v := JudgeTarget(fwd.Rule, []cloud.Target{constant}, "lost"); strings.Contains(v.Detail, "quiet") {
		t.Errorf("the detail quotes the actor's constant: %q", v.Detail)
	}
	if d := TargetDiffs(constant, fwd.Rule.Target); strings.Join(d, ",") != "constant input" {
		t.Errorf("TargetDiffs(constant input) = %v", d)
	}
	if d := TargetDiffs(path, fwd.Rule.Target); strings.Join(d, ",") != "input path" {
		t.Errorf("TargetDiffs(input path) = %v", d)
	}
}
