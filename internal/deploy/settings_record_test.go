package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// recordTags are the tags of the settings record on the bus.
var recordTags = []string{chain.TopicTag, chain.HomeRegionTag, chain.RegionsTag, chain.SubscribersTag}

// TestSettingsRecordMissing (issue 9): a deployed chain whose bus lost its
// settings record is a WARN naming the fix; status then checks the options
// given, never the topic the alert rules point at, and says which topic that
// is; deploy with the original flags writes the record again.
func TestSettingsRecordMissing(t *testing.T) {
	t.Run("rootwatch's topic", func(t *testing.T) {
		a := fake.New()
		putTrail(t, a)
		mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
		topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
		if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := a.UntagBus("us-east-1", chain.BusName, recordTags...); err != nil {
			t.Fatal(err)
		}
		code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1")
		if code != 1 || strings.Count(out, "WARN") != 1 || strings.Contains(out, "FAIL") ||
			!strings.Contains(out, "records no deployment settings") || !strings.Contains(out, "rootwatch deploy --email ADDR' with the flags the chain was deployed with") {
			t.Fatalf("status without a record: exit %d, want 1 with one WARN naming the fix\n%s", code, out)
		}
		mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
		if code, out, _ := runCLI(t, a, "status"); code != 0 {
			t.Errorf("status after deploy recorded the settings again: exit %d\n%s", code, out)
		}
	})
	t.Run("a topic given with --topic-arn", func(t *testing.T) {
		a := fake.New()
		putTrail(t, a)
		own, err := a.Topics("us-east-1").CreateTopic(t.Context(), "ops-alerts", nil)
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, a, "deploy", "--topic-arn", own, "--regions", "eu-west-1", "--email", "sec@example.com")
		if _, err := a.ConfirmSubscription(own, "sec@example.com"); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := runCLI(t, a, "status"); code != 0 {
			t.Fatalf("status with the record: exit %d\n%s", code, out)
		}
		if err := a.UntagBus("us-east-1", chain.BusName, recordTags...); err != nil {
			t.Fatal(err)
		}
		// Not adopted: the rules' topic is named, the default one checked.
		code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1")
		if !strings.Contains(out, "FAIL    target rootwatch-topic") || !strings.Contains(out, "'rootwatch deploy' to restore it (with the flags the chain was deployed with: see settings-record)") {
			t.Errorf("the targets' FAIL does not point its fix at the original flags:\n%s", out)
		}
		if code != 1 || !strings.Contains(out, "the alert rules send to "+own+", which status does not adopt") {
			t.Fatalf("status without a record: exit %d, want 1 naming the rules' topic\n%s", code, out)
		}
		if !strings.Contains(out, "topic "+chain.TopicARN("aws", "us-east-1", a.ID())+" is missing") {
			t.Errorf("status did not check the default topic:\n%s", out)
		}
		// Given the topic, status checks it, and still warns about the record.
		code, out, _ = runCLI(t, a, "status", "--regions", "eu-west-1", "--topic-arn", own)
		if code != 1 || strings.Count(out, "WARN") != 1 || strings.Contains(out, "FAIL") ||
			!strings.Contains(out, "'rootwatch deploy --topic-arn "+own+" --email ADDR'") {
			t.Errorf("status --topic-arn without a record: exit %d, want 1 with the one WARN\n%s", code, out)
		}
		mustRun(t, a, "deploy", "--topic-arn", own, "--regions", "eu-west-1", "--email", "sec@example.com")
		if code, out, _ := runCLI(t, a, "status"); code != 0 {
			t.Errorf("status after deploy recorded the settings again: exit %d\n%s", code, out)
		}

		// Only the topic's tag removed: the rest of the record stands, the
		// default topic is checked, and the fixes point at the original flags.
		if err := a.UntagBus("us-east-1", chain.BusName, chain.TopicTag); err != nil {
			t.Fatal(err)
		}
		code, out, _ = runCLI(t, a, "status")
		if code != 1 || !strings.Contains(out, "settings record lacks rootwatch:topic") ||
			!strings.Contains(out, "'rootwatch deploy --regions eu-west-1' to restore it (with the flags the chain was deployed with: see settings-record)") {
			t.Errorf("status with the topic's tag removed: exit %d, want 1 with the WARN and fixes pointing at the original flags\n%s", code, out)
		}
	})
}
