package cfn_test

import (
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/status"
)

// TestStackForwarderBoundary (fake): the home template's forwarder role is
// bounded by the account's rootwatch-forwarder-boundary when the stack is
// told the administrator created it (ForwarderBoundary=true), as an API
// deploy bounds it then; by default it is not, and the stack does not fail
// for want of the policy.
func TestStackForwarderBoundary(t *testing.T) {
	e, err := cfn.Render(cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		param string // "" leaves the default
		want  func(account string) string
	}{
		{"", func(string) string { return "" }},
		{"true", func(account string) string { return deploy.BoundaryARN("aws", account) }},
	} {
		a := fakeWithTrail(t)
		params := map[string]string{}
		if tc.param != "" {
			if _, err := a.CreateManagedPolicy(deploy.BoundaryPolicyName, deploy.BoundaryPolicy()); err != nil {
				t.Fatal(err)
			}
			params[cfn.ParamBoundary] = tc.param
		}
		st := e.Manifest.Stacks[0]
		if _, err := a.Stacks("us-east-1").CreateStack(t.Context(), cloud.StackInput{Name: st.Name, Template: string(e.Home.JSON()), Parameters: params, Capabilities: st.Capabilities, Tags: st.Tags}); err != nil {
			t.Fatal(err)
		}
		s, err := a.Stacks("us-east-1").Stack(t.Context(), st.Name)
		if err != nil || s.Status != "CREATE_COMPLETE" {
			ev, _ := a.Stacks("us-east-1").Events(t.Context(), st.Name)
			t.Fatalf("ForwarderBoundary=%q: stack %+v, %v; events %+v", tc.param, s, err, ev)
		}
		r, err := a.Roles().Role(t.Context(), chain.ForwarderRoleName)
		if err != nil {
			t.Fatal(err)
		}
		if want := tc.want(a.ID()); r.PermissionsBoundary != want {
			t.Errorf("ForwarderBoundary=%q: role boundary %q, want %q", tc.param, r.PermissionsBoundary, want)
		}
	}
}

// TestDeployViaCloudFormationBounded (fake): deploy --via cloudformation
// bounds the forwarder role by the account's boundary when an administrator
// created it, as an API deploy does; status then finds nothing to say about
// the role's permissions.
func TestDeployViaCloudFormationBounded(t *testing.T) {
	ctx := t.Context()
	a := fakeWithTrail(t)
	if _, err := a.CreateManagedPolicy(deploy.BoundaryPolicyName, deploy.BoundaryPolicy()); err != nil {
		t.Fatal(err)
	}
	o := chain.Options{HomeRegion: "us-east-1", Regions: []string{"eu-west-1"}, Version: "v-test"}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p, err := deploy.PrepareStacks(ctx, a, a, o, now)
	if err != nil {
		t.Fatal(err)
	}
	p.Poll = time.Millisecond
	if err := p.Apply(ctx, now); err != nil {
		t.Fatal(err)
	}
	r, err := a.Roles().Role(ctx, chain.ForwarderRoleName)
	if err != nil {
		t.Fatal(err)
	}
	if want := deploy.BoundaryARN("aws", a.ID()); r.PermissionsBoundary != want {
		t.Errorf("stack-deployed forwarder boundary %q, want %q", r.PermissionsBoundary, want)
	}
	spec, err := chain.Desired(cloud.Identity{Account: a.ID(), Partition: "aws"}, []string{"eu-west-1", "us-east-1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range status.Check(ctx, a, spec, time.Now()).Checks {
		if c.Check == "role-permissions" && c.Status != status.OK {
			t.Errorf("role-permissions: %s %s", c.Status, c.Detail)
		}
	}
}
