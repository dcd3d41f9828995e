package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
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

// TestTestOrg: test --org on an organization of three accounts passes after
// deploy --org; a member whose admission by the central bus policy is broken,
// or whose forwarder role lost its permission, fails naming the account and
// the region; an account that cannot be reached could not be verified.
func TestTestOrg(t *testing.T) {
	w := fakeOrg(t)
	mgmt := w.Management()
	if code, out, errOut := runOrgCmd(t, mgmt, append([]string{"deploy", "--email", "sec@example.com"}, orgArgs...)...); code != 0 {
		t.Fatalf("deploy --org: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := w.Account(orgCentral).ConfirmSubscription("arn:aws:sns:us-east-1:"+orgCentral+":"+chain.TopicName, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	testArgs := append([]string{"test", "--timeout", "1s"}, orgArgs...)
	code, out, errOut := runOrgCmd(t, mgmt, testArgs...)
	if code != ExitOK {
		t.Fatalf("test --org after deploy: exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Central delivery (account " + orgCentral + "):",
		"  PASS  a synthetic root sign-in went bus rootwatch",
		"(3 accounts: every link of the forwarding path passed)",
		"Result: the central delivery and every forwarding path passed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("test --org output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, orgMember+"  workload") {
		t.Errorf("test --org lists a healthy account without --verbose:\n%s", out)
	}
	_, out, _ = runOrgCmd(t, mgmt, append(testArgs, "--verbose")...)
	if !regexp.MustCompile(`(?m)^`+orgMember+` +workload +member +PASS +eu-west-1,us-east-1 +- +every link passed$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^`+orgCentral+` +security +central +PASS `).MatchString(out) {
		t.Errorf("test --org --verbose lacks the member's row:\n%s", out)
	}

	// The central bus policy denies the member's forwarder: its admission
	// fails, nobody else's.
	central := w.Account(orgCentral)
	busARN := "arn:aws:events:us-east-1:" + orgCentral + ":event-bus/rootwatch"
	b, err := central.Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	denied := strings.TrimSuffix(b.Policy, "]}") + `,{"Sid":"NoWorkload","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"` + busARN + `","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + orgMember + `"}}}]}`
	if err := central.Events("us-east-1").SetBusPolicy(t.Context(), chain.BusName, denied); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runOrgCmd(t, mgmt, testArgs...)
	if code != ExitReport || !regexp.MustCompile(`(?m)^`+orgMember+` +workload +member +FAIL +us-east-1 +central-admission +statement NoWorkload of the central bus policy denies`).MatchString(out) ||
		!strings.Contains(out, "(2 accounts: every link") {
		t.Errorf("test --org with the member denied by the bus policy: exit %d, want 1 naming %s us-east-1 central-admission\n%s%s", code, orgMember, out, errOut)
	}
	if err := central.Events("us-east-1").SetBusPolicy(t.Context(), chain.BusName, b.Policy); err != nil {
		t.Fatal(err)
	}

	// The member's forwarder role may no longer put events on the central bus.
	roles := w.Account(orgMember).Roles()
	if err := roles.PutRolePolicy(t.Context(), chain.ForwarderRoleName, chain.ForwarderPolicyName,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:`+orgMember+`:event-bus/default"}]}`); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runOrgCmd(t, mgmt, testArgs...)
	if code != ExitReport || !regexp.MustCompile(`(?m)^`+orgMember+` +workload +member +FAIL +global +forwarder-policy +policy rootwatch-put-events of role rootwatch-forwarder does not allow events:PutEvents on `+busARN).MatchString(out) {
		t.Errorf("test --org with the member's role lacking permission: exit %d, want 1 naming %s and its forwarder-policy\n%s", code, orgMember, out)
	}
	code, out, _ = runOrgCmd(t, mgmt, append(testArgs, "--output", "json")...)
	var res struct {
		Organization string
		Central      struct{ Delivery struct{ Status string } }
		Accounts     []struct {
			Account struct{ ID, Name string }
			Role    string
			Status  string
			Report  struct {
				Checks []struct{ Check, Status string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("test --org --output json: %v\n%s", err, out)
	}
	// The accounts are written in the project's camelCase, as Organizations
	// names them.
	if !strings.Contains(out, `"id": "`+orgMember+`",`) || !strings.Contains(out, `"name": "workload"`) || strings.Contains(out, `"ID"`) || strings.Contains(out, `"Name"`) {
		t.Errorf("test --org --output json: accounts not in camelCase:\n%s", out)
	}
	if code != ExitReport || res.Central.Delivery.Status != "pass" || len(res.Accounts) != 3 || res.Accounts[0].Role != "central" {
		t.Errorf("test --org --output json: exit %d, %+v", code, res)
	}
	for _, a := range res.Accounts {
		if want := map[bool]string{true: "fail", false: "ok"}[a.Account.ID == orgMember]; a.Status != want {
			t.Errorf("test --org --output json: account %s status %s, want %s", a.Account.ID, a.Status, want)
		}
	}

	// An account whose role cannot be assumed: could not be verified, exit 2.
	if err := roles.DeleteRolePolicy(t.Context(), cloud.DefaultAccessRole, "AdministratorAccess"); err != nil {
		t.Fatal(err)
	}
	if err := roles.DeleteRole(t.Context(), cloud.DefaultAccessRole); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runOrgCmd(t, mgmt, testArgs...)
	if code != ExitError || !regexp.MustCompile(`(?m)^`+orgMember+` +workload +member +ERR +- +- +could not check: `).MatchString(out) || !strings.Contains(out, "(2 accounts: every link") {
		t.Errorf("test --org with an unreachable account: exit %d, want 2\n%s%s", code, out, errOut)
	}
}

// TestTestOrgUsage: test's organization flags need --org.
func TestTestOrgUsage(t *testing.T) {
	for _, args := range [][]string{
		{"test", "--regions", "eu-west-1"},
		{"test", "--central-account", orgCentral},
		{"test", "--org", "--details"},
	} {
		code, _, errOut := runOrgCmd(t, fake.New(), args...)
		if code != ExitError || !strings.Contains(errOut, "rootwatch: --") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
}
