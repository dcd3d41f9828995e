package deploy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// TestForgedEventsNotAlerted: anyone allowed events:PutEvents on a default
// bus can put an event shaped like a root sign-in, under any source but
// aws.* (AWS refuses those). The deployed chain neither forwards nor alerts
// on it; the same event from AWS reaches the subscriber, with its event IDs.
func TestForgedEventsNotAlerted(t *testing.T) {
	ctx := t.Context()
	a, _ := deployedConfirmed(t)
	pos, _ := rules.Fixtures("root-console-signin-no-mfa")
	var genuine struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
		Region     string          `json:"region"`
	}
	f := pos[0]
	if err := json.Unmarshal(f.Event, &genuine); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for _, src := range []string{"signin.forged", "aws", "aws-signin", "awssignin", "AWS.signin"} {
			err := a.Events(region).PutEvents(ctx, "", []cloud.Event{{Source: src, DetailType: genuine.DetailType, Detail: string(genuine.Detail), Time: time.Now()}})
			if err != nil {
				t.Fatalf("PutEvents with source %q in %s: %v", src, region, err)
			}
		}
		err := a.Events(region).PutEvents(ctx, "", []cloud.Event{{Source: genuine.Source, DetailType: genuine.DetailType, Detail: string(genuine.Detail), Time: time.Now()}})
		if err == nil || !strings.Contains(err.Error(), "NotAuthorizedForSourceException") {
			t.Fatalf("PutEvents with source %q in %s: %v, want it refused", genuine.Source, region, err)
		}
	}
	if got := a.Emails(); len(got) != 0 {
		t.Fatalf("forged events sent %d e-mails: %+v", len(got), got)
	}
	if fails := a.Failures(); len(fails) != 0 {
		t.Fatalf("delivery failures: %v", fails)
	}
	// The same event from AWS is alerted, and the message names its IDs.
	if err := a.Emit("eu-west-1", string(f.Event)); err != nil {
		t.Fatal(err)
	}
	got := a.Emails()
	if len(got) != 1 {
		t.Fatalf("the genuine event sent %d e-mails, want 1", len(got))
	}
	var ids struct {
		ID     string `json:"id"`
		Detail struct {
			EventID string `json:"eventID"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(f.Event, &ids); err != nil {
		t.Fatal(err)
	}
	if m := got[0].Message; ids.Detail.EventID == "" || !strings.Contains(m, "CloudTrail event ID "+ids.Detail.EventID) || !strings.Contains(m, "EventBridge event ID ") {
		t.Errorf("message %q does not carry the event IDs (CloudTrail %s)", m, ids.Detail.EventID)
	}
}
