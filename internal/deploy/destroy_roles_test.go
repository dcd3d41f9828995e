package deploy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestDestroyForeignRolePolicies on the fake and on moto: someone added an
// inline policy to rootwatch's roles and attached a managed policy to them
// (and the roles carry rootwatch's permissions boundary). IAM refuses
// DeleteRole while a policy is on the role, so the destroy plan deletes and
// detaches each on a line of its own first; then the roles are gone, and the
// managed policies, which are not rootwatch's, are still there. A
// permissions boundary does not stop DeleteRole, on either backend, as in
// IAM.
func TestDestroyForeignRolePolicies(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		tm := tamperer(t, a)
		withTrail(t, a)
		if _, err := tm.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy()); err != nil {
			t.Fatal(err)
		}
		o := opts("sec@example.com")
		o.Channels = testChannels(t)[:1]
		if _, err := deployOnce(ctx, a, o); err != nil {
			t.Fatal(err)
		}
		var attached []string
		for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
			r, err := a.Roles().Role(ctx, role)
			if err != nil || r.PermissionsBoundary == "" {
				t.Fatalf("role %s before destroy: %+v, %v; want it bounded", role, r, err)
			}
			if err := a.Roles().PutRolePolicy(ctx, role, "extra", doc); err != nil {
				t.Fatal(err)
			}
			arn, err := tm.CreateManagedPolicy("extra-"+role, doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := tm.AttachRolePolicy(role, arn); err != nil {
				t.Fatal(err)
			}
			attached = append(attached, arn)
		}

		p, err := PlanDestroy(ctx, a, DestroyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := describeChanges(p.Changes)
		var want []string
		for i, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
			want = append(want,
				"delete "+KindRolePolicy+"  "+role+"/extra",
				"delete "+KindRoleAttachment+"  "+role+" "+attached[i],
				"delete "+KindRole+"  "+role)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("destroy plan lacks %q:\n%s", w, strings.Join(got, "\n"))
			}
		}
		// Each role is emptied before it is deleted.
		for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
			del := slices.Index(got, "delete "+KindRole+"  "+role)
			for _, w := range []string{role + "/extra", role + " arn:"} {
				i := slices.IndexFunc(got, func(s string) bool { return strings.Contains(s, "  "+w) })
				if i < 0 || i > del {
					t.Errorf("%q is not removed before role %s is deleted:\n%s", w, role, strings.Join(got, "\n"))
				}
			}
		}
		if err := p.Apply(ctx); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		rolesGonePoliciesKept(t, a, attached...)
	})
}

// rolesGonePoliciesKept checks, after a destroy, that rootwatch's roles are
// gone and that the managed policies kept are still there: destroy detaches
// a managed policy from a role, never deletes it.
func rolesGonePoliciesKept(t *testing.T, a cloud.Account, kept ...string) {
	t.Helper()
	for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
		if _, err := a.Roles().Role(t.Context(), role); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("role %s after destroy: %v, want not found", role, err)
		}
	}
	for _, arn := range kept {
		if _, err := a.Roles().ManagedPolicy(t.Context(), arn); err != nil {
			t.Errorf("managed policy %s after destroy: %v; destroy deletes no managed policy", arn, err)
		}
	}
}

// TestDestroyRoleBoundaryReplaced on the fake and on moto: someone replaced
// the forwarder role's permissions boundary with a policy of their own, and
// replaced (moto) or removed (the fake, whose tamperer can) the channel
// role's. The least-privilege destroy policy deletes and detaches only while
// a role is bounded by rootwatch's boundary, so destroy puts it back first,
// on a plan line of its own before the role is emptied; then the roles are
// gone and both boundary policies remain. (That the destroy policy allows
// exactly this: TestIAMPolicyAllowsEveryCall's scenario "destroy after
// someone replaced a role's boundary".)
func TestDestroyRoleBoundaryReplaced(t *testing.T) {
	const narrow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		tm := tamperer(t, a)
		withTrail(t, a)
		boundary, err := tm.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy())
		if err != nil {
			t.Fatal(err)
		}
		o := opts("sec@example.com")
		o.Channels = testChannels(t)[:1]
		if _, err := deployOnce(ctx, a, o); err != nil {
			t.Fatal(err)
		}
		foreign, err := tm.CreateManagedPolicy("narrow", narrow)
		if err != nil {
			t.Fatal(err)
		}
		roles := []string{chain.ForwarderRoleName, chain.ChannelRoleName}
		wantDetail := map[string]string{}
		for _, role := range roles {
			if err := a.Roles().PutRoleBoundary(ctx, role, foreign); err != nil {
				t.Fatal(err)
			}
			wantDetail[role] = "put its permissions boundary " + BoundaryPolicyName + " back (someone replaced it with " + foreign + ")"
		}
		if f, ok := tm.(interface{ SetRoleBoundary(role, arn string) error }); ok {
			if err := f.SetRoleBoundary(chain.ChannelRoleName, ""); err != nil {
				t.Fatal(err)
			}
			wantDetail[chain.ChannelRoleName] = "bound it by " + BoundaryPolicyName
		}

		p, err := PlanDestroy(ctx, a, DestroyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Warnings) > 0 {
			t.Errorf("warnings %q, want none: rootwatch's boundary exists", p.Warnings)
		}
		got := describeChanges(p.Changes)
		for _, role := range roles {
			restore := slices.Index(got, "update "+KindRole+"  "+role)
			if restore < 0 {
				t.Fatalf("destroy plan does not bound %s by rootwatch's boundary again:\n%s", role, strings.Join(got, "\n"))
			}
			if d := p.Changes[restore].Detail; d != wantDetail[role] {
				t.Errorf("detail of %s's restore = %q, want %q", role, d, wantDetail[role])
			}
			emptied := slices.Index(got, "delete "+KindRolePolicy+"  "+role+"/"+map[string]string{chain.ForwarderRoleName: chain.ForwarderPolicyName, chain.ChannelRoleName: chain.ChannelPolicyName}[role])
			deleted := slices.Index(got, "delete "+KindRole+"  "+role)
			if !(restore < emptied && emptied < deleted) {
				t.Errorf("%s: restore at %d, emptied at %d, deleted at %d; want in that order:\n%s", role, restore, emptied, deleted, strings.Join(got, "\n"))
			}
		}
		if err := p.Apply(ctx); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		rolesGonePoliciesKept(t, a, boundary, foreign)
	})
}

// TestDestroyRoleForeignBoundaryNoRootwatchBoundary on the fake and on moto:
// rootwatch's boundary does not exist (an administrator deployed), and
// someone put a boundary of their own on the forwarder role. The
// least-privilege destroy policy cannot empty that role, and destroy cannot
// put a boundary back: the plan warns, naming the role, its boundary and the
// commands to run (deploy's note), and empties the role before anything else,
// so that without an administrator's rights destroy stops before changing
// anything. With them, it removes everything.
func TestDestroyRoleForeignBoundaryNoRootwatchBoundary(t *testing.T) {
	const narrow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		tm := tamperer(t, a)
		withTrail(t, a)
		if _, err := deployOnce(ctx, a, opts("sec@example.com")); err != nil {
			t.Fatal(err)
		}
		foreign, err := tm.CreateManagedPolicy("narrow", narrow)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Roles().PutRoleBoundary(ctx, chain.ForwarderRoleName, foreign); err != nil {
			t.Fatal(err)
		}
		id, err := a.Identity(ctx)
		if err != nil {
			t.Fatal(err)
		}

		p, err := PlanDestroy(ctx, a, DestroyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Warnings) != 1 {
			t.Fatalf("warnings %q, want one", p.Warnings)
		}
		for _, w := range []string{
			"role " + chain.ForwarderRoleName + " has the permissions boundary " + foreign + ", which is not rootwatch's",
			"destroy cannot put its own in its place because " + BoundaryARN("aws", id.Account) + " does not exist",
			"rootwatch iam-policy --boundary",
			"stops there with nothing changed",
			"aws iam create-policy --policy-name " + BoundaryPolicyName,
		} {
			if !strings.Contains(p.Warnings[0], w) {
				t.Errorf("warning %q lacks %q", p.Warnings[0], w)
			}
		}
		if strings.Contains(p.Warnings[0], "delete-role-permissions-boundary") {
			t.Errorf("warning %q advises removing the boundary, which leaves the role as impossible to empty under the destroy policy", p.Warnings[0])
		}
		got := describeChanges(p.Changes)
		if want := "delete " + KindRolePolicy + "  " + chain.ForwarderRoleName + "/" + chain.ForwarderPolicyName; len(got) == 0 || got[0] != want {
			t.Errorf("first change %q, want %q:\n%s", got[:min(1, len(got))], want, strings.Join(got, "\n"))
		}
		if slices.Contains(got, "update "+KindRole+"  "+chain.ForwarderRoleName) {
			t.Errorf("the plan puts a boundary on %s, but rootwatch's does not exist:\n%s", chain.ForwarderRoleName, strings.Join(got, "\n"))
		}
		if err := p.Apply(ctx); err != nil {
			t.Fatalf("destroy with every permission: %v", err)
		}
		if _, err := a.Roles().Role(ctx, chain.ForwarderRoleName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("role %s after destroy: %v, want not found", chain.ForwarderRoleName, err)
		}
	})
}
