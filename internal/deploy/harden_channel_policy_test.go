package deploy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// TestChannelRolePolicyRestored: rootwatch's own policy on the channel role
// (deleted, or narrowed to another API destination), the role's trust (no
// longer EventBridge's) or the role itself gone silences the channels: Slack receives
// nothing and status FAILs its channel-role check. A bare deploy, given no
// channel and so none of their secrets, rebuilds them from the deployed API
// destinations, as a deploy given the channels writes them (--dry-run shows
// it first); the boundary someone replaced is planned back before the
// policy is put. Then status passes and Slack receives again.
func TestChannelRolePolicyRestored(t *testing.T) {
	const narrowed = `{"Version":"2012-10-17","Statement":[{"Sid":"InvokeChannels","Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"arn:aws:events:us-east-1:123456789012:api-destination/other/*"}]}`
	const untrusted = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, a *fake.Account)
		status []string   // what status's channel-role check says
		plan   [][]string // lines of deploy --dry-run's table, in this order, by what each holds
	}{
		{"policy deleted", func(t *testing.T, a *fake.Account) {
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
		}, []string{"role rootwatch-channels may not events:InvokeApiDestination on arn:aws:events:us-east-1:", "(the channels' flags are not needed): it restores the role from the channels deployed"},
			[][]string{{"create", "iam-role-policy", "rootwatch-channels/rootwatch-invoke-channels", "events:InvokeApiDestination on the rootwatch channels"}}},
		{"policy narrowed", func(t *testing.T, a *fake.Account) {
			if err := a.Roles().PutRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName, narrowed); err != nil {
				t.Fatal(err)
			}
		}, []string{"role rootwatch-channels may not events:InvokeApiDestination on arn:aws:events:us-east-1:", "(the channels' flags are not needed): it restores the role from the channels deployed"},
			[][]string{{"update", "iam-role-policy", "rootwatch-channels/rootwatch-invoke-channels"}, {"- ", "api-destination/other/*"}}},
		{"trust changed", func(t *testing.T, a *fake.Account) {
			if err := a.Roles().UpdateTrust(t.Context(), chain.ChannelRoleName, untrusted); err != nil {
				t.Fatal(err)
			}
		}, []string{"role rootwatch-channels does not let events.amazonaws.com assume it: its channels get no alert", "to restore it"},
			[][]string{{"update", "iam-role ", "rootwatch-channels", "trust policy"}, {"- ", "lambda.amazonaws.com"}}},
		{"role deleted", func(t *testing.T, a *fake.Account) {
			ctx := t.Context()
			if err := a.Roles().DeleteRolePolicy(ctx, chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
			if err := a.Roles().DeleteRole(ctx, chain.ChannelRoleName); err != nil {
				t.Fatal(err)
			}
		}, []string{"role rootwatch-channels is missing: EventBridge cannot invoke any channel", "(the channels' flags are not needed): it restores the role from the channels deployed"},
			[][]string{{"create", "iam-role ", "rootwatch-channels", "bounded by " + deploy.BoundaryPolicyName}, {"create", "iam-role-policy", "rootwatch-channels/rootwatch-invoke-channels"}}},
		{"policy deleted, boundary replaced", func(t *testing.T, a *fake.Account) {
			tamperRole(t, a, chain.ChannelRoleName, true)
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
		}, []string{"role rootwatch-channels may not events:InvokeApiDestination on arn:aws:events:us-east-1:", "(the channels' flags are not needed): it restores the role from the channels deployed"},
			[][]string{{"update", "iam-role ", "rootwatch-channels", "put its permissions boundary " + deploy.BoundaryPolicyName + " back"}, {"delete", "rootwatch-channels/mute"}, {"create", "iam-role-policy", "rootwatch-channels/rootwatch-invoke-channels"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, slack := slackChain(t)
			tc.change(t, a)
			if n, m := signInMails(t, a), slack.received(); n != 1 || m != 1 {
				t.Errorf("after the change: %d more e-mails and %d Slack messages in all, want 1 more e-mail and no more Slack message", n, m)
			}
			drainDLQ(t, a)
			wantTamperStatus(t, a, 1, "after the change", append([]string{"channel-role"}, tc.status...)...)

			code, out, errs := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
			if code != 0 {
				t.Fatalf("deploy --dry-run: exit %d\n%s%s", code, out, errs)
			}
			if !linesInOrder(out, tc.plan) {
				t.Errorf("deploy --dry-run has no lines holding %q in that order:\n%s", tc.plan, out)
			}
			if strings.Contains(out, simSlack) || strings.Contains(out, "XXXXXXXX") {
				t.Errorf("deploy --dry-run shows the Slack webhook URL:\n%s", out)
			}
			wantTamperStatus(t, a, 1, "after deploy --dry-run", append([]string{"channel-role"}, tc.status...)...)

			mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
			wantTamperStatus(t, a, 0, "after a bare deploy")
			if n, m := signInMails(t, a), slack.received(); n != 1 || m != 2 {
				t.Errorf("after a bare deploy: %d more e-mails and %d Slack messages in all, want 1 and 2 (failures %v)", n, m, a.Failures())
			}
			// The policy is the one a deploy given the channel writes.
			code, out, errs = runCLI(t, a, append([]string{"deploy", "--dry-run", "--slack", simSlack}, tamperFlags...)...)
			if code != 0 {
				t.Fatalf("deploy --dry-run --slack: exit %d\n%s%s", code, out, errs)
			}
			if strings.Contains(out, "rootwatch-channels") {
				t.Errorf("deploy --slack would still change the channel role after the bare deploy:\n%s", out)
			}
		})
	}
}

// linesInOrder reports whether out has, for each of lines, a line holding
// all its strings, each after the one before.
func linesInOrder(out string, lines [][]string) bool {
	rest := strings.Split(out, "\n")
	for _, want := range lines {
		i := slices.IndexFunc(rest, func(l string) bool {
			return !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(l, w) })
		})
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
	}
	return true
}
