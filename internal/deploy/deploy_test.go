package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// testRegions are the regions the tests deploy to (besides the home region,
// which is one of them).
var testRegions = []string{"eu-west-1", "us-east-1", "us-west-2"}

// backend opens a fresh, empty account. The same test bodies run against the
// in-memory fake and against moto (see moto_test.go).
type backend struct {
	name string
	open func(t *testing.T) cloud.Account
	// full says the backend is cheap enough to run every fault-injection case.
	full bool
	// autoConfirms says the backend confirms e-mail subscriptions at once
	// (moto does), so none is ever pending there.
	autoConfirms bool
}

func fakeBackend() backend {
	return backend{name: "fake", full: true, open: func(t *testing.T) cloud.Account { return fake.New() }}
}

// forEachBackend runs fn against every backend, in parallel: each opens an
// account of its own.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// withTrail gives the account a trail that passes the pre-flight check, as
// most accounts have, not created by rootwatch.
func withTrail(t *testing.T, a cloud.Account) {
	t.Helper()
	ctx := t.Context()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket := "org-trail-" + id.Account
	trailARN := "arn:aws:cloudtrail:us-east-1:" + id.Account + ":trail/org-trail"
	bucketPolicy := policy.Document{Version: policy.Version, Statement: policy.Statements{
		{Sid: "Acl", Effect: "Allow", Principal: policy.Service("cloudtrail.amazonaws.com"), Action: policy.Values{"s3:GetBucketAcl"}, Resource: policy.Values{"arn:aws:s3:::" + bucket},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {trailARN}}}},
		{Sid: "Write", Effect: "Allow", Principal: policy.Service("cloudtrail.amazonaws.com"), Action: policy.Values{"s3:PutObject"}, Resource: policy.Values{"arn:aws:s3:::" + bucket + "/AWSLogs/" + id.Account + "/*"},
			Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {trailARN}, "s3:x-amz-acl": {"bucket-owner-full-control"}}}},
	}}.String()
	if err := a.Buckets().CreateBucket(ctx, bucket, "us-east-1", bucketPolicy, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Trails("us-east-1").CreateTrail(ctx, cloud.TrailSpec{Name: "org-trail", Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
}

func opts(emails ...string) chain.Options {
	return chain.Options{Regions: testRegions, Emails: emails, Version: "v0.0.0-test"}
}

// deployOnce plans and applies.
func deployOnce(ctx context.Context, a cloud.Account, o chain.Options) (*Plan, error) {
	p, _, err := Prepare(ctx, a, o)
	if err != nil {
		return nil, err
	}
	return p, p.Apply(ctx)
}

func destroyOnce(ctx context.Context, a cloud.Account, o DestroyOptions) (*Plan, error) {
	p, err := PlanDestroy(ctx, a, o)
	if err != nil {
		return nil, err
	}
	return p, p.Apply(ctx)
}

// snapshot describes, normalised, everything rootwatch could have created in
// the given regions (policies normalised; generated IDs and the account ID left
// out), one line per fact, so that two accounts in the same state give the
// same snapshot.
func snapshot(t *testing.T, a cloud.Account, regions []string) []string {
	t.Helper()
	ctx := t.Context()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	norm := func(p string) string {
		n, err := policy.Normalize(p)
		if err != nil {
			return "MALFORMED " + p
		}
		return n
	}
	tags := func(tg cloud.Tags) string {
		var kv []string
		for k, v := range tg {
			kv = append(kv, k+"="+v)
		}
		sort.Strings(kv)
		return strings.Join(kv, ",")
	}
	rules := func(r, bus string) {
		ev := a.Events(r)
		// Every rule on the bus, kept when named or tagged by rootwatch.
		list, err := ev.Rules(ctx, bus, "")
		if errors.Is(err, cloud.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("list rules on %s in %s: %v", bus, r, err)
		}
		for _, rule := range list {
			if !strings.HasPrefix(rule.Name, "rootwatch-") && !managed(rule.Tags) {
				continue
			}
			full, err := ev.Rule(ctx, bus, rule.Name)
			if err != nil {
				t.Fatal(err)
			}
			add("%s rule %s/%s state=%s pattern=%s desc=%q", r, bus, rule.Name, full.State, full.Pattern, full.Description)
			targets, err := ev.Targets(ctx, bus, rule.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range targets {
				in := ""
				if tg.Input != nil {
					in = fmt.Sprintf("%v %s", tg.Input.Paths, tg.Input.Template)
				}
				add("%s target %s/%s %s arn=%s role=%s dlq=%s retry=%d/%s input=%s", r, bus, rule.Name, tg.ID, tg.ARN, tg.RoleARN, tg.DeadLetterARN, tg.MaxAttempts, tg.MaxAge, in)
			}
		}
	}
	for _, r := range regions {
		rules(r, cloud.DefaultBus)
		if b, err := a.Events(r).Bus(ctx, chain.BusName); err == nil {
			add("%s bus %s tags=%s", r, b.Name, tags(b.Tags))
			rules(r, chain.BusName)
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
		if q, err := a.Queues(r).Queue(ctx, chain.DLQName); err == nil {
			add("%s queue %s tags=%s policy=%s", r, q.Name, tags(q.Tags), norm(q.Policy))
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
		topicARN := "arn:aws:sns:" + r + ":" + id.Account + ":" + chain.TopicName
		if tp, err := a.Topics(r).Topic(ctx, topicARN); err == nil {
			add("%s topic %s tags=%s kms=%s policy=%s", r, chain.TopicName, tags(tp.Tags), tp.KMSKeyID, norm(tp.Policy))
			subs, err := a.Topics(r).Subscriptions(ctx, topicARN)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range subs {
				add("%s subscription %s %s pending=%v", r, s.Protocol, s.Endpoint, s.Pending)
			}
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
		trails, err := a.Trails(r).Trails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trails {
			if tr.HomeRegion == r && managed(tr.Tags) {
				add("%s trail %s bucket=%s logging=%v tags=%s", r, tr.Name, tr.Bucket, tr.Logging, tags(tr.Tags))
			}
		}
		snapshotChannels(t, a, r, add)
		bucket := chain.TrailBucketPrefix + id.Account + "-" + r
		if p, err := a.Buckets().BucketPolicy(ctx, bucket); err == nil {
			add("bucket %s policy=%s", bucket, norm(p))
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
	}
	for _, rp := range [][2]string{{chain.ForwarderRoleName, chain.ForwarderPolicyName}, {chain.ChannelRoleName, chain.ChannelPolicyName}} {
		if role, err := a.Roles().Role(ctx, rp[0]); err == nil {
			add("role %s tags=%s trust=%s", role.Name, tags(role.Tags), norm(role.Trust))
			if p, err := a.Roles().RolePolicy(ctx, rp[0], rp[1]); err == nil {
				add("role policy %s %s", rp[1], norm(p))
			} else if !errors.Is(err, cloud.ErrNotFound) {
				t.Fatal(err)
			}
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
	}
	// Each test has an account of its own: the ID is no part of the state.
	for i := range out {
		out[i] = strings.ReplaceAll(out[i], id.Account, "ACCOUNT")
	}
	sort.Strings(out)
	return out
}

func allRegions(t *testing.T, a cloud.Account) []string {
	rs, err := a.Regions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestDeploy: deploy creates the whole chain in three regions, a second deploy
// makes no mutating call and says so, and destroy leaves nothing behind.
func TestDeploy(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		withTrail(t, a)
		rec := cloudtest.Record(a)

		p, err := deployOnce(ctx, rec, opts("alice@example.com"))
		if err != nil {
			t.Fatalf("deploy: %v", err)
		}
		snap := strings.Join(snapshot(t, a, allRegions(t, a)), "\n")
		for _, r := range testRegions {
			for _, want := range []string{
				r + " rule default/" + chain.ForwardRuleName + " state=" + string(cloud.RuleEnabledAllManagement) + " pattern=" + rules.ForwardPattern(),
				r + " target default/" + chain.ForwardRuleName + " " + chain.ForwardTargetID + " arn=arn:aws:events:us-east-1:",
				"role=arn:aws:iam::",
				r + " queue " + chain.DLQName + " tags=rootwatch:managed=true,rootwatch:version=v0.0.0-test",
			} {
				if !strings.Contains(snap, want) {
					t.Errorf("after deploy, no %q in\n%s", want, snap)
				}
			}
		}
		for _, ar := range rules.All() {
			want := "us-east-1 rule rootwatch/" + chain.AlertRulePrefix + ar.ID + " state=" + string(cloud.RuleEnabledAllManagement) + " pattern=" + ar.Pattern
			if !strings.Contains(snap, want) {
				t.Errorf("after deploy, no %q", want)
			}
		}
		wantPending := []string{"alice@example.com"}
		if b.autoConfirms {
			wantPending = nil
		}
		for _, want := range []string{"us-east-1 bus rootwatch tags=rootwatch:home-region=us-east-1,rootwatch:managed=true", "us-east-1 topic rootwatch-alerts tags=rootwatch:managed=true",
			fmt.Sprintf("us-east-1 subscription email alice@example.com pending=%v", !b.autoConfirms), "role rootwatch-forwarder tags=rootwatch:managed=true", chain.TopicStatementSid} {
			if !strings.Contains(snap, want) {
				t.Errorf("after deploy, no %q in\n%s", want, snap)
			}
		}
		if !slices.Equal(p.Pending, []string{"alice@example.com"}) {
			// Deploy lists what it subscribed as pending: it cannot know better.
			t.Errorf("pending = %v", p.Pending)
		}
		if strings.Contains(snap, "eu-central-1") {
			t.Errorf("deployed outside --regions:\n%s", snap)
		}

		// Second deploy: zero mutating calls, and it says so.
		rec.Reset()
		p2, err := deployOnce(ctx, rec, opts("alice@example.com"))
		if err != nil {
			t.Fatalf("second deploy: %v", err)
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Fatalf("second deploy made %d mutating calls: %v", len(m), m)
		}
		var out strings.Builder
		p2.WriteTable(&out)
		if !strings.Contains(out.String(), "nothing to do: ") {
			t.Errorf("second deploy output lacks 'nothing to do':\n%s", out.String())
		}
		if !slices.Equal(p2.Pending, wantPending) {
			t.Errorf("second deploy: pending = %v", p2.Pending)
		}

		// Destroy: nothing rootwatch created remains; a second destroy does nothing.
		if _, err := destroyOnce(ctx, rec, DestroyOptions{}); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
			t.Fatalf("after destroy:\n%s", strings.Join(left, "\n"))
		}
		rec.Reset()
		if _, err := destroyOnce(ctx, rec, DestroyOptions{}); err != nil {
			t.Fatalf("second destroy: %v", err)
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Fatalf("second destroy made mutating calls: %v", m)
		}
	})
}

// foreignPolicy is the policy of a topic rootwatch did not create: the default
// statement and others of the owner's.
func foreignPolicy(topicARN, account string) string {
	return `{
  "Version": "2008-10-17",
  "Id": "__default_policy_ID",
  "Statement": [
    {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
     "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
     "Resource": "` + topicARN + `", "Condition": {"StringEquals": {"AWS:SourceOwner": "` + account + `"}}},
    {"Sid": "CloudWatchAlarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish", "Resource": "` + topicARN + `"},
    {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": "` + topicARN + `", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
  ]
}`
}

// TestDeployExistingTopic: with --topic-arn, deploy merges one statement into
// the topic's policy, and destroy removes exactly it: the policy is what it was,
// and the topic and its subscriptions stay.
func TestDeployExistingTopic(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		withTrail(t, a)
		id, _ := a.Identity(ctx)
		topics := a.Topics("us-east-1")
		arn, err := topics.CreateTopic(ctx, "ops-alerts", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := topics.SetTopicPolicy(ctx, arn, foreignPolicy(arn, id.Account)); err != nil {
			t.Fatal(err)
		}
		if _, err := topics.Subscribe(ctx, arn, "email", "ops@example.com", false); err != nil {
			t.Fatal(err)
		}
		before, err := topics.Topic(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		subsBefore, _ := topics.Subscriptions(ctx, arn)

		o := opts()
		o.TopicARN = arn
		p, err := deployOnce(ctx, a, o)
		if err != nil {
			t.Fatalf("deploy: %v", err)
		}
		var diff string
		for _, c := range p.Changes {
			if c.Resource == KindTopicPolicy {
				diff = c.Diff
			}
		}
		if !strings.Contains(diff, "+ ") || !strings.Contains(diff, chain.TopicStatementSid) {
			t.Errorf("plan shows no diff of the topic policy: %q", diff)
		}
		after, _ := topics.Topic(ctx, arn)
		if ok, err := policy.HasStatement(after.Policy, specFor(t, a, o).Topic.Statement); !ok {
			t.Fatalf("topic policy lacks rootwatch's statement (%v): %s", err, after.Policy)
		}
		beforeSts, err := policy.RawStatements(before.Policy)
		if err != nil {
			t.Fatal(err)
		}
		afterSts, err := policy.RawStatements(after.Policy)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range beforeSts {
			found := false
			for _, st2 := range afterSts {
				found = found || policy.SameJSON(st, st2)
			}
			if !found {
				t.Errorf("deploy lost statement %s", st)
			}
		}

		if _, err := destroyOnce(ctx, a, DestroyOptions{}); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		final, err := topics.Topic(ctx, arn)
		if err != nil {
			t.Fatalf("destroy deleted the user's topic: %v", err)
		}
		if !policy.Same(final.Policy, before.Policy) {
			t.Errorf("topic policy after destroy differs:\n%s", cmp.Diff(policy.Pretty(before.Policy), policy.Pretty(final.Policy)))
		}
		subsAfter, _ := topics.Subscriptions(ctx, arn)
		if !cmp.Equal(subsBefore, subsAfter) {
			t.Errorf("subscriptions changed: %s", cmp.Diff(subsBefore, subsAfter))
		}
		if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
			t.Fatalf("after destroy:\n%s", strings.Join(left, "\n"))
		}
	})
}

func specFor(t *testing.T, a cloud.Account, o chain.Options) chain.Spec {
	t.Helper()
	id, _ := a.Identity(t.Context())
	s, err := chain.Desired(id, allRegions(t, a), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDeployFaults fails the N-th mutating call of a deploy, for every N (on
// the fake; a sample on slower backends), then runs deploy again: it must end
// in the same state as a clean deploy. Destroy after the partial deploy must
// leave nothing behind. Both failure modes: the call never reaching AWS, and
// AWS acting but the answer being lost.
func TestDeployFaults(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		clean := b.open(t)
		withTrail(t, clean)
		rec := cloudtest.Record(clean)
		if _, err := deployOnce(ctx, rec, opts("alice@example.com")); err != nil {
			t.Fatal(err)
		}
		want := snapshot(t, clean, allRegions(t, clean))
		total := len(rec.Mutations())
		if total < 20 {
			t.Fatalf("a clean deploy made only %d mutating calls: %v", total, rec.Mutations())
		}
		t.Logf("a clean deploy makes %d mutating calls; failing each of %v", total, faultCases(b, total))
		for _, fc := range faultCases(b, total) {
			{
				after, n := fc.after, fc.n
				t.Run(fmt.Sprintf("after=%v/N=%d", after, n), func(t *testing.T) {
					t.Parallel()
					a := b.open(t)
					withTrail(t, a)
					rec := cloudtest.Record(a)
					if after {
						rec.FailMutationAfter(n)
					} else {
						rec.FailMutation(n)
					}
					if _, err := deployOnce(ctx, rec, opts("alice@example.com")); !errors.Is(err, cloudtest.ErrInjected) {
						t.Fatalf("deploy with mutation %d failing: err = %v, want the injected failure", n, err)
					}
					partial := snapshot(t, a, allRegions(t, a))
					rec.Reset()
					if _, err := deployOnce(ctx, rec, opts("alice@example.com")); err != nil {
						t.Fatalf("deploy after failure %d: %v", n, err)
					}
					if got := snapshot(t, a, allRegions(t, a)); !cmp.Equal(got, want) {
						t.Fatalf("deploy after failure %d (%s) did not converge:\n%s", n, rec.Injected(), cmp.Diff(want, got))
					}
					// And destroy after the partial deploy leaves nothing (on a
					// second account in the same partial state).
					_ = partial
					a2 := b.open(t)
					withTrail(t, a2)
					rec2 := cloudtest.Record(a2)
					if after {
						rec2.FailMutationAfter(n)
					} else {
						rec2.FailMutation(n)
					}
					deployOnce(ctx, rec2, opts("alice@example.com"))
					rec2.Reset()
					if _, err := destroyOnce(ctx, rec2, DestroyOptions{}); err != nil {
						t.Fatalf("destroy after partial deploy %d: %v", n, err)
					}
					if left := snapshot(t, a2, allRegions(t, a2)); len(left) != 0 {
						t.Fatalf("destroy after partial deploy %d left:\n%s", n, strings.Join(left, "\n"))
					}
				})
			}
		}
	})
}

// faultSample is every N on a full backend, and the first, middle and last
// elsewhere (each moto case takes seconds).
func faultSample(b backend, total int) []int {
	var ns []int
	if b.full {
		for n := 1; n <= total; n++ {
			ns = append(ns, n)
		}
		return ns
	}
	return []int{1, total / 2, total}
}

type faultCase struct {
	after bool // the failing call reaches the account; only its answer is lost
	n     int
}

// faultCases: on a full backend every N in both modes; elsewhere the sample,
// and the middle one in the lost-answer mode.
func faultCases(b backend, total int) []faultCase {
	var cs []faultCase
	for _, n := range faultSample(b, total) {
		cs = append(cs, faultCase{false, n})
	}
	if b.full {
		for n := 1; n <= total; n++ {
			cs = append(cs, faultCase{true, n})
		}
	} else {
		cs = append(cs, faultCase{true, total / 2})
	}
	return cs
}

// TestDestroyFaults fails the N-th mutating call of destroy for every N and
// runs destroy again: nothing is left, and the foreign topic's policy is back.
func TestDestroyFaults(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		setup := func(t *testing.T) (cloud.Account, string, string) {
			a := b.open(t)
			withTrail(t, a)
			id, _ := a.Identity(ctx)
			topics := a.Topics("us-east-1")
			arn, err := topics.CreateTopic(ctx, "ops-alerts", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := topics.SetTopicPolicy(ctx, arn, foreignPolicy(arn, id.Account)); err != nil {
				t.Fatal(err)
			}
			tp, _ := topics.Topic(ctx, arn)
			o := opts()
			o.TopicARN = arn
			if _, err := deployOnce(ctx, a, o); err != nil {
				t.Fatal(err)
			}
			return a, arn, tp.Policy
		}
		a, _, _ := setup(t)
		rec := cloudtest.Record(a)
		if _, err := destroyOnce(ctx, rec, DestroyOptions{}); err != nil {
			t.Fatal(err)
		}
		total := len(rec.Mutations())
		t.Logf("a clean destroy makes %d mutating calls", total)
		for _, fc := range faultCases(b, total) {
			n := fc.n
			t.Run(fmt.Sprintf("after=%v/N=%d", fc.after, n), func(t *testing.T) {
				t.Parallel()
				a, arn, orig := setup(t)
				rec := cloudtest.Record(a)
				if fc.after {
					rec.FailMutationAfter(n)
				} else {
					rec.FailMutation(n)
				}
				if _, err := destroyOnce(ctx, rec, DestroyOptions{}); !errors.Is(err, cloudtest.ErrInjected) {
					t.Fatalf("destroy with mutation %d failing: err = %v", n, err)
				}
				rec.Reset()
				if _, err := destroyOnce(ctx, rec, DestroyOptions{}); err != nil {
					t.Fatalf("destroy again: %v", err)
				}
				if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
					t.Fatalf("left:\n%s", strings.Join(left, "\n"))
				}
				tp, err := a.Topics("us-east-1").Topic(ctx, arn)
				if err != nil || !policy.Same(tp.Policy, orig) {
					t.Fatalf("foreign topic after destroy: %v\n%s", err, cmp.Diff(policy.Pretty(orig), policy.Pretty(tp.Policy)))
				}
			})
		}
	})
}

// malformedTopic makes one topic's policy unparsable, as no AWS service would
// store it but a broken tool or a proxy might answer: deploy must refuse to
// touch it.
type malformedTopic struct {
	cloud.Account
	arn string
}

func (m malformedTopic) Topics(region string) cloud.Topics {
	return malformedTopics{m.Account.Topics(region), m.arn}
}

type malformedTopics struct {
	cloud.Topics
	arn string
}

func (m malformedTopics) Topic(ctx context.Context, arn string) (cloud.Topic, error) {
	t, err := m.Topics.Topic(ctx, arn)
	if arn == m.arn && err == nil {
		t.Policy = `{"Version":"2012-10-17","Statement":"everyone"}`
	}
	return t, err
}

// TestDeployBadInput: invalid input gives a clear error and no mutating call.
func TestDeployBadInput(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		withTrail(t, a)
		id, _ := a.Identity(ctx)
		ownTopic, err := a.Topics("us-east-1").CreateTopic(ctx, "mine", nil)
		if err != nil {
			t.Fatal(err)
		}
		otherRegion, err := a.Topics("eu-west-1").CreateTopic(ctx, "mine-eu", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			o       func(o *chain.Options)
			account func(cloud.Account) cloud.Account
			want    string
		}{
			{"invalid email", func(o *chain.Options) { o.Emails = []string{"alice@example.com", "not an address"} }, nil, `--email "not an address" is not a plain e-mail address`},
			{"email with name", func(o *chain.Options) { o.Emails = []string{"Alice <alice@example.com>"} }, nil, `is not a plain e-mail address`},
			{"unknown region", func(o *chain.Options) { o.Regions = []string{"eu-west-1", "mars-north-1"} }, nil, `region "mars-north-1" is unknown or not enabled`},
			{"unknown home region", func(o *chain.Options) { o.HomeRegion = "us-nowhere-1" }, nil, `home region "us-nowhere-1" is not enabled`},
			{"topic of another account", func(o *chain.Options) { o.TopicARN = "arn:aws:sns:us-east-1:999999999999:theirs" }, nil, "belongs to account 999999999999, not to this account " + id.Account},
			{"topic in another region", func(o *chain.Options) { o.TopicARN = otherRegion }, nil, "is in region eu-west-1, not in the home region us-east-1"},
			{"not a topic ARN", func(o *chain.Options) { o.TopicARN = "arn:aws:sqs:us-east-1:" + id.Account + ":q" }, nil, "is not an SNS topic ARN"},
			{"topic does not exist", func(o *chain.Options) { o.TopicARN = "arn:aws:sns:us-east-1:" + id.Account + ":nope" }, nil, "the topic does not exist"},
			{"malformed topic policy", func(o *chain.Options) { o.TopicARN = ownTopic }, func(a cloud.Account) cloud.Account { return malformedTopic{a, ownTopic} }, "has a policy rootwatch cannot edit safely"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := opts()
				tc.o(&o)
				acct := a
				if tc.account != nil {
					acct = tc.account(a)
				}
				rec := cloudtest.Record(acct)
				_, err := deployOnce(ctx, rec, o)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if m := rec.Mutations(); len(m) != 0 {
					t.Fatalf("mutating calls despite bad input: %v", m)
				}
			})
		}
	})
}

// TestDryRun: planning makes no mutating call; the plan lists the creates.
func TestDryRun(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		a := b.open(t)
		withTrail(t, a)
		rec := cloudtest.Record(a)
		p, _, err := Prepare(t.Context(), rec, opts("alice@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Fatalf("planning made mutating calls: %v", m)
		}
		changes, unchanged := p.Counts()
		if changes < 20 || unchanged != 0 {
			t.Fatalf("plan on an empty account: %d changes, %d unchanged", changes, unchanged)
		}
		d, err := PlanDestroy(t.Context(), rec, DestroyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := d.Counts(); c != 0 {
			t.Fatalf("destroy plan on an empty account has %d changes: %v", c, describeChanges(d.Changes))
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Fatalf("destroy planning made mutating calls: %v", m)
		}
	})
}
