package audit

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/golden"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const acct = "123456789012"

// rootRow builds a <root_account> row from the report's columns after arn.
func rootRow(rest string) string {
	return "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00," + rest + "\n"
}

var (
	// healthy: MFA, no keys, no certificates, password used long ago.
	rowHealthy = rootRow("not_supported,2025-01-10T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
	// key 2 used three days ago while the password was used 400+ days ago;
	// key 1 inactive, used long ago.
	rowKey2Recent = rootRow("not_supported,2025-09-01T00:00:00+00:00,not_supported,not_supported,true,false,2020-01-01T00:00:00+00:00,2021-05-05T00:00:00+00:00,eu-west-1,ec2,true,2025-06-01T00:00:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,false,N/A,false,N/A")
	// keys present and active but never used; a signing certificate; no MFA.
	rowKeysNeverUsed = rootRow("not_supported,no_information,not_supported,not_supported,false,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,true,2026-02-01T00:00:00+00:00,N/A,N/A,N/A,true,2020-01-01T00:00:00+00:00,false,N/A")
	// every field a placeholder: N/A, not_supported, no_information.
	rowAllNA = rootRow("not_supported,N/A,not_supported,not_supported,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A")
	// password used yesterday.
	rowPasswordRecent = rootRow("not_supported,2026-11-22T21:15:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
	userRow           = "alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,2026-11-22T00:00:00+00:00,2020-01-01T00:00:00+00:00,N/A,true,true,2020-01-01T00:00:00+00:00,2026-11-22T00:00:00+00:00,us-east-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
)

var (
	summaryGood = map[string]int{"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "AccountSigningCertificatesPresent": 0, "Users": 1}
	contact     = map[string]cloud.Contact{cloud.ContactSecurity: {Type: cloud.ContactSecurity, Name: "Security Team", Email: "security@example.com"}}
	org         = &cloud.Organization{ID: "o-abc123", ARN: "arn:aws:organizations::123456789012:organization/o-abc123", ManagementAccount: acct}
	members     = []cloud.OrgAccount{
		{ID: acct, Name: "management", Status: "ACTIVE"},
		{ID: "111111111111", Name: "prod", Status: "ACTIVE"},
		{ID: "222222222222", Name: "dev", Status: "ACTIVE"},
		{ID: "333333333333", Name: "closed", Status: "SUSPENDED"},
	}
)

func TestAudit(t *testing.T) {
	tests := []struct {
		name    string
		posture *fake.Posture
		uses    UseSource
		want    map[string]Status
		detail  map[string][]string // substrings the check's detail must contain
	}{
		{
			name:    "healthy-standalone",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + userRow + rowHealthy), Summary: summaryGood, Contacts: contact},
			uses:    func(context.Context, time.Time) ([]Use, error) { return nil, nil },
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Pass},
			detail: map[string][]string{CheckRootPassword: {"present, last used 2025-01-10 (682 days ago)"}},
		},
		{
			name:    "no-root-row",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + userRow), Summary: map[string]int{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "AccountSigningCertificatesPresent": 0}},
			want: map[string]Status{CheckRootMFA: Fail, CheckRootAccessKeys: Fail, CheckRootCertificates: Pass, CheckRootPassword: Error,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Warn, CheckRecentRootUse: Skip},
			detail: map[string][]string{
				CheckRootAccessKeys: {"when they were last used is unknown", "no <root_account> row"},
				CheckRootPassword:   {"no <root_account> row"},
			},
		},
		{
			name:    "key2-recent-password-old",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowKey2Recent), Summary: map[string]int{"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}, Contacts: contact},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Fail, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{
				CheckRootAccessKeys: {"key 1: inactive, last used 2021-05-05 (2028 days ago) (ec2 in eu-west-1)", "key 2: active, last used 2026-11-20 (3 days ago) (s3 in us-east-1)"},
				CheckRootPassword:   {"last used 2025-09-01 (448 days ago)"},
			},
		},
		{
			name:    "keys-never-used",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowKeysNeverUsed), Summary: map[string]int{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "AccountSigningCertificatesPresent": 1}, Contacts: contact},
			want: map[string]Status{CheckRootMFA: Fail, CheckRootAccessKeys: Fail, CheckRootCertificates: Fail, CheckRootPassword: Pass,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{
				CheckRootAccessKeys:   {"key 1: active, never used", "key 2: active, never used"},
				CheckRootPassword:     {"present, never used"},
				CheckRootCertificates: {"1 active signing certificate"},
			},
		},
		{
			name:    "all-na-fields",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowAllNA), Errs: map[string]error{"AccountSummary": errors.New("AccessDenied")}, Contacts: contact},
			want: map[string]Status{CheckRootMFA: Error, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{CheckRootPassword: {"root has no password"}, CheckRootAccessKeys: {"key 1: none; key 2: none"}},
		},
		{
			name: "nothing-readable",
			posture: &fake.Posture{Errs: map[string]error{"CredentialReport": errors.New("AccessDenied"), "AccountSummary": errors.New("AccessDenied"),
				"Organization": errors.New("AccessDenied"), "AlternateContact": errors.New("AccessDenied")}},
			uses: func(context.Context, time.Time) ([]Use, error) {
				return nil, errors.Join(errors.New("lookup events in us-east-1"), cloud.ErrUnsupported)
			},
			want: map[string]Status{CheckRootMFA: Error, CheckRootAccessKeys: Error, CheckRootCertificates: Error, CheckRootPassword: Error,
				CheckCentralRoot: Error, CheckMemberRoot: Error, CheckSecurityContact: Error, CheckRecentRootUse: Error},
		},
		{
			name:    "password-recent-and-root-use",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowPasswordRecent), Summary: summaryGood, Contacts: contact},
			uses: func(_ context.Context, since time.Time) ([]Use, error) {
				if !since.Equal(now.Add(-RecentWindow)) {
					return nil, errors.New("wrong since")
				}
				return []Use{
					{Time: time.Date(2026, 11, 22, 21, 15, 0, 0, time.UTC), Kind: "root-signin-success-no-mfa", Event: "ConsoleLogin", SourceIP: "198.51.100.23", Region: "us-east-1"},
					{Time: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), Kind: "root-api-call", Event: "ListBuckets", SourceIP: "203.0.113.9", Region: "eu-west-1"},
					{Time: time.Date(2026, 11, 22, 21, 20, 0, 0, time.UTC), Kind: "root-api-call", Event: "CreateAccessKey", SourceIP: "198.51.100.23", Region: "us-east-1"},
				}, nil
			},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Warn,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Warn},
			detail: map[string][]string{
				CheckRootPassword:  {"last used 2026-11-22 21:15 UTC (today)"},
				CheckRecentRootUse: {"3 root events, first 2026-10-01T09:00:00Z, last 2026-11-22T21:20:00Z", "root-api-call 2", "198.51.100.23, 203.0.113.9"},
			},
		},
		{
			name: "org-management-centralized",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowHealthy), Summary: summaryGood, Contacts: contact, Org: org,
				Features: []string{cloud.FeatureRootSessions, cloud.FeatureRootCredentialsManagement}, Members: members,
				MemberRoot: map[string]cloud.RootCredentials{"111111111111": {}, "222222222222": {}}},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Pass, CheckMemberRoot: Pass, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{CheckMemberRoot: {"none of the 2 member accounts"}},
		},
		{
			name: "org-members-with-root-credentials",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowHealthy), Summary: summaryGood, Contacts: contact, Org: org,
				Features: []string{cloud.FeatureRootCredentialsManagement}, Members: members,
				MemberRoot: map[string]cloud.RootCredentials{"111111111111": {Password: true, AccessKeys: 1, MFADevices: 1}, "222222222222": {Password: true}}},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Warn, CheckMemberRoot: Fail, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{
				CheckCentralRoot: {"not enabled for organization o-abc123: RootSessions"},
				CheckMemberRoot:  {"root access keys or signing certificates in 111111111111; root password in 222222222222"},
			},
		},
		{
			name: "org-features-off",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowHealthy), Summary: summaryGood, Contacts: contact, Org: org,
				Members: members},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Warn, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
		},
		{
			name: "org-member-account",
			posture: &fake.Posture{Report: []byte(fake.ReportHeader + rowHealthy), Summary: summaryGood, Contacts: contact,
				Org: &cloud.Organization{ID: "o-abc123", ManagementAccount: "999999999999"}},
			want: map[string]Status{CheckRootMFA: Pass, CheckRootAccessKeys: Pass, CheckRootCertificates: Pass, CheckRootPassword: Pass,
				CheckCentralRoot: Skip, CheckMemberRoot: Skip, CheckSecurityContact: Pass, CheckRecentRootUse: Skip},
			detail: map[string][]string{CheckCentralRoot: {"only the management account 999999999999"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Run(context.Background(), Inputs{Posture: tt.posture, Account: acct, RecentUse: tt.uses, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Status{}
			for _, c := range rep.Checks {
				got[c.ID] = c.Status
				for _, want := range tt.detail[c.ID] {
					if !strings.Contains(c.Detail, want) {
						t.Errorf("%s detail = %q, want it to contain %q", c.ID, c.Detail, want)
					}
				}
				if (c.Fix == "") != (c.Status == Pass || c.Status == Skip) {
					t.Errorf("%s: status %s with fix %q", c.ID, c.Status, c.Fix)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			var js, table bytes.Buffer
			if err := WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			if err := WriteTable(&table, rep); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata/golden", tt.name+".json"), js.Bytes())
			golden.Check(t, filepath.Join("testdata/golden", tt.name+".txt"), table.Bytes())
		})
	}
}

// TestAuditMemberError: a member whose root credentials cannot be read is an
// error, not a pass.
func TestAuditMemberError(t *testing.T) {
	p := &fake.Posture{Report: []byte(fake.ReportHeader + rowHealthy), Summary: summaryGood, Contacts: contact, Org: org,
		Features: []string{cloud.FeatureRootCredentialsManagement, cloud.FeatureRootSessions}, Members: members,
		MemberRoot: map[string]cloud.RootCredentials{"111111111111": {}}}
	rep, err := Run(context.Background(), Inputs{Posture: p, Account: acct, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c := find(t, rep, CheckMemberRoot)
	if c.Status != Error || !strings.Contains(c.Detail, "222222222222") {
		t.Errorf("member check = %+v, want an error naming 222222222222", c)
	}
	if p.Calls["MemberRootCredentials"] != 2 {
		t.Errorf("MemberRootCredentials called %d times, want 2 (management and suspended accounts skipped)", p.Calls["MemberRootCredentials"])
	}
	if !rep.Incomplete() {
		t.Error("Incomplete() = false with an error check")
	}
}

func TestAuditCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Inputs{Posture: &fake.Posture{}, Account: acct, Now: now}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func find(t *testing.T, rep *Report, id string) Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return Check{}
}
