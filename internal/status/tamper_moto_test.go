package status

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// TestTamperMoto runs issue 9's cases 6 and 8 through the AWS adapter against
// moto: healthy -> an actor's change -> status fails naming it -> deploy ->
// healthy. Case 7 (the topic's key) needs a customer managed key on the
// topic, which deploy does not create: the adapter's reading of the key state
// is tested against moto in internal/awscloud (TestKeyState), the whole case
// on the fake (TestTopicKeyTampered in internal/deploy).
func TestTamperMoto(t *testing.T) {
	t.Parallel()
	opts := chain.Options{Regions: []string{"eu-west-1"}, CreateTrail: true, Emails: []string{"ops@example.com"}}
	cases := []struct {
		name   string
		change func(t *testing.T, ctx context.Context, acct cloud.Account)
		check  string // the check that must fail
		detail string // words its detail must hold
	}{
		{
			name: "dead-letter queue denies SendMessage",
			change: func(t *testing.T, ctx context.Context, acct cloud.Account) {
				qs := acct.Queues("eu-west-1")
				q, err := qs.Queue(ctx, chain.DLQName)
				if err != nil {
					t.Fatal(err)
				}
				p, err := policy.Read(q.Policy)
				if err != nil {
					t.Fatal(err)
				}
				p.Statement = append(p.Statement, policy.Statement{Sid: "NoDeadLetters", Effect: "Deny", Principal: &policy.Principal{Any: true},
					Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{q.ARN}})
				if err := qs.SetQueuePolicy(ctx, q.URL, p.String()); err != nil {
					t.Fatal(err)
				}
			},
			check:  "dlq",
			detail: "statement NoDeadLetters denies sqs:SendMessage",
		},
		{
			name: "forwarding target sends a constant",
			change: func(t *testing.T, ctx context.Context, acct cloud.Account) {
				ev := acct.Events("eu-west-1")
				ts, err := ev.Targets(ctx, "", chain.ForwardRuleName)
				if err != nil || len(ts) != 1 {
					t.Fatalf("forwarding targets %v: %v", ts, err)
				}
				ts[0].ConstantInput = `{"all":"quiet"}`
				if err := ev.PutTargets(ctx, "", chain.ForwardRuleName, ts); err != nil {
					t.Fatal(err)
				}
			},
			check:  "forward-target",
			detail: "sends a constant input (15 bytes) instead of the event",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := awstest.Endpoint(t)
			ctx := t.Context()
			acct, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL}, awscloud.Options{Credentials: tg.Creds})
			if err != nil {
				t.Fatal(err)
			}
			exp := deployed(t, acct, opts)
			if bad := notOK(tg, Check(ctx, acct, exp, time.Now())); len(bad) != 0 {
				t.Fatalf("after deploy: %v", bad)
			}
			tc.change(t, ctx, acct)
			bad := notOK(tg, Check(ctx, acct, exp, time.Now()))
			if len(bad) != 1 || bad[0].Check != tc.check || bad[0].Status != Fail || !strings.Contains(bad[0].Detail, tc.detail) {
				t.Errorf("after the change: %v, want one failing %s check saying %q", bad, tc.check, tc.detail)
			}
			exp = deployed(t, acct, opts)
			if bad := notOK(tg, Check(ctx, acct, exp, time.Now())); len(bad) != 0 {
				t.Errorf("after deploy repaired: %v", bad)
			}
		})
	}
}

// notOK are the checks of r that are not ok, but for moto's known trail gap
// (see TestHealthyMoto).
func notOK(tg awstest.Target, r Report) []Result {
	var out []Result
	for _, c := range r.Checks {
		if c.Status == OK {
			continue
		}
		if tg.Kind == awstest.Moto && c.Check == "trail" && strings.HasSuffix(c.Detail, "records management events none (needs All or WriteOnly)") {
			continue
		}
		out = append(out, c)
	}
	return out
}
