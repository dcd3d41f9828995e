package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// ownerSubscription returns the ARN of the confirmed subscription of addr to
// the alert topic.
func ownerSubscription(t *testing.T, a *fake.Account, addr string) string {
	t.Helper()
	subs, err := a.Topics("us-east-1").Subscriptions(t.Context(), alertTopic(a))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Endpoint == addr && !s.Pending {
			return s.ARN
		}
	}
	t.Fatalf("no confirmed subscription of %s in %+v", addr, subs)
	return ""
}

// TestFilterPolicyRemoved (issue 9 case 3): a filter policy on the owner's
// subscription keeps every alert from them while the subscription still
// looks confirmed; status fails naming it, deploy (without --email: the
// address is the recorded one) says it removes it and does, and the alerts
// arrive again.
func TestFilterPolicyRemoved(t *testing.T) {
	a := fake.New()
	healthyChain(t, a)
	sub := ownerSubscription(t, a, "sec@example.com")
	if err := a.SetFilterPolicy(sub, `{"severity":["none-such"]}`); err != nil {
		t.Fatal(err)
	}
	if n := signInMails(t, a); n != 0 {
		t.Errorf("with the filter policy: %d e-mails, want 0", n)
	}
	wantTamperStatus(t, a, 1, "after the filter policy",
		"have a filter policy that keeps every alert from them (email:sec@example.com)", "removes the filter policy")
	_, out, _ := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
	if !strings.Contains(out, "remove the filter policy from subscription "+sub+" (someone added one: it can drop every alert)") {
		t.Errorf("deploy --dry-run does not say it removes the filter policy:\n%s", out)
	}
	mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
	wantTamperStatus(t, a, 0, "after deploy repaired")
	if n := signInMails(t, a); n != 1 {
		t.Errorf("after deploy repaired: %d e-mails, want 1 (failures %v)", n, a.Failures())
	}
	// Nothing left to repair: a second deploy changes nothing.
	_, out, _ = runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
	if strings.Contains(out, "filter policy") {
		t.Errorf("second deploy --dry-run still mentions the filter policy:\n%s", out)
	}
}
