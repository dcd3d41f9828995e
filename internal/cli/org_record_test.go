package cli

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
)

// TestStatusOrgReadsRecord (issue 9): status --org checks the central chain
// against the settings deploy --org recorded on the central bus, as status
// does for one account: the regions and the subscribers recorded, not
// defaults or whatever is subscribed; without a record it warns and names the
// deploy --org fix.
func TestStatusOrgReadsRecord(t *testing.T) {
	w := fakeOrg(t)
	mgmt := w.Management()
	central := w.Account(orgCentral)
	topic := "arn:aws:sns:us-east-1:" + orgCentral + ":" + chain.TopicName
	if code, out, errOut := runOrgCmd(t, mgmt, append([]string{"deploy", "--email", "sec@example.com"}, orgArgs...)...); code != 0 {
		t.Fatalf("deploy --org: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := central.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	// Without --regions: the recorded two regions, not the six enabled.
	bare := []string{"status", "--org", "--central-account", orgCentral}
	if code, out, _ := runOrgCmd(t, mgmt, bare...); code != 0 || !strings.Contains(out, "healthy: central chain OK") {
		t.Fatalf("status --org without --regions: exit %d, want 0 (the recorded regions)\n%s", code, out)
	}

	// The owner's address replaced by another: the recorded subscriber is gone.
	subs, err := central.Topics("us-east-1").Subscriptions(t.Context(), topic)
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions: %+v, %v", subs, err)
	}
	if err := central.Topics("us-east-1").Unsubscribe(t.Context(), subs[0].ARN); err != nil {
		t.Fatal(err)
	}
	if _, err := central.Topics("us-east-1").Subscribe(t.Context(), topic, "email", "mallory@example.net", false); err != nil {
		t.Fatal(err)
	}
	if _, err := central.ConfirmSubscription(topic, "mallory@example.net"); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runOrgCmd(t, mgmt, bare...)
	if code != ExitReport || !strings.Contains(out, "sec@example.com, subscribed by deploy, no longer subscribed") ||
		!strings.Contains(out, "'rootwatch deploy --org --central-account "+orgCentral+" --regions eu-west-1,us-east-1': it subscribes the recorded addresses again") {
		t.Errorf("status --org with the recorded address replaced: exit %d, want 1 naming it and the org fix (which re-subscribes it)\n%s", code, out)
	}

	// The record removed: WARN, and the fix is deploy --org.
	if err := central.UntagBus("us-east-1", chain.BusName, chain.TopicTag, chain.HomeRegionTag, chain.RegionsTag, chain.SubscribersTag); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runOrgCmd(t, mgmt, append([]string{"status"}, orgArgs...)...)
	if code != ExitReport || !strings.Contains(out, "records no deployment settings") ||
		!strings.Contains(out, "'rootwatch deploy --org --central-account "+orgCentral+" --email ADDR' with the flags the chain was deployed with") {
		t.Errorf("status --org without a record: exit %d, want 1 with the settings-record WARN and the org fix\n%s", code, out)
	}

	// The repair: deploy --org with the team's address records it all again.
	if code, out, errOut := runOrgCmd(t, mgmt, append([]string{"deploy", "--email", "sec@example.com"}, orgArgs...)...); code != 0 {
		t.Fatalf("deploy --org: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := central.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runOrgCmd(t, mgmt, bare...)
	if code != ExitReport || !strings.Contains(out, "mallory@example.net, which deploy did not subscribe") || strings.Contains(out, "FAIL") {
		t.Errorf("status --org after the repair: exit %d, want 1 with only the foreign subscriber's WARN\n%s", code, out)
	}
}
