package cloudtest

import (
	"context"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Posture records audit's reads (they are never mutating, so never failed by
// FailMutation) and asks the authorizer, if any.
func (r *Recorder) Posture() cloud.Posture { return &recPosture{r: r, next: r.next.Posture()} }

type recPosture struct {
	r    *Recorder
	next cloud.Posture
}

func (p *recPosture) CredentialReport(ctx context.Context) (b []byte, err error) {
	err = p.r.do("CredentialReport", "global", "", func() (x error) { b, x = p.next.CredentialReport(ctx); return })
	return
}
func (p *recPosture) AccountSummary(ctx context.Context) (m map[string]int, err error) {
	err = p.r.do("AccountSummary", "global", "", func() (x error) { m, x = p.next.AccountSummary(ctx); return })
	return
}
func (p *recPosture) Organization(ctx context.Context) (o cloud.Organization, err error) {
	err = p.r.do("Organization", "global", "", func() (x error) { o, x = p.next.Organization(ctx); return })
	return
}
func (p *recPosture) RootAccessFeatures(ctx context.Context) (fs []string, err error) {
	err = p.r.do("RootAccessFeatures", "global", "", func() (x error) { fs, x = p.next.RootAccessFeatures(ctx); return })
	return
}
func (p *recPosture) Accounts(ctx context.Context) (as []cloud.OrgAccount, err error) {
	err = p.r.do("Accounts", "global", "", func() (x error) { as, x = p.next.Accounts(ctx); return })
	return
}
func (p *recPosture) MemberRootCredentials(ctx context.Context, accountID string) (c cloud.RootCredentials, err error) {
	err = p.r.do("MemberRootCredentials", "global", accountID, func() (x error) { c, x = p.next.MemberRootCredentials(ctx, accountID); return })
	return
}
func (p *recPosture) AlternateContact(ctx context.Context, kind string) (c cloud.Contact, err error) {
	err = p.r.do("AlternateContact", "global", kind, func() (x error) { c, x = p.next.AlternateContact(ctx, kind); return })
	return
}
