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

// TestJudgeChannelRolePermissions: the channel role is judged as the
// forwarder's is, for events:InvokeApiDestination on the channels' API
// destinations; a Deny names the statement, the policy and each destination
// it cuts off, once.
func TestJudgeChannelRolePermissions(t *testing.T) {
	s, err := Desired(cloud.Identity{Account: "123456789012", Partition: "aws"}, []string{"us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	slack := "arn:aws:events:us-east-1:123456789012:api-destination/rootwatch-channel-slack-0a1b2c/11111111-2222"
	hook := "arn:aws:events:us-east-1:123456789012:api-destination/rootwatch-channel-webhook-3d4e5f/33333333-4444"
	dsts := []string{slack, hook}
	own := map[string]string{ChannelPolicyName: `{"Version":"2012-10-17","Statement":[{"Sid":"InvokeChannels","Effect":"Allow","Action":"events:InvokeApiDestination","Resource":["arn:aws:events:us-east-1:123456789012:api-destination/rootwatch-channel-slack-0a1b2c/*","arn:aws:events:us-east-1:123456789012:api-destination/rootwatch-channel-webhook-3d4e5f/*"]}]}`}
	const denyAll = `{"Version":"2012-10-17","Statement":[{"Sid":"Mute","Effect":"Deny","Action":"events:Invoke*","Resource":"*"}]}`
	const denySlack = `{"Version":"2012-10-17","Statement":[{"Sid":"MuteSlack","Effect":"Deny","Action":"events:InvokeApiDestination","Resource":"arn:aws:events:*:*:api-destination/rootwatch-channel-slack-*"}]}`
	const putEventsDeny = `{"Version":"2012-10-17","Statement":[{"Sid":"Quiet","Effect":"Deny","Action":"events:PutEvents","Resource":"*"}]}`
	other := "arn:aws:iam::123456789012:policy/narrow"
	with := func(name, doc string) map[string]string {
		return map[string]string{ChannelPolicyName: own[ChannelPolicyName], name: doc}
	}
	for _, tc := range []struct {
		name   string
		rp     RolePermissions
		status Status
		detail string
	}{
		{"only rootwatch's", RolePermissions{Inline: own}, OK, "role " + ChannelRoleName + " has only rootwatch's policy"},
		{"bounded by rootwatch's", RolePermissions{Inline: own, Boundary: s.Role.Boundary.ARN, BoundaryDoc: AccountBoundary(), OwnBoundary: true}, OK, "bounded by " + BoundaryPolicyName},
		{"inline deny of every channel", RolePermissions{Inline: with("mute", denyAll)}, Fail, "statement Mute of inline policy mute denies events:InvokeApiDestination on " + slack + ", " + hook + ": its channels get no alert"},
		{"managed deny of one channel", RolePermissions{Inline: own, Managed: map[string]string{other: denySlack}}, Fail, "statement MuteSlack of managed policy " + other + " denies events:InvokeApiDestination on " + slack + ":"},
		{"a deny of the forwarder's call only", RolePermissions{Inline: with("quiet", putEventsDeny)}, Warn, "it also has inline policy quiet"},
		{"boundary without InvokeApiDestination", RolePermissions{Inline: own, Boundary: other, BoundaryDoc: putEventsDeny}, Fail, "permissions boundary " + other + " does not allow events:InvokeApiDestination on " + slack + ", " + hook},
		{"the forwarder's member boundary", RolePermissions{Inline: own, Boundary: s.Role.Boundary.ARN, BoundaryDoc: MemberBoundary(s.Bus.ARN), OwnBoundary: true}, Fail, "does not allow events:InvokeApiDestination"},
		{"unbounded though the boundary exists", RolePermissions{Inline: own, OwnBoundary: true}, Warn, "has no permissions boundary"},
	} {
		v := JudgeChannelRolePermissions(s, tc.rp, dsts)
		if v.Status != tc.status || !strings.Contains(v.Detail, tc.detail) {
			t.Errorf("%s: %s %q, want %s containing %q", tc.name, v.Status, v.Detail, tc.status, tc.detail)
		}
		if strings.Count(v.Detail, "statement ") > 1 {
			t.Errorf("%s: one statement named more than once: %q", tc.name, v.Detail)
		}
	}
}
