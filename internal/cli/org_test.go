package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/status"
)

const (
	orgCentral = "111111111111"
	orgMember  = "222222222222"
)

// fakeOrg is an organization with an organization trail, a central account
// and a member.
func fakeOrg(t *testing.T) *fake.Org {
	t.Helper()
	w := fake.NewOrg(fake.OrgOptions{})
	w.AddAccount(fake.Options{Account: orgCentral}, "security")
	w.AddAccount(fake.Options{Account: orgMember}, "workload")
	if err := w.Management().PutTrail(cloud.Trail{Name: "org", ARN: "arn:aws:cloudtrail:us-east-1:" + fake.DefaultAccount + ":trail/org", HomeRegion: "us-east-1",
		MultiRegion: true, GlobalEvents: true, Organization: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	return w
}

// runOrgCmd runs rootwatch with args against acct.
func runOrgCmd(t *testing.T, acct cloud.Account, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdout: &stdout, Stderr: &stderr,
		Connect: func(ctx context.Context, c cloud.Config) (cloud.Account, error) { return acct, nil },
		Now:     func() time.Time { return statusNow }}
	return Main(env, args), stdout.String(), stderr.String()
}

var orgArgs = []string{"--org", "--central-account", orgCentral, "--regions", "us-east-1,eu-west-1"}

// TestStatusOrg: healthy after deploy --org; an account that joins later is
// reported as uncovered (exit 1) until deploy --org covers it; an account
// whose role cannot be assumed could not be checked (exit 2).
func TestStatusOrg(t *testing.T) {
	w := fakeOrg(t)
	mgmt := w.Management()
	if code, out, errOut := runOrgCmd(t, mgmt, append([]string{"deploy", "--email", "sec@example.com"}, orgArgs...)...); code != 0 {
		t.Fatalf("deploy --org: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := w.Account(orgCentral).ConfirmSubscription("arn:aws:sns:us-east-1:"+orgCentral+":"+chain.TopicName, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runOrgCmd(t, mgmt, append([]string{"status"}, orgArgs...)...)
	if code != 0 || !strings.Contains(out, "healthy: central chain OK; other accounts: 2 healthy") {
		t.Fatalf("status --org after deploy: exit %d\n%s%s", code, out, errOut)
	}

	w.AddAccount(fake.Options{Account: "333333333333"}, "newcomer")
	code, out, _ = runOrgCmd(t, mgmt, append([]string{"status"}, orgArgs...)...)
	if code != ExitReport || !strings.Contains(out, "333333333333  newcomer  UNCOVERED") || !strings.Contains(out, "1 uncovered, 2 healthy") {
		t.Errorf("status --org with a new account: exit %d, want 1 and the account UNCOVERED:\n%s", code, out)
	}
	code, out, _ = runOrgCmd(t, mgmt, append([]string{"status", "--output", "json"}, orgArgs...)...)
	var rep status.OrgReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if code != ExitReport || len(rep.Accounts) != 3 || !rep.Accounts[2].Uncovered || rep.Accounts[2].Report == nil || len(rep.Accounts[2].Report.Checks) == 0 {
		t.Errorf("status --org --output json: exit %d, accounts %+v: want the full matrix with the newcomer uncovered", code, rep.Accounts)
	}

	// deploy --org covers it, changing nothing elsewhere.
	rec := cloudtest.Record(mgmt)
	if code, out, errOut := runOrgCmd(t, rec, append([]string{"deploy"}, orgArgs...)...); code != 0 || !strings.Contains(out, "accounts: 1 to change, 3 unchanged, 0 failed") {
		t.Fatalf("deploy --org with a newcomer: exit %d\n%s%s", code, out, errOut)
	}
	for _, m := range rec.Mutations() {
		if !strings.Contains(m, " 333333333333:") {
			t.Errorf("deploy --org changed %q, outside the newcomer", m)
		}
	}
	if code, out, _ := runOrgCmd(t, mgmt, append([]string{"status"}, orgArgs...)...); code != 0 {
		t.Errorf("status --org after covering the newcomer: exit %d\n%s", code, out)
	}

	// An account whose role is gone: ERROR, exit 2, the others still checked.
	roles := w.Account(orgMember).Roles()
	if err := roles.DeleteRolePolicy(t.Context(), cloud.DefaultAccessRole, "AdministratorAccess"); err != nil {
		t.Fatal(err)
	}
	if err := roles.DeleteRole(t.Context(), cloud.DefaultAccessRole); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runOrgCmd(t, mgmt, append([]string{"status"}, orgArgs...)...)
	if code != ExitError || !strings.Contains(out, orgMember+"  workload  ERROR") || !strings.Contains(out, "2 healthy") || !strings.Contains(errOut, "rootwatch: could not check") {
		t.Errorf("status --org with an unreachable account: exit %d, want 2\n%s%s", code, out, errOut)
	}
	code, out, errOut = runOrgCmd(t, mgmt, append([]string{"deploy"}, orgArgs...)...)
	if code != ExitError || !strings.Contains(out, "failed: assume role") || !strings.Contains(errOut, "1 accounts could not be done") {
		t.Errorf("deploy --org with an unreachable account: exit %d, want 2\n%s%s", code, out, errOut)
	}
}

// TestAuditOrg: audit --org audits the management account as audit does, and
// reads every other account's root posture through the role, as one table.
func TestAuditOrg(t *testing.T) {
	w := fakeOrg(t)
	const header = fake.ReportHeader
	root := func(acct, rest string) []byte {
		return []byte(header + "<root_account>,arn:aws:iam::" + acct + ":root,2019-03-01T10:00:00+00:00," + rest + "\n")
	}
	good := map[string]int{"AccountMFAEnabled": 1}
	contact := map[string]cloud.Contact{cloud.ContactSecurity: {Type: cloud.ContactSecurity, Name: "Security", Email: "security@example.com"}}
	w.Management().SetPosture(&fake.Posture{
		Report:  root(fake.DefaultAccount, "not_supported,2025-01-10T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"),
		Summary: good, Contacts: contact,
		Org:      &cloud.Organization{ID: "o-exampleorgid", ManagementAccount: fake.DefaultAccount},
		Features: []string{cloud.FeatureRootCredentialsManagement, cloud.FeatureRootSessions},
		Members:  []cloud.OrgAccount{{ID: orgCentral, Status: "ACTIVE"}, {ID: orgMember, Status: "ACTIVE"}},
	})
	w.Account(orgCentral).SetPosture(&fake.Posture{
		Report:  root(orgCentral, "not_supported,2025-01-10T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"),
		Summary: good, Contacts: contact,
	})
	// The member's root has no MFA and an active access key.
	w.Account(orgMember).SetPosture(&fake.Posture{
		Report:  root(orgMember, "not_supported,no_information,not_supported,not_supported,false,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"),
		Summary: map[string]int{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}, Contacts: contact,
	})
	code, out, errOut := runOrgCmd(t, w.Management(), "audit", "--org", "--no-lookup")
	// The member's root has no MFA (1), and the management account's own
	// member-root-credentials check could not read them (2): 3.
	if code != ExitReportAndError {
		t.Errorf("audit --org: exit %d, want 3 (the member's root has no MFA; a check could not be done)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Root posture of the other 2 accounts:", orgCentral + "  security  PASS", orgMember + "  workload  FAIL"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit --org output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runOrgCmd(t, w.Management(), "audit", "--org", "--no-lookup", "--output", "json")
	var rep struct {
		Accounts []struct {
			Account struct{ ID string }
			Status  string
			Report  struct{ Root struct{ MFA *bool } }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if code != ExitReportAndError || len(rep.Accounts) != 2 || rep.Accounts[1].Status != "fail" || rep.Accounts[1].Report.Root.MFA == nil || *rep.Accounts[1].Report.Root.MFA {
		t.Errorf("audit --org --output json: exit %d, %+v", code, rep.Accounts)
	}
}
