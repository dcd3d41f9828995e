package cloudtest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// OrgWorld is an organization for RunOrg: the management account, through
// which the suite reaches the others, and at least two member accounts, each
// with cloud.DefaultAccessRole trusting the management account (as
// Organizations' CreateAccount leaves them).
type OrgWorld struct {
	Management cloud.Account
	Members    []string
}

// GapAssumeAnyRole: AssumeRole succeeds whatever the role and its trust say
// (moto checks neither).
const GapAssumeAnyRole = "assume-any-role"

// GapBusPolicyNotEnforced: a bus policy is stored but any account may put
// events on the bus (moto).
const GapBusPolicyNotEnforced = "bus-policy-not-enforced"

// GapPolicyAttachIdempotent: attaching an attached SCP again, or detaching
// one that is not attached, succeeds (moto).
const GapPolicyAttachIdempotent = "policy-attach-idempotent"

// GapMembersManage: a member account may use the management account's
// Organizations APIs (moto).
const GapMembersManage = "members-manage"

// RunOrg runs the conformance suite of the multi-account operations:
// Organizations, AssumeRole, bus policies and delivery to another account's
// bus. open returns a fresh organization for each subtest.
func RunOrg(t *testing.T, open func(t *testing.T) OrgWorld, gaps Gaps) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, w OrgWorld, gaps Gaps)
	}{
		{"Describe", testOrgDescribe},
		{"Accounts", testOrgAccounts},
		{"Units", testOrgUnits},
		{"Policies", testOrgPolicies},
		{"Assume", testOrgAssume},
		{"BusPolicy", testBusPolicy},
		{"CrossAccountDelivery", testCrossAccountDelivery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := open(t)
			if len(w.Members) < 2 {
				t.Fatalf("the organization has %d member accounts; the suite needs 2", len(w.Members))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tt.fn(t, ctx, w, gaps)
		})
	}
}

func testOrgDescribe(t *testing.T, ctx context.Context, w OrgWorld, _ Gaps) {
	id, err := w.Management.Identity(ctx)
	check(t, "Identity", err)
	o, err := w.Management.Org().Describe(ctx)
	check(t, "Describe", err)
	if !strings.HasPrefix(o.ID, "o-") || o.ManagementAccount != id.Account || !strings.Contains(o.ARN, o.ID) {
		t.Errorf("Describe = %+v, want an o- ID, in its ARN, managed by %s", o, id.Account)
	}
	member, err := w.Management.Org().Assume(ctx, w.Members[0], cloud.DefaultAccessRole)
	check(t, "Assume", err)
	mo, err := member.Org().Describe(ctx)
	check(t, "Describe from a member", err)
	if mo.ID != o.ID {
		t.Errorf("a member's Describe = %+v, want the organization %s", mo, o.ID)
	}
}

func testOrgAccounts(t *testing.T, ctx context.Context, w OrgWorld, _ Gaps) {
	id, err := w.Management.Identity(ctx)
	check(t, "Identity", err)
	as, err := w.Management.Org().Accounts(ctx)
	check(t, "Accounts", err)
	var ids []string
	for _, a := range as {
		if !accountID.MatchString(a.ID) || a.Status != "ACTIVE" {
			t.Errorf("account %+v: want a 12-digit ID, ACTIVE", a)
		}
		ids = append(ids, a.ID)
	}
	for _, want := range append([]string{id.Account}, w.Members...) {
		if !slices.Contains(ids, want) {
			t.Errorf("Accounts = %v, missing %s", ids, want)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("Accounts lists an account twice: %v", ids)
	}
}

func testOrgUnits(t *testing.T, ctx context.Context, w OrgWorld, _ Gaps) {
	roots, err := w.Management.Org().Roots(ctx)
	check(t, "Roots", err)
	if len(roots) != 1 || !strings.HasPrefix(roots[0].ID, "r-") {
		t.Fatalf("Roots = %+v, want one r-... root", roots)
	}
	_, err = w.Management.Org().Units(ctx, roots[0].ID)
	check(t, "Units of the root", err)
}

const testSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"RwTest","Effect":"Deny","Action":"events:DeleteRule","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/rw-deployer"}}}]}`

func testOrgPolicies(t *testing.T, ctx context.Context, w OrgWorld, gaps Gaps) {
	o := w.Management.Org()
	id, err := o.CreatePolicy(ctx, cloud.OrgPolicy{Name: "rw-test-scp", Description: "rootwatch conformance", Content: testSCP, Tags: cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}})
	check(t, "CreatePolicy", err)
	_, err = o.CreatePolicy(ctx, cloud.OrgPolicy{Name: "rw-test-scp", Content: testSCP})
	wantExists(t, "CreatePolicy of an existing name", err)

	p, err := o.Policy(ctx, id)
	check(t, "Policy", err)
	if p.ID != id || p.Name != "rw-test-scp" || p.Tags[cloud.ManagedTag] != cloud.ManagedValue {
		t.Errorf("Policy = %+v", p)
	}
	sameJSON(t, "the policy's content", p.Content, testSCP)
	ps, err := o.Policies(ctx)
	check(t, "Policies", err)
	if !slices.ContainsFunc(ps, func(x cloud.OrgPolicy) bool { return x.ID == id && x.Name == "rw-test-scp" }) {
		t.Errorf("Policies = %+v, missing %s", ps, id)
	}

	updated := strings.Replace(testSCP, "DeleteRule", "PutRule", 1)
	check(t, "UpdatePolicy", o.UpdatePolicy(ctx, id, updated))
	p, err = o.Policy(ctx, id)
	check(t, "Policy after UpdatePolicy", err)
	sameJSON(t, "the updated content", p.Content, updated)

	target := w.Members[0]
	check(t, "AttachPolicy", o.AttachPolicy(ctx, id, target))
	t.Run("AttachAgain", func(t *testing.T) {
		gaps.skip(t, GapPolicyAttachIdempotent)
		wantExists(t, "AttachPolicy again", o.AttachPolicy(ctx, id, target))
	})
	ts, err := o.PolicyTargets(ctx, id)
	check(t, "PolicyTargets", err)
	if !slices.Contains(ts, target) {
		t.Errorf("PolicyTargets = %v, want %s among them", ts, target)
	}
	check(t, "DetachPolicy", o.DetachPolicy(ctx, id, target))
	t.Run("DetachAgain", func(t *testing.T) {
		gaps.skip(t, GapPolicyAttachIdempotent)
		wantNotFound(t, "DetachPolicy again", o.DetachPolicy(ctx, id, target))
	})
	check(t, "DeletePolicy", o.DeletePolicy(ctx, id))
	_, err = o.Policy(ctx, id)
	wantNotFound(t, "Policy after DeletePolicy", err)
}

func testOrgAssume(t *testing.T, ctx context.Context, w OrgWorld, gaps Gaps) {
	o := w.Management.Org()
	m, err := o.Assume(ctx, w.Members[0], cloud.DefaultAccessRole)
	check(t, "Assume", err)
	id, err := m.Identity(ctx)
	check(t, "Identity of the assumed account", err)
	if id.Account != w.Members[0] || !strings.Contains(id.ARN, ":assumed-role/"+cloud.DefaultAccessRole+"/") {
		t.Errorf("Identity = %+v, want account %s as an assumed %s", id, w.Members[0], cloud.DefaultAccessRole)
	}
	// The accounts are separate: a bus made in one is not in the other.
	_, err = m.Events(Home).CreateBus(ctx, "rw-member-only", nil)
	check(t, "CreateBus in the member", err)
	_, err = w.Management.Events(Home).Bus(ctx, "rw-member-only")
	wantNotFound(t, "the member's bus, asked of the management account", err)
	other, err := o.Assume(ctx, w.Members[1], cloud.DefaultAccessRole)
	check(t, "Assume the second member", err)
	_, err = other.Events(Home).Bus(ctx, "rw-member-only")
	wantNotFound(t, "the first member's bus, asked of the second", err)

	t.Run("RefusesUnknownRole", func(t *testing.T) {
		gaps.skip(t, GapAssumeAnyRole)
		if _, err := o.Assume(ctx, w.Members[0], "rw-no-such-role"); err == nil {
			t.Error("Assume of a role that does not exist succeeded")
		}
	})
	t.Run("MembersCannotManage", func(t *testing.T) {
		gaps.skip(t, GapMembersManage)
		if _, err := m.Org().Accounts(ctx); err == nil {
			t.Error("a member account listed the organization's accounts; only the management account may")
		}
	})
}

func testBusPolicy(t *testing.T, ctx context.Context, w OrgWorld, _ Gaps) {
	ev := w.Management.Events(Home)
	b, err := ev.CreateBus(ctx, "rw-central", nil)
	check(t, "CreateBus", err)
	o, err := w.Management.Org().Describe(ctx)
	check(t, "Describe", err)
	policy := orgBusPolicy(b.ARN, o.ID)
	check(t, "SetBusPolicy", ev.SetBusPolicy(ctx, "rw-central", policy))
	got, err := ev.Bus(ctx, "rw-central")
	check(t, "Bus", err)
	sameJSON(t, "the bus policy", got.Policy, policy)
	check(t, "SetBusPolicy to none", ev.SetBusPolicy(ctx, "rw-central", ""))
	got, err = ev.Bus(ctx, "rw-central")
	check(t, "Bus", err)
	if got.Policy != "" {
		t.Errorf("the policy after removing it = %s, want none", got.Policy)
	}
	wantNotFound(t, "SetBusPolicy on a missing bus", ev.SetBusPolicy(ctx, "rw-missing", policy))
}

// orgBusPolicy lets the organization's rw-forwarder roles put events on bus.
func orgBusPolicy(bus, orgID string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"RwOrgForwarders","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` + bus + `",` +
		`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + orgID + `"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/rw-forwarder"}}}]}`
}

// testCrossAccountDelivery forwards an event from a member's default bus to a
// bus of the management account, through a role, one hop, and finds it in a
// queue there.
func testCrossAccountDelivery(t *testing.T, ctx context.Context, w OrgWorld, _ Gaps) {
	o, err := w.Management.Org().Describe(ctx)
	check(t, "Describe", err)
	central := w.Management.Events(Home)
	b, err := central.CreateBus(ctx, "rw-central", nil)
	check(t, "CreateBus", err)
	check(t, "SetBusPolicy", central.SetBusPolicy(ctx, "rw-central", orgBusPolicy(b.ARN, o.ID)))
	q, err := w.Management.Queues(Home).CreateQueue(ctx, "rw-inbox", "", nil)
	check(t, "CreateQueue", err)
	const pattern = `{"source":["rw.cross"]}`
	inboxRule, err := central.PutRule(ctx, cloud.Rule{Name: "rw-inbox", Bus: "rw-central", Pattern: pattern})
	check(t, "PutRule on the central bus", err)
	check(t, "SetQueuePolicy", w.Management.Queues(Home).SetQueuePolicy(ctx, q.URL,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"`+q.ARN+`","Condition":{"ArnEquals":{"aws:SourceArn":"`+inboxRule+`"}}}]}`))
	check(t, "PutTargets on the central bus", central.PutTargets(ctx, "rw-central", "rw-inbox", []cloud.Target{{ID: "inbox", ARN: q.ARN}}))

	m, err := w.Management.Org().Assume(ctx, w.Members[0], cloud.DefaultAccessRole)
	check(t, "Assume", err)
	roleARN, err := m.Roles().CreateRole(ctx, cloud.Role{Name: "rw-forwarder",
		Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + w.Members[0] + `"}}}]}`})
	check(t, "CreateRole in the member", err)
	check(t, "PutRolePolicy", m.Roles().PutRolePolicy(ctx, "rw-forwarder", "put", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+b.ARN+`"}]}`))
	mev := m.Events(Home)
	_, err = mev.PutRule(ctx, cloud.Rule{Name: "rw-forward", Pattern: pattern})
	check(t, "PutRule in the member", err)
	check(t, "PutTargets to the central bus", mev.PutTargets(ctx, "", "rw-forward", []cloud.Target{{ID: "central", ARN: b.ARN, RoleARN: roleARN}}))
	ts, err := mev.Targets(ctx, "", "rw-forward")
	check(t, "Targets", err)
	if len(ts) != 1 || ts[0].ARN != b.ARN || ts[0].RoleARN != roleARN {
		t.Errorf("Targets = %+v, want the central bus through %s", ts, roleARN)
	}
	check(t, "PutEvents in the member", mev.PutEvents(ctx, "", []cloud.Event{{Source: "rw.cross", DetailType: "rw cross-account", Detail: `{"n":7}`}}))

	msg := receiveOne(t, ctx, w.Management.Queues(Home), q.URL)
	var ev struct {
		Source string          `json:"source"`
		Detail struct{ N int } `json:"detail"`
	}
	if err := json.Unmarshal([]byte(msg.Body), &ev); err != nil || ev.Source != "rw.cross" || ev.Detail.N != 7 {
		t.Errorf("the central queue got %q (%v), want the member's event", msg.Body, err)
	}
}
