package cloud

import "context"

// Centralized root access features of an organization, as IAM's
// ListOrganizationsFeatures names them.
const (
	FeatureRootCredentialsManagement = "RootCredentialsManagement"
	FeatureRootSessions              = "RootSessions"
)

// ContactSecurity is the alternate contact type for security notifications.
const ContactSecurity = "SECURITY"

// Organization is the AWS Organization the account belongs to.
type Organization struct {
	ID                string // o-...
	ARN               string
	ManagementAccount string // the management account's ID
}

// OrgAccount is one account of an organization.
type OrgAccount struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
	Status string `json:"status,omitempty"` // ACTIVE, SUSPENDED, PENDING_CLOSURE
}

// RootCredentials is what a member account's root user holds, as IAM answers
// inside a root session (sts:AssumeRoot with the IAMAuditRootUserCredentials
// task policy).
type RootCredentials struct {
	Password            bool // a login profile exists
	AccessKeys          int
	MFADevices          int
	SigningCertificates int
}

// Contact is an account's alternate contact.
type Contact struct {
	Type  string // ContactSecurity, "BILLING", "OPERATIONS"
	Name  string
	Title string
	Email string
	Phone string
}

// Posture is what `rootwatch audit` reads of an account's root exposure. IAM,
// Organizations and Account are global services.
type Posture interface {
	// CredentialReport returns the IAM credential report (CSV), generating it
	// first and waiting for it when there is none or it is stale.
	CredentialReport(ctx context.Context) ([]byte, error)
	// AccountSummary returns IAM's account summary (AccountMFAEnabled,
	// AccountAccessKeysPresent, AccountSigningCertificatesPresent, ...).
	AccountSummary(ctx context.Context) (map[string]int, error)
	// Organization describes the account's organization; the error wraps
	// ErrNotFound when the account is in none.
	Organization(ctx context.Context) (Organization, error)
	// RootAccessFeatures lists the organization's enabled centralized root
	// access features (FeatureRootCredentialsManagement, FeatureRootSessions).
	// Only the management account (or a delegated administrator) may ask.
	RootAccessFeatures(ctx context.Context) ([]string, error)
	// Accounts lists the organization's accounts (management account only).
	Accounts(ctx context.Context) ([]OrgAccount, error)
	// MemberRootCredentials reports the root credentials of a member account,
	// through a root session (needs RootCredentialsManagement enabled).
	MemberRootCredentials(ctx context.Context, accountID string) (RootCredentials, error)
	// AlternateContact returns the account's alternate contact of a type; the
	// error wraps ErrNotFound when none is set.
	AlternateContact(ctx context.Context, kind string) (Contact, error)
}
