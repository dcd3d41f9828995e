package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/status"
)

// statusNow is the clock of the status tests: the fake account's and the CLI's.
var statusNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeClock is the fake accounts' clock; a test moves it to date messages.
var fakeClock = statusNow

const statusEmail = "ops@example.com"

// deployedFake returns a fake account with a fit trail and rootwatch deployed by
// deploy itself in every region, its one e-mail subscription confirmed: the
// healthy state every broken-link test starts from.
func deployedFake(t *testing.T) (*fake.Account, chain.Spec) {
	t.Helper()
	ctx := context.Background()
	a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := a.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := chain.Options{Emails: []string{statusEmail}}
	spec, err := chain.Desired(id, regions, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := deploy.PlanDeploy(ctx, a, spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmSubscription(spec.Topic.ARN, statusEmail); err != nil {
		t.Fatal(err)
	}
	return a, spec
}

// runStatusCmd runs `rootwatch status args...` against acct and returns the exit
// code, stdout and stderr.
func runStatusCmd(t *testing.T, acct cloud.Account, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Connect: func(ctx context.Context, c cloud.Config) (cloud.Account, error) {
			return acct, nil
		},
		Now: func() time.Time { return statusNow },
	}
	code := Main(env, append([]string{"status"}, args...))
	return code, stdout.String(), stderr.String()
}

// statusJSON runs status with --output json and decodes the report.
func statusJSON(t *testing.T, acct cloud.Account, args ...string) (int, status.Report, string) {
	t.Helper()
	code, out, errOut := runStatusCmd(t, acct, append([]string{"--output", "json"}, args...)...)
	var rep status.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --output json printed no report (%v); stdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	return code, rep, errOut
}

// notOK returns the checks of rep that are not ok.
func notOK(rep status.Report) []status.Result {
	var out []status.Result
	for _, c := range rep.Checks {
		if c.Status != status.OK {
			out = append(out, c)
		}
	}
	return out
}

func TestStatusHealthyFake(t *testing.T) {
	a, _ := deployedFake(t)
	code, rep, errOut := statusJSON(t, a)
	if code != ExitOK {
		t.Errorf("exit code %d, want %d; stderr: %s", code, ExitOK, errOut)
	}
	if bad := notOK(rep); len(bad) > 0 {
		t.Errorf("healthy deployment has checks that are not ok:\n%v", bad)
	}
	if rep.Status != status.OK {
		t.Errorf("report status %q, want ok", rep.Status)
	}
	// Every enabled region's forwarding is checked.
	regions, _ := a.Regions(context.Background())
	if diff := cmp.Diff(regions, rep.Regions); diff != "" {
		t.Errorf("regions checked (-enabled +checked):\n%s", diff)
	}

	// And the fake, which delivers as AWS does, agrees: a root sign-in in
	// any region raises an e-mail.
	for _, r := range regions {
		if n := signIn(t, a, r); n != 1 {
			t.Errorf("a root sign-in in %s raised %d e-mails, want 1", r, n)
		}
		if n := readOnlyCall(t, a, r); n != 1 {
			t.Errorf("a root read-only call in %s raised %d e-mails, want 1", r, n)
		}
	}

	// The table says the same.
	code, out, _ := runStatusCmd(t, a)
	if code != ExitOK || !strings.Contains(out, "healthy: ") || strings.Contains(out, "FAIL") {
		t.Errorf("table output (exit %d):\n%s", code, out)
	}
}

// TestStatusBrokenLinks breaks one link of a healthy deployment at a time and
// checks that status reports exactly that link, with its message, and exits 1.
func TestStatusBrokenLinks(t *testing.T) {
	ctx := context.Background()
	const signin = chain.AlertRulePrefix + "root-console-signin-no-mfa"
	alertRule := func(t *testing.T, a *fake.Account, s chain.Spec, name string) cloud.Rule {
		t.Helper()
		r, err := a.Events(s.HomeRegion).Rule(ctx, chain.BusName, name)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	forwardRule := func(t *testing.T, a *fake.Account, region string) cloud.Rule {
		t.Helper()
		r, err := a.Events(region).Rule(ctx, cloud.DefaultBus, chain.ForwardRuleName)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var wrong string // where the wrong pattern differs
	tests := []struct {
		name  string
		setup func(t *testing.T) *fake.Account // a broken account
		want  status.Result                    // the one check not ok
		// lostIn is the region where a root console sign-in must now raise
		// no e-mail in the fake (which delivers as AWS does): status's
		// verdict agrees with what happens to a real alert. "" where the
		// alert still arrives (a warning, a full dead-letter queue) or the
		// fake does not model the link (CloudTrail feeding EventBridge).
		lostIn string
		// readOnlyLostIn is the region where only a root read-only API
		// call must raise no e-mail.
		readOnlyLostIn string
	}{
		{
			name: "pending subscription",
			setup: func(t *testing.T) *fake.Account {
				// Deploy, but nobody clicks the confirmation link.
				a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
				must(t, a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementWriteOnly}))
				id, _ := a.Identity(ctx)
				regions, _ := a.Regions(ctx)
				opts := chain.Options{Emails: []string{statusEmail}}
				spec, err := chain.Desired(id, regions, opts)
				must(t, err)
				plan, err := deploy.PlanDeploy(ctx, a, spec, opts)
				must(t, err)
				must(t, plan.Apply(ctx))
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "subscriptions", Status: status.Fail,
				Detail: "no confirmed subscription, 1 pending (ops@example.com): nobody gets the alerts",
				Fix:    "open the confirmation e-mail sent to each pending address and click its link (or run 'rootwatch deploy --email ADDR' to send it again)"},
		},
		{
			name: "alert rule disabled",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				r := alertRule(t, a, s, signin)
				r.State = cloud.RuleDisabled
				_, err := a.Events(s.HomeRegion).PutRule(ctx, r)
				must(t, err)
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "alert-rule/root-console-signin-no-mfa", Status: status.Fail,
				Detail: "rule rootwatch-alert-root-console-signin-no-mfa is DISABLED: no root-console-signin-no-mfa alert is sent",
				Fix:    "run 'rootwatch deploy' to enable it (or aws events enable-rule --name rootwatch-alert-root-console-signin-no-mfa --event-bus-name rootwatch --region us-east-1)"},
		},
		{
			name: "alert target missing",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				must(t, a.Events(s.HomeRegion).RemoveTargets(ctx, chain.BusName, signin, []string{chain.AlertTargetID}))
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "alert-target/root-console-signin-no-mfa", Status: status.Fail,
				Detail: "rule rootwatch-alert-root-console-signin-no-mfa has no target sending to arn:aws:sns:us-east-1:123456789012:rootwatch-alerts: its alerts go nowhere",
				Fix:    "run 'rootwatch deploy' to restore it"},
		},
		{
			name: "topic policy statement missing",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				must(t, a.Topics(s.HomeRegion).SetTopicPolicy(ctx, s.Topic.ARN, fake.DefaultTopicPolicy(s.Topic.ARN)))
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "topic-policy", Status: status.Fail,
				Detail: "the topic policy has no statement RootwatchEventBridgePublish: SNS refuses every alert EventBridge sends",
				Fix:    "run 'rootwatch deploy' to add the statement (other statements are kept)"},
		},
		{
			name: "dead-letter queue not empty",
			setup: func(t *testing.T) *fake.Account {
				a, _ := deployedFake(t)
				// The fake stamps messages with its clock: the lost alert was
				// sent 2h5m before status runs.
				fakeClock = statusNow.Add(-2*time.Hour - 5*time.Minute)
				defer func() { fakeClock = statusNow }()
				must(t, a.SendMessage("eu-central-1", chain.DLQName, `{"version":"0","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"123456789012"}`))
				fakeClock = statusNow.Add(-time.Hour)
				must(t, a.SendMessage("eu-central-1", chain.DLQName, `{"detail-type":"AWS API Call via CloudTrail"}`))
				return a
			},
			want: status.Result{Region: "eu-central-1", Check: "dlq", Status: status.Fail,
				Detail: "dead-letter queue rootwatch-dlq holds 2 message(s): alerts that were never delivered; oldest sent 2026-11-23T09:55:00Z (2h5m ago): AWS Console Sign In via CloudTrail",
				Fix:    "read them (aws sqs receive-message --queue-url QUEUEURL --region eu-central-1 --max-number-of-messages 10), act on the alerts, find why delivery failed (the other checks), then purge the queue"},
		},
		{
			name: "no trail",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				must(t, a.Trails(s.HomeRegion).DeleteTrail(ctx, "main"))
				return a
			},
			want: status.Result{Region: "us-east-1", Check: "trail", Status: status.Fail,
				Detail: "no CloudTrail trail: EventBridge receives no CloudTrail events, so root sign-ins and API calls raise no alert",
				Fix:    "run 'rootwatch deploy --create-trail' to create a multi-region trail"},
		},
		{
			name: "trail not logging and single-region",
			setup: func(t *testing.T) *fake.Account {
				a, _ := deployedFake(t)
				must(t, a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", GlobalEvents: true, Management: cloud.ManagementReadOnly}))
				return a
			},
			want: status.Result{Region: "us-east-1", Check: "trail", Status: status.Fail,
				Detail: "no trail is fit, so root activity raises no alert: trail main is not logging, is not multi-region, records management events ReadOnly (needs All or WriteOnly)",
				Fix:    `aws cloudtrail update-trail --name main --is-multi-region-trail --include-global-service-events; aws cloudtrail put-event-selectors --trail-name main --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'; aws cloudtrail start-logging --name main, or run 'rootwatch deploy --create-trail'`},
		},
		{
			name: "topic encrypted with alias/aws/sns",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				must(t, a.SetTopicKMSKey(s.Topic.ARN, "alias/aws/sns"))
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "kms", Status: status.Fail,
				Detail: "the topic is encrypted with the AWS managed key alias/aws/sns, which EventBridge cannot use: SNS refuses every alert",
				Fix:    "encrypt the topic with a customer managed key instead: aws sns set-topic-attributes --topic-arn arn:aws:sns:us-east-1:123456789012:rootwatch-alerts --attribute-name KmsMasterKeyId --attribute-value KEY, then run 'rootwatch deploy' to grant EventBridge kms:GenerateDataKey* and kms:Decrypt on it"},
		},
		{
			name: "customer key without the EventBridge grant",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				k, err := a.CreateKey(s.HomeRegion, "alias/alerts", `{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`)
				must(t, err)
				must(t, a.SetTopicKMSKey(s.Topic.ARN, k.ID))
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "kms", Status: status.Fail,
				Detail: "key KEYARN's policy does not let events.amazonaws.com use kms:GenerateDataKey*: SNS refuses every alert",
				Fix:    "run 'rootwatch deploy' and let it add the key statement, or add one allowing events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt"},
		},
		{
			name: "forwarding rule ENABLED, not ALL_MANAGEMENT",
			setup: func(t *testing.T) *fake.Account {
				a, _ := deployedFake(t)
				r := forwardRule(t, a, "eu-west-1")
				r.State = cloud.RuleEnabled
				_, err := a.Events("eu-west-1").PutRule(ctx, r)
				must(t, err)
				return a
			},
			readOnlyLostIn: "eu-west-1",
			want: status.Result{Region: "eu-west-1", Check: "forward-rule", Status: status.Warn,
				Detail: "rule rootwatch-forward is ENABLED, not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: root's read-only API calls are missed (read-only calls in eu-west-1)",
				Fix:    "run 'rootwatch deploy' to set the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"},
		},
		{
			name: "forwarding rule missing in one region",
			setup: func(t *testing.T) *fake.Account {
				a, _ := deployedFake(t)
				ev := a.Events("ap-southeast-2")
				must(t, ev.RemoveTargets(ctx, cloud.DefaultBus, chain.ForwardRuleName, []string{chain.ForwardTargetID}))
				must(t, ev.DeleteRule(ctx, cloud.DefaultBus, chain.ForwardRuleName))
				return a
			},
			lostIn: "ap-southeast-2",
			want: status.Result{Region: "ap-southeast-2", Check: "forward-rule", Status: status.Fail,
				Detail: "forwarding rule rootwatch-forward is missing: root activity in ap-southeast-2 raises no alert",
				Fix:    "run 'rootwatch deploy' to restore it"},
		},
		{
			name: "wrong forwarding pattern",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				r := forwardRule(t, a, "us-west-2")
				if !strings.Contains(r.Pattern, `["Root"]`) {
					t.Fatalf("forwarding pattern %s does not name Root", r.Pattern)
				}
				i := strings.Index(r.Pattern, `Root"]`)
				r.Pattern = strings.Replace(r.Pattern, `["Root"]`, `["IAMUser"]`, 1)
				ex := func(p string) string { return p[i:min(i+24, len(p))] }
				wrong = fmt.Sprintf("at byte %d: deployed %q, expected %q", i, ex(r.Pattern), ex(s.Forwarders[0].Rule.Pattern))
				_, err := a.Events("us-west-2").PutRule(ctx, r)
				must(t, err)
				return a
			},
			lostIn: "us-west-2",
			want: status.Result{Region: "us-west-2", Check: "forward-pattern", Status: status.Fail,
				Detail: "rule rootwatch-forward's pattern differs from the one rootwatch deploys (WRONG): events it should match may be missed",
				Fix:    "run 'rootwatch deploy' to put the expected pattern back"},
		},
		{
			name: "no subscription at all",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				subs, err := a.Topics(s.HomeRegion).Subscriptions(ctx, s.Topic.ARN)
				must(t, err)
				for _, sub := range subs {
					must(t, a.Topics(s.HomeRegion).Unsubscribe(ctx, sub.ARN))
				}
				return a
			},
			lostIn: "us-east-1",
			want: status.Result{Region: "us-east-1", Check: "subscriptions", Status: status.Fail,
				Detail: "the topic has no subscription: nobody gets the alerts; ops@example.com, subscribed by deploy, no longer subscribed: they get no alerts",
				Fix:    "run 'rootwatch deploy': it subscribes the recorded addresses again (each must confirm), and unsubscribe what nobody asked for"},
		},
		{
			name: "bus policy denies PutEvents",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				must(t, a.SetBusPolicy(s.HomeRegion, chain.BusName, `{"Version":"2012-10-17","Statement":[{"Sid":"NoOneIn","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"`+s.Bus.ARN+`"}]}`))
				return a
			},
			// The fake does not evaluate bus policies, so no lostIn.
			want: status.Result{Region: "us-east-1", Check: "bus-policy", Status: status.Fail,
				Detail: "statement NoOneIn denies events:PutEvents: alerts are refused",
				Fix:    "remove or narrow that statement so the role rootwatch-forwarder may put events on rootwatch"},
		},
		{
			name: "forwarder role policy missing",
			setup: func(t *testing.T) *fake.Account {
				a, _ := deployedFake(t)
				must(t, a.Roles().DeleteRolePolicy(ctx, chain.ForwarderRoleName, chain.ForwarderPolicyName))
				return a
			},
			lostIn: "eu-west-1",
			want: status.Result{Region: "global", Check: "forwarder-policy", Status: status.Fail,
				Detail: "role rootwatch-forwarder has no policy rootwatch-put-events: it may not put events on the home bus, no region can forward",
				Fix:    "run 'rootwatch deploy' to restore it"},
		},
		{
			name: "forwarding target without its dead-letter queue",
			setup: func(t *testing.T) *fake.Account {
				a, s := deployedFake(t)
				rs, _ := s.Forwarder("eu-west-1")
				tg := rs.Rule.Target
				tg.DeadLetterARN = ""
				must(t, a.Events("eu-west-1").PutTargets(ctx, cloud.DefaultBus, chain.ForwardRuleName, []cloud.Target{tg}))
				return a
			},
			want: status.Result{Region: "eu-west-1", Check: "forward-target", Status: status.Warn,
				Detail: "target rootwatch-home-bus of rule rootwatch-forward: no dead-letter queue: an event that cannot be delivered is dropped without trace",
				Fix:    "run 'rootwatch deploy' to restore it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.setup(t)
			code, rep, errOut := statusJSON(t, a)
			if code != ExitReport {
				t.Errorf("exit code %d, want %d; stderr: %s", code, ExitReport, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr: %q, want nothing (the report says it all)", errOut)
			}
			want := tt.want
			want.Detail = strings.ReplaceAll(want.Detail, "KEYARN", keyARN(t, a))
			want.Detail = strings.ReplaceAll(want.Detail, "(WRONG)", "("+wrong+")")
			if q, err := a.Queues("eu-central-1").Queue(ctx, chain.DLQName); err == nil {
				want.Fix = strings.ReplaceAll(want.Fix, "QUEUEURL", q.URL)
			}
			if diff := cmp.Diff([]status.Result{want}, notOK(rep)); diff != "" {
				t.Errorf("checks not ok (-want +got):\n%s", diff)
			}
			if tt.readOnlyLostIn != "" {
				if n := readOnlyCall(t, a, tt.readOnlyLostIn); n != 0 {
					t.Errorf("status says read-only calls are missed, but one in %s raised %d e-mail(s)", tt.readOnlyLostIn, n)
				}
				if n := signIn(t, a, tt.readOnlyLostIn); n != 1 {
					t.Errorf("a root sign-in in %s raised %d e-mails, want 1 (only read-only calls are missed)", tt.readOnlyLostIn, n)
				}
			}
			if tt.lostIn != "" {
				if n := signIn(t, a, tt.lostIn); n != 0 {
					t.Errorf("status says the alert is lost, but a root sign-in in %s raised %d e-mail(s)", tt.lostIn, n)
				}
			}
		})
	}
}

// signIn emits a root console sign-in (the rule pack's own fixture) on
// region's default bus and returns how many e-mails it raised.
func signIn(t *testing.T, a *fake.Account, region string) int {
	t.Helper()
	pos, _ := rules.Fixtures("root-console-signin-no-mfa")
	if len(pos) == 0 {
		t.Fatal("the rule pack has no root-console-signin-no-mfa fixture")
	}
	before := len(a.Emails())
	if err := a.Emit(region, string(pos[0].Event)); err != nil {
		t.Fatal(err)
	}
	return len(a.Emails()) - before
}

// readOnlyCall emits a root read-only API call (the rule pack's fixture) on
// region's default bus and returns how many e-mails it raised.
func readOnlyCall(t *testing.T, a *fake.Account, region string) int {
	t.Helper()
	pos, _ := rules.Fixtures("root-api-call")
	for _, f := range pos {
		if f.Name == "panther-read-only-enumeration" || strings.HasPrefix(f.Name, "panther-read-only-enumeration") {
			before := len(a.Emails())
			if err := a.Emit(region, string(f.Event)); err != nil {
				t.Fatal(err)
			}
			return len(a.Emails()) - before
		}
	}
	t.Fatal("the rule pack has no read-only root-api-call fixture panther-read-only-enumeration")
	return 0
}

// keyARN is the ARN of the customer key alias/alerts in a, if any.
func keyARN(t *testing.T, a *fake.Account) string {
	k, err := a.Keys("us-east-1").Key(context.Background(), "alias/alerts")
	if err != nil {
		return ""
	}
	return k.ARN
}

// failing wraps an account so that one kind of call fails, to show "could not
// check".
type failing struct {
	cloud.Account
	err error
}

func (f failing) Topics(region string) cloud.Topics {
	return failingTopics{f.Account.Topics(region), f.err}
}

type failingTopics struct {
	cloud.Topics
	err error
}

func (f failingTopics) Subscriptions(ctx context.Context, topic string) ([]cloud.Subscription, error) {
	return nil, fmt.Errorf("list subscriptions of topic %s: %w", topic, f.err)
}

func TestStatusCouldNotCheck(t *testing.T) {
	a, _ := deployedFake(t)
	apiErr := errors.New("AccessDenied: not authorized to perform sns:ListSubscriptionsByTopic")
	code, rep, errOut := statusJSON(t, failing{a, apiErr})
	if code != ExitError {
		t.Errorf("exit code %d, want %d", code, ExitError)
	}
	want := []status.Result{{Region: "us-east-1", Check: "subscriptions", Status: status.Error,
		Detail: "could not check: list subscriptions of topic arn:aws:sns:us-east-1:123456789012:rootwatch-alerts: " + apiErr.Error()}}
	if diff := cmp.Diff(want, notOK(rep)); diff != "" {
		t.Errorf("checks not ok (-want +got):\n%s", diff)
	}
	// The rest of the chain was still checked.
	if len(rep.Checks) < 20 {
		t.Errorf("only %d checks reported; a partial result must still hold every other link", len(rep.Checks))
	}
	wantErr := "rootwatch: could not check 1 link(s) (the ERROR lines; the rest of the report stands): list subscriptions of topic arn:aws:sns:us-east-1:123456789012:rootwatch-alerts: " + apiErr.Error() + "\n"
	if errOut != wantErr {
		t.Errorf("stderr:\n%q\nwant:\n%q", errOut, wantErr)
	}
}

// TestStatusFindsGivenTopic: a deployment made with --topic-arn is checked
// without it, against the topic the alert rules send to.
func TestStatusFindsGivenTopic(t *testing.T) {
	ctx := context.Background()
	a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	topic, err := a.Topics("us-east-1").CreateTopic(ctx, "security-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Topics("us-east-1").Subscribe(ctx, topic, "email", statusEmail, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmSubscription(topic, statusEmail); err != nil {
		t.Fatal(err)
	}
	id, _ := a.Identity(ctx)
	regions, _ := a.Regions(ctx)
	opts := chain.Options{TopicARN: topic}
	spec, err := chain.Desired(id, regions, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := deploy.PlanDeploy(ctx, a, spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}

	code, rep, errOut := statusJSON(t, a)
	if code != ExitOK {
		t.Errorf("exit %d, stderr %s; not ok: %v", code, errOut, notOK(rep))
	}
	if rep.TopicARN != topic {
		t.Errorf("checked topic %s, want %s", rep.TopicARN, topic)
	}
}

// TestStatusMakesNoChange: status only reads, even when it peeks at a
// dead-letter queue, and the peeked messages stay in the queue.
func TestStatusMakesNoChange(t *testing.T) {
	a, _ := deployedFake(t)
	if err := a.SendMessage("us-east-2", chain.DLQName, `{"detail-type":"AWS API Call via CloudTrail"}`); err != nil {
		t.Fatal(err)
	}
	rec := cloudtest.Record(a)
	for run := 1; run <= 2; run++ {
		code, rep, _ := statusJSON(t, rec)
		if code != ExitReport || len(notOK(rep)) != 1 || !strings.Contains(notOK(rep)[0].Detail, "holds 1 message(s)") {
			t.Fatalf("run %d: exit %d, not ok: %v", run, code, notOK(rep))
		}
	}
	if m := rec.Mutations(); len(m) > 0 {
		t.Errorf("status made mutating calls: %v", m)
	}
	if rec.Count("Receive") == 0 {
		t.Error("status did not peek at the dead-letter queue")
	}
}

func TestStatusRegionsFlag(t *testing.T) {
	a, _ := deployedFake(t)
	code, rep, errOut := statusJSON(t, a, "--regions", "eu-west-1")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The home region is always checked.
	if diff := cmp.Diff([]string{"eu-west-1", "us-east-1"}, rep.Regions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	for _, c := range rep.Checks {
		if c.Region != "eu-west-1" && c.Region != "us-east-1" && c.Region != status.Global {
			t.Errorf("check %s in region %s outside --regions", c.Check, c.Region)
		}
	}

	code, _, errOut = runStatusCmd(t, a, "--regions", "mars-north-1")
	if code != ExitError || !strings.Contains(errOut, `region "mars-north-1" is unknown or not enabled`) {
		t.Errorf("unknown region: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runStatusCmd(t, a, "--output", "csv")
	if code != ExitError || !strings.Contains(errOut, `--output "csv" is not one of table, json`) {
		t.Errorf("--output csv: exit %d, stderr %q", code, errOut)
	}
}

// TestStatusDegradedAndCouldNotCheck: a broken link and a link that could
// not be checked exit 3 (both bits), and the JSON result says both.
func TestStatusDegradedAndCouldNotCheck(t *testing.T) {
	ctx := context.Background()
	a, s := deployedFake(t)
	r, err := a.Events(s.HomeRegion).Rule(ctx, chain.BusName, chain.AlertRulePrefix+"root-console-signin-no-mfa")
	if err != nil {
		t.Fatal(err)
	}
	r.State = cloud.RuleDisabled
	if _, err := a.Events(s.HomeRegion).PutRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	code, rep, errOut := statusJSON(t, failing{a, errors.New("AccessDenied")})
	if code != ExitReportAndError {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitReportAndError, errOut)
	}
	if got := rep.Result(); got != "degraded-incomplete" {
		t.Errorf("result %q, want degraded-incomplete", got)
	}
	if !strings.Contains(errOut, "rootwatch: could not check 1 link(s)") {
		t.Errorf("stderr lacks the error:\n%s", errOut)
	}
}
