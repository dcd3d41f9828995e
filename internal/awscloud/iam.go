package awscloud

import (
	"context"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type roles struct{ c *iam.Client }

// policyDoc decodes a policy document as IAM returns it (URL-encoded).
func policyDoc(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

func (s *roles) Role(ctx context.Context, name string) (cloud.Role, error) {
	out, err := s.c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return cloud.Role{}, errorf(err, "get role %s", name)
	}
	r := out.Role
	role := cloud.Role{
		Name:        aws.ToString(r.RoleName),
		ARN:         aws.ToString(r.Arn),
		Trust:       policyDoc(aws.ToString(r.AssumeRolePolicyDocument)),
		Description: aws.ToString(r.Description),
	}
	if b := r.PermissionsBoundary; b != nil {
		role.PermissionsBoundary = aws.ToString(b.PermissionsBoundaryArn)
	}
	tags, err := s.c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	if err != nil {
		return cloud.Role{}, errorf(err, "list tags of role %s", name)
	}
	for _, t := range tags.Tags {
		if role.Tags == nil {
			role.Tags = cloud.Tags{}
		}
		role.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return role, nil
}

func (s *roles) CreateRole(ctx context.Context, r cloud.Role) (string, error) {
	in := &iam.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: aws.String(r.Trust)}
	if r.Description != "" {
		in.Description = aws.String(r.Description)
	}
	if r.PermissionsBoundary != "" {
		in.PermissionsBoundary = aws.String(r.PermissionsBoundary)
	}
	for k, v := range r.Tags {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := s.c.CreateRole(ctx, in)
	if err != nil {
		return "", errorf(err, "create role %s", r.Name)
	}
	return aws.ToString(out.Role.Arn), nil
}

func (s *roles) UpdateTrust(ctx context.Context, name, trust string) error {
	_, err := s.c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(trust)})
	if err != nil {
		return errorf(err, "update assume-role policy of role %s", name)
	}
	return nil
}

func (s *roles) RolePolicy(ctx context.Context, role, name string) (string, error) {
	out, err := s.c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	if err != nil {
		return "", errorf(err, "get policy %s of role %s", name, role)
	}
	return policyDoc(aws.ToString(out.PolicyDocument)), nil
}

func (s *roles) PutRolePolicy(ctx context.Context, role, name, policy string) error {
	_, err := s.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(policy)})
	if err != nil {
		return errorf(err, "put policy %s of role %s", name, role)
	}
	return nil
}

func (s *roles) DeleteRolePolicy(ctx context.Context, role, name string) error {
	_, err := s.c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	if err != nil {
		return errorf(err, "delete policy %s of role %s", name, role)
	}
	return nil
}

func (s *roles) DeleteRole(ctx context.Context, name string) error {
	if _, err := s.c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil {
		return errorf(err, "delete role %s", name)
	}
	return nil
}

// ManagedPolicy reads a managed policy's default version (GetPolicy, then
// GetPolicyVersion).
func (s *roles) ManagedPolicy(ctx context.Context, arn string) (string, error) {
	p, err := s.c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return "", errorf(err, "get policy %s", arn)
	}
	v, err := s.c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		return "", errorf(err, "get version %s of policy %s", aws.ToString(p.Policy.DefaultVersionId), arn)
	}
	return policyDoc(aws.ToString(v.PolicyVersion.Document)), nil
}
