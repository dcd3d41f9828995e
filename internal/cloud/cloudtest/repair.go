package cloudtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Tamperer is implemented by accounts on which a test can make the changes
// an actor (or an administrator) makes and rootwatch never does: a filter
// policy on a subscription, a managed policy created and attached to a role.
// The fake and the AWS adapter both implement it.
type Tamperer interface {
	SetFilterPolicy(subscriptionARN, policy string) error
	CreateManagedPolicy(name, document string) (string, error)
	DeleteManagedPolicy(policyARN string) error
	AttachRolePolicy(role, policyARN string) error
}

func tamperer(t *testing.T, a cloud.Account) Tamperer {
	t.Helper()
	if r, ok := a.(*Recorder); ok {
		a = r.Unwrap()
	}
	tm, ok := a.(Tamperer)
	if !ok {
		t.Skipf("%T cannot make an actor's changes (cloudtest.Tamperer)", a)
	}
	return tm
}

// testFilterPolicy (issue 9 case 3): a filter policy an actor sets is read
// back and keeps rootwatch's messages (which carry no attributes) from the
// subscription; RemoveFilterPolicy removes it and delivery resumes.
func testFilterPolicy(t *testing.T, ctx context.Context, a cloud.Account) {
	tm := tamperer(t, a)
	sns, sqs := a.Topics(Home), a.Queues(Home)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	q, err := sqs.CreateQueue(ctx, "rw-inbox", "", nil)
	check(t, "CreateQueue", err)
	sub, err := sns.Subscribe(ctx, arn, "sqs", q.ARN, true)
	check(t, "Subscribe", err)
	check(t, "RemoveFilterPolicy without one (nothing to do)", sns.RemoveFilterPolicy(ctx, sub))

	const filter = `{"severity":["none-such"]}`
	check(t, "SetFilterPolicy", tm.SetFilterPolicy(sub, filter))
	subs, err := sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions", err)
	if len(subs) != 1 {
		t.Fatalf("Subscriptions = %+v", subs)
	}
	sameJSON(t, "filter policy read back", subs[0].FilterPolicy, filter)
	check(t, "Publish", sns.Publish(ctx, arn, "", "filtered"))
	msgs, err := sqs.Receive(ctx, q.URL, 10, time.Second, 0)
	check(t, "Receive", err)
	if len(msgs) != 0 {
		t.Errorf("a filter policy on attributes let %d attribute-less message(s) through", len(msgs))
	}

	check(t, "RemoveFilterPolicy", sns.RemoveFilterPolicy(ctx, sub))
	subs, err = sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions after RemoveFilterPolicy", err)
	if len(subs) != 1 || subs[0].FilterPolicy != "" {
		t.Errorf("Subscriptions after RemoveFilterPolicy = %+v, want no filter policy", subs)
	}
	check(t, "Publish after RemoveFilterPolicy", sns.Publish(ctx, arn, "", "delivered"))
	if m := receiveOne(t, ctx, sqs, q.URL); m.Body != "delivered" {
		t.Errorf("delivered body = %q", m.Body)
	}
	wantNotFound(t, "RemoveFilterPolicy of a missing subscription", sns.RemoveFilterPolicy(ctx, arn+":00000000-0000-0000-0000-000000000000"))
}

// testRolePermissions (issue 9 case 5): a role's inline policies and
// attached managed policies are listed, a managed policy is detached, and
// a boundary is put in place of another.
func testRolePermissions(t *testing.T, ctx context.Context, a cloud.Account) {
	tm := tamperer(t, a)
	iam := a.Roles()
	const role = "rw-perms"
	_, err := iam.CreateRole(ctx, cloud.Role{Name: role, Trust: eventsTrust})
	check(t, "CreateRole", err)
	names, err := iam.RolePolicyNames(ctx, role)
	check(t, "RolePolicyNames", err)
	arns, err := iam.RoleManagedPolicies(ctx, role)
	check(t, "RoleManagedPolicies", err)
	if len(names) != 0 || len(arns) != 0 {
		t.Errorf("a new role has inline policies %v and managed policies %v", names, arns)
	}
	const allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"*"}]}`
	const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"events:PutEvents","Resource":"*"}]}`
	check(t, "PutRolePolicy", iam.PutRolePolicy(ctx, role, "rw-b", allow))
	check(t, "PutRolePolicy", iam.PutRolePolicy(ctx, role, "rw-a", deny))
	names, err = iam.RolePolicyNames(ctx, role)
	check(t, "RolePolicyNames", err)
	if !slices.Equal(names, []string{"rw-a", "rw-b"}) {
		t.Errorf("RolePolicyNames = %v, want [rw-a rw-b]", names)
	}

	var created []string // deleted at the end (after the role): endpoints that are not reset keep them
	t.Cleanup(func() {
		for _, arn := range created {
			if err := tm.DeleteManagedPolicy(arn); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
	})
	create := func(name, doc string) string {
		t.Helper()
		arn, err := tm.CreateManagedPolicy(name, doc)
		check(t, "CreateManagedPolicy "+name, err)
		created = append(created, arn)
		return arn
	}
	denyARN, boundA, boundB := create("rw-deny", deny), create("rw-bound-a", allow), create("rw-bound-b", deny)
	check(t, "AttachRolePolicy", tm.AttachRolePolicy(role, denyARN))
	arns, err = iam.RoleManagedPolicies(ctx, role)
	check(t, "RoleManagedPolicies", err)
	if !slices.Equal(arns, []string{denyARN}) {
		t.Errorf("RoleManagedPolicies = %v, want [%s]", arns, denyARN)
	}
	doc, err := iam.ManagedPolicy(ctx, denyARN)
	check(t, "ManagedPolicy", err)
	sameJSON(t, "attached policy document", doc, deny)

	check(t, "PutRoleBoundary", iam.PutRoleBoundary(ctx, role, boundB))
	check(t, "PutRoleBoundary (replacing)", iam.PutRoleBoundary(ctx, role, boundA))
	r, err := iam.Role(ctx, role)
	check(t, "Role", err)
	if r.PermissionsBoundary != boundA {
		t.Errorf("boundary = %q, want %q", r.PermissionsBoundary, boundA)
	}

	if err := iam.DeleteRole(ctx, role); err == nil {
		t.Fatal("DeleteRole with policies attached succeeded, want DeleteConflict")
	}
	check(t, "DetachRolePolicy", iam.DetachRolePolicy(ctx, role, denyARN))
	arns, err = iam.RoleManagedPolicies(ctx, role)
	check(t, "RoleManagedPolicies after DetachRolePolicy", err)
	if len(arns) != 0 {
		t.Errorf("RoleManagedPolicies after DetachRolePolicy = %v", arns)
	}
	wantNotFound(t, "DetachRolePolicy of a policy not attached", iam.DetachRolePolicy(ctx, role, denyARN))
	_, err = iam.RolePolicyNames(ctx, "rw-missing")
	wantNotFound(t, "RolePolicyNames(missing role)", err)
	_, err = iam.RoleManagedPolicies(ctx, "rw-missing")
	wantNotFound(t, "RoleManagedPolicies(missing role)", err)
	// Inline policies alone also keep the role (destroy deletes them first).
	if err := iam.DeleteRole(ctx, role); err == nil {
		t.Fatal("DeleteRole with inline policies succeeded, want DeleteConflict")
	}
	for _, n := range []string{"rw-a", "rw-b"} {
		check(t, "DeleteRolePolicy", iam.DeleteRolePolicy(ctx, role, n))
	}
	// A permissions boundary does not: IAM deletes a role with its boundary.
	check(t, "DeleteRole (with a boundary)", iam.DeleteRole(ctx, role))
	_, err = iam.Role(ctx, role)
	wantNotFound(t, "Role after DeleteRole", err)
}
