package deploy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// TestTamperFixturesDelivered: through a deployed chain on the fake, every
// positive fixture of the tamper rule (each change it watches: rules, targets,
// the bus and its settings record, role, boundary, queues, topic, alarms,
// heartbeat, channels, key, trail, regions), made in a forwarding region, is
// forwarded home and mailed as a tamper alert; no negative fixture (another
// alarm, bus, role, connection, a read) mails anything.
func TestTamperFixturesDelivered(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
	topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	const id = "rootwatch-tamper"
	pos, neg := rules.Fixtures(id)
	if len(pos) < 40 {
		t.Fatalf("%d positive fixtures of %s: the pack lost some", len(pos), id)
	}
	// The fixtures are made in account 123456789012 and various regions; the
	// forwarding path does not care, but the message names the account.
	emit := func(f rules.Fixture) int {
		t.Helper()
		var ev map[string]any
		if err := json.Unmarshal(f.Event, &ev); err != nil {
			t.Fatal(err)
		}
		ev["region"] = "eu-west-1"
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		before := len(a.Emails())
		if err := a.Emit("eu-west-1", string(b)); err != nil {
			t.Fatal(err)
		}
		return len(a.Emails()) - before
	}
	for _, f := range pos {
		n := emit(f)
		mails := a.Emails()
		if n < 1 || !strings.Contains(mails[len(mails)-1].Message, "rootwatch's alert chain was changed") {
			t.Errorf("positive %s: %d mails, want the tamper alert (failures %v)", f.Name, n, a.Failures())
		}
	}
	for _, f := range neg {
		if n := emit(f); n != 0 {
			t.Errorf("negative %s mailed %d alerts: %s", f.Name, n, a.Emails()[len(a.Emails())-1].Message)
		}
	}
}
