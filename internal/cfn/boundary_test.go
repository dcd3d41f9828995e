package cfn_test

import (
	"testing"

	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
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
