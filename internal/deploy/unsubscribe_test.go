package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestOneClickUnsubscribeWarned: an e-mail subscription confirmed by clicking
// the link (no AuthenticateOnUnsubscribe) is a WARN naming 'rootwatch confirm';
// following the fix (unsubscribe, deploy, confirm) makes status healthy, and
// the subscription then cannot be removed without credentials.
func TestOneClickUnsubscribeWarned(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
	topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
	sub, err := a.ConfirmByLink(topic, "sec@example.com")
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1")
	if code != 1 || !strings.Contains(out, "sec@example.com confirmed without authentication") || !strings.Contains(out, "rootwatch confirm LINK") {
		t.Fatalf("status with a one-click subscription: exit %d, want 1 with the warning and its fix\n%s", code, out)
	}
	if n := strings.Count(out, "WARN"); n != 1 || strings.Contains(out, "FAIL") {
		t.Errorf("want exactly one non-OK line:\n%s", out)
	}

	// The fix, as the warning words it.
	if err := a.Topics("us-east-1").Unsubscribe(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
	token := a.SubscriptionToken(topic, "sec@example.com")
	if token == "" {
		t.Fatal("deploy sent no new confirmation")
	}
	mustRun(t, a, "confirm", token)
	if code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1"); code != 0 {
		t.Errorf("status after confirming with authentication: exit %d\n%s", code, out)
	}
}
