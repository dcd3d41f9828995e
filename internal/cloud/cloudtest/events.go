package cloudtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testBuses(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	def, err := ev.Bus(ctx, cloud.DefaultBus)
	check(t, "Bus(default)", err)
	if def.Name != cloud.DefaultBus || !strings.HasSuffix(def.ARN, ":event-bus/default") || !strings.Contains(def.ARN, ":"+Home+":") {
		t.Errorf("default bus = %+v", def)
	}
	_, err = ev.Bus(ctx, "no-such-bus")
	wantNotFound(t, "Bus(no-such-bus)", err)

	b, err := ev.CreateBus(ctx, "rw-test", managed)
	check(t, "CreateBus", err)
	if b.Name != "rw-test" || !strings.HasSuffix(b.ARN, ":event-bus/rw-test") {
		t.Errorf("CreateBus = %+v", b)
	}
	got, err := ev.Bus(ctx, "rw-test")
	check(t, "Bus", err)
	if diff := cmp.Diff(cloud.Bus{Name: "rw-test", ARN: b.ARN, Tags: managed}, got); diff != "" {
		t.Errorf("Bus (-want +got):\n%s", diff)
	}
	_, err = ev.CreateBus(ctx, "rw-test", managed)
	wantExists(t, "CreateBus of an existing bus", err)

	// TagBus adds keys and replaces the values of keys the bus has.
	check(t, "TagBus", ev.TagBus(ctx, "rw-test", cloud.Tags{"rootwatch:topic": "", "rootwatch:regions": "eu-west-1 us-east-1"}))
	check(t, "TagBus again", ev.TagBus(ctx, "rw-test", cloud.Tags{"rootwatch:regions": "us-east-1"}))
	got, err = ev.Bus(ctx, "rw-test")
	check(t, "Bus after TagBus", err)
	wantTags := cloud.Tags{"rootwatch:topic": "", "rootwatch:regions": "us-east-1"}
	for k, v := range managed {
		wantTags[k] = v
	}
	if diff := cmp.Diff(wantTags, got.Tags); diff != "" {
		t.Errorf("tags after TagBus (-want +got):\n%s", diff)
	}
	wantNotFound(t, "TagBus(no-such-bus)", ev.TagBus(ctx, "no-such-bus", managed))

	check(t, "DeleteBus", ev.DeleteBus(ctx, "rw-test"))
	_, err = ev.Bus(ctx, "rw-test")
	wantNotFound(t, "Bus after DeleteBus", err)
	check(t, "DeleteBus of a deleted bus (idempotent, as AWS)", ev.DeleteBus(ctx, "rw-test"))
	if err := ev.DeleteBus(ctx, cloud.DefaultBus); err == nil {
		t.Error("DeleteBus(default) succeeded, want an error")
	}
}

const (
	signInPattern = `{"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`
	apiPattern    = `{"detail-type":["AWS API Call via CloudTrail"],"detail":{"userIdentity":{"type":["Root"],"invokedBy":[{"exists":false}]}}}`
)

func testRules(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	_, err := ev.CreateBus(ctx, "rw-test", nil)
	check(t, "CreateBus", err)

	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-x", Bus: "no-such-bus", Pattern: signInPattern, State: cloud.RuleEnabled})
	wantNotFound(t, "PutRule on a missing bus", err)
	_, err = ev.Rules(ctx, "no-such-bus", "")
	wantNotFound(t, "Rules on a missing bus", err)
	_, err = ev.Rule(ctx, "rw-test", "no-such-rule")
	wantNotFound(t, "Rule(no-such-rule)", err)

	in := cloud.Rule{Name: "rw-alert-signin", Bus: "rw-test", Pattern: signInPattern, State: cloud.RuleEnabled, Description: "root sign-in", Tags: managed}
	arn, err := ev.PutRule(ctx, in)
	check(t, "PutRule", err)
	if !strings.HasSuffix(arn, ":rule/rw-test/rw-alert-signin") || !strings.Contains(arn, ":"+Home+":") {
		t.Errorf("PutRule ARN = %q", arn)
	}
	want := in
	want.ARN = arn
	got, err := ev.Rule(ctx, "rw-test", "rw-alert-signin")
	check(t, "Rule", err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rule (-want +got):\n%s", diff)
	}

	// Update: new state, pattern and description; the tags stay.
	upd := in
	upd.Tags = nil
	upd.State = cloud.RuleDisabled
	upd.Pattern = apiPattern
	upd.Description = "root API call"
	arn2, err := ev.PutRule(ctx, upd)
	check(t, "PutRule (update)", err)
	if arn2 != arn {
		t.Errorf("updated rule ARN = %q, want %q", arn2, arn)
	}
	want = upd
	want.ARN = arn
	want.Tags = managed
	got, err = ev.Rule(ctx, "rw-test", "rw-alert-signin")
	check(t, "Rule after update", err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rule after update (-want +got):\n%s", diff)
	}

	// The state that also receives read-only management events, on the default bus.
	fwd := cloud.Rule{Name: "rw-forward", Pattern: apiPattern, State: cloud.RuleEnabledAllManagement, Tags: managed}
	fwdARN, err := ev.PutRule(ctx, fwd)
	check(t, "PutRule on the default bus", err)
	if !strings.HasSuffix(fwdARN, ":rule/rw-forward") {
		t.Errorf("default-bus rule ARN = %q", fwdARN)
	}
	got, err = ev.Rule(ctx, "", "rw-forward")
	check(t, "Rule on the default bus", err)
	fwd.Bus, fwd.ARN = cloud.DefaultBus, fwdARN
	if diff := cmp.Diff(fwd, got); diff != "" {
		t.Errorf("default-bus rule (-want +got):\n%s", diff)
	}

	// The pattern comes back byte for byte, whitespace and key order included:
	// status compares deployed patterns with the rule pack's bytes.
	spaced := "{\n  \"source\": [\"aws.signin\"],\n  \"detail-type\": [ \"AWS Console Sign In via CloudTrail\" ]\n}"
	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-other", Bus: "rw-test", Pattern: spaced, State: cloud.RuleEnabled})
	check(t, "PutRule rw-other", err)
	got, err = ev.Rule(ctx, "rw-test", "rw-other")
	check(t, "Rule rw-other", err)
	if got.Pattern != spaced {
		t.Errorf("pattern came back as %q, want the bytes put: %q", got.Pattern, spaced)
	}
	_, err = ev.PutRule(ctx, cloud.Rule{Name: "unrelated", Bus: "rw-test", Pattern: signInPattern, State: cloud.RuleEnabled})
	check(t, "PutRule unrelated", err)
	rules, err := ev.Rules(ctx, "rw-test", "rw-")
	check(t, "Rules", err)
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
		if r.Name == "rw-alert-signin" && !cmp.Equal(r.Tags, managed) {
			t.Errorf("Rules lists rw-alert-signin with tags %v, want %v", r.Tags, managed)
		}
		if r.Bus != "rw-test" || r.ARN == "" || r.Pattern == "" {
			t.Errorf("Rules lists %+v without its bus, ARN or pattern", r)
		}
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"rw-alert-signin", "rw-other"}, names); diff != "" {
		t.Errorf("Rules(prefix rw-) names (-want +got):\n%s", diff)
	}

	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-bad", Bus: "rw-test", Pattern: `{"detail":"not an array"}`, State: cloud.RuleEnabled})
	if err == nil {
		t.Error("PutRule with an invalid pattern succeeded")
	}

	check(t, "DeleteRule", ev.DeleteRule(ctx, "rw-test", "rw-other"))
	_, err = ev.Rule(ctx, "rw-test", "rw-other")
	wantNotFound(t, "Rule after DeleteRule", err)
	check(t, "DeleteRule of a deleted rule (idempotent, as AWS)", ev.DeleteRule(ctx, "rw-test", "rw-other"))
}

func testRulePagination(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	const n = 23
	var want []string
	for i := range n {
		name := fmt.Sprintf("rw-page-%02d", i)
		want = append(want, name)
		_, err := ev.PutRule(ctx, cloud.Rule{Name: name, Pattern: signInPattern, State: cloud.RuleDisabled, Tags: cloud.Tags{"i": fmt.Sprint(i)}})
		check(t, "PutRule", err)
	}
	rules, err := ev.Rules(ctx, "", "rw-page-")
	check(t, "Rules", err)
	var got []string
	for _, r := range rules {
		got = append(got, r.Name)
		if r.Tags["i"] != strings.TrimLeft(strings.TrimPrefix(r.Name, "rw-page-"), "0") && !(r.Name == "rw-page-00" && r.Tags["i"] == "0") {
			t.Errorf("rule %s listed with tags %v", r.Name, r.Tags)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rules over several pages (-want +got):\n%s", diff)
	}
}

func testTargets(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	_, err := ev.Targets(ctx, "", "no-such-rule")
	wantNotFound(t, "Targets of a missing rule", err)
	err = ev.PutTargets(ctx, "", "no-such-rule", []cloud.Target{{ID: "x", ARN: "arn:aws:sns:us-east-1:123456789012:x"}})
	wantNotFound(t, "PutTargets on a missing rule", err)

	bus, err := ev.CreateBus(ctx, "rw-test", nil)
	check(t, "CreateBus", err)
	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-alert", Bus: "rw-test", Pattern: signInPattern, State: cloud.RuleEnabled})
	check(t, "PutRule", err)
	topic, err := a.Topics(Home).CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	dlq, err := a.Queues(Home).CreateQueue(ctx, "rw-dlq", "", nil)
	check(t, "CreateQueue", err)

	alert := cloud.Target{
		ID:  "rw-topic",
		ARN: topic,
		Input: &cloud.InputTransformer{
			Paths:    map[string]string{"account": "$.account", "ip": "$.detail.sourceIPAddress"},
			Template: `"Root user signed in to AWS account <account> from <ip>"`,
		},
		DeadLetterARN: dlq.ARN,
		MaxAttempts:   4,
		MaxAge:        2 * time.Hour,
	}
	check(t, "PutTargets", ev.PutTargets(ctx, "rw-test", "rw-alert", []cloud.Target{alert}))
	got, err := ev.Targets(ctx, "rw-test", "rw-alert")
	check(t, "Targets", err)
	if diff := cmp.Diff([]cloud.Target{alert}, got); diff != "" {
		t.Errorf("Targets (-want +got):\n%s", diff)
	}

	// Replace by ID, and add a plain one.
	alert.Input.Template = `"Root: <account>"`
	alert.MaxAttempts = 0
	alert.MaxAge = 0
	plain := cloud.Target{ID: "rw-plain", ARN: dlq.ARN}
	check(t, "PutTargets (replace)", ev.PutTargets(ctx, "rw-test", "rw-alert", []cloud.Target{alert, plain}))
	got, err = ev.Targets(ctx, "rw-test", "rw-alert")
	check(t, "Targets after replace", err)
	slices.SortFunc(got, func(x, y cloud.Target) int { return strings.Compare(x.ID, y.ID) })
	if len(got) != 2 || got[0].ID != "rw-plain" || got[1].ID != "rw-topic" || got[1].Input == nil || got[1].Input.Template != alert.Input.Template {
		t.Errorf("Targets after replace = %+v", got)
	}

	// Rules with targets cannot be deleted.
	if err := ev.DeleteRule(ctx, "rw-test", "rw-alert"); err == nil {
		t.Error("DeleteRule of a rule with targets succeeded, want an error")
	}
	check(t, "RemoveTargets", ev.RemoveTargets(ctx, "rw-test", "rw-alert", []string{"rw-plain", "rw-topic"}))
	got, err = ev.Targets(ctx, "rw-test", "rw-alert")
	check(t, "Targets after RemoveTargets", err)
	if len(got) != 0 {
		t.Errorf("Targets after RemoveTargets = %+v, want none", got)
	}
	check(t, "DeleteRule after RemoveTargets", ev.DeleteRule(ctx, "rw-test", "rw-alert"))

	// A cross-region event-bus target with a role, from the remote default bus.
	rev := a.Events(Remote)
	_, err = rev.PutRule(ctx, cloud.Rule{Name: "rw-forward", Pattern: apiPattern, State: cloud.RuleEnabledAllManagement})
	check(t, "PutRule in "+Remote, err)
	role, err := a.Roles().CreateRole(ctx, cloud.Role{Name: "rw-forwarder", Trust: eventsTrust})
	check(t, "CreateRole", err)
	fwd := cloud.Target{ID: "rw-home-bus", ARN: bus.ARN, RoleARN: role}
	check(t, "PutTargets (event bus)", rev.PutTargets(ctx, "", "rw-forward", []cloud.Target{fwd}))
	got, err = rev.Targets(ctx, cloud.DefaultBus, "rw-forward")
	check(t, "Targets (event bus)", err)
	if diff := cmp.Diff([]cloud.Target{fwd}, got); diff != "" {
		t.Errorf("event-bus Targets (-want +got):\n%s", diff)
	}
}

const signInEvent = `{"version":"0","id":"6f87d04b-9f74-4f04-a780-7acf4b0a9b38","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"us-east-1","resources":[],"detail":{"userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root"},"eventName":"ConsoleLogin","sourceIPAddress":"198.51.100.23"}}`

func testTestPattern(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	ok, err := ev.TestPattern(ctx, signInPattern, signInEvent)
	skipUnsupported(t, "TestPattern", err)
	check(t, "TestPattern", err)
	if !ok {
		t.Error("TestPattern(root sign-in) = false, want true")
	}
	ok, err = ev.TestPattern(ctx, signInPattern, strings.Replace(signInEvent, `"type":"Root"`, `"type":"IAMUser"`, 1))
	check(t, "TestPattern", err)
	if ok {
		t.Error("TestPattern(IAM user sign-in) = true, want false")
	}
	if _, err := ev.TestPattern(ctx, `{"detail":"x"}`, signInEvent); err == nil {
		t.Error("TestPattern with an invalid pattern succeeded")
	}
}

func testPutEvents(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	ev := a.Events(Home)
	e := cloud.Event{Source: "rootwatch.test", DetailType: "rootwatch self-test", Detail: `{"n":1}`, Time: time.Date(2026, 10, 14, 9, 10, 2, 0, time.UTC)}
	check(t, "PutEvents on the default bus", ev.PutEvents(ctx, "", []cloud.Event{e}))
	_, err := ev.CreateBus(ctx, "rw-test", nil)
	check(t, "CreateBus", err)
	many := make([]cloud.Event, 12) // more than one PutEvents batch
	for i := range many {
		many[i] = e
	}
	check(t, "PutEvents of 12 events on a custom bus", ev.PutEvents(ctx, "rw-test", many))
	t.Run("AWSSources", func(t *testing.T) {
		gaps.skip(t, GapAWSSources)
		aws := e
		aws.Source = "aws.signin"
		if err := ev.PutEvents(ctx, "", []cloud.Event{aws}); err == nil {
			t.Error("PutEvents with source aws.signin succeeded; AWS refuses (NotAuthorizedForSourceException)")
		}
	})
}
