package cloudtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// GapConfirmToken: ConfirmSubscription accepts any token (moto).
const GapConfirmToken = "confirm-token"

// testAlarms: an alarm on an EventBridge metric that notifies a topic is put,
// read back field for field with its tags and a state, replaced, and deleted;
// deleting what does not exist succeeds.
func testAlarms(t *testing.T, ctx context.Context, a cloud.Account) {
	cw := a.Alarms(Home)
	topic, err := a.Topics(Home).CreateTopic(ctx, "rw-alarm-topic", managed)
	check(t, "CreateTopic", err)
	want := cloud.Alarm{
		Name:              "rw-failed-invocations",
		Description:       "rootwatch: EventBridge could not deliver an alert",
		Namespace:         cloud.NamespaceEvents,
		Metric:            cloud.MetricFailedInvocations,
		Dimensions:        map[string]string{"EventBusName": "rw-bus", "RuleName": "rw-rule"},
		Statistic:         "Sum",
		Period:            5 * time.Minute,
		EvaluationPeriods: 1,
		Threshold:         1,
		Comparison:        cloud.GreaterThanOrEqual,
		TreatMissingData:  cloud.MissingNotBreaching,
		ActionsEnabled:    true,
		AlarmActions:      []string{topic},
		Tags:              managed,
	}
	check(t, "PutAlarm", cw.PutAlarm(ctx, want))
	other := want
	other.Name = "zz-not-ours"
	other.Tags = nil
	check(t, "PutAlarm (another prefix)", cw.PutAlarm(ctx, other))

	got, err := cw.Alarms(ctx, "rw-")
	check(t, "Alarms", err)
	if len(got) != 1 {
		t.Fatalf("Alarms(rw-) = %d alarms, want 1: %+v", len(got), got)
	}
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	if wantARN := "arn:aws:cloudwatch:" + Home + ":" + id.Account + ":alarm:" + want.Name; got[0].ARN != wantARN {
		t.Errorf("alarm ARN = %q, want %q", got[0].ARN, wantARN)
	}
	switch got[0].State {
	case cloud.AlarmOK, cloud.AlarmAlarm, cloud.AlarmInsufficient:
	default:
		t.Errorf("alarm state = %q", got[0].State)
	}
	ignore := cmpopts.IgnoreFields(cloud.Alarm{}, "ARN", "State")
	if diff := cmp.Diff(want, got[0], ignore, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("alarm read back (-put +got):\n%s", diff)
	}

	// Replacing keeps the name; the new settings are read back.
	want.Threshold = 2
	want.TreatMissingData = cloud.MissingBreaching
	check(t, "PutAlarm (replace)", cw.PutAlarm(ctx, want))
	got, err = cw.Alarms(ctx, "rw-")
	check(t, "Alarms after replace", err)
	if len(got) != 1 || got[0].Threshold != 2 || got[0].TreatMissingData != cloud.MissingBreaching {
		t.Errorf("after replace: %+v", got)
	}

	check(t, "DeleteAlarms", cw.DeleteAlarms(ctx, []string{want.Name, "rw-never-existed"}))
	got, err = cw.Alarms(ctx, "rw-")
	check(t, "Alarms after delete", err)
	if len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}
	check(t, "DeleteAlarms (cleanup)", cw.DeleteAlarms(ctx, []string{other.Name}))
}

// testScheduledRule: a rule with a schedule instead of a pattern round-trips on
// the default bus.
func testScheduledRule(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	arn, err := ev.PutRule(ctx, cloud.Rule{Name: "rw-heartbeat", Schedule: "rate(5 minutes)", Description: "heartbeat", Tags: managed})
	check(t, "PutRule (scheduled)", err)
	got, err := ev.Rule(ctx, "", "rw-heartbeat")
	check(t, "Rule", err)
	if got.ARN != arn || got.Schedule != "rate(5 minutes)" || got.Pattern != "" || got.State != cloud.RuleEnabled {
		t.Errorf("scheduled rule = %+v", got)
	}
	list, err := ev.Rules(ctx, "", "rw-heartbeat")
	check(t, "Rules", err)
	if len(list) != 1 || list[0].Schedule != "rate(5 minutes)" {
		t.Errorf("Rules = %+v", list)
	}
	check(t, "DeleteRule", ev.DeleteRule(ctx, "", "rw-heartbeat"))
}

// testConfirmSubscription: a token SNS never sent confirms nothing.
func testConfirmSubscription(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	gaps.skip(t, GapConfirmToken)
	sns := a.Topics(Home)
	arn, err := sns.CreateTopic(ctx, "rw-confirm", managed)
	check(t, "CreateTopic", err)
	_, err = sns.ConfirmSubscription(ctx, arn, "2336412f37fb687f5d51e6e2425dacbba7f2a5a1")
	if err == nil || (!errors.Is(err, cloud.ErrNotFound) && !errors.Is(err, cloud.ErrUnsupported)) {
		t.Errorf("ConfirmSubscription with a token never sent: err = %v, want one wrapping ErrNotFound", err)
	}
}
