package awscloud

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Organizations' error codes, by meaning (added to errors.go's lists by init).
var (
	orgNotFoundCodes = []string{
		"AWSOrganizationsNotInUseException", "PolicyNotFoundException", "TargetNotFoundException",
		"PolicyNotAttachedException", "ParentNotFoundException", "AccountNotFoundException",
		"OrganizationalUnitNotFoundException", "RootNotFoundException",
	}
	orgExistsCodes = []string{"DuplicatePolicyException", "DuplicatePolicyAttachmentException", "DuplicateOrganizationalUnitException"}
)

func init() {
	notFoundCodes = append(notFoundCodes, orgNotFoundCodes...)
	existsCodes = append(existsCodes, orgExistsCodes...)
}

// org implements cloud.Org with Organizations (a global service, served from
// us-east-1 in the aws partition) and STS.
type org struct {
	a     *Account
	c     *organizations.Client
	limit int32
}

// Org implements cloud.Account.
func (a *Account) Org() cloud.Org {
	global := a.cfg.Copy()
	global.Region = globalRegion(a.cfg.Region)
	return &org{a: a, c: organizations.NewFromConfig(global), limit: a.limit(20)}
}

// globalRegion is the region that serves a partition's global services.
func globalRegion(region string) string {
	switch partitionOf(region) {
	case "aws-cn":
		return "cn-northwest-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	case "aws":
		return "us-east-1"
	}
	return region
}

func (o *org) Describe(ctx context.Context) (cloud.Organization, error) {
	return newPosture(o.a.cfg).Organization(ctx)
}

func (o *org) Accounts(ctx context.Context) ([]cloud.OrgAccount, error) {
	var out []cloud.OrgAccount
	pg := organizations.NewListAccountsPaginator(o.c, &organizations.ListAccountsInput{MaxResults: aws.Int32(o.limit)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list accounts")
		}
		for _, a := range page.Accounts {
			out = append(out, cloud.OrgAccount{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email), Status: string(a.Status)})
		}
	}
	return out, nil
}

func (o *org) Roots(ctx context.Context) ([]cloud.OrgUnit, error) {
	var out []cloud.OrgUnit
	pg := organizations.NewListRootsPaginator(o.c, &organizations.ListRootsInput{MaxResults: aws.Int32(o.limit)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list roots")
		}
		for _, r := range page.Roots {
			out = append(out, cloud.OrgUnit{ID: aws.ToString(r.Id), ARN: aws.ToString(r.Arn), Name: aws.ToString(r.Name)})
		}
	}
	return out, nil
}

func (o *org) Units(ctx context.Context, parent string) ([]cloud.OrgUnit, error) {
	var out []cloud.OrgUnit
	pg := organizations.NewListOrganizationalUnitsForParentPaginator(o.c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(o.limit)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list organizational units for parent %s", parent)
		}
		for _, u := range page.OrganizationalUnits {
			out = append(out, cloud.OrgUnit{ID: aws.ToString(u.Id), ARN: aws.ToString(u.Arn), Name: aws.ToString(u.Name)})
		}
	}
	return out, nil
}

func (o *org) Policies(ctx context.Context) ([]cloud.OrgPolicy, error) {
	var out []cloud.OrgPolicy
	pg := organizations.NewListPoliciesPaginator(o.c, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy, MaxResults: aws.Int32(o.limit)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list policies")
		}
		for _, p := range page.Policies {
			out = append(out, cloud.OrgPolicy{ID: aws.ToString(p.Id), ARN: aws.ToString(p.Arn), Name: aws.ToString(p.Name), Description: aws.ToString(p.Description)})
		}
	}
	return out, nil
}

func (o *org) Policy(ctx context.Context, id string) (cloud.OrgPolicy, error) {
	out, err := o.c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
	if err != nil {
		return cloud.OrgPolicy{}, errorf(err, "describe policy %s", id)
	}
	if out.Policy == nil || out.Policy.PolicySummary == nil {
		return cloud.OrgPolicy{}, fmt.Errorf("describe policy %s: empty answer", id)
	}
	s := out.Policy.PolicySummary
	p := cloud.OrgPolicy{ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Name: aws.ToString(s.Name), Description: aws.ToString(s.Description), Content: aws.ToString(out.Policy.Content)}
	tags, err := o.c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	if err != nil {
		return cloud.OrgPolicy{}, errorf(err, "list tags of policy %s", id)
	}
	for _, t := range tags.Tags {
		if p.Tags == nil {
			p.Tags = cloud.Tags{}
		}
		p.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return p, nil
}

func (o *org) CreatePolicy(ctx context.Context, p cloud.OrgPolicy) (string, error) {
	in := &organizations.CreatePolicyInput{
		Name:        aws.String(p.Name),
		Description: aws.String(p.Description),
		Content:     aws.String(p.Content),
		Type:        orgtypes.PolicyTypeServiceControlPolicy,
	}
	for k, v := range p.Tags {
		in.Tags = append(in.Tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := o.c.CreatePolicy(ctx, in)
	if err != nil {
		return "", errorf(err, "create policy %s", p.Name)
	}
	if out.Policy == nil || out.Policy.PolicySummary == nil {
		return "", fmt.Errorf("create policy %s: empty answer", p.Name)
	}
	return aws.ToString(out.Policy.PolicySummary.Id), nil
}

func (o *org) UpdatePolicy(ctx context.Context, id, content string) error {
	if _, err := o.c.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(id), Content: aws.String(content)}); err != nil {
		return errorf(err, "update policy %s", id)
	}
	return nil
}

func (o *org) DeletePolicy(ctx context.Context, id string) error {
	if _, err := o.c.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(id)}); err != nil {
		return errorf(err, "delete policy %s", id)
	}
	return nil
}

func (o *org) PolicyTargets(ctx context.Context, id string) ([]string, error) {
	var out []string
	pg := organizations.NewListTargetsForPolicyPaginator(o.c, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id), MaxResults: aws.Int32(o.limit)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list targets for policy %s", id)
		}
		for _, t := range page.Targets {
			out = append(out, aws.ToString(t.TargetId))
		}
	}
	return out, nil
}

func (o *org) AttachPolicy(ctx context.Context, id, target string) error {
	if _, err := o.c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(target)}); err != nil {
		return errorf(err, "attach policy %s to %s", id, target)
	}
	return nil
}

func (o *org) DetachPolicy(ctx context.Context, id, target string) error {
	if _, err := o.c.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(target)}); err != nil {
		return errorf(err, "detach policy %s from %s", id, target)
	}
	return nil
}

// Assume implements cloud.Org with sts:AssumeRole. The credentials live in the
// SDK's credential cache, which renews them before they expire, so a long run
// over many accounts never uses a stale session.
func (o *org) Assume(ctx context.Context, accountID, roleName string) (cloud.Account, error) {
	roleARN := fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(o.a.cfg.Region), accountID, roleName)
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(o.a.cfg), roleARN, func(opt *stscreds.AssumeRoleOptions) {
		opt.RoleSessionName = "rootwatch"
	})
	creds := aws.NewCredentialsCache(provider)
	if _, err := creds.Retrieve(ctx); err != nil {
		return nil, errorf(err, "assume role %s", roleARN)
	}
	cfg := o.a.cfg.Copy()
	cfg.Credentials = creds
	return &Account{cfg: cfg, custom: o.a.custom, pageSize: o.a.pageSize, clients: map[string]*regional{}}, nil
}
