package awscloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// What deploy needs to repair what an actor changed on resources rootwatch
// owns (issue 9 cases 3 and 5), and the test helpers that make those
// changes on an emulator.

// emptyFilterPolicy is the value SetSubscriptionAttributes takes to remove a
// filter policy, as SNS documents it.
const emptyFilterPolicy = "{}"

// filterPolicy returns a subscription's FilterPolicy attribute as the cloud
// package models it: "" when it filters nothing (absent, or the empty object
// an endpoint may report after a removal).
func filterPolicy(attr string) string {
	var m map[string]any
	if attr == "" || json.Unmarshal([]byte(attr), &m) == nil && len(m) == 0 {
		return ""
	}
	return attr
}

func (s *topics) RemoveFilterPolicy(ctx context.Context, subscriptionARN string) error {
	_, err := s.c.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{
		SubscriptionArn: aws.String(subscriptionARN), AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(emptyFilterPolicy)})
	if err != nil {
		return errorf(err, "remove filter policy of %s in %s", subscriptionARN, s.region)
	}
	return nil
}

func (s *roles) RolePolicyNames(ctx context.Context, role string) ([]string, error) {
	var names []string
	p := iam.NewListRolePoliciesPaginator(s.c, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list inline policies of role %s", role)
		}
		names = append(names, out.PolicyNames...)
	}
	slices.Sort(names)
	return names, nil
}

func (s *roles) RoleManagedPolicies(ctx context.Context, role string) ([]string, error) {
	var arns []string
	p := iam.NewListAttachedRolePoliciesPaginator(s.c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, errorf(err, "list attached policies of role %s", role)
		}
		for _, ap := range out.AttachedPolicies {
			arns = append(arns, aws.ToString(ap.PolicyArn))
		}
	}
	slices.Sort(arns)
	return arns, nil
}

func (s *roles) DetachRolePolicy(ctx context.Context, role, policyARN string) error {
	if _, err := s.c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)}); err != nil {
		return errorf(err, "detach policy %s from role %s", policyARN, role)
	}
	return nil
}

func (s *roles) PutRoleBoundary(ctx context.Context, role, policyARN string) error {
	if _, err := s.c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String(role), PermissionsBoundary: aws.String(policyARN)}); err != nil {
		return errorf(err, "put permissions boundary %s on role %s", policyARN, role)
	}
	return nil
}

// SetFilterPolicy sets a subscription's filter policy. It is not part of
// cloud.Account (rootwatch only removes filter policies); tests use it to
// make the change an actor would (cloudtest.Tamperer).
func (a *Account) SetFilterPolicy(subscriptionARN, policy string) error {
	region, err := arnRegion(subscriptionARN)
	if err != nil {
		return fmt.Errorf("set filter policy of %s: %w", subscriptionARN, err)
	}
	c := a.in(region).sns
	if _, err := c.SetSubscriptionAttributes(context.Background(), &sns.SetSubscriptionAttributesInput{
		SubscriptionArn: aws.String(subscriptionARN), AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(policy)}); err != nil {
		return errorf(err, "set filter policy of %s", subscriptionARN)
	}
	return nil
}

// CreateManagedPolicy creates a customer managed policy and returns its ARN;
// AttachRolePolicy attaches one to a role. Neither is part of cloud.Account
// (rootwatch never creates or attaches policies); tests use them to make the
// changes an administrator or an actor would (cloudtest.Tamperer).
func (a *Account) CreateManagedPolicy(name, document string) (string, error) {
	out, err := a.Roles().(*roles).c.CreatePolicy(context.Background(), &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(document)})
	if err != nil {
		return "", errorf(err, "create policy %s", name)
	}
	return aws.ToString(out.Policy.Arn), nil
}

// DeleteManagedPolicy deletes a customer managed policy with one version
// (for tests: see CreateManagedPolicy).
func (a *Account) DeleteManagedPolicy(policyARN string) error {
	if _, err := a.Roles().(*roles).c.DeletePolicy(context.Background(), &iam.DeletePolicyInput{PolicyArn: aws.String(policyARN)}); err != nil {
		return errorf(err, "delete policy %s", policyARN)
	}
	return nil
}

func (a *Account) AttachRolePolicy(role, policyARN string) error {
	if _, err := a.Roles().(*roles).c.AttachRolePolicy(context.Background(), &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)}); err != nil {
		return errorf(err, "attach policy %s to role %s", policyARN, role)
	}
	return nil
}

// arnRegion is the region field of an ARN.
func arnRegion(arn string) (string, error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" || f[3] == "" {
		return "", errors.New("not a regional ARN")
	}
	return f[3], nil
}
