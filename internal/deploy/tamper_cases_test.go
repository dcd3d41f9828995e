package deploy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// Issue 9, cases 6-8: healthy -> an actor's change -> status exits 1 naming
// it -> deploy (or, for what rootwatch does not own, the user) repairs ->
// healthy. The fake delivers as AWS does, so each test also shows the cut is
// real: a root sign-in raises no e-mail while it lasts.

var tamperFlags = []string{"--regions", "eu-west-1"}

// healthyChain deploys rootwatch (extra flags appended), confirms the
// subscription and checks status is healthy.
func healthyChain(t *testing.T, a *fake.Account, extra ...string) {
	t.Helper()
	putTrail(t, a)
	mustRun(t, a, append(append([]string{"deploy", "--email", "sec@example.com"}, tamperFlags...), extra...)...)
	if _, err := a.ConfirmSubscription(alertTopic(a), "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	wantTamperStatus(t, a, 0, "after deploy")
}

func alertTopic(a *fake.Account) string {
	return "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
}

// wantTamperStatus runs status and checks its exit code and that its output holds
// each of wants.
func wantTamperStatus(t *testing.T, a *fake.Account, code int, when string, wants ...string) {
	t.Helper()
	got, out, errs := runCLI(t, a, append([]string{"status"}, tamperFlags...)...)
	if got != code {
		t.Errorf("status %s: exit %d, want %d\n%s%s", when, got, code, out, errs)
		return
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("status %s: output lacks %q\n%s", when, w, out)
		}
	}
}

// signInMails emits a root console sign-in in eu-west-1 and returns how many
// e-mails it raised.
func signInMails(t *testing.T, a *fake.Account) int {
	t.Helper()
	before := len(a.Emails())
	if err := a.Emit("eu-west-1", rootSignIn(a.ID())); err != nil {
		t.Fatal(err)
	}
	return len(a.Emails()) - before
}

// drainDLQ reads and deletes what the home dead-letter queue holds, as the
// operator does after acting on the lost alerts, and returns how many.
func drainDLQ(t *testing.T, a *fake.Account) int {
	t.Helper()
	return drainQueue(t, a, "us-east-1")
}

// withStatement is doc with st added to its statements.
func withStatement(t *testing.T, doc, st string) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %s: %v", doc, err)
	}
	var s any
	if err := json.Unmarshal([]byte(st), &s); err != nil {
		t.Fatal(err)
	}
	switch cur := p["Statement"].(type) {
	case []any:
		p["Statement"] = append(cur, s)
	case map[string]any:
		p["Statement"] = []any{cur, s}
	default:
		p["Statement"] = []any{s}
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDLQDenyRepaired (case 6): a Deny sqs:SendMessage added to every
// dead-letter queue's policy fails status, naming the statement; deploy puts
// rootwatch's own policy back.
func TestDLQDenyRepaired(t *testing.T) {
	a := fake.New()
	healthyChain(t, a)
	const deny = `{"Sid":"NoDeadLetters","Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}`
	var regions []string
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		qs := a.Queues(r)
		q, err := qs.Queue(t.Context(), chain.DLQName)
		if err != nil {
			continue // no forwarder dead-letter queue in this region
		}
		if err := qs.SetQueuePolicy(t.Context(), q.URL, withStatement(t, q.Policy, deny)); err != nil {
			t.Fatal(err)
		}
		regions = append(regions, r)
	}
	if len(regions) == 0 {
		t.Fatal("no dead-letter queue deployed")
	}
	wantTamperStatus(t, a, 1, "after the Deny", "statement NoDeadLetters denies sqs:SendMessage")
	_, out, _ := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
	if !strings.Contains(out, "NoDeadLetters") {
		t.Errorf("deploy --dry-run does not show the Deny removed:\n%s", out)
	}
	mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
	wantTamperStatus(t, a, 0, "after deploy repaired")
	for _, r := range regions {
		q, err := a.Queues(r).Queue(t.Context(), chain.DLQName)
		if err != nil || strings.Contains(q.Policy, "NoDeadLetters") {
			t.Errorf("%s dead-letter queue after deploy: %v %s", r, err, q.Policy)
		}
	}
}

// TestTopicKeyTampered (case 7): the topic's customer managed key disabled,
// scheduled for deletion, or denied by a statement in its policy fails status
// with the fix; rootwatch does not own the key, so the user repairs it.
func TestTopicKeyTampered(t *testing.T) {
	const admin = `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`
	setup := func(t *testing.T) (*fake.Account, cloud.Key) {
		t.Helper()
		a := fake.New()
		putTrail(t, a)
		mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, tamperFlags...)...)
		k, err := a.CreateKey("us-east-1", "alias/alerts", strings.ReplaceAll(admin, "123456789012", a.ID()))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetTopicKMSKey(alertTopic(a), k.ARN); err != nil {
			t.Fatal(err)
		}
		healthyChain(t, a, "--fix-kms-policy")
		if n := signInMails(t, a); n != 1 {
			t.Fatalf("healthy encrypted chain: %d e-mails, want 1 (failures %v)", n, a.Failures())
		}
		return a, k
	}
	for _, tc := range []struct {
		name  string
		state cloud.KeyState
		want  []string
	}{
		{"disabled", cloud.KeyDisabled, []string{"is disabled", "aws kms enable-key --key-id", "rootwatch deploy does not"}},
		{"pending deletion", cloud.KeyPendingDeletion, []string{"is scheduled for deletion", "aws kms cancel-key-deletion --key-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, k := setup(t)
			if err := a.SetKeyState("us-east-1", k.ID, tc.state); err != nil {
				t.Fatal(err)
			}
			if n := signInMails(t, a); n != 0 {
				t.Errorf("a %s key still encrypts: %d e-mails", tc.state, n)
			}
			if n := drainDLQ(t, a); n != 1 {
				t.Errorf("the refused alert was dead-lettered %d times, want 1", n)
			}
			wantTamperStatus(t, a, 1, "with the key "+string(tc.state), tc.want...)
			mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
			wantTamperStatus(t, a, 1, "after deploy (which cannot enable the key)", tc.want[0])
			// The user enables the key (cancel-key-deletion leaves it
			// Disabled; enable-key then Enabled).
			if err := a.SetKeyState("us-east-1", k.ID, cloud.KeyEnabled); err != nil {
				t.Fatal(err)
			}
			wantTamperStatus(t, a, 0, "after the key is enabled")
			if n := signInMails(t, a); n != 1 {
				t.Errorf("after the key is enabled: %d e-mails, want 1", n)
			}
		})
	}
	t.Run("deny statement", func(t *testing.T) {
		a, k := setup(t)
		cur, err := a.Keys("us-east-1").Key(t.Context(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		const deny = `{"Sid":"NoEventBridge","Effect":"Deny","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:*","Resource":"*"}`
		if err := a.Keys("us-east-1").PutKeyPolicy(t.Context(), k.ID, withStatement(t, cur.Policy, deny)); err != nil {
			t.Fatal(err)
		}
		if n := signInMails(t, a); n != 0 {
			t.Errorf("a key whose policy denies EventBridge still encrypts: %d e-mails", n)
		}
		if n := drainDLQ(t, a); n != 1 {
			t.Errorf("the refused alert was dead-lettered %d times, want 1", n)
		}
		want := []string{"statement NoEventBridge denies kms:GenerateDataKey", "remove that statement from the key policy"}
		wantTamperStatus(t, a, 1, "with the Deny", want...)
		mustRun(t, a, append([]string{"deploy", "--fix-kms-policy"}, tamperFlags...)...)
		wantTamperStatus(t, a, 1, "after deploy --fix-kms-policy (which keeps others' statements)", want[0])
		// The user removes the statement.
		if err := a.Keys("us-east-1").PutKeyPolicy(t.Context(), k.ID, cur.Policy); err != nil {
			t.Fatal(err)
		}
		wantTamperStatus(t, a, 0, "after the Deny is removed")
	})
}

// TestForwardInputRepaired (case 8): a constant Input on the forwarding target
// fails status; deploy says it updates the target and repairs it.
func TestForwardInputRepaired(t *testing.T) {
	a := fake.New()
	healthyChain(t, a)
	ev := a.Events("eu-west-1")
	ts, err := ev.Targets(t.Context(), "", chain.ForwardRuleName)
	if err != nil || len(ts) != 1 {
		t.Fatalf("forwarding targets: %v %v", ts, err)
	}
	ts[0].ConstantInput = `{"all":"quiet"}`
	if err := ev.PutTargets(t.Context(), "", chain.ForwardRuleName, ts); err != nil {
		t.Fatal(err)
	}
	if n := signInMails(t, a); n != 0 {
		t.Errorf("forwarding a constant still alerts: %d e-mails", n)
	}
	wantTamperStatus(t, a, 1, "after the constant input", "sends a constant input (15 bytes) instead of the event")
	_, out, _ := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
	if !strings.Contains(out, "constant input") || strings.Contains(strings.ToLower(out), "nothing to do") {
		t.Errorf("deploy --dry-run does not say it updates the target:\n%s", out)
	}
	mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
	wantTamperStatus(t, a, 0, "after deploy repaired")
	if n := signInMails(t, a); n != 1 {
		t.Errorf("after deploy repaired: %d e-mails, want 1 (failures %v)", n, a.Failures())
	}
}
