package chain

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// TestMemberBoundary: an organization member's forwarder boundary allows
// events:PutEvents on exactly the central bus, and nothing else.
func TestMemberBoundary(t *testing.T) {
	central := "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch"
	p, err := policy.Read(MemberBoundary(central))
	if err != nil {
		t.Fatal(err)
	}
	allows := func(action, res string) bool {
		for _, st := range p.Statement {
			if st.IsAllow() && st.Covers(action) && st.On(res) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		action, resource string
		want             bool
	}{
		{"events:PutEvents", central, true},
		{"events:PutEvents", "arn:aws:events:eu-west-1:111111111111:event-bus/rootwatch", false},
		{"events:PutEvents", "arn:aws:events:us-east-1:222222222222:event-bus/rootwatch", false},
		{"events:PutEvents", "arn:aws:events:us-east-1:111111111111:event-bus/default", false},
		{"events:InvokeApiDestination", "arn:aws:events:us-east-1:222222222222:api-destination/rootwatch-channel-slack", false},
		{"iam:PutRolePolicy", "arn:aws:iam::222222222222:role/rootwatch-forwarder", false},
	} {
		if got := allows(tc.action, tc.resource); got != tc.want {
			t.Errorf("%s on %s: allowed = %v, want %v", tc.action, tc.resource, got, tc.want)
		}
	}
	// The member spec carries it, in the member's own account.
	id := cloud.Identity{Account: "123456789012", Partition: "aws"}
	cs, err := Desired(cloud.Identity{Account: "111111111111", Partition: "aws"}, []string{"us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := MemberSpec(cs, id, []string{"us-east-1"}, nil)
	if ms.Role.Boundary.ARN != "arn:aws:iam::123456789012:policy/"+BoundaryPolicyName || !policy.Same(ms.Role.Boundary.Policy, MemberBoundary(cs.Bus.ARN)) {
		t.Errorf("member boundary = %+v", ms.Role.Boundary)
	}
	if self, _ := MemberSpec(cs, cloud.Identity{Account: "111111111111", Partition: "aws"}, []string{"us-east-1"}, nil); self.Role.Boundary != cs.Role.Boundary {
		t.Errorf("central account's forwarder boundary = %+v, want its own chain's %+v", self.Role.Boundary, cs.Role.Boundary)
	}
}

func TestJudgeRolePermissions(t *testing.T) {
	s, err := Desired(cloud.Identity{Account: "123456789012", Partition: "aws"}, []string{"us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]string{s.Role.PolicyName: s.Role.Policy}
	const deny = `{"Version":"2012-10-17","Statement":[{"Sid":"Quiet","Effect":"Deny","Action":"events:*","Resource":"*"}]}`
	const condDeny = `{"Version":"2012-10-17","Statement":[{"Sid":"Maybe","Effect":"Deny","Action":"events:PutEvents","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	const readOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range own {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	other := "arn:aws:iam::123456789012:policy/narrow"
	for _, tc := range []struct {
		name   string
		rp     RolePermissions
		status Status
		detail string
	}{
		{"only rootwatch's", RolePermissions{Inline: own}, OK, "has only rootwatch's policy"},
		{"bounded by rootwatch's", RolePermissions{Inline: own, Boundary: s.Role.Boundary.ARN, BoundaryDoc: AccountBoundary(), OwnBoundary: true}, OK, "bounded by " + BoundaryPolicyName},
		{"inline deny", RolePermissions{Inline: with(map[string]string{"quiet": deny})}, Fail, "statement Quiet of inline policy quiet denies events:PutEvents on " + s.Bus.ARN},
		{"managed deny", RolePermissions{Inline: own, Managed: map[string]string{other: deny}}, Fail, "statement Quiet of managed policy " + other + " denies"},
		{"conditional deny", RolePermissions{Inline: with(map[string]string{"maybe": condDeny})}, Warn, "under conditions status does not evaluate"},
		{"foreign allow", RolePermissions{Inline: with(map[string]string{"extra": readOnly})}, Warn, "it also has inline policy extra, which rootwatch did not put there"},
		{"unreadable managed", RolePermissions{Inline: own, Managed: map[string]string{other: ""}}, Warn, "managed policy " + other},
		{"boundary without PutEvents", RolePermissions{Inline: own, Boundary: other, BoundaryDoc: readOnly}, Fail, "permissions boundary " + other + " does not allow events:PutEvents"},
		{"foreign boundary allowing", RolePermissions{Inline: own, Boundary: other, BoundaryDoc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, Warn, "is not rootwatch's"},
		{"rootwatch's boundary denying", RolePermissions{Inline: own, Boundary: s.Role.Boundary.ARN, BoundaryDoc: deny}, Fail, "denies events:PutEvents"},
		{"unbounded though the boundary exists", RolePermissions{Inline: own, OwnBoundary: true}, Warn, "has no permissions boundary"},
	} {
		v := JudgeRolePermissions(s, tc.rp)
		if v.Status != tc.status || !strings.Contains(v.Detail, tc.detail) {
			t.Errorf("%s: %s %q, want %s containing %q", tc.name, v.Status, v.Detail, tc.status, tc.detail)
		}
		if tc.status != OK && !strings.Contains(v.Fix, "rootwatch deploy") {
			t.Errorf("%s: fix %q does not name deploy", tc.name, v.Fix)
		}
	}
}
