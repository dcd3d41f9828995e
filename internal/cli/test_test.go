package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

func runCmd(t *testing.T, acct cloud.Account, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: getenv,
		Connect: func(ctx context.Context, c cloud.Config) (cloud.Account, error) {
			return acct, nil
		},
		Now: func() time.Time { return statusNow },
	}
	code := Main(env, args)
	return code, stdout.String(), stderr.String()
}

// TestTestCommandFake: on an endpoint that delivers EventBridge → SNS → SQS
// (the in-memory fake), `rootwatch test` passes with exit 0 and shows what an
// e-mail subscriber reads; --notify mails the subscribers a marked test
// message; a broken link exits 1.
func TestTestCommandFake(t *testing.T) {
	a, spec := deployedFake(t)
	code, out, errOut := runCmd(t, a, nil, "test", "--timeout", "1s", "--notify")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q:\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"Pattern check (rule pack fixtures, answered by the endpoint's TestEventPattern):",
		"  PASS  a synthetic root sign-in went bus rootwatch",
		`"Root user signed in WITHOUT MFA to AWS account ` + spec.Account,
		"Temporary resources: 4 created, all removed",
		"Result: every check passed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	mails := a.Emails()
	if len(mails) != 2 || !strings.Contains(mails[1].Subject, "TEST") {
		t.Errorf("e-mails %+v: want the test alert and the marked --notify message", mails)
	}

	if err := a.Topics(spec.HomeRegion).SetTopicPolicy(context.Background(), spec.Topic.ARN, fake.DefaultTopicPolicy(spec.Topic.ARN)); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, a, nil, "test", "--timeout", "1s")
	if code != ExitReport || !strings.Contains(out, "has no statement RootwatchEventBridgePublish") {
		t.Errorf("policy statement missing: exit %d:\n%s", code, out)
	}

	// A warning (a second address still to confirm) is exit 1 too, as for
	// status, and says the alerts are delivered.
	if err := a.Topics(spec.HomeRegion).SetTopicPolicy(context.Background(), spec.Topic.ARN, fake.DefaultTopicPolicy(spec.Topic.ARN)); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, a, nil, "deploy", "--email", "cto@example.com", "--email", "ops@example.com"); code != ExitOK {
		t.Fatalf("redeploy: exit %d %s\n%s", code, errOut, out)
	}
	code, out, _ = runCmd(t, a, nil, "test", "--timeout", "1s")
	if code != ExitReport || !strings.Contains(out, "  WARN  subscriptions      1 confirmed, 1 pending (cto@example.com)") || !strings.Contains(out, "Result: DEGRADED: alerts are delivered") {
		t.Errorf("a second subscription pending: exit %d:\n%s", code, out)
	}
	if code, out, _ := runCmd(t, a, nil, "status"); code != ExitReport || !strings.Contains(out, "1 confirmed, 1 pending (cto@example.com)") {
		t.Errorf("status disagrees: exit %d:\n%s", code, out)
	}
}

const healthyRoot = "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,2025-01-10T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"

// TestAuditCommandFake: exit 0 when every check passes (the recent-use check
// reads the fake's empty event history through the scan), 1 when one fails,
// 2 when checks could not be done and none failed.
func TestAuditCommandFake(t *testing.T) {
	contact := map[string]cloud.Contact{cloud.ContactSecurity: {Name: "Sec", Email: "sec@example.com"}}
	denied := errors.New("AccessDenied")
	tests := []struct {
		name    string
		posture *fake.Posture
		code    int
		want    string
	}{
		{"healthy standalone", &fake.Posture{Report: []byte(fake.ReportHeader + healthyRoot), Summary: map[string]int{"AccountMFAEnabled": 1}, Contacts: contact},
			ExitOK, "6 pass, 0 warn, 0 fail, 2 skipped, 0 could not check"},
		{"healthy organization", &fake.Posture{Report: []byte(fake.ReportHeader + healthyRoot), Summary: map[string]int{"AccountMFAEnabled": 1}, Contacts: contact,
			Org:        &cloud.Organization{ID: "o-abc123", ManagementAccount: "123456789012"},
			Features:   []string{cloud.FeatureRootCredentialsManagement, cloud.FeatureRootSessions},
			Members:    []cloud.OrgAccount{{ID: "123456789012", Status: "ACTIVE"}, {ID: "111111111111", Name: "prod", Status: "ACTIVE"}},
			MemberRoot: map[string]cloud.RootCredentials{"111111111111": {}}},
			ExitOK, "8 pass, 0 warn, 0 fail, 0 skipped, 0 could not check"},
		{"no contact", &fake.Posture{Report: []byte(fake.ReportHeader + healthyRoot), Summary: map[string]int{"AccountMFAEnabled": 1}},
			ExitReport, "WARN    alternate-security-contact"},
		{"denied", &fake.Posture{Report: []byte(fake.ReportHeader + healthyRoot), Summary: map[string]int{"AccountMFAEnabled": 1}, Contacts: contact,
			Errs: map[string]error{"Organization": denied}}, ExitError, "ERROR   centralized-root-access     describe organization: AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := fake.NewWith(fake.Options{Now: func() time.Time { return statusNow }})
			a.SetPosture(tt.posture)
			code, out, errOut := runCmd(t, a, nil, "audit")
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q, output lacks %q:\n%s", code, tt.code, errOut, tt.want, out)
			}
		})
	}
}
