package cli

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
)

// TestStatusOrgEmptyTopicIsDefault: status --org resolves its options
// through the one settings helper, as deploy --org does. After a deploy
// --org with --topic-arn ops-alerts, a bare status --org checks ops-alerts
// (the record); --topic-arn= is given, and means rootwatch's own topic
// rootwatch-alerts, as it does for deploy: that topic does not exist, so the
// chain is degraded. test --org takes it the same way.
func TestStatusOrgEmptyTopicIsDefault(t *testing.T) {
	w, ops := deployOrgOps(t)
	central := w.Account(orgCentral)
	if _, err := central.ConfirmSubscription(ops, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	mgmt := w.Management()
	status := []string{"status", "--org", "--central-account", orgCentral}
	if code, out, errOut := runOrgCmd(t, mgmt, status...); code != ExitOK || !strings.Contains(out, "healthy: central chain OK") {
		t.Fatalf("bare status --org: exit %d, want 0 (the recorded topic)\n%s%s", code, out, errOut)
	}
	own := chain.TopicARN("aws", "us-east-1", orgCentral)
	code, out, errOut := runOrgCmd(t, mgmt, append(status, "--topic-arn=")...)
	if code != ExitReport || !strings.Contains(out, "topic "+own+" is missing") || !strings.Contains(out, "degraded: central chain FAIL") {
		t.Errorf("status --org --topic-arn=: exit %d, want 1 checking %s (the default topic), not the recorded one\n%s%s", code, own, out, errOut)
	}
	code, out, errOut = runOrgCmd(t, mgmt, append(status, "--topic-arn", ops)...)
	if code != ExitOK {
		t.Errorf("status --org --topic-arn %s: exit %d, want 0\n%s%s", ops, code, out, errOut)
	}

	test := []string{"test", "--org", "--central-account", orgCentral, "--timeout", "1s", "--topic-arn="}
	if code, out, errOut := runOrgCmd(t, mgmt, test...); code == ExitOK || !strings.Contains(out+errOut, own) {
		t.Errorf("test --org --topic-arn=: exit %d, want a failure naming %s\n%s%s", code, own, out, errOut)
	}
}
