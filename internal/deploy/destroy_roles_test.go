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
		for _, role := range []string{chain.ForwarderRoleName, chain.ChannelRoleName} {
			if _, err := a.Roles().Role(ctx, role); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("role %s after destroy: %v, want not found", role, err)
			}
		}
		for _, arn := range attached {
			if _, err := a.Roles().ManagedPolicy(ctx, arn); err != nil {
				t.Errorf("managed policy %s after destroy: %v; destroy only detaches what is not rootwatch's", arn, err)
			}
		}
	})
}
