package deploy

import (
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/status"
)

// tamperer is the test's way to make an actor's changes on a backend's
// account.
func tamperer(t *testing.T, a cloud.Account) cloudtest.Tamperer {
	t.Helper()
	if l, ok := a.(limitRegions); ok {
		a = l.Account
	}
	tm, ok := a.(cloudtest.Tamperer)
	if !ok {
		t.Fatalf("%T is not a cloudtest.Tamperer", a)
	}
	return tm
}

// TestOwnedRepairsBackends (issue 9 cases 3 and 5, case 5 on the channel
// role, and the channel role's own policy and trust) on the fake and on moto:
// healthy -> an actor's change -> status fails that one check, naming the
// change -> deploy -> healthy. (moto stores the changes but does not apply
// filter policies or role permissions to EventBridge deliveries: the fake
// tests in harden_case3_test.go, harden_case5_test.go and
// harden_channel_role_test.go show the alerts really lost and back.)
func TestOwnedRepairsBackends(t *testing.T) {
	type tc struct {
		name   string
		change func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer)
		check  string
		detail string
		// channels: the chain is deployed with channels (the repairing
		// deploy is still given none: the channel role needs no secret).
		channels bool
	}
	cases := []tc{
		{"case 3 filter policy", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
			subs, err := a.Topics("us-east-1").Subscriptions(t.Context(), topicOf(t, a))
			if err != nil || len(subs) != 1 || subs[0].Pending {
				t.Fatalf("subscriptions %+v: %v", subs, err)
			}
			if err := tm.SetFilterPolicy(subs[0].ARN, `{"severity":["none-such"]}`); err != nil {
				t.Fatal(err)
			}
		}, "subscriptions", "have a filter policy that keeps every alert from them (email:sec@example.com)", false},
	}
	// Case 5, on each of rootwatch's roles: a Deny of the call the role
	// exists for, inline or attached, or a boundary that does not allow it.
	const narrow = `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyPublish","Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`
	for _, r := range []struct {
		prefix, role, check, action string
		channels                    bool
	}{
		{"case 5", chain.ForwarderRoleName, "role-permissions", "events:PutEvents", false},
		{"channel role", chain.ChannelRoleName, "channel-role-permissions", "events:InvokeApiDestination", true},
	} {
		deny := `{"Version":"2012-10-17","Statement":[{"Sid":"Quiet","Effect":"Deny","Action":"` + r.action + `","Resource":"*"}]}`
		cases = append(cases,
			tc{r.prefix + " inline deny", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
				if err := a.Roles().PutRolePolicy(t.Context(), r.role, "quiet", deny); err != nil {
					t.Fatal(err)
				}
			}, r.check, "statement Quiet of inline policy quiet denies " + r.action, r.channels},
			tc{r.prefix + " managed deny", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
				arn, err := tm.CreateManagedPolicy("quiet", deny)
				if err != nil {
					t.Fatal(err)
				}
				if err := tm.AttachRolePolicy(r.role, arn); err != nil {
					t.Fatal(err)
				}
			}, r.check, ":policy/quiet denies " + r.action, r.channels},
			tc{r.prefix + " foreign boundary", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
				arn, err := tm.CreateManagedPolicy("narrow", narrow)
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Roles().PutRoleBoundary(t.Context(), r.role, arn); err != nil {
					t.Fatal(err)
				}
			}, r.check, ":policy/narrow does not allow " + r.action, r.channels},
		)
	}
	// rootwatch's own policy on the channel role, or the role's trust,
	// changed: a deploy given no channel rebuilds both from the deployed API
	// destinations (harden_channel_policy_test.go shows Slack silenced and
	// back on the fake).
	cases = append(cases,
		tc{"channel role own policy deleted", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
		}, "channel-role", "role " + chain.ChannelRoleName + " may not events:InvokeApiDestination on arn:aws:events:us-east-1:", true},
		tc{"channel role trust changed", func(t *testing.T, a cloud.Account, tm cloudtest.Tamperer) {
			const lambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
			if err := a.Roles().UpdateTrust(t.Context(), chain.ChannelRoleName, lambda); err != nil {
				t.Fatal(err)
			}
		}, "channel-role", "role " + chain.ChannelRoleName + " does not let events.amazonaws.com assume it", true},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, b backend) {
				a := b.open(t)
				ctx := t.Context()
				tm := tamperer(t, a)
				withTrail(t, a)
				if _, err := tm.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy()); err != nil {
					t.Fatal(err)
				}
				first := opts("sec@example.com")
				if tc.channels {
					first.Channels = testChannels(t)[:1]
				}
				if _, err := deployOnce(ctx, a, first); err != nil {
					t.Fatal(err)
				}
				if f, ok := a.(*fake.Account); ok {
					if _, err := f.ConfirmSubscription(topicOf(t, a), "sec@example.com"); err != nil {
						t.Fatal(err)
					}
				}
				if p := problems(t, a); len(p) > 0 {
					t.Fatalf("after deploy:\n%s", strings.Join(p, "\n"))
				}
				tc.change(t, a, tm)
				p := problems(t, a)
				if len(p) != 1 || !strings.HasPrefix(p[0], "global "+tc.check+" fail") && !strings.HasPrefix(p[0], "us-east-1 "+tc.check+" fail") || !strings.Contains(p[0], tc.detail) {
					t.Errorf("after the change:\n%s\nwant one failing %s check saying %q", strings.Join(p, "\n"), tc.check, tc.detail)
				}
				plan, err := deployOnce(ctx, a, opts("sec@example.com"))
				if err != nil {
					t.Fatal(err)
				}
				if plan.Applied == 0 {
					t.Error("deploy applied nothing")
				}
				if p := problems(t, a); len(p) > 0 {
					t.Errorf("after deploy repaired:\n%s", strings.Join(p, "\n"))
				}
			})
		})
	}
}

func topicOf(t *testing.T, a cloud.Account) string {
	t.Helper()
	id, err := a.Identity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return chain.TopicARN(id.Partition, "us-east-1", id.Account)
}

// problems runs status as the CLI does (the recorded settings, no flags)
// and returns its checks that are not OK, each as "region check status
// detail".
func problems(t *testing.T, a cloud.Account) []string {
	t.Helper()
	_, checks := notOK(t, a)
	var out []string
	for _, c := range checks {
		out = append(out, c.Region+" "+c.Check+" "+strings.ToLower(string(c.Status))+" "+c.Detail)
	}
	return out
}

// notOK runs status as the CLI does (the recorded settings, no flags) and
// returns the record it read and its checks that are not OK.
func notOK(t *testing.T, a cloud.Account) (chain.Settings, []status.Result) {
	t.Helper()
	ctx := t.Context()
	rec, ok, err := status.Recorded(ctx, a, "us-east-1")
	if err != nil || !ok {
		t.Fatalf("recorded settings: %+v, %v, %v", rec, ok, err)
	}
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	enabled, err := a.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := chain.Desired(id, enabled, rec.Options())
	if err != nil {
		t.Fatal(err)
	}
	var out []status.Result
	for _, c := range status.CheckRecorded(ctx, a, spec, time.Now(), &rec).Checks {
		if c.Status != status.OK {
			out = append(out, c)
		}
	}
	return rec, out
}
