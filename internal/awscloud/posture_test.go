package awscloud

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestPosture reads the audit's inputs from the endpoint. moto serves the
// credential report (without a <root_account> row), the account summary,
// Organizations and alternate contacts; it does not serve
// iam:ListOrganizationsFeatures nor sts:AssumeRoot (it answers 500), so those
// two are covered only by the fake (internal/cloud/fake.Posture) and the audit
// tests.
func TestPosture(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := tg.Creds; c != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	p := newPosture(cfg)
	p.reportPoll = 400e6 // 0.4s: moto completes the report on the second call

	report, err := p.CredentialReport(ctx)
	if err != nil {
		t.Fatalf("CredentialReport: %v", err)
	}
	if !strings.HasPrefix(string(report), "user,arn,user_creation_time,password_enabled,") {
		t.Errorf("credential report does not start with its header: %.80q", report)
	}
	sum, err := p.AccountSummary(ctx)
	if err != nil {
		t.Fatalf("AccountSummary: %v", err)
	}
	if _, ok := sum["AccountMFAEnabled"]; !ok {
		t.Errorf("account summary has no AccountMFAEnabled: %v", sum)
	}

	if tg.Kind == awstest.RealAWS {
		t.Skip("the rest creates an organization and sets the security contact")
	}
	if _, err := p.Organization(ctx); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("Organization outside an organization: err = %v, want ErrNotFound", err)
	}
	if _, err := p.AlternateContact(ctx, cloud.ContactSecurity); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("AlternateContact before one is set: err = %v, want ErrNotFound", err)
	}

	ac := account.NewFromConfig(cfg)
	if _, err := ac.PutAlternateContact(ctx, &account.PutAlternateContactInput{
		AlternateContactType: accounttypes.AlternateContactTypeSecurity,
		Name:                 aws.String("Security Team"), Title: aws.String("CISO"),
		EmailAddress: aws.String("security@example.com"), PhoneNumber: aws.String("+1 555 0100"),
	}); err != nil {
		t.Fatal(err)
	}
	c, err := p.AlternateContact(ctx, cloud.ContactSecurity)
	if err != nil {
		t.Fatalf("AlternateContact: %v", err)
	}
	if c.Name != "Security Team" || c.Email != "security@example.com" {
		t.Errorf("AlternateContact = %+v", c)
	}

	oc := organizations.NewFromConfig(cfg)
	if _, err := oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	org, err := p.Organization(ctx)
	if err != nil {
		t.Fatalf("Organization: %v", err)
	}
	if !strings.HasPrefix(org.ID, "o-") || org.ManagementAccount == "" {
		t.Errorf("Organization = %+v", org)
	}
	accts, err := p.Accounts(ctx)
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	found := false
	for _, a := range accts {
		found = found || a.ID == org.ManagementAccount
	}
	if !found {
		t.Errorf("Accounts %+v lacks the management account %s", accts, org.ManagementAccount)
	}
}
