package fake

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Posture is an in-memory cloud.Posture: the account's credential report,
// account summary, organization and alternate contacts, set by the test.
// The zero value is an account in no organization, with an empty credential
// report (header only), an empty summary and no contacts.
//
// Errs makes a method fail: the key is the method's name
// ("CredentialReport", "MemberRootCredentials", ...), the error is returned
// wrapped with the operation.
type Posture struct {
	mu sync.Mutex

	Report  []byte         // the credential report's CSV
	Summary map[string]int // the account summary
	// Org is the organization; nil means none.
	Org      *cloud.Organization
	Features []string           // enabled centralized root access features
	Members  []cloud.OrgAccount // the organization's accounts
	// MemberRoot is each member account's root credentials.
	MemberRoot map[string]cloud.RootCredentials
	// Contacts by type (cloud.ContactSecurity, ...).
	Contacts map[string]cloud.Contact
	Errs     map[string]error

	// Calls counts the calls by method name.
	Calls map[string]int
}

var _ cloud.Posture = (*Posture)(nil)

// ReportHeader is the header row of IAM's credential report.
const ReportHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

func (p *Posture) call(ctx context.Context, name, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if p.Calls == nil {
		p.Calls = map[string]int{}
	}
	p.Calls[name]++
	if err := p.Errs[name]; err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (p *Posture) CredentialReport(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call(ctx, "CredentialReport", "get credential report"); err != nil {
		return nil, err
	}
	if p.Report == nil {
		return []byte(ReportHeader), nil
	}
	return slices.Clone(p.Report), nil
}

func (p *Posture) AccountSummary(ctx context.Context) (map[string]int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call(ctx, "AccountSummary", "get account summary"); err != nil {
		return nil, err
	}
	m := map[string]int{}
	for k, v := range p.Summary {
		m[k] = v
	}
	return m, nil
}

func (p *Posture) Organization(ctx context.Context) (cloud.Organization, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call(ctx, "Organization", "describe organization"); err != nil {
		return cloud.Organization{}, err
	}
	if p.Org == nil {
		return cloud.Organization{}, fmt.Errorf("describe organization: AWSOrganizationsNotInUseException: %w", cloud.ErrNotFound)
	}
	return *p.Org, nil
}

func (p *Posture) RootAccessFeatures(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call(ctx, "RootAccessFeatures", "list organizations features"); err != nil {
		return nil, err
	}
	if p.Org == nil {
		return nil, fmt.Errorf("list organizations features: AWSOrganizationsNotInUseException: %w", cloud.ErrNotFound)
	}
	return slices.Clone(p.Features), nil
}

func (p *Posture) Accounts(ctx context.Context) ([]cloud.OrgAccount, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call(ctx, "Accounts", "list accounts"); err != nil {
		return nil, err
	}
	if p.Org == nil {
		return nil, fmt.Errorf("list accounts: AWSOrganizationsNotInUseException: %w", cloud.ErrNotFound)
	}
	return slices.Clone(p.Members), nil
}

func (p *Posture) MemberRootCredentials(ctx context.Context, accountID string) (cloud.RootCredentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	op := "read root credentials of account " + accountID
	if err := p.call(ctx, "MemberRootCredentials", op); err != nil {
		return cloud.RootCredentials{}, err
	}
	if p.Org == nil || !slices.Contains(p.Features, cloud.FeatureRootCredentialsManagement) {
		return cloud.RootCredentials{}, fmt.Errorf("%s: assume root: AccessDenied: centralized root credentials management is not enabled", op)
	}
	rc, ok := p.MemberRoot[accountID]
	if !ok {
		return cloud.RootCredentials{}, fmt.Errorf("%s: %w", op, cloud.ErrNotFound)
	}
	return rc, nil
}

func (p *Posture) AlternateContact(ctx context.Context, kind string) (cloud.Contact, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	op := "get alternate contact " + kind
	if err := p.call(ctx, "AlternateContact", op); err != nil {
		return cloud.Contact{}, err
	}
	c, ok := p.Contacts[kind]
	if !ok {
		return cloud.Contact{}, fmt.Errorf("%s: ResourceNotFoundException: %w", op, cloud.ErrNotFound)
	}
	return c, nil
}

// Posture implements cloud.Account: the account's posture, which tests set
// through SetPosture. Without one it is the zero Posture: no organization, a
// credential report with no rows, no contacts.
func (a *Account) Posture() cloud.Posture {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.posture == nil {
		a.posture = &Posture{}
	}
	return a.posture
}

// SetPosture sets what the account's Posture answers.
func (a *Account) SetPosture(p *Posture) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posture = p
}
