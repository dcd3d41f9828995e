package awscloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// posture implements cloud.Posture with IAM, Organizations, Account and STS.
type posture struct {
	cfg  aws.Config
	iam  *iam.Client
	org  *organizations.Client
	acct *account.Client
	sts  *sts.Client
	// reportPoll is the longest wait between GenerateCredentialReport calls.
	reportPoll time.Duration
}

// newPosture builds the posture reader from the account's SDK configuration.
// Organizations' and Account's APIs are global, served from us-east-1 in the
// aws partition.
func newPosture(cfg aws.Config) *posture {
	global := cfg.Copy()
	if global.Region == "" {
		global.Region = "us-east-1"
	}
	return &posture{
		cfg:        global,
		iam:        iam.NewFromConfig(global),
		org:        organizations.NewFromConfig(global),
		acct:       account.NewFromConfig(global),
		sts:        sts.NewFromConfig(global),
		reportPoll: 4 * time.Second,
	}
}

var _ cloud.Posture = (*posture)(nil)

// postureErr wraps err with op, adding cloud.ErrNotFound for the "does not
// exist" codes of these services and cloud.ErrUnsupported for an endpoint that
// does not know the operation.
func postureErr(op string, err error, notFound ...string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		for _, nf := range notFound {
			if code == nf {
				return fmt.Errorf("%s: %w: %w", op, err, cloud.ErrNotFound)
			}
		}
		switch code {
		case "InvalidAction", "NotImplemented", "UnknownOperationException", "UnrecognizedClientException":
			return fmt.Errorf("%s: %w: %w", op, err, cloud.ErrUnsupported)
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && (re.HTTPStatusCode() == 404 || re.HTTPStatusCode() == 501) && len(notFound) == 0 {
		return fmt.Errorf("%s: %w: %w", op, err, cloud.ErrUnsupported)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (p *posture) CredentialReport(ctx context.Context) ([]byte, error) {
	// GenerateCredentialReport answers COMPLETE once a report younger than four
	// hours exists; until then it answers STARTED or INPROGRESS.
	wait := p.reportPoll / 4
	for {
		out, err := p.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, postureErr("generate credential report", err)
		}
		if out.State == iamtypes.ReportStateTypeComplete {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("generate credential report: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, p.reportPoll)
	}
	out, err := p.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return nil, postureErr("get credential report", err)
	}
	return out.Content, nil
}

func (p *posture) AccountSummary(ctx context.Context) (map[string]int, error) {
	out, err := p.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return nil, postureErr("get account summary", err)
	}
	m := make(map[string]int, len(out.SummaryMap))
	for k, v := range out.SummaryMap {
		m[k] = int(v)
	}
	return m, nil
}

func (p *posture) Organization(ctx context.Context) (cloud.Organization, error) {
	out, err := p.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return cloud.Organization{}, postureErr("describe organization", err, "AWSOrganizationsNotInUseException")
	}
	o := out.Organization
	if o == nil {
		return cloud.Organization{}, fmt.Errorf("describe organization: empty answer: %w", cloud.ErrNotFound)
	}
	return cloud.Organization{ID: aws.ToString(o.Id), ARN: aws.ToString(o.Arn), ManagementAccount: aws.ToString(o.MasterAccountId)}, nil
}

func (p *posture) RootAccessFeatures(ctx context.Context) ([]string, error) {
	out, err := p.iam.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	if err != nil {
		return nil, postureErr("list organizations features", err, "OrganizationNotFoundException", "AWSOrganizationsNotInUseException")
	}
	fs := make([]string, 0, len(out.EnabledFeatures))
	for _, f := range out.EnabledFeatures {
		fs = append(fs, string(f))
	}
	return fs, nil
}

func (p *posture) Accounts(ctx context.Context) ([]cloud.OrgAccount, error) {
	var accts []cloud.OrgAccount
	pg := organizations.NewListAccountsPaginator(p.org, &organizations.ListAccountsInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, postureErr("list accounts", err, "AWSOrganizationsNotInUseException")
		}
		for _, a := range out.Accounts {
			status := string(a.State)
			if status == "" {
				status = string(a.Status)
			}
			accts = append(accts, cloud.OrgAccount{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email), Status: status})
		}
	}
	return accts, nil
}

// auditRootTask is the task policy that lets a root session read, and only
// read, the member's root credentials.
const auditRootTask = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"

func (p *posture) MemberRootCredentials(ctx context.Context, accountID string) (cloud.RootCredentials, error) {
	op := "read root credentials of account " + accountID
	out, err := p.sts.AssumeRoot(ctx, &sts.AssumeRootInput{
		TargetPrincipal: aws.String(accountID),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String(auditRootTask)},
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		return cloud.RootCredentials{}, postureErr(op+": assume root", err)
	}
	c := out.Credentials
	if c == nil {
		return cloud.RootCredentials{}, fmt.Errorf("%s: assume root: no credentials in the answer", op)
	}
	cfg := p.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	rootIAM := iam.NewFromConfig(cfg)

	var rc cloud.RootCredentials
	// Without a user name, these calls are about the calling principal: root.
	if _, err := rootIAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}); err == nil {
		rc.Password = true
	} else if err := postureErr(op+": get login profile", err, "NoSuchEntity"); !errors.Is(err, cloud.ErrNotFound) {
		return cloud.RootCredentials{}, err
	}
	keys := iam.NewListAccessKeysPaginator(rootIAM, &iam.ListAccessKeysInput{})
	for keys.HasMorePages() {
		out, err := keys.NextPage(ctx)
		if err != nil {
			return cloud.RootCredentials{}, postureErr(op+": list access keys", err)
		}
		rc.AccessKeys += len(out.AccessKeyMetadata)
	}
	mfa := iam.NewListMFADevicesPaginator(rootIAM, &iam.ListMFADevicesInput{})
	for mfa.HasMorePages() {
		out, err := mfa.NextPage(ctx)
		if err != nil {
			return cloud.RootCredentials{}, postureErr(op+": list MFA devices", err)
		}
		rc.MFADevices += len(out.MFADevices)
	}
	certs := iam.NewListSigningCertificatesPaginator(rootIAM, &iam.ListSigningCertificatesInput{})
	for certs.HasMorePages() {
		out, err := certs.NextPage(ctx)
		if err != nil {
			return cloud.RootCredentials{}, postureErr(op+": list signing certificates", err)
		}
		rc.SigningCertificates += len(out.Certificates)
	}
	return rc, nil
}

func (p *posture) AlternateContact(ctx context.Context, kind string) (cloud.Contact, error) {
	op := "get alternate contact " + kind
	out, err := p.acct.GetAlternateContact(ctx, &account.GetAlternateContactInput{AlternateContactType: accounttypes.AlternateContactType(kind)})
	if err != nil {
		return cloud.Contact{}, postureErr(op, err, "ResourceNotFoundException")
	}
	c := out.AlternateContact
	if c == nil {
		return cloud.Contact{}, fmt.Errorf("%s: %w", op, cloud.ErrNotFound)
	}
	return cloud.Contact{Type: string(c.AlternateContactType), Name: aws.ToString(c.Name), Title: aws.ToString(c.Title), Email: aws.ToString(c.EmailAddress), Phone: aws.ToString(c.PhoneNumber)}, nil
}

// Posture implements cloud.Account with IAM, Organizations, Account and STS.
func (a *Account) Posture() cloud.Posture { return newPosture(a.cfg) }
