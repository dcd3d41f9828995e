package chain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// testSpec is the desired chain of a one-account deployment in two regions.
func testSpec(t *testing.T) Spec {
	t.Helper()
	s, err := Desired(cloud.Identity{Account: "123456789012", Partition: "aws"}, []string{"eu-west-1", "us-east-1"}, Options{Emails: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verdictCase is one judgement: the status it must give and words its
// detail must hold.
type verdictCase struct {
	name   string
	got    Verdict
	status Status
	detail string
}

func checkVerdicts(t *testing.T, cases []verdictCase) {
	t.Helper()
	for _, c := range cases {
		if c.got.Status != c.status || !strings.Contains(c.got.Detail, c.detail) {
			t.Errorf("%s: got %s %q, want %s containing %q", c.name, c.got.Status, c.got.Detail, c.status, c.detail)
		}
		if c.got.Status != OK && c.got.Detail == "" {
			t.Errorf("%s: a %s verdict without a detail", c.name, c.got.Status)
		}
	}
}

func TestJudgeTrails(t *testing.T) {
	fit := cloud.Trail{Name: "main", Logging: true, MultiRegion: true, GlobalEvents: true, Management: cloud.ManagementWriteOnly}
	off := fit
	off.Logging = false
	single := fit
	single.Name, single.MultiRegion, single.Management = "single", false, cloud.ManagementReadOnly
	v := JudgeTrails([]cloud.Trail{single, off})
	checkVerdicts(t, []verdictCase{
		{"fit", JudgeTrails([]cloud.Trail{fit}), OK, "trail main: logging"},
		{"one fit among unfit", JudgeTrails([]cloud.Trail{single, fit}), OK, "trail main"},
		{"none", JudgeTrails(nil), Fail, "no CloudTrail trail"},
		{"not logging", JudgeTrails([]cloud.Trail{off}), Fail, "trail main is not logging"},
		{"read-only management events", JudgeTrails([]cloud.Trail{single}), Fail, "records management events ReadOnly (needs All or WriteOnly)"},
		{"two unfit", v, Fail, "trail single is not multi-region"},
	})
	// The fix repairs the closest trail: the one only not logging.
	if !strings.HasPrefix(v.Fix, "aws cloudtrail start-logging --name main") {
		t.Errorf("fix %q does not start with the closest trail's repair", v.Fix)
	}
}

func TestJudgeBusPolicy(t *testing.T) {
	const arn = "arn:aws:events:us-east-1:123456789012:event-bus/rootwatch"
	bus := func(p string) cloud.Bus { return cloud.Bus{Name: BusName, ARN: arn, Policy: p} }
	checkVerdicts(t, []verdictCase{
		{"no policy", JudgeBusPolicy(bus(""), ForwarderRoleName), OK, "no resource policy"},
		{"allow only", JudgeBusPolicy(bus(`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"events:PutEvents","Resource":"`+arn+`"}}`), ForwarderRoleName), OK, "does not deny"},
		{"deny elsewhere", JudgeBusPolicy(bus(`{"Statement":{"Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/other"}}`), ForwarderRoleName), OK, "does not deny"},
		{"deny", JudgeBusPolicy(bus(`{"Statement":{"Sid":"No","Effect":"Deny","Principal":"*","Action":"events:*","Resource":"*"}}`), ForwarderRoleName), Fail, "statement No denies events:PutEvents"},
		{"conditional deny", JudgeBusPolicy(bus(`{"Statement":{"Sid":"Org","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}}}`), ForwarderRoleName), Warn, "under conditions"},
		{"not JSON", JudgeBusPolicy(bus(`{`), ForwarderRoleName), Fail, "not valid JSON"},
	})
}

func TestJudgeRuleState(t *testing.T) {
	r := func(st cloud.RuleState) cloud.Rule {
		return cloud.Rule{Name: ForwardRuleName, Bus: cloud.DefaultBus, State: st}
	}
	all := cloud.RuleEnabledAllManagement
	checkVerdicts(t, []verdictCase{
		{"as deployed", JudgeRuleState("eu-west-1", r(all), all, "lost", "ro"), OK, "is " + string(all)},
		{"enabled only", JudgeRuleState("eu-west-1", r(cloud.RuleEnabled), all, "lost", "ro"), Warn, "read-only API calls are missed (ro)"},
		{"enabled where enabled is wanted", JudgeRuleState("eu-west-1", r(cloud.RuleEnabled), cloud.RuleEnabled, "lost", "ro"), OK, "ENABLED"},
		{"disabled", JudgeRuleState("eu-west-1", r(cloud.RuleDisabled), all, "lost", "ro"), Fail, "DISABLED: lost"},
		{"unknown state", JudgeRuleState("eu-west-1", r("PAUSED"), cloud.RuleEnabled, "lost", "ro"), Fail, `state "PAUSED"`},
	})
	v := JudgeRuleState("us-east-1", cloud.Rule{Name: "rootwatch-alert-x", Bus: BusName, State: cloud.RuleDisabled}, all, "l", "r")
	if !strings.Contains(v.Fix, "--event-bus-name rootwatch --region us-east-1") {
		t.Errorf("fix %q does not name the bus and region", v.Fix)
	}
}

func TestJudgePattern(t *testing.T) {
	checkVerdicts(t, []verdictCase{
		{"same bytes", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"a":[1]}`}, `{"a":[1]}`), OK, "expected pattern"},
		{"re-spaced", JudgePattern(cloud.Rule{Name: "r", Pattern: "{ \"a\": [ 1 ],\n  \"b\": [\"x\"] }"}, `{"a":[1],"b":["x"]}`), OK, "expected pattern"},
		{"keys re-ordered", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"d":{"t":["Root"],"n":["x"]},"s":[{"prefix":"aws."}]}`}, `{"s":[{"prefix":"aws."}],"d":{"n":["x"],"t":["Root"]}}`), OK, "expected pattern"},
		{"value changed", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"a":[2]}`}, `{"a":[1]}`), Fail, `at byte 6: deployed "2]}", expected "1]}"`},
		{"value changed and re-spaced: shown where it differs", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"a": [ 2 ]}`}, `{"a":[1]}`), Fail, `at byte 6: deployed "2]}", expected "1]}"`},
		{"field added", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"b":["x"],"a":[1]}`}, `{"a":[1]}`), Fail, "differs from the one rootwatch deploys"},
		{"order that matters", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"$or":[{"n":["c"]},{"k":["x"]}],"n":["a"]}`}, `{"n":["a"],"$or":[{"n":["c"]},{"k":["x"]}]}`), Fail, "differs from the one rootwatch deploys"},
		{"not JSON", JudgePattern(cloud.Rule{Name: "r", Pattern: `{"a":`}, `{"a":[1]}`), Fail, `at byte 5: deployed "", expected "[1]}"`},
	})
}

func TestFirstDifference(t *testing.T) {
	tests := []struct{ got, want, out string }{
		{`{"a":1}`, `{"a":2}`, `at byte 5: deployed "1}", expected "2}"`},
		{`{"a":1}`, `{"a":1,"b":2}`, `at byte 6: deployed "}", expected ",\"b\":2}"`},
		{``, `{}`, `at byte 0: deployed "", expected "{}"`},
	}
	for _, tt := range tests {
		if got := firstDifference(tt.got, tt.want); got != tt.out {
			t.Errorf("firstDifference(%q, %q) = %q, want %q", tt.got, tt.want, got, tt.out)
		}
	}
}

func TestJudgeTarget(t *testing.T) {
	s := testSpec(t)
	fwd, _ := s.Forwarder("eu-west-1")
	alert := s.AlertRules[0]
	with := func(r RuleSpec, edit func(*cloud.Target)) []cloud.Target {
		tg := r.Target
		edit(&tg)
		return []cloud.Target{tg}
	}
	checkVerdicts(t, []verdictCase{
		{"forward as deployed", JudgeTarget(fwd.Rule, []cloud.Target{fwd.Rule.Target}, "lost"), OK, "with a dead-letter queue"},
		{"alert as deployed, among others", JudgeTarget(alert, []cloud.Target{{ID: "mine", ARN: "arn:aws:sqs:us-east-1:1:q"}, alert.Target}, "lost"), OK, "sends to " + s.Topic.ARN},
		{"none", JudgeTarget(fwd.Rule, nil, "lost"), Fail, "has no target sending to " + s.Bus.ARN + ": lost"},
		{"elsewhere", JudgeTarget(fwd.Rule, with(fwd.Rule, func(t *cloud.Target) { t.ARN = "arn:aws:events:us-east-1:1:event-bus/x" }), "lost"), Fail, "sends to arn:aws:events:us-east-1:1:event-bus/x"},
		{"no role", JudgeTarget(fwd.Rule, with(fwd.Rule, func(t *cloud.Target) { t.RoleARN = "" }), "lost"), Fail, "uses no role"},
		{"no transformer", JudgeTarget(alert, with(alert, func(t *cloud.Target) { t.Input = nil }), "lost"), Warn, "no input transformer"},
		{"other transformer", JudgeTarget(alert, with(alert, func(t *cloud.Target) { t.Input = &cloud.InputTransformer{Template: `"x"`} }), "lost"), Warn, "input transformer differs"},
		{"no DLQ", JudgeTarget(fwd.Rule, with(fwd.Rule, func(t *cloud.Target) { t.DeadLetterARN = "" }), "lost"), Warn, "no dead-letter queue"},
		{"other DLQ", JudgeTarget(fwd.Rule, with(fwd.Rule, func(t *cloud.Target) { t.DeadLetterARN = "arn:aws:sqs:eu-west-1:1:q" }), "lost"), Warn, "dead-letter queue is arn:aws:sqs:eu-west-1:1:q"},
		{"default retry", JudgeTarget(fwd.Rule, with(fwd.Rule, func(t *cloud.Target) { t.MaxAttempts, t.MaxAge = 0, 0 }), "lost"), Warn, "retry policy is the default, not 185 attempts over 24h0m0s"},
	})
}

func TestTargetDiffs(t *testing.T) {
	s := testSpec(t)
	want := s.AlertRules[0].Target
	if d := TargetDiffs(want, want); len(d) != 0 || !SameTarget(want, want) {
		t.Errorf("a target differs from itself: %v", d)
	}
	got := want
	got.Input = &cloud.InputTransformer{Template: want.Input.Template, Paths: map[string]string{"x": "$.x"}}
	got.MaxAge = time.Hour
	if d := TargetDiffs(got, want); strings.Join(d, ",") != "retry policy,input transformer" {
		t.Errorf("TargetDiffs = %v", d)
	}
}

func TestJudgeTopicPolicy(t *testing.T) {
	s := testSpec(t)
	topic := func(p string) cloud.Topic { return cloud.Topic{ARN: s.Topic.ARN, Policy: p} }
	ours := s.Topic.Statement.Sid
	st := func(cond string) string {
		return `{"Sid":"` + ours + `","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + s.Topic.ARN + `"` + cond + `}`
	}
	var arns []string
	for _, r := range s.AlertRules {
		arns = append(arns, `"`+r.ARN+`"`)
	}
	exact := `,"Condition":{"ArnEquals":{"aws:SourceArn":[` + strings.Join(arns, ",") + `]}}`
	plusOne := `,"Condition":{"ArnEquals":{"aws:SourceArn":[` + strings.Join(arns, ",") + `,"arn:aws:events:us-east-1:123456789012:rule/rootwatch/other"]}}`
	wild := `,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:123456789012:rule/rootwatch/rootwatch-alert-*"}}`
	doc := func(sts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
	}
	written := s.Topic.Statement
	checkVerdicts(t, []verdictCase{
		{"as deployed", JudgeTopicPolicy(s, topic(doc(mustString(written)))), OK, "for the " + itoa(len(s.AlertRules)) + " alert rules"},
		{"as deployed, reordered", JudgeTopicPolicy(s, topic(doc(st(exact)))), OK, "lets EventBridge publish"},
		{"missing", JudgeTopicPolicy(s, topic(doc(`{"Sid":"Other","Effect":"Allow","Principal":"*","Action":"sns:Subscribe"}`))), Fail, "has no statement " + ours},
		{"not JSON", JudgeTopicPolicy(s, topic(`{`)), Fail, "not valid JSON"},
		{"other principal", JudgeTopicPolicy(s, topic(doc(strings.Replace(st(exact), `{"Service":"events.amazonaws.com"}`, `{"AWS":"*"}`, 1)))), Fail, "does not allow events.amazonaws.com sns:Publish"},
		{"denied", JudgeTopicPolicy(s, topic(doc(st(exact), `{"Sid":"D","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*"}`))), Fail, "statement D denies sns:Publish"},
		{"unscoped", JudgeTopicPolicy(s, topic(doc(st("")))), Warn, "no aws:SourceArn condition"},
		{"one rule short", JudgeTopicPolicy(s, topic(doc(st(`,"Condition":{"ArnEquals":{"aws:SourceArn":`+arns[0]+`}}`)))), Fail, "does not let " + s.AlertRules[1].ARN},
		{"one extra rule", JudgeTopicPolicy(s, topic(doc(st(plusOne)))), Warn, "also lets arn:aws:events:us-east-1:123456789012:rule/rootwatch/other publish"},
		{"wildcard", JudgeTopicPolicy(s, topic(doc(st(wild)))), Warn, "also lets arn:aws:events:us-east-1:123456789012:rule/rootwatch/rootwatch-alert-* publish"},
		{"differs otherwise", JudgeTopicPolicy(s, topic(doc(st(exact+`,"NotResource":"arn:aws:sns:us-east-1:123456789012:other"`)))), Warn, "differs from the one rootwatch deploys"},
	})
}

func TestJudgeSubscriptions(t *testing.T) {
	conf := cloud.Subscription{Protocol: "email", Endpoint: "a@example.com"}
	pend := cloud.Subscription{Protocol: "email", Endpoint: "b@example.com", Pending: true}
	checkVerdicts(t, []verdictCase{
		{"confirmed", JudgeSubscriptions([]cloud.Subscription{conf}), OK, "1 confirmed (email:a@example.com)"},
		{"none", JudgeSubscriptions(nil), Fail, "no subscription"},
		{"pending only", JudgeSubscriptions([]cloud.Subscription{pend}), Fail, "no confirmed subscription, 1 pending (b@example.com)"},
		{"one of each", JudgeSubscriptions([]cloud.Subscription{conf, pend}), Warn, "1 confirmed, 1 pending (b@example.com)"},
		{"filter policy", JudgeSubscriptions([]cloud.Subscription{conf, {ARN: "arn:aws:sns:us-east-1:1:t:2", Protocol: "email", Endpoint: "c@example.com", FilterPolicy: `{"x":["y"]}`}}), Fail, "1 subscription(s) have a filter policy that keeps every alert from them (email:c@example.com)"},
		{"https host only", JudgeSubscriptions([]cloud.Subscription{{ARN: "arn:aws:sns:us-east-1:1:t:3", Protocol: "https", Endpoint: "https://hooks.example.com/services/T000/B000/SECRETTOKEN?key=abc"}}), OK, "1 confirmed (https:https://hooks.example.com/…)"},
	})
}

func TestKeyGrantsLacking(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   string
	}{
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*","Resource":"*"}]}`, "kms:GenerateDataKey* kms:Decrypt"},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`, ""},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":["sns.amazonaws.com","events.amazonaws.com"]},"Action":"KMS:*","Resource":"*"}]}`, ""},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`, "kms:GenerateDataKey*"},
		{`{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:GenerateDataKey","Resource":"*"}]}`, "kms:Decrypt"},
		{`{"Statement":[{"Effect":"Deny","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:*","Resource":"*"}]}`, "kms:GenerateDataKey* kms:Decrypt"},
		{`{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*"}}`, ""},
	} {
		got, err := KeyGrantsLacking(tc.policy)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("KeyGrantsLacking(%s) = %v, %v; want %q", tc.policy, got, err, tc.want)
		}
	}
	if _, err := KeyGrantsLacking(`{`); err == nil {
		t.Error("a malformed key policy gave no error")
	}
	if got, _ := KeyGrantsLacking(KeyStatementDocument()); len(got) != 0 {
		t.Errorf("rootwatch's own key statement lacks %v", got)
	}
}

func TestJudgeKey(t *testing.T) {
	enc := cloud.Topic{ARN: "arn:aws:sns:us-east-1:1:t", KMSKeyID: "k"}
	good := cloud.Key{ARN: "arn:aws:kms:us-east-1:1:key/k", Policy: KeyStatementDocument()}
	checkVerdicts(t, []verdictCase{
		{"not encrypted", JudgeKey(cloud.Topic{}, cloud.Key{}, false), OK, "not encrypted"},
		{"grants", JudgeKey(enc, good, true), OK, "lets EventBridge encrypt"},
		{"missing key", JudgeKey(enc, cloud.Key{}, false), Fail, "does not exist"},
		{"AWS managed", JudgeKey(enc, cloud.Key{AWSManaged: true}, true), Fail, "AWS managed key k"},
		{"no grant", JudgeKey(enc, cloud.Key{ARN: good.ARN, Policy: `{"Statement":[]}`}, true), Fail, "use kms:GenerateDataKey* and kms:Decrypt"},
		{"unreadable", JudgeKey(enc, cloud.Key{ARN: good.ARN, Policy: `[`}, true), Fail, "cannot read"},
	})
}

func TestJudgeRole(t *testing.T) {
	s := testSpec(t)
	role := cloud.Role{Name: s.Role.Name, Trust: s.Role.Trust}
	other := cloud.Role{Name: s.Role.Name, Trust: `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`}
	checkVerdicts(t, []verdictCase{
		{"trust as deployed", JudgeRoleTrust(role), OK, "trusts events.amazonaws.com"},
		{"trusts another service", JudgeRoleTrust(other), Fail, "does not let events.amazonaws.com assume it"},
		{"trust unreadable", JudgeRoleTrust(cloud.Role{Name: "r", Trust: "x"}), Fail, "does not let"},
		{"channel role trusts another service", JudgeChannelRoleTrust(other), Fail, "does not let events.amazonaws.com assume it: its channels get no alert"},
		{"policy as deployed", JudgeRolePolicy(s, s.Role.Policy), OK, "may put events on " + s.Bus.ARN},
		{"policy on any bus", JudgeRolePolicy(s, `{"Statement":{"Effect":"Allow","Action":"events:Put*","Resource":"arn:aws:events:*:*:event-bus/*"}}`), OK, "may put events"},
		{"policy on another bus", JudgeRolePolicy(s, `{"Statement":{"Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/default"}}`), Fail, "does not allow events:PutEvents"},
		{"policy denies", JudgeRolePolicy(s, `{"Statement":{"Effect":"Deny","Action":"events:PutEvents","Resource":"*"}}`), Fail, "does not allow"},
	})
}

func TestJudgeDLQ(t *testing.T) {
	s := testSpec(t)
	f, _ := s.Forwarder("eu-west-1")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	q := cloud.Queue{Name: DLQName, URL: "https://sqs/q", Policy: f.DLQ.Policy}
	msg := cloud.Message{Body: `{"detail-type":"AWS Console Sign In via CloudTrail"}`, Sent: now.Add(-90 * time.Minute)}
	full := q
	full.Messages = 3
	checkVerdicts(t, []verdictCase{
		{"empty, policy as deployed", JudgeDLQ(f, q, nil, nil, now), OK, "is empty"},
		{"empty, no policy", JudgeDLQ(f, cloud.Queue{Name: DLQName}, nil, nil, now), Warn, "no statement (RootwatchEventBridgeDLQ)"},
		{"empty, policy for another service", JudgeDLQ(f, cloud.Queue{Name: DLQName, Policy: `{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}`}, nil, nil, now), Warn, "no statement"},
		{"count says empty, peek finds one", JudgeDLQ(f, q, []cloud.Message{msg}, nil, now), Fail, "holds 1 message(s): alerts that were never delivered; oldest sent 2026-11-23T10:30:00Z (1h30m ago): AWS Console Sign In via CloudTrail"},
		{"three, one peeked", JudgeDLQ(f, full, []cloud.Message{msg}, nil, now), Fail, "oldest of the 1 peeked at"},
		{"peek failed", JudgeDLQ(f, full, nil, errors.New("denied"), now), Fail, "holds 3 message(s): alerts that were never delivered (could not peek at them: denied)"},
		{"missing", JudgeDLQMissing(f), Warn, "dead-letter queue rootwatch-dlq is missing"},
	})
}

func TestAge(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{59*time.Second + 900*time.Millisecond, "59s"},
		{4*time.Minute + 10*time.Second, "4m10s"},
		{2*time.Hour + 5*time.Minute + 7*time.Second, "2h5m"},
		{3*24*time.Hour + 4*time.Hour + 59*time.Minute, "3d4h"},
	}
	for _, tt := range tests {
		if got := age(tt.d); got != tt.want {
			t.Errorf("age(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWorse(t *testing.T) {
	all := []Status{OK, Warn, Fail, Error}
	for i, a := range all {
		for j, b := range all {
			want := all[max(i, j)]
			if got := a.Worse(b); got != want {
				t.Errorf("%s.Worse(%s) = %s, want %s", a, b, got, want)
			}
		}
	}
	if got := Status("").Worse(OK); got != OK {
		t.Errorf(`"".Worse(ok) = %q`, got)
	}
}
