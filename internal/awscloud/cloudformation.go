package awscloud

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

var _ cloud.StackAccount = (*Account)(nil)

func (a *Account) cfn(region string) *cloudformation.Client {
	if c, ok := a.cfnC.Load(region); ok {
		return c.(*cloudformation.Client)
	}
	c, _ := a.cfnC.LoadOrStore(region, cloudformation.NewFromConfig(a.regionCfg(region)))
	return c.(*cloudformation.Client)
}

// Stacks implements cloud.StackAccount with CloudFormation.
func (a *Account) Stacks(region string) cloud.Stacks {
	return &stacks{c: a.cfn(region), region: region}
}

// StackSets implements cloud.StackAccount with CloudFormation StackSets.
func (a *Account) StackSets(region string) cloud.StackSets {
	return &stackSets{c: a.cfn(region), region: region}
}

type stacks struct {
	c      *cloudformation.Client
	region string
}

// cfnErr maps CloudFormation's ways of saying "does not exist", which it
// reports as a ValidationError in words.
func cfnErr(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorMessage()
		switch {
		case api.ErrorCode() == "ValidationError" && strings.Contains(msg, "does not exist"),
			api.ErrorCode() == "StackSetNotFoundException", api.ErrorCode() == "ChangeSetNotFound",
			api.ErrorCode() == "OperationNotFoundException":
			return &kindError{err: err, kind: cloud.ErrNotFound}
		case api.ErrorCode() == "NameAlreadyExistsException":
			return &kindError{err: err, kind: cloud.ErrAlreadyExists}
		}
	}
	return mapErr(err)
}

func cfnErrorf(err error, format string, args ...any) error {
	return errorf(cfnErr(err), format, args...)
}

func params(m map[string]string) []cftypes.Parameter {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []cftypes.Parameter
	for _, k := range keys {
		out = append(out, cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(m[k])})
	}
	return out
}

func cfnTags(t cloud.Tags) []cftypes.Tag {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []cftypes.Tag
	for _, k := range keys {
		out = append(out, cftypes.Tag{Key: aws.String(k), Value: aws.String(t[k])})
	}
	return out
}

func capabilities(cs []string) []cftypes.Capability {
	var out []cftypes.Capability
	for _, c := range cs {
		out = append(out, cftypes.Capability(c))
	}
	return out
}

func (s *stacks) Stack(ctx context.Context, name string) (cloud.Stack, error) {
	out, err := s.c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return cloud.Stack{}, cfnErrorf(err, "describe stack %s in %s", name, s.region)
	}
	for _, st := range out.Stacks {
		if st.StackStatus == cftypes.StackStatusDeleteComplete {
			continue
		}
		r := cloud.Stack{
			Name: aws.ToString(st.StackName), ID: aws.ToString(st.StackId),
			Status: string(st.StackStatus), StatusReason: aws.ToString(st.StackStatusReason),
			Parameters: map[string]string{}, Outputs: map[string]string{}, Tags: cloud.Tags{},
		}
		for _, p := range st.Parameters {
			r.Parameters[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
		for _, o := range st.Outputs {
			r.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
		}
		for _, t := range st.Tags {
			r.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return r, nil
	}
	return cloud.Stack{}, errorf(cloud.ErrNotFound, "describe stack %s in %s", name, s.region)
}

func (s *stacks) CreateStack(ctx context.Context, in cloud.StackInput) (string, error) {
	out, err := s.c.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String(in.Name),
		TemplateBody: aws.String(in.Template),
		Parameters:   params(in.Parameters),
		Capabilities: capabilities(in.Capabilities),
		Tags:         cfnTags(in.Tags),
	})
	if err != nil {
		return "", cfnErrorf(err, "create stack %s in %s", in.Name, s.region)
	}
	return aws.ToString(out.StackId), nil
}

func (s *stacks) DeleteStack(ctx context.Context, name string) error {
	if _, err := s.c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		if errors.Is(cfnErr(err), cloud.ErrNotFound) {
			return nil
		}
		return cfnErrorf(err, "delete stack %s in %s", name, s.region)
	}
	return nil
}

func (s *stacks) Events(ctx context.Context, name string) ([]cloud.StackEvent, error) {
	var out []cloud.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(s.c, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, cfnErrorf(err, "describe events of stack %s in %s", name, s.region)
		}
		for _, e := range page.StackEvents {
			out = append(out, cloud.StackEvent{
				Time: aws.ToTime(e.Timestamp), LogicalID: aws.ToString(e.LogicalResourceId), PhysicalID: aws.ToString(e.PhysicalResourceId),
				Type: aws.ToString(e.ResourceType), Status: string(e.ResourceStatus), StatusReason: aws.ToString(e.ResourceStatusReason),
			})
		}
	}
	return out, nil
}

func (s *stacks) Resources(ctx context.Context, name string) ([]cloud.StackResource, error) {
	var out []cloud.StackResource
	p := cloudformation.NewListStackResourcesPaginator(s.c, &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, cfnErrorf(err, "list resources of stack %s in %s", name, s.region)
		}
		for _, r := range page.StackResourceSummaries {
			out = append(out, cloud.StackResource{
				LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId),
				Type: aws.ToString(r.ResourceType), Status: string(r.ResourceStatus),
			})
		}
	}
	return out, nil
}

func (s *stacks) CreateChangeSet(ctx context.Context, in cloud.StackInput, changeSet string, create bool) (string, error) {
	typ := cftypes.ChangeSetTypeUpdate
	if create {
		typ = cftypes.ChangeSetTypeCreate
	}
	out, err := s.c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(in.Name),
		ChangeSetName: aws.String(changeSet),
		ChangeSetType: typ,
		TemplateBody:  aws.String(in.Template),
		Parameters:    params(in.Parameters),
		Capabilities:  capabilities(in.Capabilities),
		Tags:          cfnTags(in.Tags),
	})
	if err != nil {
		return "", cfnErrorf(err, "create change set %s of stack %s in %s", changeSet, in.Name, s.region)
	}
	return aws.ToString(out.Id), nil
}

func (s *stacks) ChangeSet(ctx context.Context, stack, changeSet string) (cloud.ChangeSet, error) {
	in := &cloudformation.DescribeChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(changeSet)}
	var cs cloud.ChangeSet
	for {
		out, err := s.c.DescribeChangeSet(ctx, in)
		if err != nil {
			return cloud.ChangeSet{}, cfnErrorf(err, "describe change set %s of stack %s in %s", changeSet, stack, s.region)
		}
		cs.Name, cs.ID = aws.ToString(out.ChangeSetName), aws.ToString(out.ChangeSetId)
		cs.Status, cs.StatusReason = string(out.Status), aws.ToString(out.StatusReason)
		for _, c := range out.Changes {
			if rc := c.ResourceChange; rc != nil {
				cs.Changes = append(cs.Changes, cloud.ResourceChange{
					Action: string(rc.Action), LogicalID: aws.ToString(rc.LogicalResourceId), PhysicalID: aws.ToString(rc.PhysicalResourceId),
					Type: aws.ToString(rc.ResourceType), Replacement: string(rc.Replacement),
				})
			}
		}
		if out.NextToken == nil {
			return cs, nil
		}
		in.NextToken = out.NextToken
	}
}

func (s *stacks) ExecuteChangeSet(ctx context.Context, stack, changeSet string) error {
	if _, err := s.c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(changeSet)}); err != nil {
		return cfnErrorf(err, "execute change set %s of stack %s in %s", changeSet, stack, s.region)
	}
	return nil
}

func (s *stacks) DeleteChangeSet(ctx context.Context, stack, changeSet string) error {
	if _, err := s.c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(changeSet)}); err != nil {
		return cfnErrorf(err, "delete change set %s of stack %s in %s", changeSet, stack, s.region)
	}
	return nil
}

type stackSets struct {
	c      *cloudformation.Client
	region string
}

func (s *stackSets) CreateStackSet(ctx context.Context, in cloud.StackSetInput) (string, error) {
	ci := &cloudformation.CreateStackSetInput{
		StackSetName:    aws.String(in.Name),
		TemplateBody:    aws.String(in.Template),
		Parameters:      params(in.Parameters),
		Capabilities:    capabilities(in.Capabilities),
		Tags:            cfnTags(in.Tags),
		PermissionModel: cftypes.PermissionModelsSelfManaged,
	}
	if in.ServiceManaged {
		ci.PermissionModel = cftypes.PermissionModelsServiceManaged
		ci.AutoDeployment = &cftypes.AutoDeployment{Enabled: aws.Bool(in.AutoDeploy), RetainStacksOnAccountRemoval: aws.Bool(false)}
	}
	out, err := s.c.CreateStackSet(ctx, ci)
	if err != nil {
		return "", cfnErrorf(err, "create StackSet %s in %s", in.Name, s.region)
	}
	return aws.ToString(out.StackSetId), nil
}

// targets are OUs (service-managed) in DeploymentTargets, or accounts
// (self-managed) in the Accounts parameter, which moto reads (AWS takes either).
func targets(accounts, ous []string) ([]string, *cftypes.DeploymentTargets) {
	if len(ous) > 0 {
		return nil, &cftypes.DeploymentTargets{OrganizationalUnitIds: ous}
	}
	return accounts, nil
}

func (s *stackSets) AddInstances(ctx context.Context, stackSet string, accounts, ous, regions []string) (string, error) {
	accts, dt := targets(accounts, ous)
	out, err := s.c.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String(stackSet), Accounts: accts, DeploymentTargets: dt, Regions: regions,
	})
	if err != nil {
		return "", cfnErrorf(err, "create instances of StackSet %s in %s", stackSet, s.region)
	}
	return aws.ToString(out.OperationId), nil
}

func (s *stackSets) Operation(ctx context.Context, stackSet, op string) (string, string, error) {
	out, err := s.c.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(stackSet), OperationId: aws.String(op)})
	if err != nil {
		return "", "", cfnErrorf(err, "describe operation %s of StackSet %s in %s", op, stackSet, s.region)
	}
	if out.StackSetOperation == nil {
		return "", "", errorf(cloud.ErrNotFound, "describe operation %s of StackSet %s in %s", op, stackSet, s.region)
	}
	return string(out.StackSetOperation.Status), aws.ToString(out.StackSetOperation.StatusReason), nil
}

func (s *stackSets) Instances(ctx context.Context, stackSet string) ([]cloud.StackInstance, error) {
	var out []cloud.StackInstance
	p := cloudformation.NewListStackInstancesPaginator(s.c, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(stackSet)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, cfnErrorf(err, "list instances of StackSet %s in %s", stackSet, s.region)
		}
		for _, i := range page.Summaries {
			out = append(out, cloud.StackInstance{
				Account: aws.ToString(i.Account), Region: aws.ToString(i.Region), OU: aws.ToString(i.OrganizationalUnitId),
				Status: string(i.Status), StatusReason: aws.ToString(i.StatusReason), StackID: aws.ToString(i.StackId),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Region < out[j].Region
	})
	return out, nil
}

func (s *stackSets) RemoveInstances(ctx context.Context, stackSet string, accounts, ous, regions []string) (string, error) {
	accts, dt := targets(accounts, ous)
	out, err := s.c.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
		StackSetName: aws.String(stackSet), Accounts: accts, DeploymentTargets: dt, Regions: regions, RetainStacks: aws.Bool(false),
	})
	if err != nil {
		return "", cfnErrorf(err, "delete instances of StackSet %s in %s", stackSet, s.region)
	}
	return aws.ToString(out.OperationId), nil
}

func (s *stackSets) DeleteStackSet(ctx context.Context, stackSet string) error {
	if _, err := s.c.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String(stackSet)}); err != nil {
		return cfnErrorf(err, "delete StackSet %s in %s", stackSet, s.region)
	}
	return nil
}
