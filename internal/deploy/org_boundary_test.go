package deploy

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// TestDeployOrgMemberBoundary (fake): with the boundaries an administrator
// created (the member variant in the member, naming the central bus; the
// account's own in the central account), deploy --org bounds each
// forwarder role by the boundary of its own account. The bounded member
// forwarder still forwards to the central bus, and its boundary refuses
// events:PutEvents anywhere else, even once its inline policy allows
// everything. A member holding the single-account boundary is refused
// before anything changes there, with the command that prints the right
// one.
func TestDeployOrgMemberBoundary(t *testing.T) {
	w := fakeOrg(t)
	ctx := t.Context()
	centralBus := "arn:aws:events:us-east-1:" + w.central + ":event-bus/" + chain.BusName
	m, c := w.fake.Account(fakeMember), w.fake.Account(w.central)
	if _, err := m.CreateManagedPolicy(BoundaryPolicyName, MemberBoundaryPolicy(centralBus)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy()); err != nil {
		t.Fatal(err)
	}
	deployOrg(t, w.mgmt, orgOpts(w.central, "sec@example.com"))
	for _, acct := range []string{fakeMember, w.central} {
		r, err := w.fake.Account(acct).Roles().Role(ctx, chain.ForwarderRoleName)
		if err != nil {
			t.Fatal(err)
		}
		if want := BoundaryARN("aws", acct); r.PermissionsBoundary != want {
			t.Errorf("account %s: forwarder boundary %q, want %q (its own account's)", acct, r.PermissionsBoundary, want)
		}
	}
	if _, err := c.ConfirmSubscription("arn:aws:sns:us-east-1:"+w.central+":"+chain.TopicName, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	pos, _ := rules.Fixtures(rules.All()[0].ID)
	ev := strings.ReplaceAll(string(pos[0].Event), `"123456789012"`, `"`+fakeMember+`"`)
	ev = strings.ReplaceAll(ev, `:123456789012:`, `:`+fakeMember+`:`)
	if err := m.Emit("eu-west-1", ev); err != nil {
		t.Fatal(err)
	}
	if f := m.Failures(); len(f) != 0 {
		t.Fatalf("the bounded member forwarder failed: %v", f)
	}
	if n := len(c.Emails()); n != 1 {
		t.Fatalf("central e-mails = %d, want 1", n)
	}

	// Re-pointed at another bus (its own account's), with an inline policy
	// that allows every PutEvents: the boundary still refuses.
	if _, err := m.Events("us-east-1").CreateBus(ctx, chain.BusName, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Roles().PutRolePolicy(ctx, chain.ForwarderRoleName, chain.ForwarderPolicyName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	fwd := m.Events("eu-west-1")
	ts, err := fwd.Targets(ctx, "", chain.ForwardRuleName)
	if err != nil || len(ts) != 1 {
		t.Fatalf("member forwarding targets %v: %v", ts, err)
	}
	ts[0].ARN = "arn:aws:events:us-east-1:" + fakeMember + ":event-bus/" + chain.BusName
	if err := fwd.PutTargets(ctx, "", chain.ForwardRuleName, ts); err != nil {
		t.Fatal(err)
	}
	if err := m.Emit("eu-west-1", ev); err != nil {
		t.Fatal(err)
	}
	if f := m.Failures(); len(f) != 1 || !strings.Contains(f[0].Err.Error(), "permissions boundary") {
		t.Errorf("PutEvents on another bus through the bounded member forwarder: failures %v, want the boundary's refusal", f)
	}

	// The single-account boundary in a member: refused, nothing changed there.
	o := w.fake.Account(fakeOptIn)
	if _, err := o.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy()); err != nil {
		t.Fatal(err)
	}
	p, err := PrepareOrg(ctx, w.mgmt, orgOpts(w.central))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Accounts {
		if a.Account.ID != fakeOptIn {
			continue
		}
		if a.Err == nil || !strings.Contains(a.Err.Error(), "is not rootwatch's") || !strings.Contains(a.Err.Error(), "--central-bus "+centralBus) {
			t.Errorf("member with the single-account boundary: err = %v, want the refusal naming --central-bus %s", a.Err, centralBus)
		}
	}
	// Its role, deployed before the boundary existed, is left unbounded.
	if r, err := o.Roles().Role(ctx, chain.ForwarderRoleName); err != nil || r.PermissionsBoundary != "" {
		t.Errorf("opt-in member's role: boundary %q (%v), want it untouched", r.PermissionsBoundary, err)
	}
}
