// Package cloudtest holds what tests of every cloud.Account need: Run, the one
// conformance suite that the in-memory fake and the AWS adapter (against moto,
// LocalStack or AWS itself) must both pass, and Recorder, a decorator that counts
// calls, lists mutating calls and injects failures.
package cloudtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The regions the suite works in; every endpoint under test must have them.
const (
	Home   = "us-east-1"
	Remote = "eu-west-1"
)

// ObjectPutter is implemented by accounts that can store S3 objects, which the
// cloud interface itself never does. The suite needs it to test List and Open.
type ObjectPutter interface {
	PutObject(bucket, key string, data []byte) error
}

// Known gaps: differences of an endpoint from AWS that a caller of RunWith may
// declare, with the reason, so that the suite skips exactly the checks they
// affect (and says so) instead of failing.
const (
	// GapEmailPending: e-mail subscriptions are confirmed at once and addresses
	// are not checked (moto).
	GapEmailPending = "email-pending"
	// GapAWSManagedKeys: DescribeKey of alias/aws/sns does not create the
	// AWS-managed key as AWS does (moto).
	GapAWSManagedKeys = "aws-managed-keys"
	// GapTopicTagConflict: CreateTopic of an existing topic with different tags
	// returns the topic instead of failing (moto).
	GapTopicTagConflict = "topic-tag-conflict"
	// GapAWSSources: PutEvents accepts sources beginning with "aws." (moto).
	GapAWSSources = "aws-sources"
)

// Gaps maps known gaps (the Gap constants) to the reason they exist.
type Gaps map[string]string

// skip skips t if the gap is declared.
func (g Gaps) skip(t *testing.T, gap string) {
	t.Helper()
	if why, ok := g[gap]; ok {
		t.Skipf("known endpoint gap %q: %s", gap, why)
	}
}

// Run runs the conformance suite. open returns a fresh, empty account for each
// subtest. A subtest is skipped only when the endpoint answers ErrUnsupported,
// and the skip says so.
func Run(t *testing.T, open func(t *testing.T) cloud.Account) { RunWith(t, open, nil) }

// RunWith is Run for an endpoint with declared gaps.
func RunWith(t *testing.T, open func(t *testing.T) cloud.Account, gaps Gaps) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, a cloud.Account)
	}{
		{"Identity", testIdentity},
		{"Regions", testRegions},
		{"Buses", testBuses},
		{"Rules", testRules},
		{"RulePagination", testRulePagination},
		{"Targets", testTargets},
		{"Destinations", func(t *testing.T, ctx context.Context, a cloud.Account) { testDestinations(t, ctx, a, gaps) }},
		{"TestPattern", testTestPattern},
		{"PutEvents", func(t *testing.T, ctx context.Context, a cloud.Account) { testPutEvents(t, ctx, a, gaps) }},
		{"Topics", func(t *testing.T, ctx context.Context, a cloud.Account) { testTopics(t, ctx, a, gaps) }},
		{"Subscriptions", func(t *testing.T, ctx context.Context, a cloud.Account) { testSubscriptions(t, ctx, a, gaps) }},
		{"PublishToQueue", testPublishToQueue},
		{"Queues", testQueues},
		{"Keys", func(t *testing.T, ctx context.Context, a cloud.Account) { testKeys(t, ctx, a, gaps) }},
		{"Trails", testTrails},
		{"Lookup", testLookup},
		{"Roles", testRoles},
		{"Buckets", testBuckets},
		{"Objects", testObjects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tt.fn(t, ctx, a)
		})
	}
}

// check fails t with the operation's error.
func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantNotFound fails t unless err wraps cloud.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("%s: got error %v, want one wrapping cloud.ErrNotFound", what, err)
	}
}

// wantExists fails t unless err wraps cloud.ErrAlreadyExists.
func wantExists(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, cloud.ErrAlreadyExists) {
		t.Errorf("%s: got error %v, want one wrapping cloud.ErrAlreadyExists", what, err)
	}
}

// skipUnsupported skips t when err wraps cloud.ErrUnsupported.
func skipUnsupported(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, cloud.ErrUnsupported) {
		t.Skipf("endpoint gap: %s: %v", what, err)
	}
}

// sameJSON fails t unless the two documents are equal as JSON values.
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: not JSON: %v: %q", what, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: the test's document is not JSON: %v", what, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func testIdentity(t *testing.T, ctx context.Context, a cloud.Account) {
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	if !accountID.MatchString(id.Account) {
		t.Errorf("Account = %q, want 12 digits", id.Account)
	}
	if !strings.Contains(id.ARN, ":"+id.Account+":") {
		t.Errorf("ARN %q does not name account %s", id.ARN, id.Account)
	}
	if id.Partition != "aws" {
		t.Errorf("Partition = %q, want aws", id.Partition)
	}
}

func testRegions(t *testing.T, ctx context.Context, a cloud.Account) {
	rs, err := a.Regions(ctx)
	check(t, "Regions", err)
	if !slices.IsSorted(rs) {
		t.Errorf("Regions not sorted: %v", rs)
	}
	if len(slices.Compact(slices.Clone(rs))) != len(rs) {
		t.Errorf("Regions has duplicates: %v", rs)
	}
	for _, r := range []string{Home, Remote} {
		if !slices.Contains(rs, r) {
			t.Errorf("Regions %v lacks %s", rs, r)
		}
	}
	for _, r := range rs {
		if strings.HasPrefix(r, "cn-") || strings.HasPrefix(r, "us-gov-") {
			t.Errorf("Regions lists %s, a region of another partition", r)
		}
	}
}

var managed = cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: "test"}

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

const eventsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

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

func testTopics(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	sns := a.Topics(Home)
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", managed)
	check(t, "CreateTopic", err)
	if want := "arn:aws:sns:" + Home + ":" + id.Account + ":rw-alerts"; arn != want {
		t.Errorf("CreateTopic ARN = %q, want %q", arn, want)
	}
	again, err := sns.CreateTopic(ctx, "rw-alerts", managed)
	check(t, "CreateTopic again (idempotent)", err)
	if again != arn {
		t.Errorf("CreateTopic again = %q, want %q", again, arn)
	}
	t.Run("TagConflict", func(t *testing.T) {
		gaps.skip(t, GapTopicTagConflict)
		_, err := sns.CreateTopic(ctx, "rw-alerts", cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: "other"})
		wantExists(t, "CreateTopic again with different tags", err)
	})
	tp, err := sns.Topic(ctx, arn)
	check(t, "Topic", err)
	if tp.ARN != arn || tp.Owner != id.Account || tp.KMSKeyID != "" || !cmp.Equal(tp.Tags, managed) {
		t.Errorf("Topic = %+v", tp)
	}
	// The default policy: one statement, __default_statement_ID, owner-only.
	var pol struct {
		Statement []struct {
			Sid       string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(tp.Policy), &pol); err != nil {
		t.Fatalf("default topic policy is not JSON: %v: %s", err, tp.Policy)
	}
	if len(pol.Statement) != 1 || pol.Statement[0].Sid != "__default_statement_ID" || fmt.Sprint(pol.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"]) != id.Account {
		t.Errorf("default topic policy = %s", tp.Policy)
	}

	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + id.Account + `:root"},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"` + arn + `"},{"Sid":"RootwatchEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + arn + `","Condition":{"ArnEquals":{"aws:SourceArn":["arn:aws:events:us-east-1:` + id.Account + `:rule/rw/a","arn:aws:events:us-east-1:` + id.Account + `:rule/rw/b"]}}}]}`
	check(t, "SetTopicPolicy", sns.SetTopicPolicy(ctx, arn, policy))
	tp, err = sns.Topic(ctx, arn)
	check(t, "Topic after SetTopicPolicy", err)
	sameJSON(t, "topic policy round trip", tp.Policy, policy)

	missing := "arn:aws:sns:" + Home + ":" + id.Account + ":no-such-topic"
	_, err = sns.Topic(ctx, missing)
	wantNotFound(t, "Topic(missing)", err)
	wantNotFound(t, "SetTopicPolicy(missing)", sns.SetTopicPolicy(ctx, missing, policy))
	_, err = sns.Subscriptions(ctx, missing)
	wantNotFound(t, "Subscriptions(missing)", err)

	check(t, "DeleteTopic", sns.DeleteTopic(ctx, arn))
	_, err = sns.Topic(ctx, arn)
	wantNotFound(t, "Topic after DeleteTopic", err)
	check(t, "DeleteTopic of a deleted topic (idempotent, as AWS)", sns.DeleteTopic(ctx, arn))
}

func testSubscriptions(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	sns := a.Topics(Home)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	q, err := a.Queues(Home).CreateQueue(ctx, "rw-inbox", "", nil)
	check(t, "CreateQueue", err)

	sqsSub, err := sns.Subscribe(ctx, arn, "sqs", q.ARN, true)
	check(t, "Subscribe sqs", err)
	if !strings.HasPrefix(sqsSub, arn+":") {
		t.Errorf("SQS subscription ARN = %q, want one under %s", sqsSub, arn)
	}
	again, err := sns.Subscribe(ctx, arn, "sqs", q.ARN, true)
	check(t, "Subscribe sqs again", err)
	if again != sqsSub {
		t.Errorf("Subscribe again = %q, want the existing %q", again, sqsSub)
	}
	subs, err := sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions", err)
	if diff := cmp.Diff([]cloud.Subscription{{ARN: sqsSub, Protocol: "sqs", Endpoint: q.ARN}}, subs); diff != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", diff)
	}
	check(t, "Unsubscribe", sns.Unsubscribe(ctx, sqsSub))
	subs, err = sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions after Unsubscribe", err)
	if len(subs) != 0 {
		t.Errorf("Subscriptions after Unsubscribe = %+v", subs)
	}

	t.Run("EmailPending", func(t *testing.T) {
		gaps.skip(t, GapEmailPending)
		mail, err := sns.Subscribe(ctx, arn, "email", "ops@example.com", false)
		check(t, "Subscribe email", err)
		if !strings.EqualFold(mail, "pending confirmation") {
			t.Errorf("Subscribe email = %q, want \"pending confirmation\"", mail)
		}
		subs, err := sns.Subscriptions(ctx, arn)
		check(t, "Subscriptions", err)
		want := []cloud.Subscription{{ARN: "PendingConfirmation", Protocol: "email", Endpoint: "ops@example.com", Pending: true}}
		if diff := cmp.Diff(want, subs); diff != "" {
			t.Errorf("Subscriptions (-want +got):\n%s", diff)
		}
		if _, err := sns.Subscribe(ctx, arn, "email", "not an address", false); err == nil {
			t.Error("Subscribe with an invalid e-mail address succeeded")
		}
	})
}

func testPublishToQueue(t *testing.T, ctx context.Context, a cloud.Account) {
	sns, sqs := a.Topics(Home), a.Queues(Home)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	raw, err := sqs.CreateQueue(ctx, "rw-raw", "", nil)
	check(t, "CreateQueue", err)
	env, err := sqs.CreateQueue(ctx, "rw-envelope", "", nil)
	check(t, "CreateQueue", err)
	_, err = sns.Subscribe(ctx, arn, "sqs", raw.ARN, true)
	check(t, "Subscribe raw", err)
	_, err = sns.Subscribe(ctx, arn, "sqs", env.ARN, false)
	check(t, "Subscribe", err)
	check(t, "Publish", sns.Publish(ctx, arn, "rootwatch", "hello"))

	msgs := receiveOne(t, ctx, sqs, raw.URL)
	if msgs.Body != "hello" {
		t.Errorf("raw delivery body = %q, want hello", msgs.Body)
	}
	m := receiveOne(t, ctx, sqs, env.URL)
	var n struct{ Type, TopicArn, Message, Subject string }
	if err := json.Unmarshal([]byte(m.Body), &n); err != nil {
		t.Fatalf("envelope delivery is not JSON: %v: %q", err, m.Body)
	}
	if n.Type != "Notification" || n.TopicArn != arn || n.Message != "hello" || n.Subject != "rootwatch" {
		t.Errorf("envelope = %+v", n)
	}
	missing := arn + "-missing"
	wantNotFound(t, "Publish to a missing topic", sns.Publish(ctx, missing, "", "x"))
}

func receiveOne(t *testing.T, ctx context.Context, sqs cloud.Queues, url string) cloud.Message {
	t.Helper()
	msgs, err := sqs.Receive(ctx, url, 10, time.Second, 0)
	check(t, "Receive", err)
	if len(msgs) != 1 {
		t.Fatalf("Receive from %s = %d messages, want 1", url, len(msgs))
	}
	return msgs[0]
}

func testQueues(t *testing.T, ctx context.Context, a cloud.Account) {
	sqs := a.Queues(Home)
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	qarn := "arn:aws:sqs:" + Home + ":" + id.Account + ":rw-dlq"
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"RootwatchEventBridgeDLQ","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + qarn + `","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:` + id.Account + `:rule/rw-forward"}}}]}`
	q, err := sqs.CreateQueue(ctx, "rw-dlq", policy, managed)
	check(t, "CreateQueue", err)
	if q.Name != "rw-dlq" || q.ARN != qarn || q.URL == "" || q.Messages != 0 {
		t.Errorf("CreateQueue = %+v", q)
	}
	again, err := sqs.CreateQueue(ctx, "rw-dlq", policy, managed)
	check(t, "CreateQueue again (same attributes)", err)
	if again.URL != q.URL {
		t.Errorf("CreateQueue again URL = %q, want %q", again.URL, q.URL)
	}
	_, err = sqs.CreateQueue(ctx, "rw-dlq", strings.Replace(policy, "RootwatchEventBridgeDLQ", "Other", 1), managed)
	wantExists(t, "CreateQueue again with a different policy", err)
	got, err := sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	sameJSON(t, "queue policy", got.Policy, policy)
	if got.URL != q.URL || got.ARN != qarn || !cmp.Equal(got.Tags, managed) {
		t.Errorf("Queue = %+v", got)
	}
	_, err = sqs.Queue(ctx, "no-such-queue")
	wantNotFound(t, "Queue(missing)", err)

	policy2 := strings.Replace(policy, "rule/rw-forward", "rule/rw-forward-2", 1)
	check(t, "SetQueuePolicy", sqs.SetQueuePolicy(ctx, q.URL, policy2))
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue after SetQueuePolicy", err)
	sameJSON(t, "queue policy after SetQueuePolicy", got.Policy, policy2)

	// Messages: a peek leaves them; a receive with visibility hides them; delete.
	msgs, err := sqs.Receive(ctx, q.URL, 10, 0, 0)
	check(t, "Receive (empty)", err)
	if len(msgs) != 0 {
		t.Errorf("Receive from an empty queue = %+v", msgs)
	}
	topic, err := a.Topics(Home).CreateTopic(ctx, "rw-feed", nil)
	check(t, "CreateTopic", err)
	_, err = a.Topics(Home).Subscribe(ctx, topic, "sqs", q.ARN, true)
	check(t, "Subscribe", err)
	check(t, "Publish", a.Topics(Home).Publish(ctx, topic, "", "lost alert"))
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	if got.Messages != 1 {
		t.Errorf("Messages = %d, want 1", got.Messages)
	}
	peek := receiveOne(t, ctx, sqs, q.URL)
	if peek.Body != "lost alert" || peek.ID == "" || peek.Receipt == "" || peek.Sent.IsZero() {
		t.Errorf("message = %+v", peek)
	}
	if age := time.Since(peek.Sent); age < -time.Hour || age > time.Hour {
		t.Errorf("message Sent = %v, not about now", peek.Sent)
	}
	msgs, err = sqs.Receive(ctx, q.URL, 10, 0, time.Minute)
	check(t, "Receive with visibility", err)
	if len(msgs) != 1 {
		t.Fatalf("after a peek, Receive = %d messages, want 1 (a zero visibility leaves them visible)", len(msgs))
	}
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	if got.Messages != 0 {
		t.Errorf("Messages while hidden = %d, want 0", got.Messages)
	}
	check(t, "DeleteMessage", sqs.DeleteMessage(ctx, q.URL, msgs[0].Receipt))

	check(t, "DeleteQueue", sqs.DeleteQueue(ctx, q.URL))
	_, err = sqs.Queue(ctx, "rw-dlq")
	wantNotFound(t, "Queue after DeleteQueue", err)
	wantNotFound(t, "DeleteQueue of a deleted queue", sqs.DeleteQueue(ctx, q.URL))
}

func testKeys(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	kms := a.Keys(Home)
	_, err := kms.Key(ctx, "alias/no-such-key")
	wantNotFound(t, "Key(missing alias)", err)
	_, err = kms.Key(ctx, "11111111-2222-4333-8444-555555555555")
	wantNotFound(t, "Key(missing ID)", err)
	gaps.skip(t, GapAWSManagedKeys)
	k, err := kms.Key(ctx, "alias/aws/sns")
	check(t, "Key(alias/aws/sns)", err)
	if !k.AWSManaged || k.ID == "" || !strings.HasPrefix(k.ARN, "arn:aws:kms:"+Home+":") {
		t.Errorf("Key(alias/aws/sns) = %+v, want an AWS-managed key", k)
	}
	byID, err := kms.Key(ctx, k.ID)
	check(t, "Key(by ID)", err)
	byARN, err := kms.Key(ctx, k.ARN)
	check(t, "Key(by ARN)", err)
	if byID.ARN != k.ARN || byARN.ARN != k.ARN {
		t.Errorf("Key by ID/ARN = %s / %s, want %s", byID.ARN, byARN.ARN, k.ARN)
	}
	if k.Policy != "" {
		var p map[string]any
		if err := json.Unmarshal([]byte(k.Policy), &p); err != nil {
			t.Errorf("key policy is not JSON: %v", err)
		}
	}
}

// TrailBucketPolicy is the bucket policy CloudTrail requires of a trail's bucket.
func TrailBucketPolicy(bucket, account string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + bucket + `"},` +
		`{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/AWSLogs/` + account + `/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`
}

func testTrails(t *testing.T, ctx context.Context, a cloud.Account) {
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	ct := a.Trails(Home)
	before, err := ct.Trails(ctx)
	check(t, "Trails", err)
	if len(suiteTrails(before)) != 0 {
		t.Fatalf("the suite's trail exists before the test: %+v", before)
	}
	bucket := "rw-trail-" + id.Account + "-" + Home
	check(t, "CreateBucket", a.Buckets().CreateBucket(ctx, bucket, Home, TrailBucketPolicy(bucket, id.Account), managed))
	tr, err := ct.CreateTrail(ctx, cloud.TrailSpec{Name: "rw-trail", Bucket: bucket, Tags: managed})
	check(t, "CreateTrail", err)
	want := cloud.Trail{
		Name:         "rw-trail",
		ARN:          "arn:aws:cloudtrail:" + Home + ":" + id.Account + ":trail/rw-trail",
		HomeRegion:   Home,
		Bucket:       bucket,
		MultiRegion:  true,
		GlobalEvents: true,
		Logging:      true,
		Management:   cloud.ManagementAll,
		Tags:         managed,
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("CreateTrail (-want +got):\n%s", diff)
	}
	for _, region := range []string{Home, Remote} {
		got, err := a.Trails(region).Trails(ctx)
		check(t, "Trails in "+region, err)
		if diff := cmp.Diff([]cloud.Trail{want}, suiteTrails(got)); diff != "" {
			t.Errorf("Trails in %s (-want +got):\n%s", region, diff)
		}
	}
	_, err = ct.CreateTrail(ctx, cloud.TrailSpec{Name: "rw-trail", Bucket: bucket})
	wantExists(t, "CreateTrail of an existing trail", err)

	check(t, "DeleteTrail", ct.DeleteTrail(ctx, "rw-trail"))
	got, err := ct.Trails(ctx)
	check(t, "Trails after DeleteTrail", err)
	if got = suiteTrails(got); len(got) != 0 {
		t.Errorf("Trails after DeleteTrail = %+v", got)
	}
	wantNotFound(t, "DeleteTrail of a missing trail", ct.DeleteTrail(ctx, "rw-trail"))
}

// suiteTrails keeps the suite's own trails: a real account may have others.
func suiteTrails(ts []cloud.Trail) []cloud.Trail {
	var out []cloud.Trail
	for _, t := range ts {
		if strings.HasPrefix(t.Name, "rw-") {
			out = append(out, t)
		}
	}
	return out
}

func testLookup(t *testing.T, ctx context.Context, a cloud.Account) {
	now := time.Now()
	page, err := a.Trails(Home).Lookup(ctx, now.Add(-time.Hour), now, "")
	skipUnsupported(t, "Lookup", err)
	check(t, "Lookup", err)
	for _, e := range page.Events {
		var rec map[string]any
		if err := json.Unmarshal([]byte(e), &rec); err != nil {
			t.Errorf("Lookup event is not a JSON record: %v", err)
		}
	}
	if _, err := a.Trails(Home).Lookup(ctx, now.Add(-time.Hour), now, "not-a-token"); err == nil {
		t.Error("Lookup with a bad token succeeded")
	}
}

func testRoles(t *testing.T, ctx context.Context, a cloud.Account) {
	iam := a.Roles()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	_, err = iam.Role(ctx, "rw-missing")
	wantNotFound(t, "Role(missing)", err)

	in := cloud.Role{Name: "rw-forwarder", Trust: eventsTrust, Description: "forwards root activity", Tags: managed}
	arn, err := iam.CreateRole(ctx, in)
	check(t, "CreateRole", err)
	if want := "arn:aws:iam::" + id.Account + ":role/rw-forwarder"; arn != want {
		t.Errorf("CreateRole = %q, want %q", arn, want)
	}
	_, err = iam.CreateRole(ctx, in)
	wantExists(t, "CreateRole of an existing role", err)
	got, err := iam.Role(ctx, "rw-forwarder")
	check(t, "Role", err)
	sameJSON(t, "trust policy", got.Trust, eventsTrust)
	got.Trust = in.Trust
	in.ARN = arn
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("Role (-want +got):\n%s", diff)
	}
	trust2 := strings.Replace(eventsTrust, `"Action"`, `"Condition":{"StringEquals":{"aws:SourceAccount":"`+id.Account+`"}},"Action"`, 1)
	check(t, "UpdateTrust", iam.UpdateTrust(ctx, "rw-forwarder", trust2))
	got, err = iam.Role(ctx, "rw-forwarder")
	check(t, "Role after UpdateTrust", err)
	sameJSON(t, "trust policy after UpdateTrust", got.Trust, trust2)

	_, err = iam.RolePolicy(ctx, "rw-forwarder", "rw-put-events")
	wantNotFound(t, "RolePolicy(missing)", err)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:` + id.Account + `:event-bus/rootwatch"}]}`
	check(t, "PutRolePolicy", iam.PutRolePolicy(ctx, "rw-forwarder", "rw-put-events", policy))
	p, err := iam.RolePolicy(ctx, "rw-forwarder", "rw-put-events")
	check(t, "RolePolicy", err)
	sameJSON(t, "role policy", p, policy)
	if err := iam.DeleteRole(ctx, "rw-forwarder"); err == nil {
		t.Error("DeleteRole with an inline policy succeeded, want DeleteConflict")
	}
	check(t, "DeleteRolePolicy", iam.DeleteRolePolicy(ctx, "rw-forwarder", "rw-put-events"))
	wantNotFound(t, "DeleteRolePolicy of a deleted policy", iam.DeleteRolePolicy(ctx, "rw-forwarder", "rw-put-events"))
	check(t, "DeleteRole", iam.DeleteRole(ctx, "rw-forwarder"))
	_, err = iam.Role(ctx, "rw-forwarder")
	wantNotFound(t, "Role after DeleteRole", err)
	wantNotFound(t, "DeleteRole of a deleted role", iam.DeleteRole(ctx, "rw-forwarder"))
	wantNotFound(t, "PutRolePolicy on a missing role", iam.PutRolePolicy(ctx, "rw-forwarder", "x", policy))
}

func testBuckets(t *testing.T, ctx context.Context, a cloud.Account) {
	s3 := a.Buckets()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	name := "rw-test-" + id.Account
	policy := TrailBucketPolicy(name, id.Account)
	check(t, "CreateBucket", s3.CreateBucket(ctx, name, Remote, policy, managed))
	got, err := s3.BucketPolicy(ctx, name)
	check(t, "BucketPolicy", err)
	sameJSON(t, "bucket policy", got, policy)
	wantExists(t, "CreateBucket of an existing bucket", s3.CreateBucket(ctx, name, Remote, policy, managed))

	plain := "rw-plain-" + id.Account
	check(t, "CreateBucket without policy", s3.CreateBucket(ctx, plain, Home, "", nil))
	_, err = s3.BucketPolicy(ctx, plain)
	wantNotFound(t, "BucketPolicy of a bucket without one", err)
	_, err = s3.BucketPolicy(ctx, "rw-no-such-bucket-"+id.Account)
	wantNotFound(t, "BucketPolicy of a missing bucket", err)
	_, err = s3.List(ctx, "rw-no-such-bucket-"+id.Account, "", "/", "")
	wantNotFound(t, "List of a missing bucket", err)

	check(t, "DeleteBucket", s3.DeleteBucket(ctx, plain))
	wantNotFound(t, "DeleteBucket of a deleted bucket", s3.DeleteBucket(ctx, plain))
}

func testObjects(t *testing.T, ctx context.Context, a cloud.Account) {
	put, ok := a.(ObjectPutter)
	if !ok {
		t.Skipf("%T cannot store objects (it does not implement cloudtest.ObjectPutter), so List and Open cannot be checked", a)
	}
	s3 := a.Buckets()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	name := "rw-logs-" + id.Account
	check(t, "CreateBucket", s3.CreateBucket(ctx, name, Home, "", nil))
	base := "AWSLogs/" + id.Account + "/CloudTrail/"
	keys := []string{
		base + "eu-west-1/2026/10/14/a.json.gz",
		base + "us-east-1/2026/10/13/a.json.gz",
		base + "us-east-1/2026/10/14/a.json.gz",
		base + "us-east-1/2026/10/14/b.json.gz",
		base + "us-east-1/2026/10/14/c.json.gz",
		base + "us-east-1/2026/10/14/d.json.gz",
		base + "us-east-1/2026/10/14/e.json.gz",
		base + "us-west-2/2026/10/14/a.json.gz",
		"AWSLogs/" + id.Account + "/CloudTrail-Digest/us-east-1/x.json.gz",
	}
	for i, k := range keys {
		check(t, "PutObject", put.PutObject(name, k, []byte(strings.Repeat("x", i+1))))
	}
	// Region prefixes under CloudTrail/.
	prefixes, objects := listAll(t, ctx, s3, name, base, "/")
	if diff := cmp.Diff([]string{base + "eu-west-1/", base + "us-east-1/", base + "us-west-2/"}, prefixes); diff != "" {
		t.Errorf("List prefixes (-want +got):\n%s", diff)
	}
	if len(objects) != 0 {
		t.Errorf("List with delimiter returned objects %+v", objects)
	}
	// Objects of one day, over pages.
	day := base + "us-east-1/2026/10/14/"
	prefixes, objects = listAll(t, ctx, s3, name, day, "/")
	want := []cloud.Object{{Key: day + "a.json.gz", Size: 3}, {Key: day + "b.json.gz", Size: 4}, {Key: day + "c.json.gz", Size: 5}, {Key: day + "d.json.gz", Size: 6}, {Key: day + "e.json.gz", Size: 7}}
	if diff := cmp.Diff(want, objects); diff != "" || len(prefixes) != 0 {
		t.Errorf("List objects (-want +got):\n%s\nprefixes %v", diff, prefixes)
	}
	// Without a delimiter everything under the prefix.
	_, objects = listAll(t, ctx, s3, name, "AWSLogs/", "")
	if len(objects) != len(keys) {
		t.Errorf("List without delimiter = %d objects, want %d", len(objects), len(keys))
	}

	r, err := s3.Open(ctx, name, day+"c.json.gz")
	check(t, "Open", err)
	data, err := io.ReadAll(r)
	r.Close()
	check(t, "read object", err)
	if string(data) != "xxxxx" {
		t.Errorf("Open read %q, want xxxxx", data)
	}
	_, err = s3.Open(ctx, name, day+"missing.json.gz")
	wantNotFound(t, "Open of a missing key", err)
	if err := s3.DeleteBucket(ctx, name); err == nil {
		t.Error("DeleteBucket of a non-empty bucket succeeded")
	}
}

// listAll lists every page, checking that pages do not repeat entries.
func listAll(t *testing.T, ctx context.Context, s3 cloud.Buckets, bucket, prefix, delim string) ([]string, []cloud.Object) {
	t.Helper()
	var prefixes []string
	var objects []cloud.Object
	token := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("List: more than 100 pages")
		}
		p, err := s3.List(ctx, bucket, prefix, delim, token)
		check(t, "List", err)
		prefixes = append(prefixes, p.Prefixes...)
		objects = append(objects, p.Objects...)
		if p.Next == "" {
			break
		}
		token = p.Next
	}
	return prefixes, objects
}
