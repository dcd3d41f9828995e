package fake_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// clock is a settable time for the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// watched is a home bus with an alert rule to a topic (whose policy may or may
// not let EventBridge publish), an e-mail subscriber, a forwarder role, and a
// heartbeat: a scheduled rule in remote that sends to the home bus through the
// role, a home rule that matches it, and alarms on delivery failures and on
// the heartbeat's absence, all notifying the topic.
type watched struct {
	a        *fake.Account
	clock    *clock
	topicARN string
	roleName string
}

const (
	alertRule     = "rootwatch-alert"
	heartbeatRule = "rootwatch-heartbeat"
	failedAlarm   = "rootwatch-alert-failed"
	silenceAlarm  = "rootwatch-heartbeat-" + remote
)

func buildWatched(t *testing.T, eventsMayPublish bool) watched {
	t.Helper()
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	a := fake.NewWith(fake.Options{Now: clk.Now})
	w := watched{a: a, clock: clk, roleName: "rootwatch-forwarder"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.topicARN, err = a.Topics(home).CreateTopic(ctx, "rootwatch-alerts", nil)
	must(err)
	bus, err := a.Events(home).CreateBus(ctx, "rootwatch", nil)
	must(err)
	alertARN, err := a.Events(home).PutRule(ctx, cloud.Rule{Name: alertRule, Bus: "rootwatch", Pattern: rootPattern})
	must(err)
	must(a.Events(home).PutTargets(ctx, "rootwatch", alertRule, []cloud.Target{{ID: "topic", ARN: w.topicARN}}))
	if eventsMayPublish {
		policy := `{"Version":"2012-10-17","Statement":[` + strings.TrimSuffix(strings.TrimPrefix(fake.DefaultTopicPolicy(w.topicARN), `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[`), `]}`) +
			`,{"Sid":"RootwatchEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + w.topicARN + `","Condition":{"ArnEquals":{"aws:SourceArn":["` + alertARN + `"]}}}]}`
		must(a.Topics(home).SetTopicPolicy(ctx, w.topicARN, policy))
	}
	_, err = a.Topics(home).Subscribe(ctx, w.topicARN, "email", "ops@example.com", false)
	must(err)
	_, err = a.ConfirmSubscription(w.topicARN, "ops@example.com")
	must(err)

	roleARN, err := a.Roles().CreateRole(ctx, cloud.Role{Name: w.roleName, Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	must(err)
	must(a.Roles().PutRolePolicy(ctx, w.roleName, "put-events", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+bus.ARN+`"}]}`))
	beatARN, err := a.Events(remote).PutRule(ctx, cloud.Rule{Name: heartbeatRule, Schedule: "rate(5 minutes)"})
	must(err)
	must(a.Events(remote).PutTargets(ctx, "", heartbeatRule, []cloud.Target{{ID: "home", ARN: bus.ARN, RoleARN: roleARN}}))
	_, err = a.Events(home).PutRule(ctx, cloud.Rule{Name: silenceAlarm, Bus: "rootwatch",
		Pattern: `{"source":["aws.events"],"detail-type":["Scheduled Event"],"resources":["` + beatARN + `"]}`})
	must(err)

	cw := a.Alarms(home)
	must(cw.PutAlarm(ctx, cloud.Alarm{
		Name: failedAlarm, Namespace: cloud.NamespaceEvents, Metric: cloud.MetricFailedInvocations,
		Dimensions: map[string]string{"EventBusName": "rootwatch", "RuleName": alertRule},
		Statistic:  "Sum", Period: 5 * time.Minute, EvaluationPeriods: 1, Threshold: 1,
		Comparison: cloud.GreaterThanOrEqual, TreatMissingData: cloud.MissingNotBreaching,
		ActionsEnabled: true, AlarmActions: []string{w.topicARN},
	}))
	must(cw.PutAlarm(ctx, cloud.Alarm{
		Name: silenceAlarm, Namespace: cloud.NamespaceEvents, Metric: cloud.MetricMatchedEvents,
		Dimensions: map[string]string{"EventBusName": "rootwatch", "RuleName": silenceAlarm},
		Statistic:  "Sum", Period: 15 * time.Minute, EvaluationPeriods: 1, Threshold: 1,
		Comparison: cloud.LessThan, TreatMissingData: cloud.MissingBreaching,
		ActionsEnabled: true, AlarmActions: []string{w.topicARN},
	}))
	return w
}

// beat runs the schedules every 5 minutes for d, evaluating the alarms each
// minute, as AWS would.
func (w watched) beat(d time.Duration) {
	for i := time.Duration(0); i < d; i += time.Minute {
		if i%(5*time.Minute) == 0 {
			w.a.RunSchedules()
		}
		w.clock.Advance(time.Minute)
		w.a.EvaluateAlarms()
	}
}

func (w watched) states(t *testing.T) map[string]cloud.AlarmState {
	t.Helper()
	als, err := w.a.Alarms(home).Alarms(context.Background(), "rootwatch-")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cloud.AlarmState{}
	for _, al := range als {
		out[al.Name] = al.State
	}
	return out
}

// alarmMails returns the alarm notifications e-mailed so far, by alarm name.
func alarmMails(t *testing.T, a *fake.Account) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range a.Emails() {
		var n struct{ AlarmName, NewStateValue string }
		if json.Unmarshal([]byte(m.Message), &n) == nil && n.AlarmName != "" {
			out[n.AlarmName] = n.NewStateValue
			if !strings.HasPrefix(m.Subject, n.NewStateValue+": ") {
				t.Errorf("alarm e-mail subject %q does not start with its state", m.Subject)
			}
		}
	}
	return out
}

func TestAlarmFiresWhenDeliveryFails(t *testing.T) {
	for _, healthy := range []bool{true, false} {
		name := map[bool]string{true: "DeliveryWorks", false: "TopicRefusesEventBridge"}[healthy]
		t.Run(name, func(t *testing.T) {
			w := buildWatched(t, healthy)
			w.beat(20 * time.Minute)
			if got := w.states(t)[failedAlarm]; got != cloud.AlarmOK {
				t.Fatalf("before the event: %s is %s, want OK", failedAlarm, got)
			}
			// A root event on rootwatch's bus, as the forwarder puts it there.
			if err := w.a.Events(home).PutEvents(context.Background(), "rootwatch", []cloud.Event{{Source: "rootwatch.test", DetailType: "x", Detail: `{"userIdentity":{"type":"Root"}}`}}); err != nil {
				t.Fatal(err)
			}
			w.beat(time.Minute)
			want := map[bool]cloud.AlarmState{true: cloud.AlarmOK, false: cloud.AlarmAlarm}[healthy]
			if got := w.states(t)[failedAlarm]; got != want {
				t.Errorf("after the event: %s is %s, want %s", failedAlarm, got, want)
			}
			mails := alarmMails(t, w.a)
			if healthy && len(mails) != 0 {
				t.Errorf("alarm e-mails while healthy: %v", mails)
			}
			if !healthy && mails[failedAlarm] != "ALARM" {
				t.Errorf("no ALARM e-mail for %s: %v (failures %v)", failedAlarm, mails, w.a.Failures())
			}
			if got := w.states(t)[silenceAlarm]; got != cloud.AlarmOK {
				t.Errorf("heartbeat alarm is %s while the heartbeat runs", got)
			}
		})
	}
}

func TestAlarmFiresWhenHeartbeatStops(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		break_ func(w watched) error
	}{
		{"ForwarderPolicyDeleted", func(w watched) error {
			return w.a.Roles().DeleteRolePolicy(ctx, w.roleName, "put-events")
		}},
		{"ScheduleDisabled", func(w watched) error {
			r, err := w.a.Events(remote).Rule(ctx, "", heartbeatRule)
			if err != nil {
				return err
			}
			r.State = cloud.RuleDisabled
			_, err = w.a.Events(remote).PutRule(ctx, r)
			return err
		}},
		{"ExplicitDenyOnForwarder", func(w watched) error {
			// Issue 9 case 5: an explicit Deny events:PutEvents attached to the role.
			return w.a.Roles().PutRolePolicy(ctx, w.roleName, "deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"events:PutEvents","Resource":"*"}]}`)
		}},
		{"BoundaryWithoutPutEvents", func(w watched) error {
			arn, err := w.a.CreateManagedPolicy("narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`)
			if err != nil {
				return err
			}
			return w.a.SetRoleBoundary(w.roleName, arn)
		}},
		{"HomeBusDeleted", func(w watched) error {
			return w.a.Events(home).DeleteBus(ctx, "rootwatch")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := buildWatched(t, true)
			w.beat(30 * time.Minute)
			if got := w.states(t)[silenceAlarm]; got != cloud.AlarmOK {
				t.Fatalf("healthy heartbeat: %s is %s, want OK", silenceAlarm, got)
			}
			if len(alarmMails(t, w.a)) != 0 {
				t.Fatalf("alarm e-mails while healthy: %v", alarmMails(t, w.a))
			}
			if err := tc.break_(w); err != nil {
				t.Fatal(err)
			}
			w.beat(5 * time.Minute)
			if got := w.states(t)[silenceAlarm]; got != cloud.AlarmOK {
				t.Errorf("5 minutes after the break: %s is %s; the 15-minute window still holds the last beat", silenceAlarm, got)
			}
			w.beat(15 * time.Minute)
			if got := w.states(t)[silenceAlarm]; got != cloud.AlarmAlarm {
				t.Errorf("20 minutes after the break: %s is %s, want ALARM", silenceAlarm, got)
			}
			if got := alarmMails(t, w.a)[silenceAlarm]; got != "ALARM" {
				t.Errorf("heartbeat alarm e-mail: %q, want ALARM (failures %v)", got, w.a.Failures())
			}
		})
	}
}

// An alarm whose actions were disabled (cloudwatch:DisableAlarmActions) changes
// state but e-mails nobody; status must read ActionsEnabled.
func TestAlarmActionsDisabled(t *testing.T) {
	w := buildWatched(t, true)
	w.beat(20 * time.Minute)
	if err := w.a.SetAlarmActionsEnabled(home, silenceAlarm, false); err != nil {
		t.Fatal(err)
	}
	if err := w.a.Roles().DeleteRolePolicy(context.Background(), w.roleName, "put-events"); err != nil {
		t.Fatal(err)
	}
	w.beat(30 * time.Minute)
	if got := w.states(t)[silenceAlarm]; got != cloud.AlarmAlarm {
		t.Errorf("%s is %s, want ALARM", silenceAlarm, got)
	}
	if m := alarmMails(t, w.a); len(m) != 0 {
		t.Errorf("e-mails from an alarm without actions: %v", m)
	}
	als, _ := w.a.Alarms(home).Alarms(context.Background(), silenceAlarm)
	if len(als) != 1 || als[0].ActionsEnabled {
		t.Errorf("Alarms does not show the disabled actions: %+v", als)
	}
}

func TestPutAlarmRefuses(t *testing.T) {
	a := fake.New()
	ctx := context.Background()
	ok := cloud.Alarm{Name: "x", Namespace: cloud.NamespaceEvents, Metric: cloud.MetricFailedInvocations, Statistic: "Sum",
		Period: 5 * time.Minute, EvaluationPeriods: 1, Threshold: 1, Comparison: cloud.GreaterThanOrEqual}
	if err := a.Alarms(home).PutAlarm(ctx, ok); err != nil {
		t.Fatalf("valid alarm refused: %v", err)
	}
	for name, mod := range map[string]func(*cloud.Alarm){
		"action in another region": func(al *cloud.Alarm) { al.AlarmActions = []string{"arn:aws:sns:" + remote + ":123456789012:t"} },
		"action not a topic":       func(al *cloud.Alarm) { al.AlarmActions = []string{"arn:aws:sqs:" + home + ":123456789012:q"} },
		"another account's topic":  func(al *cloud.Alarm) { al.AlarmActions = []string{"arn:aws:sns:" + home + ":999999999999:t"} },
		"period of 90 s":           func(al *cloud.Alarm) { al.Period = 90 * time.Second },
		"no evaluation periods":    func(al *cloud.Alarm) { al.EvaluationPeriods = 0 },
		"unknown statistic":        func(al *cloud.Alarm) { al.Statistic = "p99" },
		"unknown comparison":       func(al *cloud.Alarm) { al.Comparison = "Equal" },
		"unknown missing data":     func(al *cloud.Alarm) { al.TreatMissingData = "zero" },
	} {
		al := ok
		mod(&al)
		if err := a.Alarms(home).PutAlarm(ctx, al); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestScheduledRules(t *testing.T) {
	a := fake.New()
	ctx := context.Background()
	for _, tc := range []struct {
		rule cloud.Rule
		ok   bool
	}{
		{cloud.Rule{Name: "a", Schedule: "rate(5 minutes)"}, true},
		{cloud.Rule{Name: "b", Schedule: "rate(1 hour)"}, true},
		{cloud.Rule{Name: "c", Schedule: "cron(0/5 * * * ? *)"}, true},
		{cloud.Rule{Name: "d", Schedule: "rate(1 minutes)"}, false},
		{cloud.Rule{Name: "e", Schedule: "rate(5 minute)"}, false},
		{cloud.Rule{Name: "f", Schedule: "every 5 minutes"}, false},
		{cloud.Rule{Name: "g", Bus: "custom", Schedule: "rate(5 minutes)"}, false},
		{cloud.Rule{Name: "h"}, false},
	} {
		if tc.rule.Bus != "" {
			a.Events(home).CreateBus(ctx, tc.rule.Bus, nil)
		}
		_, err := a.Events(home).PutRule(ctx, tc.rule)
		if (err == nil) != tc.ok {
			t.Errorf("PutRule(%+v): err = %v, want ok=%v", tc.rule, err, tc.ok)
		}
	}
}

// A key statement scoped to another topic (SNS's encryption context) does not
// let EventBridge publish to this one.
func TestKeyScopedToAnotherTopic(t *testing.T) {
	c := buildChain(t)
	for _, tc := range []struct {
		topic string
		ok    bool
	}{{c.topicARN, true}, {"arn:aws:sns:us-east-1:123456789012:other", false}} {
		a := c.a
		key, err := a.CreateKey(home, "alias/k-"+strings.TrimPrefix(tc.topic, "arn:aws:sns:us-east-1:123456789012:"), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:aws:sns:topicArn":"`+tc.topic+`","aws:SourceAccount":"123456789012"}}}]}`)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetTopicKMSKey(c.topicARN, key.ID); err != nil {
			t.Fatal(err)
		}
		before := len(a.Failures())
		if err := a.Emit(remote, signIn); err != nil {
			t.Fatal(err)
		}
		failed := len(a.Failures()) > before
		if failed == tc.ok {
			t.Errorf("key scoped to %s: delivery failed = %v, want %v (%v)", tc.topic, failed, !tc.ok, a.Failures())
		}
	}
}
