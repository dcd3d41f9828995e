package deploy_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// slackEndpoint stands for Slack: it counts the requests the fake's API
// destinations make to it (no request leaves the test).
type slackEndpoint struct {
	mu sync.Mutex
	n  int
}

func (e *slackEndpoint) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "hooks.slack.com" {
		return nil, io.ErrUnexpectedEOF
	}
	e.mu.Lock()
	e.n++
	e.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

func (e *slackEndpoint) received() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// slackChain is a fake whose API destinations reach slack only, with
// rootwatch's boundary and a healthy chain deployed with a Slack channel: a
// sign-in gives 1 e-mail and 1 Slack message.
func slackChain(t *testing.T) (*fake.Account, *slackEndpoint) {
	t.Helper()
	slack := &slackEndpoint{}
	a := fake.NewWith(fake.Options{HTTPClient: &http.Client{Transport: slack}})
	withBoundary(t, a)
	healthyChain(t, a, "--slack", simSlack)
	if n, m := signInMails(t, a), slack.received(); n != 1 || m != 1 {
		t.Fatalf("healthy: %d e-mails and %d Slack messages, want 1 and 1 (failures %v)", n, m, a.Failures())
	}
	return a, slack
}

// TestChannelRoleRepaired: an explicit Deny events:InvokeApiDestination on
// rootwatch-channels (inline or in an attached managed policy), or a
// boundary that does not allow it, silences every channel: the fake refuses
// the invocation and the alert is dead-lettered, while the e-mail still
// goes. status FAILs naming the policy; a bare deploy (the channels'
// secrets are not needed) makes the role rootwatch's again, and the channel
// receives again.
func TestChannelRoleRepaired(t *testing.T) {
	cuts := roleCuts(chain.ChannelRoleName, "events:InvokeApiDestination")
	for i, tc := range []struct {
		status []string // what status must say
		plan   string   // what deploy --dry-run must say
	}{
		{[]string{"statement Quiet of inline policy quiet denies events:InvokeApiDestination on arn:aws:events:us-east-1:", "its channels get no alert"},
			"rootwatch-channels/quiet  rootwatch did not write it"},
		{[]string{"statement Quiet of managed policy arn:aws:iam::", ":policy/quiet denies events:InvokeApiDestination"},
			"rootwatch-channels arn:aws:iam::123456789012:policy/quiet"},
		{[]string{":policy/narrow does not allow events:InvokeApiDestination on arn:aws:events:us-east-1:"},
			"put its permissions boundary " + deploy.BoundaryPolicyName + " back (someone replaced it with arn:aws:iam::"},
	} {
		cut := cuts[i]
		t.Run(cut.name, func(t *testing.T) {
			a, slack := slackChain(t)
			cut.change(t, a)
			if n, m := signInMails(t, a), slack.received(); n != 1 || m != 1 {
				t.Errorf("after the change: %d e-mails and %d Slack messages in all, want 1 more e-mail and no more Slack message", n, m)
			}
			if n := drainDLQ(t, a); n != 1 {
				t.Errorf("the refused channel alert was dead-lettered %d times, want 1", n)
			}
			wantTamperStatus(t, a, 1, "after the change", append([]string{"channel-role-permissions"}, tc.status...)...)
			_, out, _ := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
			if !strings.Contains(out, tc.plan) {
				t.Errorf("deploy --dry-run does not say %q:\n%s", tc.plan, out)
			}
			mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
			wantTamperStatus(t, a, 0, "after deploy repaired")
			if n, m := signInMails(t, a), slack.received(); n != 1 || m != 2 {
				t.Errorf("after deploy repaired: %d e-mails and %d Slack messages in all, want 1 and 2 (failures %v)", n, m, a.Failures())
			}
			r, err := a.Roles().Role(t.Context(), chain.ChannelRoleName)
			if err != nil || r.PermissionsBoundary != deploy.BoundaryARN("aws", a.ID()) {
				t.Errorf("after deploy: boundary %q (%v), want rootwatch's", r.PermissionsBoundary, err)
			}
		})
	}
}

// TestDestroyDryRunListsForeignPolicies: through the CLI, destroy --dry-run
// names each policy others put on rootwatch's roles, which it will delete or
// detach; destroy then succeeds and leaves no role.
func TestDestroyDryRunListsForeignPolicies(t *testing.T) {
	a := newAccount(t)
	withBoundary(t, a)
	mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
	tamperRole(t, a, chain.ForwarderRoleName, false)
	tamperRole(t, a, chain.ChannelRoleName, true)
	code, out, errs := runCLI(t, a, "destroy", "--dry-run")
	if code != 0 {
		t.Fatalf("destroy --dry-run: exit %d\n%s%s", code, out, errs)
	}
	for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
		for _, w := range [][2]string{
			{" " + role + "/mute ", "rootwatch did not write it"},
			{" " + role + " arn:aws:iam::" + a.ID() + ":policy/mute-" + role + " ", "detach: someone attached it; the policy itself stays"},
		} {
			if !slices.ContainsFunc(strings.Split(out, "\n"), func(l string) bool {
				return strings.HasPrefix(l, "delete ") && strings.Contains(l, w[0]) && strings.Contains(l, w[1])
			}) {
				t.Errorf("destroy --dry-run has no line deleting %q saying %q:\n%s", w[0], w[1], out)
			}
		}
	}
	code, out, errs = runCLI(t, a, "destroy", "--yes")
	if code != 0 {
		t.Fatalf("destroy: exit %d\n%s%s", code, out, errs)
	}
	for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
		if _, err := a.Roles().Role(t.Context(), role); err == nil {
			t.Errorf("role %s is still there after destroy", role)
		}
	}
}
