package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// The cases of issue 9 that change who gets the mail or where the alerts go.
// Each: healthy → change → status exit 1 naming the change → deploy with the
// same (recorded) settings → healthy.

var settingsFlags = []string{"--regions", "eu-west-1"}

// deployedHealthy deploys with --email sec@example.com, confirms the
// subscription and checks status is healthy; it returns the topic ARN.
func deployedHealthy(t *testing.T, a *fake.Account) string {
	t.Helper()
	putTrail(t, a)
	mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, settingsFlags...)...)
	topic := chain.TopicARN("aws", "us-east-1", a.ID())
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	wantSettingsStatus(t, a, 0, "")
	return topic
}

// wantSettingsStatus runs status and checks its exit code and that its output holds want.
func wantSettingsStatus(t *testing.T, a *fake.Account, code int, want string) string {
	t.Helper()
	got, out, errOut := runCLI(t, a, append([]string{"status"}, settingsFlags...)...)
	if got != code || !strings.Contains(out, want) {
		t.Errorf("status: exit %d (want %d), want %q in\n%s%s", got, code, want, out, errOut)
	}
	return out
}

// unsubscribe removes the subscription of endpoint from topic.
func unsubscribe(t *testing.T, a *fake.Account, topic, endpoint string) {
	t.Helper()
	tp := a.Topics("us-east-1")
	subs, err := tp.Subscriptions(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Endpoint == endpoint {
			if err := tp.Unsubscribe(t.Context(), s.ARN); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no subscription of %s to %s", endpoint, topic)
}

// Case 1: the owner's e-mail unsubscribed and another address subscribed.
func TestSubscriberReplaced(t *testing.T) {
	a := fake.New()
	topic := deployedHealthy(t, a)
	unsubscribe(t, a, topic, "sec@example.com")
	if _, err := a.Topics("us-east-1").Subscribe(t.Context(), topic, "email", "mallory@example.net", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmSubscription(topic, "mallory@example.net"); err != nil {
		t.Fatal(err)
	}
	out := wantSettingsStatus(t, a, 1, "sec@example.com, subscribed by deploy, no longer subscribed")
	if !strings.Contains(out, "FAIL") || !strings.Contains(out, "mallory@example.net") {
		t.Errorf("status does not FAIL naming the new address:\n%s", out)
	}
	// deploy without --email subscribes the recorded address again.
	mustRun(t, a, append([]string{"deploy"}, settingsFlags...)...)
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatalf("deploy did not subscribe the recorded address again: %v", err)
	}
	// The foreign subscriber is still reported until someone removes it:
	// deploy does not unsubscribe what it did not subscribe.
	out = wantSettingsStatus(t, a, 1, "which deploy did not subscribe")
	if strings.Contains(out, "FAIL") {
		t.Errorf("status after deploy still FAILs:\n%s", out)
	}
	unsubscribe(t, a, topic, "mallory@example.net")
	wantSettingsStatus(t, a, 0, "")
}

// Case 2: the e-mail replaced with an SQS subscription nobody reads.
func TestSubscriberReplacedByQueue(t *testing.T) {
	a := fake.New()
	topic := deployedHealthy(t, a)
	q, err := a.Queues("us-east-1").CreateQueue(t.Context(), "sink", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	unsubscribe(t, a, topic, "sec@example.com")
	if _, err := a.Topics("us-east-1").Subscribe(t.Context(), topic, "sqs", q.ARN, true); err != nil {
		t.Fatal(err)
	}
	wantSettingsStatus(t, a, 1, "the topic now delivers to sqs:")
	mustRun(t, a, append([]string{"deploy"}, settingsFlags...)...)
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatalf("deploy did not subscribe the recorded address again: %v", err)
	}
	wantSettingsStatus(t, a, 1, "which deploy did not subscribe")
	unsubscribe(t, a, topic, q.ARN)
	wantSettingsStatus(t, a, 0, "")
}

// Case 4: every alert target pointed at another topic of the account, whose
// policy copies rootwatch's statement. status checks the recorded topic, not
// the one the rules point at; deploy points them back.
func TestAlertsRetargeted(t *testing.T) {
	a := fake.New()
	topic := deployedHealthy(t, a)
	evil, _ := deploy.RetargetAlerts(t, a, topic)
	out := wantSettingsStatus(t, a, 1, "sends to "+evil+", not "+topic)
	if !strings.Contains(out, "FAIL") {
		t.Errorf("status does not FAIL:\n%s", out)
	}
	mustRun(t, a, append([]string{"deploy"}, settingsFlags...)...)
	wantSettingsStatus(t, a, 0, "")
}

// destroy removes rootwatch's statement from the topic deploy recorded even
// when every alert rule was re-pointed elsewhere.
func TestDestroyRecordedTopic(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	ctx := t.Context()
	own, err := a.Topics("us-east-1").CreateTopic(ctx, "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, a, append([]string{"deploy", "--topic-arn", own}, settingsFlags...)...)
	ev := a.Events("us-east-1")
	rules, err := ev.Rules(ctx, chain.BusName, chain.AlertRulePrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if err := ev.RemoveTargets(ctx, chain.BusName, r.Name, []string{chain.AlertTargetID}); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, a, "destroy")
	tp, err := a.Topics("us-east-1").Topic(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tp.Policy, "RootwatchEventBridgePublish") {
		t.Errorf("destroy left rootwatch's statement on the recorded topic:\n%s", tp.Policy)
	}
}

// Bug 3 (issue 13): after deploy --topic-arn T, status checks T and its fix
// says to run deploy with --topic-arn T, and status, test and a bare deploy
// keep T.
func TestRecordedTopic(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	ctx := t.Context()
	own, err := a.Topics("us-east-1").CreateTopic(ctx, "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, a, append([]string{"deploy", "--topic-arn", own, "--email", "sec@example.com"}, settingsFlags...)...)
	b, err := a.Events("us-east-1").Bus(ctx, chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := chain.ReadSettings(b.Tags); !ok || s.TopicARN != own || strings.Join(s.Emails, " ") != "sec@example.com" || strings.Join(s.Regions, ",") != "eu-west-1" {
		t.Errorf("recorded settings = %+v, %v (tags %v)", s, ok, b.Tags)
	}
	if _, err := a.ConfirmSubscription(own, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	wantSettingsStatus(t, a, 0, "")
	// Break a link: the fix repeats the recorded topic and regions.
	ev := a.Events("eu-west-1")
	if err := ev.RemoveTargets(ctx, "", chain.ForwardRuleName, []string{chain.ForwardTargetID}); err != nil {
		t.Fatal(err)
	}
	wantSettingsStatus(t, a, 1, "'rootwatch deploy --topic-arn "+own+" --regions eu-west-1' to restore it")
	code, _, _ := runCLI(t, a, "status")
	if code != 1 {
		t.Errorf("status without flags: exit %d, want 1 (the recorded regions)", code)
	}
	// The repair the hint names leaves the topic as it was.
	mustRun(t, a, "deploy", "--topic-arn", own, "--regions", "eu-west-1")
	wantSettingsStatus(t, a, 0, "")
	if _, err := a.Topics("us-east-1").Topic(ctx, chain.TopicARN("aws", "us-east-1", a.ID())); err == nil {
		t.Errorf("a topic %s was created", chain.TopicName)
	}
	b, _ = a.Events("us-east-1").Bus(ctx, chain.BusName)
	if s, _ := chain.ReadSettings(b.Tags); strings.Join(s.Emails, " ") != "sec@example.com" {
		t.Errorf("a deploy without --email forgot the recorded address: %+v", s)
	}
}
