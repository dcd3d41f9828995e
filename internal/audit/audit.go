// Package audit checks an AWS account's root exposure: root credentials (from
// the IAM credential report and account summary), the organization's centralized
// root access and its members' root credentials, the alternate security
// contact, and recent root use.
//
// Run gathers everything through a cloud.Posture and returns a Report: a list of
// checks, each pass, warn, fail, skip (not applicable) or error (could not
// check), with a one-line fix, plus the facts behind them. The Report is also
// the JSON that `rootwatch audit --output json` prints; see README.md.
package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Status is a check's outcome.
type Status string

const (
	Pass  Status = "pass"
	Warn  Status = "warn"
	Fail  Status = "fail"
	Skip  Status = "skip"  // not applicable to this account
	Error Status = "error" // could not check
)

// Check IDs, in the order a report lists them.
const (
	CheckRootMFA          = "root-mfa"
	CheckRootAccessKeys   = "root-access-keys"
	CheckRootCertificates = "root-signing-certificates"
	CheckRootPassword     = "root-password"
	CheckCentralRoot      = "centralized-root-access"
	CheckMemberRoot       = "member-root-credentials"
	CheckSecurityContact  = "alternate-security-contact"
	CheckRecentRootUse    = "recent-root-use"
)

// RecentWindow is how far back "recent" reaches: CloudTrail's event history.
const RecentWindow = 90 * 24 * time.Hour

// Check is one line of the audit.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"` // one line; empty when the check passed or was skipped
}

// Use is one root activity found in the event history.
type Use struct {
	Time     time.Time
	Kind     string // the rule pack ID that classified it
	Event    string // CloudTrail eventName
	SourceIP string
	Region   string
}

// UseSource returns the root activity since a time (the scan's lookup).
type UseSource func(ctx context.Context, since time.Time) ([]Use, error)

// Inputs is what an audit reads.
type Inputs struct {
	Posture cloud.Posture
	// Account is the caller's account ID (cloud.Identity.Account).
	Account string
	// RecentUse is the event history lookup; nil skips the recent-use check.
	RecentUse UseSource
	Now       time.Time
}

// Report is the audit's result and `rootwatch audit --output json`'s document.
type Report struct {
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
	// Summary counts the checks by status.
	Summary map[Status]int `json:"summary"`
	Checks  []Check        `json:"checks"`
	// Root is the root user's credentials as the credential report and account
	// summary give them; null when neither could be read.
	Root *RootState `json:"root"`
	// Organization is null when the account is in no organization (or it could
	// not be read; see the checks).
	Organization *OrgState `json:"organization"`
	// RecentUse is null when the lookup was not run or failed.
	RecentUse *UseSummary `json:"recentUse"`
}

// RootState is the root user's credentials.
type RootState struct {
	// InReport says whether the credential report has a <root_account> row.
	InReport bool `json:"inReport"`
	// Password is "present", "absent" or "unknown". AWS reports root's
	// password_enabled as not_supported; presence is inferred from
	// password_last_used (N/A means no password).
	Password         string     `json:"password"`
	PasswordLastUsed *time.Time `json:"passwordLastUsed"`
	// MFA is null when unknown.
	MFA                 *bool              `json:"mfa"`
	AccessKeys          []KeyState         `json:"accessKeys"`
	SigningCertificates []CertificateState `json:"signingCertificates"`
	// LastUsed is the latest use of any root credential the report shows.
	LastUsed *time.Time `json:"lastUsed"`
}

// KeyState is one root access key slot (1 or 2).
type KeyState struct {
	Slot        int        `json:"slot"`
	Active      *bool      `json:"active"`
	LastRotated *time.Time `json:"lastRotated"`
	LastUsed    *time.Time `json:"lastUsed"`
	Region      string     `json:"lastUsedRegion,omitempty"`
	Service     string     `json:"lastUsedService,omitempty"`
}

// CertificateState is one root signing certificate slot (1 or 2).
type CertificateState struct {
	Slot        int        `json:"slot"`
	Active      *bool      `json:"active"`
	LastRotated *time.Time `json:"lastRotated"`
}

// OrgState is the organization and its centralized root access.
type OrgState struct {
	ID                string `json:"id"`
	ManagementAccount string `json:"managementAccount"`
	IsManagement      bool   `json:"isManagement"`
	// Features lists the enabled centralized root access features; null when
	// they could not be read (not the management account, or an error).
	Features []string `json:"features"`
	// Members is the root credentials of each member account; null when not
	// checked.
	Members []MemberState `json:"members"`
}

// MemberState is one member account's root credentials.
type MemberState struct {
	Account             string `json:"account"`
	Name                string `json:"name"`
	Password            bool   `json:"password"`
	AccessKeys          int    `json:"accessKeys"`
	MFADevices          int    `json:"mfaDevices"`
	SigningCertificates int    `json:"signingCertificates"`
	Error               string `json:"error,omitempty"` // when it could not be read
}

// UseSummary summarizes recent root use.
type UseSummary struct {
	Since     time.Time      `json:"since"`
	Count     int            `json:"count"`
	First     *time.Time     `json:"first"`
	Last      *time.Time     `json:"last"`
	Kinds     map[string]int `json:"kinds"`
	SourceIPs []string       `json:"sourceIps"`
}

// Failed reports whether any check failed or warned (exit 1, or 3 with
// Incomplete: something to fix was found).
func (r *Report) Failed() bool { return r.Summary[Fail] > 0 || r.Summary[Warn] > 0 }

// Incomplete reports whether any check could not be done.
func (r *Report) Incomplete() bool { return r.Summary[Error] > 0 }

// Run audits the account. It never fails as a whole: what it cannot read
// becomes an error check. It stops early only when ctx is done.
func Run(ctx context.Context, in Inputs) (*Report, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	a := &auditor{in: in, now: now, rep: &Report{Account: in.Account, Time: now}}
	a.rootCredentials(ctx)
	a.organization(ctx)
	a.contact(ctx)
	a.recentUse(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.rep.Summary = map[Status]int{Pass: 0, Warn: 0, Fail: 0, Skip: 0, Error: 0}
	for _, c := range a.rep.Checks {
		a.rep.Summary[c.Status]++
	}
	return a.rep, nil
}

type auditor struct {
	in  Inputs
	now time.Time
	rep *Report
}

func (a *auditor) add(id, title string, st Status, fix, detail string, args ...any) {
	d := strings.Join(strings.Fields(fmt.Sprintf(detail, args...)), " ") // one line, whatever errors hold
	c := Check{ID: id, Title: title, Status: st, Detail: d}
	if st == Warn || st == Fail || st == Error {
		c.Fix = fix
	}
	a.rep.Checks = append(a.rep.Checks, c)
}

// ago renders a time relative to now, e.g. "2026-10-14 (3 days ago)".
func (a *auditor) ago(t time.Time) string {
	d := a.now.Sub(t)
	days := int(d.Hours() / 24)
	switch {
	case d < 0:
		return t.Format("2006-01-02 15:04 UTC")
	case days == 0:
		return t.Format("2006-01-02 15:04 UTC") + " (today)"
	case days == 1:
		return t.Format("2006-01-02") + " (1 day ago)"
	}
	return fmt.Sprintf("%s (%d days ago)", t.Format("2006-01-02"), days)
}

func (a *auditor) recent(t *time.Time) bool {
	return t != nil && a.now.Sub(*t) <= RecentWindow
}

const (
	fixMFA      = "sign in as root and assign an MFA device (IAM console > Security credentials), preferably a FIDO security key"
	fixKeys     = "delete the root access keys (IAM console > Security credentials, signed in as root) and use IAM roles instead"
	fixCerts    = "delete the root signing certificates (IAM console > Security credentials, signed in as root)"
	fixPassword = "use root only for the tasks that need it; in an organization, delete member root passwords with centralized root access"
	fixCentral  = "from the management account: aws iam enable-organizations-root-credentials-management && aws iam enable-organizations-root-sessions"
	fixMembers  = "aws sts assume-root --target-principal ACCOUNT --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials, then delete the login profile, access keys and certificates"
	fixContact  = "aws account put-alternate-contact --alternate-contact-type SECURITY --name NAME --title TITLE --email-address ADDR --phone-number PHONE"
	fixRecent   = "confirm every root use was expected (rootwatch scan --lookup lists them); if not, reset the root password, remove root keys and investigate"
	fixRead     = "give the caller iam:GenerateCredentialReport, iam:GetCredentialReport and iam:GetAccountSummary and run audit again"
)

func (a *auditor) rootCredentials(ctx context.Context) {
	p := a.in.Posture
	var row CredentialRow
	var inReport bool
	var reportErr error
	if data, err := p.CredentialReport(ctx); err != nil {
		reportErr = err
	} else if rep, err := ParseCredentialReport(data); err != nil {
		reportErr = err
	} else if row, inReport = rep.Root(); !inReport {
		reportErr = fmt.Errorf("the credential report has no %s row", RootUser)
	}
	summary, summaryErr := p.AccountSummary(ctx)
	if reportErr != nil && summaryErr != nil {
		for _, id := range []string{CheckRootMFA, CheckRootAccessKeys, CheckRootCertificates, CheckRootPassword} {
			a.add(id, titles[id], Error, fixRead, "could not read the credential report (%v) nor the account summary (%v)", reportErr, summaryErr)
		}
		return
	}
	st := &RootState{InReport: inReport, Password: "unknown", AccessKeys: []KeyState{}, SigningCertificates: []CertificateState{}}
	a.rep.Root = st
	if inReport {
		st.MFA = row.MFAActive
		for i, k := range row.AccessKeys {
			st.AccessKeys = append(st.AccessKeys, KeyState{Slot: i + 1, Active: k.Active, LastRotated: k.LastRotated, LastUsed: k.LastUsed, Region: k.Region, Service: k.Service})
		}
		for i, c := range row.Certificates {
			st.SigningCertificates = append(st.SigningCertificates, CertificateState{Slot: i + 1, Active: c.Active, LastRotated: c.LastRotated})
		}
		st.PasswordLastUsed = row.PasswordLastUsed
		switch {
		case row.PasswordEnabled != nil && *row.PasswordEnabled, row.PasswordLastUsed != nil,
			strings.EqualFold(row.PasswordLastUsedRaw, "no_information"):
			st.Password = "present"
		case row.PasswordEnabled != nil && !*row.PasswordEnabled, strings.EqualFold(row.PasswordLastUsedRaw, "N/A"):
			st.Password = "absent"
		}
		for _, t := range []*time.Time{row.PasswordLastUsed, row.AccessKeys[0].LastUsed, row.AccessKeys[1].LastUsed} {
			if t != nil && (st.LastUsed == nil || t.After(*st.LastUsed)) {
				st.LastUsed = t
			}
		}
	}
	if summaryErr == nil {
		// The account summary is authoritative for MFA.
		if v, ok := summary["AccountMFAEnabled"]; ok {
			mfa := v > 0
			st.MFA = &mfa
		}
	}
	noRow := ""
	if !inReport {
		noRow = fmt.Sprintf(" (%v; from the account summary)", reportErr)
	}

	// MFA.
	switch {
	case st.MFA == nil:
		a.add(CheckRootMFA, titles[CheckRootMFA], Error, fixRead, "neither the credential report nor the account summary says whether root has MFA%s", noRow)
	case *st.MFA:
		a.add(CheckRootMFA, titles[CheckRootMFA], Pass, fixMFA, "root has an MFA device%s", noRow)
	default:
		a.add(CheckRootMFA, titles[CheckRootMFA], Fail, fixMFA, "root has no MFA device%s", noRow)
	}

	// Access keys: every slot, each with its own last use.
	if inReport {
		var active, parts []string
		for _, k := range st.AccessKeys {
			state := "none"
			if k.Active != nil && *k.Active {
				state = "active"
				active = append(active, fmt.Sprint(k.Slot))
			} else if k.LastRotated != nil {
				state = "inactive"
			}
			use := "never used"
			if k.LastUsed != nil {
				use = "last used " + a.ago(*k.LastUsed)
				if k.Service != "" || k.Region != "" {
					use += fmt.Sprintf(" (%s in %s)", orDash(k.Service), orDash(k.Region))
				}
			}
			if state == "none" && k.LastUsed == nil {
				parts = append(parts, fmt.Sprintf("key %d: none", k.Slot))
				continue
			}
			parts = append(parts, fmt.Sprintf("key %d: %s, %s", k.Slot, state, use))
		}
		detail := strings.Join(parts, "; ")
		switch {
		case len(active) > 0:
			a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Fail, fixKeys, "root has active access keys: %s", detail)
		case summaryErr == nil && summary["AccountAccessKeysPresent"] > 0:
			a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Fail, fixKeys, "the account summary says root has access keys; %s", detail)
		default:
			a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Pass, fixKeys, "no active root access key; %s", detail)
		}
	} else if v, ok := summary["AccountAccessKeysPresent"]; ok {
		if v > 0 {
			a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Fail, fixKeys, "root has access keys; when they were last used is unknown%s", noRow)
		} else {
			a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Pass, fixKeys, "root has no access keys%s", noRow)
		}
	} else {
		a.add(CheckRootAccessKeys, titles[CheckRootAccessKeys], Error, fixRead, "the account summary has no AccountAccessKeysPresent%s", noRow)
	}

	// Signing certificates.
	certs := -1
	if inReport {
		certs = 0
		for _, c := range st.SigningCertificates {
			if c.Active != nil && *c.Active {
				certs++
			}
		}
	}
	if v, ok := summary["AccountSigningCertificatesPresent"]; ok && summaryErr == nil && (certs < 0 || v > certs) {
		certs = v
	}
	switch {
	case certs < 0:
		a.add(CheckRootCertificates, titles[CheckRootCertificates], Error, fixRead, "neither the credential report nor the account summary lists root's signing certificates%s", noRow)
	case certs > 0:
		a.add(CheckRootCertificates, titles[CheckRootCertificates], Fail, fixCerts, "root has %d active signing certificate(s)%s", certs, noRow)
	default:
		a.add(CheckRootCertificates, titles[CheckRootCertificates], Pass, fixCerts, "root has no active signing certificate%s", noRow)
	}

	// Password.
	switch {
	case !inReport:
		a.add(CheckRootPassword, titles[CheckRootPassword], Error, fixRead, "%v: whether root has a password and when it was last used is unknown", reportErr)
	case st.Password == "absent":
		a.add(CheckRootPassword, titles[CheckRootPassword], Pass, fixPassword, "root has no password")
	case st.PasswordLastUsed == nil:
		a.add(CheckRootPassword, titles[CheckRootPassword], Pass, fixPassword, "root password %s, never used (or not since October 2014)", st.Password)
	case a.recent(st.PasswordLastUsed):
		a.add(CheckRootPassword, titles[CheckRootPassword], Warn, fixPassword, "root password %s, last used %s, within the last %d days", st.Password, a.ago(*st.PasswordLastUsed), int(RecentWindow.Hours()/24))
	default:
		a.add(CheckRootPassword, titles[CheckRootPassword], Pass, fixPassword, "root password %s, last used %s", st.Password, a.ago(*st.PasswordLastUsed))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var titles = map[string]string{
	CheckRootMFA:          "Root MFA enabled",
	CheckRootAccessKeys:   "No root access keys",
	CheckRootCertificates: "No root signing certificates",
	CheckRootPassword:     "Root password use",
	CheckCentralRoot:      "Centralized root access",
	CheckMemberRoot:       "Member accounts without root credentials",
	CheckSecurityContact:  "Alternate security contact",
	CheckRecentRootUse:    "Root use in the last 90 days",
}

func (a *auditor) organization(ctx context.Context) {
	p := a.in.Posture
	org, err := p.Organization(ctx)
	if errors.Is(err, cloud.ErrNotFound) {
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Skip, fixCentral, "the account is in no organization")
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Skip, fixMembers, "the account is in no organization")
		return
	}
	if err != nil {
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Error, "give the caller organizations:DescribeOrganization and run audit again", "%v", err)
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Error, "give the caller organizations:DescribeOrganization and run audit again", "%v", err)
		return
	}
	o := &OrgState{ID: org.ID, ManagementAccount: org.ManagementAccount, IsManagement: org.ManagementAccount == a.in.Account}
	a.rep.Organization = o
	if !o.IsManagement {
		msg := fmt.Sprintf("only the management account %s can read this for organization %s; run audit there", org.ManagementAccount, org.ID)
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Skip, fixCentral, "%s", msg)
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Skip, fixMembers, "%s", msg)
		return
	}
	features, err := p.RootAccessFeatures(ctx)
	if err != nil {
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Error, "give the caller iam:ListOrganizationsFeatures and run audit again", "%v", err)
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Error, fixCentral, "centralized root access could not be read, so member root credentials could not be either")
		return
	}
	features = slices.Clone(features)
	sort.Strings(features)
	if features == nil {
		features = []string{}
	}
	o.Features = features
	var missing []string
	for _, f := range []string{cloud.FeatureRootCredentialsManagement, cloud.FeatureRootSessions} {
		if !slices.Contains(features, f) {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Pass, fixCentral, "%s enabled for organization %s", strings.Join(features, " and "), org.ID)
	} else {
		a.add(CheckCentralRoot, titles[CheckCentralRoot], Warn, fixCentral, "not enabled for organization %s: %s", org.ID, strings.Join(missing, ", "))
	}
	if !slices.Contains(features, cloud.FeatureRootCredentialsManagement) {
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Skip, fixMembers, "member root credentials can be read only with %s enabled", cloud.FeatureRootCredentialsManagement)
		return
	}
	accounts, err := p.Accounts(ctx)
	if err != nil {
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Error, "give the caller organizations:ListAccounts and run audit again", "%v", err)
		return
	}
	o.Members = []MemberState{}
	var withKeys, withPassword, failed []string
	for _, acct := range accounts {
		if acct.ID == org.ManagementAccount || (acct.Status != "" && acct.Status != "ACTIVE") {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		m := MemberState{Account: acct.ID, Name: acct.Name}
		rc, err := p.MemberRootCredentials(ctx, acct.ID)
		if err != nil {
			m.Error = err.Error()
			failed = append(failed, acct.ID)
		} else {
			m.Password, m.AccessKeys, m.MFADevices, m.SigningCertificates = rc.Password, rc.AccessKeys, rc.MFADevices, rc.SigningCertificates
			if rc.AccessKeys > 0 || rc.SigningCertificates > 0 {
				withKeys = append(withKeys, acct.ID)
			} else if rc.Password {
				withPassword = append(withPassword, acct.ID)
			}
		}
		o.Members = append(o.Members, m)
	}
	sort.Slice(o.Members, func(i, j int) bool { return o.Members[i].Account < o.Members[j].Account })
	n := len(o.Members)
	switch {
	case len(withKeys) > 0:
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Fail, fixMembers, "root access keys or signing certificates in %s%s", strings.Join(withKeys, ", "), also(withPassword, failed))
	case len(withPassword) > 0:
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Warn, fixMembers, "root password in %s%s", strings.Join(withPassword, ", "), also(nil, failed))
	case len(failed) > 0:
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Error, "allow sts:AssumeRoot with the IAMAuditRootUserCredentials task policy", "could not read the root credentials of %s", strings.Join(failed, ", "))
	default:
		a.add(CheckMemberRoot, titles[CheckMemberRoot], Pass, fixMembers, "none of the %d member accounts has root credentials", n)
	}
}

func also(password, failed []string) string {
	s := ""
	if len(password) > 0 {
		s += "; root password in " + strings.Join(password, ", ")
	}
	if len(failed) > 0 {
		s += "; could not read " + strings.Join(failed, ", ")
	}
	return s
}

func (a *auditor) contact(ctx context.Context) {
	c, err := a.in.Posture.AlternateContact(ctx, cloud.ContactSecurity)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		a.add(CheckSecurityContact, titles[CheckSecurityContact], Warn, fixContact, "no alternate security contact: AWS sends security notices only to the root e-mail address")
	case err != nil:
		a.add(CheckSecurityContact, titles[CheckSecurityContact], Error, "give the caller account:GetAlternateContact and run audit again", "%v", err)
	default:
		a.add(CheckSecurityContact, titles[CheckSecurityContact], Pass, fixContact, "%s <%s>", c.Name, c.Email)
	}
}

func (a *auditor) recentUse(ctx context.Context) {
	if a.in.RecentUse == nil {
		a.add(CheckRecentRootUse, titles[CheckRecentRootUse], Skip, fixRecent, "the event history was not read (--no-lookup)")
		return
	}
	since := a.now.Add(-RecentWindow)
	uses, err := a.in.RecentUse(ctx, since)
	if err != nil {
		if errors.Is(err, cloud.ErrUnsupported) {
			a.add(CheckRecentRootUse, titles[CheckRecentRootUse], Error, "run audit against AWS itself: this endpoint has no CloudTrail event history", "%v", err)
			return
		}
		a.add(CheckRecentRootUse, titles[CheckRecentRootUse], Error, "give the caller cloudtrail:LookupEvents and run audit again", "%v", err)
		return
	}
	a.rep.RecentUse = Summarize(uses, since)
	s := a.rep.RecentUse
	if s.Count == 0 {
		a.add(CheckRecentRootUse, titles[CheckRecentRootUse], Pass, fixRecent, "no root activity since %s", since.Format("2006-01-02"))
		return
	}
	var kinds []string
	for k, n := range s.Kinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	a.add(CheckRecentRootUse, titles[CheckRecentRootUse], Warn, fixRecent, "%d root events, first %s, last %s; kinds: %s; source IPs: %s",
		s.Count, s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339), strings.Join(kinds, ", "), strings.Join(s.SourceIPs, ", "))
}

// Summarize summarizes root uses found since a time.
func Summarize(uses []Use, since time.Time) *UseSummary {
	s := &UseSummary{Since: since.UTC(), Kinds: map[string]int{}, SourceIPs: []string{}}
	ips := map[string]bool{}
	for _, u := range uses {
		t := u.Time.UTC()
		s.Count++
		if s.First == nil || t.Before(*s.First) {
			s.First = &t
		}
		if s.Last == nil || t.After(*s.Last) {
			tt := t
			s.Last = &tt
		}
		s.Kinds[u.Kind]++
		if u.SourceIP != "" && !ips[u.SourceIP] {
			ips[u.SourceIP] = true
			s.SourceIPs = append(s.SourceIPs, u.SourceIP)
		}
	}
	sort.Strings(s.SourceIPs)
	return s
}
