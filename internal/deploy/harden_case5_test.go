package deploy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// TestForwarderRoleRepaired (issue 9 case 5): an explicit Deny
// events:PutEvents put on rootwatch-forwarder (inline or in an attached
// managed policy), or a permissions boundary that does not allow it, stops
// forwarding from every region. status fails at once naming the policy;
// deploy makes the role exactly rootwatch's again (deletes the inline
// policy, detaches the managed one, puts its own boundary back) and the
// alerts arrive again. The fake enforces each on delivery, so each test
// also shows the cut is real.
func TestForwarderRoleRepaired(t *testing.T) {
	cuts := roleCuts(chain.ForwarderRoleName, "events:PutEvents")
	for i, tc := range []struct {
		status []string // what status must say
		plan   string   // what deploy --dry-run must say
	}{
		{[]string{"statement Quiet of inline policy quiet denies events:PutEvents", "no region can forward"}, "rootwatch-forwarder/quiet"},
		{[]string{"statement Quiet of managed policy arn:aws:iam::", ":policy/quiet denies events:PutEvents"}, "detach: rootwatch attaches no managed policy"},
		{[]string{":policy/narrow does not allow events:PutEvents on arn:aws:events:us-east-1:"}, "put its permissions boundary " + deploy.BoundaryPolicyName + " back (someone replaced it with arn:aws:iam::"},
	} {
		cut := cuts[i]
		t.Run(cut.name, func(t *testing.T) {
			a := fake.New()
			withBoundary(t, a)
			healthyChain(t, a)
			cut.change(t, a)
			if n := signInMails(t, a); n != 0 {
				t.Errorf("after the change: %d e-mails, want 0", n)
			}
			// The refused alert went to the forwarding region's
			// dead-letter queue; the operator reads it.
			if n := drainQueue(t, a, "eu-west-1"); n != 1 {
				t.Errorf("the refused alert was dead-lettered %d times, want 1", n)
			}
			wantTamperStatus(t, a, 1, "after the change", append([]string{"role-permissions"}, tc.status...)...)
			_, out, _ := runCLI(t, a, append([]string{"deploy", "--dry-run"}, tamperFlags...)...)
			if !strings.Contains(out, tc.plan) {
				t.Errorf("deploy --dry-run does not say %q:\n%s", tc.plan, out)
			}
			mustRun(t, a, append([]string{"deploy"}, tamperFlags...)...)
			wantTamperStatus(t, a, 0, "after deploy repaired")
			if n := signInMails(t, a); n != 1 {
				t.Errorf("after deploy repaired: %d e-mails, want 1 (failures %v)", n, a.Failures())
			}
			r, err := a.Roles().Role(t.Context(), chain.ForwarderRoleName)
			if err != nil || r.PermissionsBoundary != deploy.BoundaryARN("aws", a.ID()) {
				t.Errorf("after deploy: boundary %q (%v), want rootwatch's", r.PermissionsBoundary, err)
			}
		})
	}

	// Without rootwatch's boundary in the account, deploy cannot put it in
	// place of a foreign one and never removes a boundary: the plan says
	// what to do, status keeps failing until the user does it.
	t.Run("foreign boundary, no rootwatch boundary", func(t *testing.T) {
		a := fake.New()
		healthyChain(t, a)
		cuts[2].change(t, a)
		wantTamperStatus(t, a, 1, "with the foreign boundary", ":policy/narrow does not allow events:PutEvents")
		_, out, errs := runCLI(t, a, append([]string{"deploy", "--verbose"}, tamperFlags...)...)
		if !strings.Contains(out+errs, "aws iam delete-role-permissions-boundary --role-name "+chain.ForwarderRoleName) {
			t.Errorf("deploy does not say how to remove the boundary:\n%s%s", out, errs)
		}
		wantTamperStatus(t, a, 1, "after deploy (which removes no boundary)", ":policy/narrow does not allow events:PutEvents")
		if err := a.SetRoleBoundary(chain.ForwarderRoleName, ""); err != nil {
			t.Fatal(err)
		}
		wantTamperStatus(t, a, 0, "after the user removed it")
	})
}

// roleCut is one way an administrator takes away the call a role of
// rootwatch's exists for (issue 9 case 5).
type roleCut struct {
	name   string
	change func(t *testing.T, a *fake.Account)
}

// roleCuts are the three: an inline policy "quiet" with the Deny Quiet of
// action, the same Deny in an attached managed policy "quiet", and a
// boundary "narrow" that allows only sns:Publish.
func roleCuts(role, action string) []roleCut {
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"Quiet","Effect":"Deny","Action":"` + action + `","Resource":"*"}]}`
	const narrow = `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyPublish","Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`
	return []roleCut{
		{"inline deny", func(t *testing.T, a *fake.Account) {
			if err := a.Roles().PutRolePolicy(t.Context(), role, "quiet", deny); err != nil {
				t.Fatal(err)
			}
		}},
		{"managed deny", func(t *testing.T, a *fake.Account) {
			arn, err := a.CreateManagedPolicy("quiet", deny)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.AttachRolePolicy(role, arn); err != nil {
				t.Fatal(err)
			}
		}},
		{"foreign boundary", func(t *testing.T, a *fake.Account) {
			arn, err := a.CreateManagedPolicy("narrow", narrow)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.SetRoleBoundary(role, arn); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

// drainQueue reads and deletes what a region's dead-letter queue holds and
// returns how many.
func drainQueue(t *testing.T, a *fake.Account, region string) int {
	t.Helper()
	qs := a.Queues(region)
	q, err := qs.Queue(t.Context(), chain.DLQName)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := qs.Receive(t.Context(), q.URL, 10, 0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := qs.DeleteMessage(t.Context(), q.URL, m.Receipt); err != nil {
			t.Fatal(err)
		}
	}
	return len(msgs)
}
